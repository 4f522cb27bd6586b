"""Loading the 54 ethnic groups (GSO codes) from beneficiaries/data/ethnic_groups_vn.csv."""

import re
from pathlib import Path

from ethnic_portal.reference_data import data_file, read_csv, require

from .models import EthnicGroup

DATA_DIR = Path(__file__).resolve().parent / "data"


def load_ethnic_groups(data_dir=None) -> None:
    path = data_file(DATA_DIR / "ethnic_groups_vn.csv", data_dir)
    for line, row in read_csv(path, ["code", "name_vi", "name_vi_common_spelling", "other_names", "is_minority"]):
        require(bool(re.fullmatch(r"\d{2}", row["code"])), path, line, f"mã dân tộc '{row['code']}' phải gồm 2 chữ số")
        require(bool(row["name_vi"]), path, line, "thiếu tên dân tộc")
        require(row["is_minority"] in {"yes", "no"}, path, line, "cột is_minority phải là yes hoặc no")
        EthnicGroup.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name_vi"],
                "common_spelling": row["name_vi_common_spelling"],
                "other_names": row["other_names"],
                "is_minority": row["is_minority"] == "yes",
            },
        )
