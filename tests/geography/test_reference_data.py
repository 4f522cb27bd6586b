import datetime
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from beneficiaries.models import EthnicGroup
from geography.models import AdministrativeUnit, Level, UnitSuccession
from programs.models import BudgetYear, Program, Project, SubProject
from tests.factories import unit

ROOT = Path(__file__).resolve().parents[2]
DATA_FILES = [
    ROOT / "geography/data/vn_provinces_2025.csv",
    ROOT / "geography/data/bac_kan_districts_pre2025.csv",
    ROOT / "geography/data/bac_kan_communes_pre2025.csv",
    ROOT / "geography/data/bac_kan_commune_regions.csv",
    ROOT / "geography/data/thai_nguyen_communes_2025.csv",
    ROOT / "beneficiaries/data/ethnic_groups_vn.csv",
    ROOT / "programs/data/programs.json",
    ROOT / "programs/data/program_structure.json",
]

pytestmark = pytest.mark.usefixtures("reference_data")


def counts():
    return (
        AdministrativeUnit.objects.count(),
        UnitSuccession.objects.count(),
        EthnicGroup.objects.count(),
        Program.objects.count(),
        Project.objects.count(),
        SubProject.objects.count(),
        BudgetYear.objects.count(),
    )


def test_bac_kan_has_its_eight_districts_and_108_communes():
    bac_kan = unit("06")
    districts = AdministrativeUnit.objects.filter(parent=bac_kan, level=Level.DISTRICT)
    assert districts.count() == 8
    assert sorted(districts.values_list("code", flat=True)) == ["058", "060", "061", "062", "063", "064", "065", "066"]
    communes = AdministrativeUnit.objects.below(bac_kan).filter(level=Level.COMMUNE)
    assert communes.count() == 108
    assert AdministrativeUnit.objects.get(code="064").name == "Huyện Chợ Đồn"
    assert AdministrativeUnit.objects.get(code="058").get_unit_type_display() == "Thành phố thuộc tỉnh"


def test_bac_kan_units_end_on_the_day_before_the_2025_reform():
    last_day = datetime.date(2025, 6, 30)
    below = AdministrativeUnit.objects.below(unit("06"))
    assert set(below.values_list("valid_to", flat=True)) == {last_day}


def test_commune_regions_follow_decision_861_where_known():
    communes = AdministrativeUnit.objects.below(unit("06")).filter(level=Level.COMMUNE)
    assert communes.filter(region="III").count() == 39
    assert communes.filter(region="II").count() == 3
    assert communes.filter(region="I").count() == 15
    unknown = communes.filter(region="")
    assert unknown.count() == 51
    assert all(u.region_candidates for u in unknown)
    assert set(communes.values_list("region_decision", flat=True)) == {"861/QĐ-TTg"}


def test_communes_hang_straight_under_the_new_province_since_july_2025():
    new_thai_nguyen = unit("19", current=True)
    communes = AdministrativeUnit.objects.filter(parent=new_thai_nguyen)
    assert communes.count() == 92
    assert set(communes.values_list("level", flat=True)) == {Level.COMMUNE}
    cho_ra = unit("01912", current=True)
    assert cho_ra.path == "19@20250701/01912@20250701/"
    predecessors = AdministrativeUnit.objects.filter(successions__successor=cho_ra).order_by("code")
    assert list(predecessors.values_list("code", flat=True)) == ["01888", "01912", "01915"]


def test_a_code_reused_by_the_reform_keeps_both_versions():
    versions = AdministrativeUnit.objects.filter(code="19")
    assert {(v.valid_from, v.valid_to) for v in versions} == {
        (None, datetime.date(2025, 6, 30)),
        (datetime.date(2025, 7, 1), None),
    }
    old, new = unit("19"), unit("19", current=True)
    assert old.path != new.path
    assert UnitSuccession.objects.filter(predecessor=unit("06"), successor=new).exists()
    assert UnitSuccession.objects.filter(predecessor=old, successor=new).exists()


def test_there_are_34_provinces_after_the_reform():
    today_provinces = AdministrativeUnit.objects.filter(level=Level.PROVINCE).valid_on(datetime.date(2026, 1, 1))
    assert today_provinces.count() == 34
    before = AdministrativeUnit.objects.filter(level=Level.PROVINCE).valid_on(datetime.date(2025, 6, 30))
    assert before.count() == 63


def test_54_ethnic_groups_with_official_codes():
    assert EthnicGroup.objects.count() == 54
    assert EthnicGroup.objects.get(code="01").name == "Kinh"
    assert EthnicGroup.objects.get(code="01").is_minority is False
    assert EthnicGroup.objects.get(code="02").name == "Tày"
    assert EthnicGroup.objects.filter(is_minority=True).count() == 53


def test_program_phase_one_has_ten_projects_and_thirteen_subprojects():
    phase_one = Program.objects.get(phase=1)
    assert phase_one.decision_no == "1719/QĐ-TTg"
    assert phase_one.decision_date == datetime.date(2021, 10, 14)
    assert (phase_one.start_year, phase_one.end_year) == (2021, 2025)
    codes = list(phase_one.projects.values_list("code", flat=True))
    assert codes == [f"DA{n}" for n in range(1, 11)]
    assert SubProject.objects.filter(project__program=phase_one).count() == 13
    assert list(Project.objects.get(code="DA5").subprojects.values_list("code", flat=True)) == [
        "DA5.TDA1",
        "DA5.TDA2",
        "DA5.TDA3",
        "DA5.TDA4",
    ]
    assert Project.objects.get(code="DA7").capital_type_list == ["recurrent"]
    assert SubProject.objects.get(code="DA4.TDA2").capital_type_list == ["investment"]


def test_budget_years_point_at_the_phase_whose_structure_applies():
    assert list(BudgetYear.objects.values_list("year", flat=True)) == list(range(2021, 2031))
    assert BudgetYear.objects.get(year=2024).program.phase == 1
    assert BudgetYear.objects.get(year=2026).program.phase == 2


def test_loading_twice_leaves_the_same_counts():
    before = counts()
    call_command("load_reference_data", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    assert counts() == before


def _copy_data(tmp_path):
    for path in DATA_FILES:
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def _break_and_expect(tmp_path, file_name, text, expected_message):
    """Rename a district in one file (loaded first), break `file_name`, and check nothing was written."""
    districts = tmp_path / "bac_kan_districts_pre2025.csv"
    districts.write_text(
        districts.read_text(encoding="utf-8").replace("Huyện Ba Bể", "Huyện Ba Bể ĐỔI TÊN"), encoding="utf-8"
    )
    (tmp_path / file_name).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    before = counts()
    with pytest.raises(CommandError) as error:
        call_command("load_reference_data", data_dir=str(tmp_path), verbosity=0)
    assert "không có gì được ghi" in str(error.value)
    assert expected_message in str(error.value)
    assert counts() == before
    assert AdministrativeUnit.objects.get(code="061").name == "Huyện Ba Bể"


def test_a_bad_code_in_the_ethnic_groups_names_file_and_line_and_writes_nothing(tmp_path):
    _copy_data(tmp_path)
    text = (tmp_path / "ethnic_groups_vn.csv").read_text(encoding="utf-8").replace("\n03,", "\nX3,", 1)
    _break_and_expect(tmp_path, "ethnic_groups_vn.csv", text, "ethnic_groups_vn.csv: dòng 4: mã dân tộc 'X3'")


def test_a_missing_column_is_named(tmp_path):
    _copy_data(tmp_path)
    _break_and_expect(tmp_path, "ethnic_groups_vn.csv", "code,name_vi\n01,Kinh\n", "thiếu cột name_vi_common_spelling")


def test_a_corrupt_json_structure_writes_nothing(tmp_path):
    _copy_data(tmp_path)
    _break_and_expect(
        tmp_path, "program_structure.json", '[{"code": "DA1", "name_vi": ', "program_structure.json: tệp JSON hỏng"
    )


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    _copy_data(tmp_path)
    _break_and_expect(tmp_path, "thai_nguyen_communes_2025.csv", b"\xff\xfe\x00garbage", "không phải văn bản UTF-8")


def test_a_missing_file_is_named(tmp_path):
    _copy_data(tmp_path)
    (tmp_path / "programs.json").unlink()
    before = counts()
    with pytest.raises(CommandError, match="Không tìm thấy tệp .*programs.json"):
        call_command("load_reference_data", data_dir=str(tmp_path), verbosity=0)
    assert counts() == before


def test_a_district_of_an_unknown_province_is_refused(tmp_path):
    _copy_data(tmp_path)
    path = tmp_path / "bac_kan_districts_pre2025.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("06,Tỉnh Bắc Kạn,064", "98,Tỉnh Bắc Kạn,064"), encoding="utf-8"
    )
    with pytest.raises(CommandError, match="bac_kan_districts_pre2025.csv: dòng 7: không có tỉnh mã '98'"):
        call_command("load_reference_data", data_dir=str(tmp_path), verbosity=0)
