from tests.factories import TEST_PASSWORD, UserFactory, unit


def log_in(page, username, password):
    page.goto(page.base_url + "/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_an_officer_signs_in_in_vietnamese_switches_to_english_and_signs_out(page, screenshot, reference_data):
    UserFactory(username="huyen.babe", role="district", unit=unit("061"), full_name="Hoàng Văn Ba")

    page.goto(page.base_url + "/")
    assert page.url.startswith(page.base_url + "/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_role("heading", name="Đăng nhập").is_visible()
    screenshot("login")

    log_in(page, "huyen.babe", "sai-mat-khau")
    assert page.get_by_role("alert").inner_text().startswith("Tên đăng nhập hoặc mật khẩu không đúng")

    log_in(page, "huyen.babe", TEST_PASSWORD)
    page.get_by_role("heading", name="Xin chào, Hoàng Văn Ba").wait_for()
    assert "Huyện Ba Bể" in page.locator("main").inner_text()
    assert "tại ngày 30/06/2025" in page.locator("main").inner_text()
    screenshot("home-district")

    page.get_by_role("button", name="EN", exact=True).click()
    page.get_by_role("heading", name="Hello, Hoàng Văn Ba").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="VI", exact=True).click()
    page.get_by_role("heading", name="Xin chào, Hoàng Văn Ba").wait_for()

    page.get_by_role("button", name="huyen.babe").click()
    page.get_by_role("button", name="Đăng xuất").click()
    page.get_by_role("heading", name="Đăng nhập").wait_for()


def test_a_province_officer_browses_the_unit_tree_and_never_sees_another_province(page, screenshot, reference_data):
    UserFactory(username="tinh.backan", role="province", unit=unit("06"), full_name="Triệu Thị Thu")
    log_in(page, "tinh.backan", TEST_PASSWORD)
    page.get_by_role("link", name="Địa bàn", exact=True).click()
    page.get_by_role("heading", name="Tỉnh Bắc Kạn").wait_for()
    page.get_by_role("link", name="Huyện Pác Nặm").click()
    page.get_by_role("heading", name="Huyện Pác Nặm").wait_for()
    rows = page.locator("tbody tr")
    assert rows.count() == 10
    screenshot("unit-district")

    other_province = unit("04")  # Cao Bằng
    response = page.goto(page.base_url + f"/units/{other_province.pk}/")
    assert response.status == 404
    assert "không thuộc địa bàn của bạn" in page.locator("main").inner_text()
