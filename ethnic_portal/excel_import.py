"""A generic engine for importing rows from an Excel (.xlsx) file through the services.

An app declares its columns (`Column`) and an `Importer` (how a row's values are written, what makes two
rows the same); the engine does the rest, the same way for every kind of data:

1. **The file as a whole** (`open_workbook`): not empty, not too large, a real .xlsx (zip signature), not a
   zip bomb (the sum of the uncompressed sizes is bounded), no macros (vbaProject.bin). Otherwise
   `FileRefused` with a Vietnamese reason, and nothing is read.
2. **The header** (`read_rows`): row 1 of the first sheet must carry the declared headers, in order;
   every mismatch is reported with its column.
3. **The cells**: converted by the column's kind (`text`, `int`, `money`, `date`, `choice`, `digits`) with a
   Vietnamese reason when they cannot be; text is Unicode NFC (Vietnamese letters typed decomposed are
   stored composed; nothing else about a name changes); formulas are refused (paste values); an empty row
   between data rows is reported (trailing empty rows are ignored); a value beyond the template's columns is
   reported if the importer asks (`report_stray_cells`). A column may word a refusal its own way (`messages`).
4. **The rows** (`run_import`): the importer's `prepare` reads what the rows will look up in a few queries;
   then one transaction for the file, a savepoint per row; a row that repeats an earlier row of the file
   (the importer's `key`) is an error, on the importer's `duplicate_column`; the importer's `apply` calls the
   services and answers "created" or "skipped" (already there: importing a file twice doubles nothing). A service's
   ValidationError becomes errors on the row, on the column that holds the field. If any row is bad, or
   on a dry run, everything is rolled back: all or nothing.

The ImportResult (rows, created, skipped, errors with row/column/message, a preview) is JSON-serialisable,
so a batch model can store it between the preview and the confirmation (`record_preview`, `apply_batch`).
"""

from __future__ import annotations

import contextlib
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from ethnic_portal import excel_safe

MAX_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED = 100 * 1024 * 1024  # a zip bomb unpacks far beyond this
MAX_ROWS = 20_000
MAX_ERRORS = 500  # past this many, the rest of the file is not checked
PREVIEW_ROWS = 200
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", gettext_lazy("Đã kiểm tra, chưa ghi")
    REJECTED = "rejected", gettext_lazy("Có lỗi, không ghi")
    APPLIED = "applied", gettext_lazy("Đã ghi")


class FileRefused(Exception):
    """The file as a whole cannot be read: not an .xlsx, too large, a zip bomb, macros, no data…"""


@dataclass(frozen=True)
class Column:
    """One column of an import template.

    `key` is the field name the importer passes on; `header` the Vietnamese header in row 1. Kinds:
    `text` (NFC, trimmed), `int`, `money` (whole đồng, `1.234.567` accepted; > 0 unless `min_value=0`),
    `date` (a date cell, or dd/mm/yyyy), `choice` (a word of `choices`, case-insensitive → its value),
    `digits` (a string of digits such as an ID number; a numeric cell that lost its leading zeros is padded
    back to `length`). An optional empty cell gives `empty`.
    """

    key: str
    header: str
    kind: str = "text"
    required: bool = True
    help: str = ""
    width: int = 16
    choices: Mapping[str, str] | None = None
    choice_hint: str = ""  # the words offered in the template's drop-down and named in the error
    min_value: int | None = None
    max_value: int | None = None
    max_length: int | None = None
    length: int | None = None  # `digits`: the number of digits
    empty: Any = ""
    as_text: bool = False  # the template formats the column as text (codes keep their leading zeros)
    # The column's own wording of a refusal, by reason (see CELL_MESSAGES), formatted with %(what)s and %(value)s.
    messages: Mapping[str, str] | None = None


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
    truncated: bool = False  # stopped checking after MAX_ERRORS errors

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_json(self) -> dict:
        data = asdict(self)
        data["ok"] = self.ok
        return data


class CellError(ValueError):
    """A cell that cannot be converted; the message says why, in Vietnamese."""


# Why a cell is refused, where a column may word it its own way (`Column.messages`).
CELL_MESSAGES = {
    "formula": gettext_lazy("Không chấp nhận công thức; hãy dán giá trị (Paste Values)."),
    "not_integer": gettext_lazy("Phải là %(what)s (đang là “%(value)s”)."),
    "fraction": gettext_lazy("Phải là %(what)s, không có phần thập phân."),  # a number cell such as 2024.5
    "decimal_text": gettext_lazy("Phải là %(what)s, không có phần thập phân."),  # text such as “12,5”
    "not_digits": gettext_lazy("Chỉ gồm chữ số (đang là “%(value)s”)."),  # a personal number's column omits the value
}


def _refusal(column: Column, reason: str, **params) -> CellError:
    message = (column.messages or {}).get(reason) or CELL_MESSAGES[reason]
    return CellError(message % params if params else str(message))


# --- The file ---------------------------------------------------------------------------------------


def check_file(content: bytes, *, max_bytes: int = MAX_BYTES, max_uncompressed: int = MAX_UNCOMPRESSED) -> None:
    if not content:
        raise FileRefused(_("Tệp rỗng."))
    if len(content) > max_bytes:
        raise FileRefused(_("Tệp lớn hơn %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024)})
    if not content.startswith(b"PK\x03\x04"):
        raise FileRefused(_("Tệp không phải Excel .xlsx (hãy lưu lại dưới dạng Excel Workbook .xlsx)."))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
            if sum(info.file_size for info in infos) > max_uncompressed:
                raise FileRefused(_("Tệp giải nén ra quá lớn, không xử lý."))
            if any(info.filename.lower().endswith("vbaproject.bin") for info in infos) or _declares_macros(archive):
                raise FileRefused(_("Tệp có macro (VBA): hãy lưu lại dưới dạng .xlsx không có macro."))
    except zipfile.BadZipFile as exc:
        raise FileRefused(_("Tệp không phải Excel .xlsx hoặc đã hỏng.")) from exc


def _declares_macros(archive: zipfile.ZipFile) -> bool:
    """A macro project under any part name: Excel finds it by its content type (and a macro-enabled workbook says
    so in its own), which every part must have in [Content_Types].xml; the name vbaProject.bin is only a habit."""
    try:
        info = archive.getinfo("[Content_Types].xml")
    except KeyError:
        return False
    if info.file_size > 1024 * 1024:
        return True  # no honest workbook declares that many parts: refuse rather than read it
    declared = archive.read(info).lower()
    return b"vbaproject" in declared or b"macroenabled" in declared


def open_workbook(content: bytes, **limits):
    """The workbook, read-only with formulas kept as formulas (so they can be refused)."""
    check_file(content, **limits)
    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a broken file
        raise FileRefused(_("Tệp Excel hỏng, không đọc được.")) from exc


# --- Cells ------------------------------------------------------------------------------------------

_GROUPED = (re.compile(r"\d{1,3}(\.\d{3})+"), re.compile(r"\d{1,3}( \d{3})+"), re.compile(r"\d{1,3}(,\d{3})+"))


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _integer(column: Column, value, *, what: str) -> int:
    if isinstance(value, bool):
        raise CellError(_("Phải là %(what)s.") % {"what": what})
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise _refusal(column, "fraction", what=what, value=value)
        return int(value)
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", " ")
        if any(pattern.fullmatch(text) for pattern in _GROUPED):
            text = re.sub(r"[ .,]", "", text)
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        if re.fullmatch(r"-?\d+[,.]\d+", text):
            raise _refusal(column, "decimal_text", what=what, value=value)
    raise _refusal(column, "not_integer", what=what, value=value)


def _date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise CellError(_("Ngày phải có dạng dd/mm/yyyy (đang là “%(value)s”).") % {"value": value})


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date):
        value = value.strftime("%d/%m/%Y")
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(value))).strip()


def convert(column: Column, value, data_type: str = ""):
    """A cell's value as the importer wants it, or CellError with the reason."""
    if data_type == "f" or (isinstance(value, str) and value.lstrip().startswith("=")):
        raise _refusal(column, "formula")
    if is_empty(value):
        if column.required:
            raise CellError(_("Không được để trống."))
        return column.empty
    kind = column.kind
    if kind == "int":
        number = _integer(column, value, what=_("số nguyên"))
    elif kind == "money":
        number = _integer(column, value, what=_("số nguyên đồng"))
        minimum = 1 if column.min_value is None else column.min_value
        if number < minimum:
            raise CellError(_("Số tiền phải lớn hơn 0.") if minimum == 1 else _("Số tiền không được âm."))
        return number
    elif kind == "date":
        return _date(value)
    elif kind == "choice":
        word = _text(value).casefold()
        choices = {key.casefold(): choice for key, choice in (column.choices or {}).items()}
        if word not in choices:
            raise CellError(
                _("“%(value)s” không hợp lệ; chọn một trong: %(allowed)s.")
                % {
                    "value": _text(value),
                    "allowed": ", ".join(word.strip() for word in column.choice_hint.split(","))
                    if column.choice_hint
                    else ", ".join(column.choices or {}),
                }
            )
        return choices[word]
    elif kind == "digits":
        if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
            text = str(int(value))
            if column.length and len(text) < column.length:
                text = text.zfill(column.length)  # Excel dropped the leading zeros of a number
        else:
            text = _text(value).replace(" ", "").replace(".", "")
        if not text.isdigit() or not text.isascii():
            raise _refusal(column, "not_digits", value=_text(value))
        if column.length and len(text) != column.length:
            raise CellError(_("Phải gồm đúng %(n)s chữ số (đang có %(m)s).") % {"n": column.length, "m": len(text)})
        return text
    else:
        text = _text(value)
        if column.max_length and len(text) > column.max_length:
            raise CellError(_("Dài quá %(n)s ký tự.") % {"n": column.max_length})
        return text
    if column.min_value is not None and number < column.min_value:
        raise CellError(_("Phải từ %(min)s trở lên.") % {"min": column.min_value})
    if column.max_value is not None and number > column.max_value:
        raise CellError(_("Phải không quá %(max)s.") % {"max": column.max_value})
    return number


# --- Rows -------------------------------------------------------------------------------------------


def _check_header(header: list[str], columns: list[Column]) -> list[RowError]:
    header = list(header)
    while header and header[-1] == "":
        header.pop()
    expected = [column.header for column in columns]
    if header == expected:
        return []
    errors = []
    for index, name in enumerate(expected):
        found = header[index] if index < len(header) else ""
        if found != name:
            errors.append(
                RowError(
                    1,
                    name,
                    _("Cột %(i)s phải có tiêu đề “%(name)s” (đang là “%(found)s”).")
                    % {"i": index + 1, "name": name, "found": found or _("trống")},
                )
            )
    for extra in header[len(expected) :]:
        errors.append(RowError(1, extra, _("Cột thừa “%(name)s”: hãy dùng đúng mẫu tải về.") % {"name": extra}))
    return errors


def read_rows(
    content: bytes, columns: list[Column], *, max_rows: int = MAX_ROWS, stray_cells: bool = False, **limits
) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """The data rows of the first sheet as (row number, {key: value}) and the errors of the header and cells.

    With `stray_cells`, a value to the right of the template's columns is an error on its row (otherwise it is
    ignored), and a row that holds nothing else is not an empty row."""
    workbook = open_workbook(content, **limits)
    try:
        if not workbook.worksheets:
            raise FileRefused(_("Tệp không có trang tính nào."))
        rows = workbook.worksheets[0].iter_rows()
        header_cells = next(rows, None)
        if header_cells is None:
            raise FileRefused(_("Trang tính đầu tiên trống."))
        header = [_text(cell.value) if cell.value is not None else "" for cell in header_cells]
        errors = _check_header(header, columns)
        if errors:
            return [], errors
        width = len(columns)
        parsed: list[tuple[int, dict]] = []
        pending_empty: list[int] = []
        for number, cells in enumerate(rows, start=2):
            if number - 1 > max_rows:
                raise FileRefused(_("Tệp có hơn %(n)s dòng dữ liệu: hãy chia thành nhiều tệp.") % {"n": max_rows})
            cells = tuple(cells)
            stray = [cell for cell in cells[width:] if not is_empty(cell.value)] if stray_cells else []
            cells = cells[:width]
            values_in = [cell.value for cell in cells] + [None] * (width - len(cells))
            types_in = [getattr(cell, "data_type", "") for cell in cells] + [""] * (width - len(cells))
            if all(is_empty(value) for value in values_in) and not stray:
                pending_empty.append(number)
                continue
            for empty in pending_empty:
                errors.append(RowError(empty, "", _("Dòng trống giữa các dòng dữ liệu: xóa dòng này.")))
            pending_empty = []
            for cell in stray:
                letter = get_column_letter(cell.column)
                errors.append(
                    RowError(
                        number,
                        _("Cột %(letter)s") % {"letter": letter},
                        _("Ô %(cell)s nằm ngoài các cột của mẫu: xóa hoặc chép vào đúng cột.")
                        % {"cell": f"{letter}{number}"},
                    )
                )
            values = {}
            for column, value, data_type in zip(columns, values_in, types_in, strict=True):
                try:
                    values[column.key] = convert(column, value, data_type)
                except CellError as exc:
                    errors.append(RowError(number, column.header, str(exc)))
            parsed.append((number, values))
        if not parsed and not errors:
            raise FileRefused(_("Tệp không có dòng dữ liệu nào dưới dòng tiêu đề."))
        return parsed, errors
    finally:
        workbook.close()


# --- Importers --------------------------------------------------------------------------------------


class Importer:
    """What an app declares for one kind of data. Subclasses set `kind` and `columns` and write `apply`."""

    kind: str = ""
    columns: list[Column] = []
    # Each row runs in its own savepoint. An importer whose `resolve` only reads and whose `apply` writes through
    # a single call to an atomic service (so the service's savepoint already is the row's) may set this to
    # False: two fewer statements per row.
    row_savepoint: bool = True
    # A service's field name → the column key that holds it, where they differ.
    field_columns: Mapping[str, str] = {}
    # A row that repeats an earlier one (same `key`) is reported on this column (a key; "": the whole row).
    duplicate_column: str = ""
    duplicate_message: str = gettext_lazy("Trùng với dòng %(row)s của tệp.")
    # A refusal of the actor's rights (PermissionDenied) is reported on this column ("": the whole row).
    permission_column: str = ""
    # A value to the right of the template's columns is reported rather than ignored.
    report_stray_cells: bool = False

    def __init__(self, actor):
        self.actor = actor

    def writing(self):
        """A context manager around the writes of a whole file, inside its transaction (the ledger defers its
        summary rows to the end of the file there); left by an exception when the file is rolled back."""
        return contextlib.nullcontext()

    def prepare(self, rows: list[dict]) -> None:
        """Called once with the values of the file's readable rows, before any row is applied: read in a few
        queries what the rows will look up one by one (existing records, codes)."""

    def key(self, values: dict) -> Hashable | None:
        """What makes two rows of one file the same row (reported as an error); None: not checked."""
        return None

    def resolve(self, values: dict) -> dict:
        """Codes in a row → database rows (through the actor's scope). Raise ValidationError({key: msg})."""
        return values

    def apply(self, values: dict, row: int) -> tuple[str, str]:
        """Write one row through the services; answer ("created" | "skipped", a one-line summary)."""
        raise NotImplementedError

    def header_of(self, name: str) -> str:
        key = self.field_columns.get(name, name)
        for column in self.columns:
            if column.key == key:
                return column.header
        return ""


def errors_from(error: ValidationError, row: int, header_of: Callable[[str], str]) -> list[RowError]:
    """A service's ValidationError as errors on a row, on the column that holds each field."""
    if hasattr(error, "error_dict"):
        return [
            RowError(row, header_of(name) if name != "__all__" else "", message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [RowError(row, "", message) for message in error.messages]


class _Rollback(Exception):
    pass


def run_import(importer: Importer, *, content: bytes, dry_run: bool, **limits) -> ImportResult:
    """Check (dry run) or write a file through `importer`. Raises FileRefused when the file as a whole is unreadable."""
    result = ImportResult(kind=importer.kind)
    rows, errors = read_rows(content, importer.columns, stray_cells=importer.report_stray_cells, **limits)
    result.rows = len(rows)
    result.errors.extend(errors)
    bad_rows = {error.row for error in errors}
    importer.prepare([values for row, values in rows if row not in bad_rows])
    seen: dict[Hashable, int] = {}
    try:
        with transaction.atomic(), importer.writing():
            for row, values in rows:
                if len(result.errors) >= MAX_ERRORS:
                    result.truncated = True
                    break
                if row in bad_rows:
                    continue
                key = importer.key(values)
                if key is not None:
                    if key in seen:
                        result.errors.append(
                            RowError(
                                row,
                                importer.header_of(importer.duplicate_column),
                                importer.duplicate_message % {"row": seen[key]},
                            )
                        )
                        continue
                    seen[key] = row
                try:
                    if importer.row_savepoint:
                        with transaction.atomic():
                            action, summary = importer.apply(importer.resolve(values), row)
                    else:  # not even atomic(savepoint=False): an exception there would doom the whole file
                        action, summary = importer.apply(importer.resolve(values), row)
                except ValidationError as error:
                    result.errors.extend(errors_from(error, row, importer.header_of))
                    continue
                except PermissionDenied as error:
                    result.errors.append(RowError(row, importer.header_of(importer.permission_column), str(error)))
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
    if result.truncated:
        result.errors.append(
            RowError(0, "", _("Có quá nhiều lỗi; các dòng sau chưa được kiểm tra. Sửa các lỗi trên rồi tải lên lại."))
        )
    if not result.applied and result.errors:
        result.created = 0
    return result


# --- Batches: preview, then confirm -----------------------------------------------------------------


def record_preview(batch_model, importer: Importer, *, upload_name: str, content: bytes, **extra):
    """Dry-run the file and store it with its result as a batch (a model with kind, file, original_name,
    uploaded_by, status, result, applied_at). Raises FileRefused for an unreadable file (nothing stored)."""
    result = run_import(importer, content=content, dry_run=True)
    batch = batch_model(
        kind=importer.kind,
        original_name=upload_name[:255],
        uploaded_by=importer.actor,
        status=ImportStatus.PREVIEWED if result.ok else ImportStatus.REJECTED,
        result=result.as_json(),
        **extra,
    )
    batch.file.save(upload_name, ContentFile(content), save=False)
    batch.save()
    return batch


def apply_batch(batch, importer: Importer) -> ImportResult:
    """Write a previewed batch for real. The rows are checked again: the data may have changed since."""
    with batch.file.open("rb") as handle:
        content = handle.read()
    result = run_import(importer, content=content, dry_run=False)
    batch.result = result.as_json()
    batch.status = ImportStatus.APPLIED if result.applied else ImportStatus.REJECTED
    batch.applied_at = timezone.now() if result.applied else None
    batch.save(update_fields=["result", "status", "applied_at"])
    return result


def choice_words(choices: Iterable[tuple[str, str]], extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Words an officer may type for a TextChoices: its value and its Vietnamese label, plus `extra`."""
    words = {}
    for value, label in choices:
        if value:
            words[str(value)] = value
            words[str(label)] = value
    words.update(extra or {})
    return words


# --- Templates --------------------------------------------------------------------------------------


def build_template(
    columns: list[Column],
    *,
    note: str = "",
    reference_sheets: Iterable[tuple] = (),
    formatted_rows: int = 1000,
) -> bytes:
    """The template an officer downloads: the headers in row 1, drop-down lists for choices, number and
    date formats, text format for codes (so 061 keeps its zero), a guide sheet, and optional reference
    sheets (title, headers, rows[, {header: number format}]) such as the codes of the units or groups the
    officer may use."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Nhap lieu"
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[letter].width = column.width
        if column.kind == "choice" and column.choice_hint and len(column.choice_hint) < 250:
            validation = DataValidation(
                type="list", formula1=f'"{column.choice_hint}"', allow_blank=not column.required
            )
            validation.error = _("Chọn một giá trị: %(values)s") % {"values": column.choice_hint}
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{formatted_rows + 1}")
        number_format = {"money": "#,##0", "date": "DD/MM/YYYY"}.get(column.kind)
        if column.as_text or column.kind == "digits":
            number_format = "@"
        if number_format:
            for row in range(2, formatted_rows + 2):
                sheet.cell(row=row, column=index).number_format = number_format
    sheet.freeze_panes = "A2"

    guide = workbook.create_sheet("Huong dan")
    guide.append([_("Cột"), _("Bắt buộc"), _("Cách ghi")])
    for column in columns:
        guide.append([column.header, _("có") if column.required else _("không"), column.help])
    guide.append([])
    guide.append(
        [
            note
            or _(
                "Mỗi dòng một bản ghi, giữ nguyên dòng tiêu đề. Tệp có bất kỳ dòng lỗi nào thì không dòng nào "
                "được ghi; dòng đã có trong hệ thống được bỏ qua."
            )
        ]
    )
    for letter, width in (("A", 28), ("B", 10), ("C", 80)):
        guide.column_dimensions[letter].width = width

    for title, headers, rows, *formats in reference_sheets:
        reference = workbook.create_sheet(title[:31])
        reference.append(headers)
        number_formats = {headers.index(header) + 1: fmt for header, fmt in (formats[0] if formats else {}).items()}
        for values in rows:
            excel_safe.append_row(reference, values)
            for index, number_format in number_formats.items():
                reference.cell(row=reference.max_row, column=index).number_format = number_format
        for index in range(1, len(headers) + 1):
            reference.column_dimensions[get_column_letter(index)].width = 22
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
