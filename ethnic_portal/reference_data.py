"""Reading the reference files shipped in the repository (copied from shared/domain).

Loaders raise ReferenceDataError with the file, the line and what is wrong; the
load_reference_data command runs them in one transaction, so a bad file writes nothing.
"""

import csv
import json
from pathlib import Path


class ReferenceDataError(Exception):
    pass


def data_file(default: Path, data_dir: Path | None) -> Path:
    """The file to read: `default`, or the file of the same name in `data_dir` when given."""
    return (Path(data_dir) / default.name) if data_dir else default


def read_csv(path: Path, required: list[str]) -> list[tuple[int, dict]]:
    """Rows of a UTF-8 CSV file as (line number, dict), after checking its header."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [column for column in required if column not in header]
            if missing:
                raise ReferenceDataError(f"{path.name}: thiếu cột {', '.join(missing)}")
            rows = []
            for row in reader:
                if None in row or any(value is None for value in row.values()):
                    raise ReferenceDataError(f"{path.name}: dòng {reader.line_num}: số cột không khớp với tiêu đề")
                rows.append((reader.line_num, {key: (value or "").strip() for key, value in row.items()}))
    except FileNotFoundError as exc:
        raise ReferenceDataError(f"Không tìm thấy tệp {path}") from exc
    except UnicodeDecodeError as exc:
        raise ReferenceDataError(f"{path.name}: tệp không phải văn bản UTF-8") from exc
    except csv.Error as exc:
        raise ReferenceDataError(f"{path.name}: tệp CSV hỏng ({exc})") from exc
    if not rows:
        raise ReferenceDataError(f"{path.name}: tệp không có dòng dữ liệu nào")
    return rows


def read_json(path: Path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError as exc:
        raise ReferenceDataError(f"Không tìm thấy tệp {path}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReferenceDataError(f"{path.name}: tệp JSON hỏng ({exc})") from exc


def require(condition: bool, path: Path, line: int, message: str) -> None:
    if not condition:
        raise ReferenceDataError(f"{path.name}: dòng {line}: {message}")
