"""Excel exports of any size: rows streamed from the database into a write-only workbook on disk.

An export is a list of `Column`s (header, width, kind) and an iterable of row tuples in that order, usually
`rows(queryset, fields)`: `values_list(...).iterator(chunk_size=...)`, so no model instance is built and no more
than one chunk of rows is in memory (on PostgreSQL a server-side cursor). Choice labels are turned into text by the
database (`label(field, choices)`, a CASE with each label translated once), so most rows reach openpyxl untouched.

`write(export, path)` writes the workbook with openpyxl's write-only mode (lxml's incremental writer when lxml is
installed; the sheet goes to a temporary file as rows arrive and is zipped on save): a bold header row, frozen,
column widths, integer đồng as numbers shown `#,##0`, dates as dates shown `dd/mm/yyyy`, and every text cell
text-safe (ethnic_portal/excel_safe.py: a value starting with "=", "+", "-", "@"… is written as text with the
quote prefix, never as a formula). Memory does not grow with the number of rows.

`file_response(path, name)` serves a written file as a streamed `FileResponse`. Small exports are answered at once
(`download`); an export of more than `EXPORT_SYNC_MAX_ROWS` rows is built by a Celery job instead
(ethnic_portal/export_jobs.py), because writing runs at about 10.000 rows a second on a 2-core server
(bench/excel_export.py: 100.000 disbursements in 9 s, as fast as openpyxl appending the same rows from memory):
100.000 rows would hold a web worker for many seconds, and a national list of a million disbursements for longer
than gunicorn's timeout.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Case, CharField, Value, When
from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from .excel_import import XLSX_CONTENT_TYPE
from .excel_safe import FORMULA_TRIGGERS, text_safe

TEXT = "text"  # written as given; a str is made text-safe
NUMBER = "number"  # a plain number (a year, a count, a record number): no thousands separator
MONEY = "money"  # integer đồng, shown 1,234,567 (Excel shows the user's own separators)
DATE = "date"  # a datetime.date, shown dd/mm/yyyy

FORMATS = {MONEY: "#,##0", DATE: "dd/mm/yyyy"}
CHUNK_SIZE = 2000  # rows fetched per round trip (a server-side cursor on PostgreSQL)
PROGRESS_EVERY = 5000  # rows between two progress calls


@dataclass(frozen=True)
class Column:
    header: str
    width: int = 14
    kind: str = TEXT


@dataclass
class Export:
    name: str  # the file name's stem and the sheet's title (ASCII)
    columns: list[Column]
    rows: Iterable[Sequence]  # tuples in column order
    total: int | None = None  # rows expected, when known (progress)


def rows(queryset, fields: Sequence, *, chunk_size: int = CHUNK_SIZE) -> Iterator[tuple]:
    """The queryset's `fields` as tuples, fetched `chunk_size` at a time (no model instances)."""
    return queryset.values_list(*fields).iterator(chunk_size=chunk_size)


def label(field_name: str, choices) -> Case:
    """A choice field's label computed by the database (each label translated once, not once per row); a value
    that is not a choice is written as stored."""
    return Case(
        *(When(**{field_name: value}, then=Value(str(text))) for value, text in choices),
        default=field_name,
        output_field=CharField(),
    )


class ExportSheet(WriteOnlyWorksheet):
    """A write-only worksheet that takes plain row tuples and applies the columns' kinds itself.

    openpyxl styles a write-only cell only when it is given a styled `WriteOnlyCell`; building one per money or
    date value (and openpyxl's own test of each value it is given) costs more than the rest of the row. Here each
    styled column has one styled cell, re-used row after row: openpyxl writes a row's cells one by one as the
    generator below yields them, so a cell is written before its next value is set. A text value that could be
    read as a formula gets a cell of its own, made text-safe by excel_safe.text_safe.

    This overrides openpyxl's `_values_to_row` (openpyxl is pinned in requirements.txt); the tests read the file
    back and check every kind of cell, so a change in openpyxl shows up there.
    """

    _styled: dict = {}  # none for the header row

    def prepare(self, columns: Sequence[Column]) -> None:
        """Style the data rows by `columns` (after the header row is written)."""
        self._styled = {}
        for index, column in enumerate(columns, 1):
            if column.kind in FORMATS:
                cell = WriteOnlyCell(self)
                cell.number_format = FORMATS[column.kind]
                self._styled[index] = cell

    def _values_to_row(self, values, row_idx):
        styled = self._styled
        cell = WriteOnlyCell(self)
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            target = styled.get(col_idx)
            if target is not None:
                target.value = value
            elif value.__class__ is str and value.startswith(FORMULA_TRIGGERS):
                target = text_safe(WriteOnlyCell(self, value=value))
            elif isinstance(value, Cell):
                target = value  # the header's cells (bold)
            else:
                cell.value = value
                target = cell
            target.column = col_idx
            target.row = row_idx
            yield target
            if target is cell and cell.has_style:  # a datetime openpyxl formatted itself
                cell = WriteOnlyCell(self)


def write(export: Export, path, *, on_progress=None, every: int = PROGRESS_EVERY) -> int:
    """Write `export` to an .xlsx file at `path`; the number of data rows. `on_progress(done)` every `every` rows."""
    book = Workbook(write_only=True)
    sheet = ExportSheet(parent=book, title=export.name[:31])
    book._add_sheet(sheet)
    for index, column in enumerate(export.columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in export.columns:
        cell = text_safe(WriteOnlyCell(sheet, value=str(column.header)))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    sheet.prepare(export.columns)
    count = 0
    append = sheet.append
    if on_progress is None:
        for row in export.rows:
            append(row)
            count += 1
    else:
        for row in export.rows:
            append(row)
            count += 1
            if count % every == 0:
                on_progress(count)
    book.save(path)
    return count


def temp_dir() -> str | None:
    return getattr(settings, "EXPORT_TEMP_DIR", None) or getattr(settings, "FILE_UPLOAD_TEMP_DIR", None)


def write_temp(export: Export) -> tuple[str, int]:
    """Write `export` to a new temporary file; (its path, the number of data rows). The caller removes it."""
    handle, path = tempfile.mkstemp(prefix=f"export-{export.name}-", suffix=".xlsx", dir=temp_dir())
    os.close(handle)
    try:
        count = write(export, path)
    except BaseException:
        os.unlink(path)
        raise
    return path, count


def file_name(stem: str) -> str:
    return f"{stem}-{timezone.localtime().strftime('%Y%m%d-%H%M')}.xlsx"


def file_response(path: str, name: str, *, remove: bool = True) -> FileResponse:
    """The file at `path` as a streamed download named `name`; with `remove`, the file is unlinked once opened
    (on POSIX the open handle keeps it readable until the response is closed)."""
    handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    if remove:
        os.unlink(path)
    return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


def download(export: Export) -> tuple[FileResponse, int]:
    """Write `export` now and answer it as a streamed download; (the response, the number of data rows)."""
    path, count = write_temp(export)
    return file_response(path, file_name(export.name)), count


def sync_max_rows() -> int:
    return getattr(settings, "EXPORT_SYNC_MAX_ROWS", 20_000)


# --- What a list page exports ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportSpec:
    """One list page's export: the page's scoped selector, its filters and ordering, and the file's columns.

    The export view (ethnic_portal/export_views.py) and the export job (ethnic_portal/export_jobs.py) both go
    through `queryset(user, data)`, so a file holds exactly the rows the page lists for that user and those
    filters. `on_download(request, count)` runs whenever a file leaves the server (the access log of personal data).
    """

    kind: str
    title: str  # what the file lists, for messages and the job page ("danh sách giải ngân")
    list_url: str  # the list page's URL name (invalid filters go back there)
    filterset_class: type
    base_queryset: Callable  # (user) -> the list's scoped queryset (a selector that starts from for_user)
    ordering: tuple
    build: Callable  # (queryset, *, user, total) -> Export
    on_download: Callable | None = None  # (request, count) -> None

    def queryset(self, user, data):
        """The rows of the list for `user` and the filters in `data` (a QueryDict), ordered as on the page; a
        ValidationError (Vietnamese, naming the filter) when a filter is not valid."""
        filterset = self.filterset_class(data or None, queryset=self.base_queryset(user))
        if filterset.is_bound and not filterset.is_valid():
            raise ValidationError([str(error) for errors in filterset.errors.values() for error in errors])
        return filterset.qs.order_by(*self.ordering)
