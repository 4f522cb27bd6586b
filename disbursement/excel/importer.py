"""Excel import of allocations and disbursements.

The whole file runs in one transaction, each row in a savepoint through the same services as
the forms. Every bad row is reported (row, column, reason, in Vietnamese); if any row is bad,
or on a dry run, the transaction is rolled back and nothing is written. A row already in the
ledger (same allocation decision, same voucher) is skipped, so importing a file twice doubles
nothing.
"""

import datetime
import io
import re
import unicodedata
import zipfile
from dataclasses import asdict, dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from ethnic_portal.formatting import format_vnd
from geography.models import AdministrativeUnit
from programs.models import BudgetYear, Project, SubProject

from .. import services
from ..forms import scoped_units
from ..models import Allocation, Disbursement
from .columns import CHOICES, COLUMNS, Column

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_UNCOMPRESSED = 100 * 1024 * 1024  # a zip bomb unpacks far beyond this
PREVIEW_ROWS = 200


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    created: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_json(self) -> dict:
        data = asdict(self)
        data["ok"] = self.ok
        return data


class FileRefused(Exception):
    """The file as a whole cannot be read: not an .xlsx, too large, a zip bomb, no sheet…"""


def _open_workbook(content: bytes):
    if not content:
        raise FileRefused("Tệp rỗng.")
    if len(content) > MAX_BYTES:
        raise FileRefused(f"Tệp lớn hơn {MAX_BYTES // (1024 * 1024)} MB.")
    if not content.startswith(b"PK\x03\x04"):
        raise FileRefused("Tệp không phải Excel .xlsx (hãy lưu lại dưới dạng Excel Workbook .xlsx).")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED:
                raise FileRefused("Tệp giải nén ra quá lớn, không xử lý.")
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                raise FileRefused("Tệp có macro (VBA): hãy lưu lại dưới dạng .xlsx không có macro.")
    except zipfile.BadZipFile as exc:
        raise FileRefused("Tệp không phải Excel .xlsx hoặc đã hỏng.") from exc
    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a broken file
        raise FileRefused("Tệp Excel hỏng, không đọc được.") from exc


def _is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _nfc(value):
    """Text as composed Unicode: Vietnamese keyboards (Unikey's "Unicode tổ hợp") type "ầ" as a + ̂ + ̀,
    which would not match a header, a choice or a code typed the composed way."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _convert(column: Column, value):
    """A cell value as the service wants it, or raise ValueError with the reason."""
    value = _nfc(value)
    if isinstance(value, str) and value.strip().startswith("="):
        raise ValueError("Không chấp nhận công thức; hãy dán giá trị.")
    if _is_empty(value):
        if column.required:
            raise ValueError("Không được để trống.")
        return None if column.key == "subproject" else ""
    if column.kind == "int":
        if isinstance(value, bool):
            raise ValueError("Phải là số nguyên.")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        raise ValueError(f"Phải là số nguyên (đang là “{value}”).")
    if column.kind == "money":
        if isinstance(value, bool):
            raise ValueError("Phải là số nguyên đồng.")
        if isinstance(value, int):
            number = value
        elif isinstance(value, float):
            if not value.is_integer():
                raise ValueError("Số tiền phải là số nguyên đồng, không có phần thập phân.")
            number = int(value)
        elif isinstance(value, str):
            text = value.strip()
            if re.fullmatch(r"\d{1,3}(\.\d{3})+", text) or re.fullmatch(r"\d{1,3}( \d{3})+", text):
                text = text.replace(".", "").replace(" ", "")
            if not text.isdigit():
                raise ValueError(f"Phải là số nguyên đồng (đang là “{value}”).")
            number = int(text)
        else:
            raise ValueError("Phải là số nguyên đồng.")
        if number <= 0:
            raise ValueError("Số tiền phải lớn hơn 0.")
        return number
    if column.kind == "date":
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = str(value).strip()
        for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
            try:
                return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date
            except ValueError:
                continue
        raise ValueError(f"Ngày phải có dạng dd/mm/yyyy (đang là “{value}”).")
    if column.kind == "choice":
        word = str(value).strip().lower()
        if word not in CHOICES[column.key]:
            allowed = "Đầu tư, Sự nghiệp" if column.key == "capital_type" else "Trung ương, Địa phương, Khác"
            raise ValueError(f"“{value}” không hợp lệ; chọn một trong: {allowed}.")
        return CHOICES[column.key][word]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_rows(content: bytes, kind: str) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """The data rows as (row number, values) after checking headers and cell types."""
    columns = COLUMNS[kind]
    workbook = _open_workbook(content)
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        errors: list[RowError] = []
        if header is None:
            raise FileRefused("Trang tính đầu tiên trống.")
        header = [("" if cell is None else _nfc(str(cell)).strip()) for cell in header]
        while header and header[-1] == "":
            header.pop()
        expected = [column.header for column in columns]
        if header != expected:
            for index, name in enumerate(expected):
                found = header[index] if index < len(header) else ""
                if found != name:
                    errors.append(
                        RowError(1, name, f"Cột {index + 1} phải có tiêu đề “{name}” (đang là “{found or 'trống'}”).")
                    )
            for extra in header[len(expected) :]:
                errors.append(RowError(1, extra, f"Cột thừa “{extra}”: hãy dùng đúng mẫu tải về."))
            return [], errors
        parsed: list[tuple[int, dict]] = []
        pending_empty: list[int] = []
        for number, cells in enumerate(rows, start=2):
            if number - 1 > MAX_ROWS:
                raise FileRefused(f"Tệp có hơn {MAX_ROWS} dòng: hãy chia nhỏ.")
            cells = list(cells or ())
            beyond = [
                index for index, cell in enumerate(cells[len(columns) :], start=len(columns)) if not _is_empty(cell)
            ]
            cells = cells[: len(columns)] + [None] * max(0, len(columns) - len(cells))
            if all(_is_empty(cell) for cell in cells) and not beyond:
                pending_empty.append(number)
                continue
            for empty in pending_empty:
                errors.append(RowError(empty, "", "Dòng trống giữa các dòng dữ liệu: xóa dòng này."))
            pending_empty = []
            for index in beyond:
                letter = get_column_letter(index + 1)
                errors.append(
                    RowError(
                        number,
                        f"Cột {letter}",
                        f"Ô {letter}{number} nằm ngoài các cột của mẫu: xóa hoặc chép vào đúng cột.",
                    )
                )
            values = {}
            for column, cell in zip(columns, cells, strict=True):
                try:
                    values[column.key] = _convert(column, cell)
                except ValueError as exc:
                    errors.append(RowError(number, column.header, str(exc)))
            parsed.append((number, values))
        if not parsed and not errors:
            raise FileRefused("Tệp không có dòng dữ liệu nào dưới dòng tiêu đề.")
        return parsed, errors
    finally:
        workbook.close()


def _header_of(kind: str, field_name: str) -> str:
    aliases = {"new_amount": "amount", "month": "amount"}
    field_name = aliases.get(field_name, field_name)
    for column in COLUMNS[kind]:
        if column.key == field_name:
            return column.header
    return ""


def _errors_from(kind: str, row: int, error: ValidationError) -> list[RowError]:
    if hasattr(error, "error_dict"):
        return [
            RowError(row, _header_of(kind, name), message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [RowError(row, "", message) for message in error.messages]


class _Resolver:
    """Codes in a row → rows of the database, through the actor's scope. Cached per file."""

    def __init__(self, actor):
        self.actor = actor
        # Inside the scope only (for_user would add the province above a district: then a 403, not a row error).
        self.units = scoped_units(actor)
        self.cache: dict = {}

    def unit(self, code: str, year: int | None):
        key = ("unit", code, year)
        if key not in self.cache:
            units = list(self.units.filter(code=code))
            if len(units) > 1 and year:
                in_year = [u for u in units if AdministrativeUnit.objects.filter(pk=u.pk).valid_in_year(year).exists()]
                units = in_year or units
            self.cache[key] = units[0] if units else None
        return self.cache[key]

    def project(self, code: str, origin_year: int | None):
        key = ("project", code, origin_year)
        if key not in self.cache:
            projects = Project.objects.filter(code=code)
            program = BudgetYear.objects.filter(year=origin_year).values_list("program_id", flat=True).first()
            self.cache[key] = projects.filter(program_id=program).first() or projects.first()
        return self.cache[key]

    def subproject(self, project, code: str):
        key = ("sub", project.pk, code)
        if key not in self.cache:
            self.cache[key] = SubProject.objects.filter(project=project, code=code).first()
        return self.cache[key]

    # The ledger rows a file refers to, read once per file rather than once per row: the rows the file
    # itself adds never come up again (a repeated key is reported as a duplicate before it is looked up).

    def prefetch_allocations(self, rows: list[tuple[int, dict]]) -> None:
        """Existing allocations under the decisions the file names, by natural key (one query per 500 decisions)."""
        numbers = sorted({values["decision_no"] for _row, values in rows if values.get("decision_no")})
        self.existing: dict[tuple, tuple[int, int]] = {}
        for start in range(0, len(numbers), 500):
            found = (
                Allocation.objects.filter(carried_from__isnull=True, decision_no__in=numbers[start : start + 500])
                .order_by()
                .values_list("pk", "amount", *NATURAL_KEY)
            )
            for pk, amount, *key in found:
                self.existing[tuple(key)] = (pk, amount)

    def existing_allocation(self, fields: dict) -> tuple[int, int] | None:
        return self.existing.get(_natural_key(fields))

    def allocations_matching(self, fields: dict) -> list[Allocation]:
        key = ("allocation", _natural_key(fields))
        if key not in self.cache:
            self.cache[key] = list(
                Allocation.objects.for_user(self.actor)
                .filter(**dict(zip(NATURAL_KEY, _natural_key(fields), strict=True)))
                .select_related("unit")[:2]
            )
        return self.cache[key]

    def vouchers(self, allocation: Allocation) -> dict[str, tuple[int, datetime.date]]:
        key = ("vouchers", allocation.pk)
        if key not in self.cache:
            self.cache[key] = {
                voucher: (amount, day)
                for voucher, amount, day in Disbursement.objects.filter(allocation=allocation).values_list(
                    "voucher_no", "amount", "date"
                )
            }
        return self.cache[key]


NATURAL_KEY = (
    "year",
    "unit_id",
    "project_id",
    "subproject_id",
    "capital_type",
    "source",
    "origin_year",
    "decision_no",
)


def _natural_key(fields: dict) -> tuple:
    subproject = fields.get("subproject")
    return (
        fields["year"],
        fields["unit"].pk,
        fields["project"].pk,
        subproject.pk if subproject else None,
        fields["capital_type"],
        fields["source"],
        fields["origin_year"],
        fields["decision_no"],
    )


def _resolve_allocation_fields(
    values: dict, resolver: _Resolver, row: int, kind: str
) -> tuple[dict | None, list[RowError]]:
    errors = []
    unit = resolver.unit(values["unit"], values.get("year"))
    if unit is None:
        errors.append(
            RowError(row, _header_of(kind, "unit"), f"Không có đơn vị mã “{values['unit']}” trong địa bàn của bạn.")
        )
    project = resolver.project(values["project"], values.get("origin_year"))
    subproject = None
    if project is None:
        errors.append(RowError(row, _header_of(kind, "project"), f"Không có dự án mã “{values['project']}”."))
    elif values.get("subproject"):
        subproject = resolver.subproject(project, values["subproject"])
        if subproject is None:
            errors.append(
                RowError(
                    row,
                    _header_of(kind, "subproject"),
                    f"Không có tiểu dự án “{values['subproject']}” thuộc {project.code}.",
                )
            )
    if errors:
        return None, errors
    fields = dict(values)
    fields.update(unit=unit, project=project, subproject=subproject)
    return fields, []


def _key(values: dict, kind: str) -> tuple:
    base = (
        values["year"],
        values["unit"],
        values["project"],
        values.get("subproject") or "",
        values["capital_type"],
        values["source"],
        values["origin_year"],
        values["decision_no"],
    )
    return base if kind == "allocations" else (*base, values["voucher_no"])


def _apply_allocation(actor, fields: dict, resolver: _Resolver) -> tuple[str, str]:
    existing = resolver.existing_allocation(fields)
    summary = f"{fields['unit'].name} · {(fields['subproject'] or fields['project']).code} · {format_vnd(fields['amount'])} đồng"
    if existing is not None:
        existing_pk, existing_amount = existing
        if existing_amount == fields["amount"]:
            return "skipped", summary
        raise ValidationError(
            {
                "amount": f"Đã có phân bổ số {existing_pk} theo quyết định này với số vốn {format_vnd(existing_amount)} đồng; "
                "muốn đổi số vốn hãy điều chỉnh trên trang phân bổ."
            }
        )
    services.allocation_create(actor=actor, **fields)
    return "created", summary


def _apply_disbursement(actor, fields: dict, resolver: _Resolver) -> tuple[str, str]:
    allocations = resolver.allocations_matching(fields)
    if not allocations:
        raise ValidationError(
            {
                "decision_no": "Không tìm thấy phân bổ vốn khớp các cột năm, đơn vị, dự án, loại vốn, nguồn, năm nguồn và quyết định."
            }
        )
    if len(allocations) > 1:
        raise ValidationError(
            {"decision_no": "Có nhiều phân bổ khớp dòng này; hãy ghi giải ngân trên trang của phân bổ."}
        )
    allocation = allocations[0]
    summary = f"{allocation.unit.name} · {fields['voucher_no']} · {fields['date']:%d/%m/%Y} · {format_vnd(fields['amount'])} đồng"
    existing = resolver.vouchers(allocation).get(fields["voucher_no"])
    if existing is not None:
        existing_amount, existing_date = existing
        if (existing_amount, existing_date) == (fields["amount"], fields["date"]):
            return "skipped", summary
        raise ValidationError(
            {
                "voucher_no": f"Chứng từ {fields['voucher_no']} đã được ghi với số tiền {format_vnd(existing_amount)} đồng ngày {existing_date:%d/%m/%Y}."
            }
        )
    services.disbursement_create(
        actor=actor,
        allocation=allocation,
        date=fields["date"],
        amount=fields["amount"],
        voucher_no=fields["voucher_no"],
        note=fields.get("note") or "",
    )
    return "created", summary


class _Rollback(Exception):
    pass


# A repeated row is reported on the column that names the line, with what makes it the same line.
DUPLICATE = {
    "allocations": (
        "decision_no",
        "Trùng với dòng %s (cùng năm, đơn vị, dự án, tiểu dự án, loại vốn, nguồn vốn, năm nguồn và số quyết định).",
    ),
    "disbursements": ("voucher_no", "Trùng với dòng %s (cùng phân bổ và số chứng từ)."),
}


def run_import(*, actor, kind: str, content: bytes, dry_run: bool) -> ImportResult:
    """Check (dry run) or write a file. Raises FileRefused when the file as a whole is unreadable."""
    result = ImportResult(kind=kind)
    rows, errors = read_rows(content, kind)
    result.rows = len(rows)
    result.errors.extend(errors)
    resolver = _Resolver(actor)
    seen: dict[tuple, int] = {}
    apply = _apply_allocation if kind == "allocations" else _apply_disbursement
    bad_rows = {error.row for error in errors}
    if kind == "allocations":
        resolver.prefetch_allocations([(row, values) for row, values in rows if row not in bad_rows])
    try:
        with transaction.atomic():
            for row, values in rows:
                if row in bad_rows:
                    continue
                key = _key(values, kind)
                if key in seen:
                    result.errors.append(
                        RowError(row, _header_of(kind, DUPLICATE[kind][0]), DUPLICATE[kind][1] % seen[key])
                    )
                    continue
                seen[key] = row
                fields, resolve_errors = _resolve_allocation_fields(values, resolver, row, kind)
                if resolve_errors:
                    result.errors.extend(resolve_errors)
                    continue
                try:
                    # Each service runs in its own savepoint: a refused row leaves nothing behind.
                    action, summary = apply(actor, fields, resolver)
                except ValidationError as error:
                    result.errors.extend(_errors_from(kind, row, error))
                    continue
                except PermissionDenied as error:
                    result.errors.append(RowError(row, _header_of(kind, "unit"), str(error)))
                    continue
                if action == "created":
                    result.created += 1
                else:
                    result.skipped += 1
                if len(result.preview) < PREVIEW_ROWS:
                    result.preview.append({"row": row, "action": action, "summary": summary})
            if result.errors or dry_run:
                raise _Rollback
            result.applied = True
    except _Rollback:
        pass
    result.errors.sort(key=lambda error: (error.row, error.column))
    if not result.applied and result.errors:
        result.created = 0
    return result
