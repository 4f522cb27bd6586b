"""What makes the synthetic nation look like Vietnam: how mountainous each province is, which ethnic groups live
there, the family and given names of each group, and the syllables of place names.

Plausible, not statistics: the shares are rough orders of magnitude chosen so that the load has the shape of the
real program (most of the money and the people in the northern mountains and the Central Highlands, Khmer
households in the Mekong delta, few in the big cities). Every string is NFC and free of tabs, newlines and
backslashes (the COPY text format relies on it; `check_pools` proves it at import).
"""

import unicodedata

# Province (code after the 2025 reform) → profile: how its communes split into regions I/II/III and which ethnic
# groups its people belong to, and a weight for how much of the program's households, persons and capital it gets.
MOUNTAIN, MIDLAND, LOWLAND = "mountain", "midland", "lowland"

PROVINCE_TERRAIN = {
    "04": MOUNTAIN,  # Cao Bằng
    "08": MOUNTAIN,  # Tuyên Quang (with Hà Giang)
    "11": MOUNTAIN,  # Điện Biên
    "12": MOUNTAIN,  # Lai Châu
    "14": MOUNTAIN,  # Sơn La
    "15": MOUNTAIN,  # Lào Cai (with Yên Bái)
    "19": MOUNTAIN,  # Thái Nguyên (with Bắc Kạn)
    "20": MOUNTAIN,  # Lạng Sơn
    "51": MOUNTAIN,  # Quảng Ngãi (with Kon Tum)
    "52": MOUNTAIN,  # Gia Lai
    "66": MOUNTAIN,  # Đắk Lắk
    "68": MOUNTAIN,  # Lâm Đồng (with Đắk Nông)
    "22": MIDLAND,  # Quảng Ninh
    "25": MIDLAND,  # Phú Thọ (with Hòa Bình)
    "38": MIDLAND,  # Thanh Hóa
    "40": MIDLAND,  # Nghệ An
    "42": MIDLAND,  # Hà Tĩnh
    "44": MIDLAND,  # Quảng Trị
    "46": MIDLAND,  # Huế
    "48": MIDLAND,  # Đà Nẵng (with Quảng Nam)
    "56": MIDLAND,  # Khánh Hòa
    "75": MIDLAND,  # Đồng Nai
    "80": MIDLAND,  # Tây Ninh
    "86": MIDLAND,  # Vĩnh Long (with Trà Vinh)
    "91": MIDLAND,  # An Giang
    "92": MIDLAND,  # Cần Thơ (with Sóc Trăng)
    "96": MIDLAND,  # Cà Mau
}  # the others (Hà Nội, Bắc Ninh, Hải Phòng, Hưng Yên, Ninh Bình, Hồ Chí Minh, Đồng Tháp) are lowland

# Share of communes in region III, II (the rest are region I), and the weight of the province's people.
TERRAIN = {
    MOUNTAIN: {"III": 0.50, "II": 0.15, "weight": 5.0},
    MIDLAND: {"III": 0.18, "II": 0.14, "weight": 1.6},
    LOWLAND: {"III": 0.02, "II": 0.06, "weight": 0.35},
}
# How much more a commune of each region gets (lines of capital, amounts, households).
REGION_WEIGHT = {"III": 2.0, "II": 1.3, "I": 0.6, "": 0.6}

# Ethnic groups (GSO codes of beneficiaries/data/ethnic_groups_vn.csv) and their weights, by area.
NORTHEAST = [("02", 35), ("07", 25), ("09", 15), ("08", 13), ("15", 4), ("01", 8)]
NORTHWEST = [("03", 35), ("08", 30), ("09", 8), ("35", 4), ("29", 5), ("25", 3), ("02", 5), ("01", 10)]
NORTH_MIDLAND = [("06", 50), ("09", 15), ("18", 10), ("02", 5), ("01", 20)]
NORTH_CENTRAL = [("03", 40), ("06", 30), ("29", 8), ("08", 8), ("24", 4), ("01", 10)]
CENTRAL = [("23", 25), ("31", 15), ("26", 20), ("19", 15), ("21", 10), ("30", 5), ("01", 10)]
HIGHLANDS = [("10", 30), ("12", 25), ("13", 12), ("16", 10), ("20", 8), ("14", 8), ("28", 3), ("01", 4)]
SOUTHEAST = [("22", 25), ("32", 15), ("04", 25), ("05", 20), ("17", 5), ("01", 10)]
MEKONG = [("05", 65), ("04", 15), ("17", 8), ("01", 12)]
DELTA = [("06", 25), ("09", 20), ("18", 20), ("02", 10), ("04", 5), ("01", 20)]

PROVINCE_ETHNIC = {
    "04": NORTHEAST,
    "08": NORTHEAST,
    "19": NORTHEAST,
    "20": NORTHEAST,
    "11": NORTHWEST,
    "12": NORTHWEST,
    "14": NORTHWEST,
    "15": NORTHWEST,
    "22": NORTH_MIDLAND,
    "25": NORTH_MIDLAND,
    "37": NORTH_MIDLAND,
    "38": NORTH_CENTRAL,
    "40": NORTH_CENTRAL,
    "42": NORTH_CENTRAL,
    "44": CENTRAL,
    "46": CENTRAL,
    "48": CENTRAL,
    "51": CENTRAL,
    "56": CENTRAL,
    "52": HIGHLANDS,
    "66": HIGHLANDS,
    "68": HIGHLANDS,
    "75": SOUTHEAST,
    "79": SOUTHEAST,
    "80": SOUTHEAST,
    "82": MEKONG,
    "86": MEKONG,
    "91": MEKONG,
    "92": MEKONG,
    "96": MEKONG,
}  # the others: DELTA

# Naming tradition of each group: family names, and given names where they differ from the common Vietnamese ones.
CULTURE_OF = {
    "02": "tay_nung",
    "07": "tay_nung",
    "15": "tay_nung",
    "25": "tay_nung",
    "08": "mong",
    "09": "dao",
    "03": "thai",
    "29": "thai",
    "35": "thai",
    "24": "muong",
    "06": "muong",
    "18": "dao",
    "23": "central",
    "31": "central",
    "26": "central",
    "19": "central",
    "21": "central",
    "30": "central",
    "10": "highlands",
    "12": "highlands",
    "13": "highlands",
    "16": "highlands",
    "20": "highlands",
    "14": "highlands",
    "28": "highlands",
    "22": "highlands",
    "32": "highlands",
    "05": "khmer",
    "17": "khmer",
    "04": "hoa",
    "01": "kinh",
}

FAMILY = {
    "tay_nung": "Hoàng Nông Lương Triệu Lăng Đàm Hà Lục Bế Ma Vi Lý Mã Hứa Chu Ngôn Lâm Đinh",
    "mong": "Giàng Sùng Vàng Thào Lý Hầu Mùa Lầu Hạng Cứ Tráng Mua Chá Vừ Ly",
    "dao": "Triệu Bàn Đặng Lý Chảo Phùng Tẩn Lò Trần Hoàng Dương Lục",
    "thai": "Lò Lường Cầm Quàng Điêu Tòng Vi Hà Lừ Sầm Lê Mè Bạc Khà",
    "muong": "Bùi Đinh Quách Hà Xa Bạch Cao Phạm Nguyễn Hoàng",
    "central": "Hồ Alăng Bhling Pơloong Đinh Briu Zơrâm Arất Coor Kray Hiên Blúp Phạm Nguyễn",
    "highlands": "Ksor Siu Nay Kpă Niê Êban Mlô Hđơk Liêng Rcom Rahlan Byă Đinh Điểu Thị",
    "khmer": "Thạch Danh Kim Sơn Lâm Châu Huỳnh Lý Trần Tăng",
    "hoa": "Lưu Trương Quách Lâm Mạc Diệp Hứa Tăng Lý Phù Vương Hồng",
    "kinh": "Nguyễn Trần Lê Phạm Hoàng Vũ Đặng Bùi Đỗ Hồ Ngô Dương Đinh Lý Trịnh Phan",
}

MIDDLE_MALE = "Văn Văn Văn Đức Minh Quang Hữu Công Xuân Thành Ngọc Đình Trung Tiến Mạnh"
MIDDLE_FEMALE = "Thị Thị Thị Thị Ngọc Thu Hồng Kim Thanh Bích Mai Diệu"
MIDDLE = {
    "highlands": ("Y A Y Y Rơ Ma", "H' H' H' Thị Ma"),
    "khmer": ("Văn Sô Sa Chanh Văn", "Thị Thị Sa Ma Sô"),
    "mong": ("A Văn Seo Văn Mí", "Thị Thị Mỷ Thị"),
}

GIVEN_MALE = (
    "An Anh Bảo Bình Cường Chiến Công Dũng Duy Dương Đạt Định Đông Đức Giang Hải Hào Hiếu Hiệp Hòa Hoàn Hùng Huy "
    "Hưng Khải Khang Khánh Khoa Kiên Lâm Lịch Linh Long Lộc Lợi Luận Mạnh Minh Nam Nghĩa Ngọc Nhân Ninh Phong Phúc "
    "Phương Quân Quang Quý Quyết Sang Sinh Sơn Tài Tâm Tân Thái Thắng Thanh Thành Thạo Thiện Thịnh Thông Thuận Tiến "
    "Toàn Trọng Trung Trường Tuấn Tùng Tư Vinh Việt Vũ Xuân Yên"
)
GIVEN_FEMALE = (
    "An Anh Ánh Bích Chi Cúc Dung Duyên Đào Giang Hà Hằng Hạnh Hiền Hoa Hoài Hồng Huệ Hương Huyền Khuyên Lan Liên "
    "Linh Loan Lụa Mai Mây Minh My Nga Ngân Nguyệt Nhàn Nhung Oanh Phượng Quyên Quỳnh Sen Sinh Tâm Thanh Thảo Thoa "
    "Thơm Thu Thủy Thúy Thương Trang Trinh Tuyết Uyên Vân Xuân Yến"
)
GIVEN = {
    "mong": (
        "Páo Sính Chứ Mí Dế Pó Chờ Lử Sùng Tủa Cở Dình Sểnh Chúng Lềnh Tính Nhè Xà Súa Vư Pao Tráng Chư Nủ Kỷ Chả",
        "Mỷ Dua Chúa Mai Pằng Ly Mỉ Sua Dợ Máy Súa Chở Dính Pà Của Ma Sâu Vàng Lầu Dú",
    ),
    "thai": (
        "Ún Phóng Khăm Panh Ón Xiêng Ngọc Thanh Piên Hom Hặc Phăn Pọm Tiến Ươi Đôi Bun Xôm Chăn Lả Inh Quyết",
        "Ón Xuân Ơn Pỏm Hom Ươi Ỉn Ngọc Lả Mai Chiêng Xoan Bua Ín Pâng Nọi Ẻn Kim",
    ),
    "highlands": (
        "Blươi Bhin Djuin Kpă Hlim Nhiên Phun Thuê Sương Brơi Kơ Bơi Hriêng Dơng Hyưm Nguôi Trin Jơn Krih Sơn",
        "Nhi Bla Hlum Ngơi Yơn Jơn Hlin Drim Nga Bơk Lah Nhuin Jim Dơk Luyên Ngót Kim Hwan",
    ),
    "khmer": (
        "Phol Sóc Som Sơn Thươl Sa Ri Sương Sắc Kha Chanh Thol Hên Sa Rươn Pho Chum Sóc Khánh Đa Ra",
        "Sa Ra Sa Ri Ngọc Sa Thi Chanh Thươl Sa Rươn Som Phát Da Ny Sóc Ni",
    ),
}

# Syllables of commune and village names.
PLACE = (
    "An Bình Bắc Cẩm Châu Chiến Đông Đồng Đức Gia Hà Hải Hạ Hiệp Hòa Hồng Hợp Hưng Hương Khánh Kim Lạc Lâm Liên Long "
    "Lộc Lương Minh Mỹ Nam Nghĩa Ngọc Nhân Phong Phú Phúc Quang Quảng Quyết Sơn Tân Tây Thạch Thái Thành Thanh Thắng "
    "Thịnh Thuận Thượng Tiến Trung Trường Tú Vạn Việt Vĩnh Xuân Yên"
)
VILLAGE_PLACE = (
    "Nà Pác Khuổi Bản Nặm Phiêng Cốc Lũng Phya Nà Khau Sáng Pù Co Huổi Ta Làng Buôn Plei Sóc Thôn"  # first syllables
)
VILLAGE_SUFFIX = (
    "Mòn Slam Lạn Dài Hin Cải Pục Tẩu Mạ Đông Thẳm Quang Phầy Nưa Chang Kéo Lùng Pán Vai Hao Ngòa Táo Mới Trên Dưới"
)


def _split(text: str) -> tuple[str, ...]:
    return tuple(unicodedata.normalize("NFC", item) for item in text.split())


def pools() -> dict:
    """The name pools as tuples, per culture."""
    result = {}
    for culture, family in FAMILY.items():
        middle_male, middle_female = MIDDLE.get(culture, (MIDDLE_MALE, MIDDLE_FEMALE))
        given_male, given_female = GIVEN.get(culture, (GIVEN_MALE, GIVEN_FEMALE))
        # Every group also uses the common Vietnamese given names.
        if culture in GIVEN:
            given_male, given_female = f"{given_male} {GIVEN_MALE}", f"{given_female} {GIVEN_FEMALE}"
        result[culture] = {
            "family": _split(family),
            "middle": (_split(middle_male), _split(middle_female)),
            "given": (_split(given_male), _split(given_female)),
        }
    return result


POOLS = pools()
PLACES = _split(PLACE)
VILLAGE_FIRST = _split(VILLAGE_PLACE)
VILLAGE_LAST = _split(VILLAGE_SUFFIX)


def check_pools() -> None:
    texts = [PLACE, VILLAGE_PLACE, VILLAGE_SUFFIX, MIDDLE_MALE, MIDDLE_FEMALE, GIVEN_MALE, GIVEN_FEMALE]
    texts += list(FAMILY.values()) + [t for pair in MIDDLE.values() for t in pair]
    texts += [t for pair in GIVEN.values() for t in pair]
    for text in texts:
        if any(ch in text for ch in "\t\n\r\\") or unicodedata.normalize("NFC", text) != text:
            raise ValueError(f"name pool not clean: {text[:40]}")


check_pools()
