"""Loading the program phases, their project trees and the budget years from programs/data."""

import datetime
import re
from pathlib import Path

from ethnic_portal.reference_data import ReferenceDataError, data_file, read_json

from .models import BudgetYear, CapitalType, Program, Project, SubProject

DATA_DIR = Path(__file__).resolve().parent / "data"
PROJECT_CODE = re.compile(r"DA(\d{1,2})")
SUBPROJECT_CODE = re.compile(r"DA(\d{1,2})\.TDA(\d{1,2})")


def _capital_types(raw, where: str) -> str:
    if not isinstance(raw, list) or not raw:
        raise ReferenceDataError(f"{where}: thiếu loại vốn")
    values = []
    for item in raw:
        value = str(item).split(" ")[0].rstrip("?")  # "investment?" = recorded but unconfirmed
        if value not in CapitalType.values:
            raise ReferenceDataError(f"{where}: loại vốn '{item}' không hợp lệ")
        if value not in values:
            values.append(value)
    return ",".join(sorted(values))


def _text(item: dict, key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ReferenceDataError(f"{where}: thiếu '{key}'")
    return value.strip()


def load_structure(program: Program, path: Path) -> None:
    projects = read_json(path)
    if not isinstance(projects, list) or not projects:
        raise ReferenceDataError(f"{path.name}: phải là danh sách dự án")
    for index, item in enumerate(projects, start=1):
        where = f"{path.name}: dự án thứ {index}"
        if not isinstance(item, dict):
            raise ReferenceDataError(f"{where}: không phải một đối tượng")
        code = _text(item, "code", where)
        match = PROJECT_CODE.fullmatch(code)
        if not match:
            raise ReferenceDataError(f"{where}: mã dự án '{code}' không đúng dạng DA1…DA10")
        project, _created = Project.objects.update_or_create(
            program=program,
            code=code,
            defaults={
                "number": int(match.group(1)),
                "name": _text(item, "name_vi", where),
                "name_en": item.get("name_en") or "",
                "lead_agency": item.get("lead_agency_vi") or "",
                "capital_types": _capital_types(item.get("capital_types"), where),
            },
        )
        subprojects = item.get("subprojects") or []
        if not isinstance(subprojects, list):
            raise ReferenceDataError(f"{where}: 'subprojects' phải là danh sách")
        for sub in subprojects:
            sub_where = f"{where}, tiểu dự án {sub.get('code', '?') if isinstance(sub, dict) else '?'}"
            if not isinstance(sub, dict):
                raise ReferenceDataError(f"{sub_where}: không phải một đối tượng")
            sub_code = _text(sub, "code", sub_where)
            sub_match = SUBPROJECT_CODE.fullmatch(sub_code)
            if not sub_match or sub_match.group(1) != match.group(1):
                raise ReferenceDataError(f"{sub_where}: mã tiểu dự án phải có dạng {code}.TDAn")
            SubProject.objects.update_or_create(
                project=project,
                code=sub_code,
                defaults={
                    "number": int(sub_match.group(2)),
                    "name": _text(sub, "name_vi", sub_where),
                    "name_en": sub.get("name_en") or "",
                    "lead_agency": sub.get("lead_agency_vi") or project.lead_agency,
                    "capital_types": _capital_types(sub.get("capital_types"), sub_where),
                },
            )


def load_programs(data_dir=None) -> None:
    path = data_file(DATA_DIR / "programs.json", data_dir)
    phases = read_json(path)
    if not isinstance(phases, list) or not phases:
        raise ReferenceDataError(f"{path.name}: phải là danh sách giai đoạn")
    for index, item in enumerate(phases, start=1):
        where = f"{path.name}: giai đoạn thứ {index}"
        try:
            start, end = int(item["start_year"]), int(item["end_year"])
            decision_date = datetime.date.fromisoformat(item["decision_date"]) if item.get("decision_date") else None
        except (KeyError, TypeError, ValueError) as exc:
            raise ReferenceDataError(f"{where}: năm hoặc ngày không hợp lệ ({exc})") from exc
        if end < start:
            raise ReferenceDataError(f"{where}: năm kết thúc trước năm bắt đầu")
        program, _created = Program.objects.update_or_create(
            code=_text(item, "code", where),
            defaults={
                "name": _text(item, "name", where),
                "short_name": item.get("short_name") or "",
                "phase": int(item.get("phase") or index),
                "start_year": start,
                "end_year": end,
                "decision_no": item.get("decision_no") or "",
                "decision_date": decision_date,
                "note": item.get("note") or "",
            },
        )
        if item.get("structure_file"):
            load_structure(program, data_file(DATA_DIR / item["structure_file"], data_dir))
        for year in range(start, end + 1):
            BudgetYear.objects.update_or_create(year=year, defaults={"program": program})
