"""The generic Excel import engine: what any importer built on it gets (beneficiaries' importers are tested in
tests/beneficiaries/test_import.py)."""

import io

from django.core.exceptions import ValidationError
from openpyxl import Workbook

from beneficiaries.models import TetHoliday
from ethnic_portal.excel_import import Column, Importer, record_preview, run_import


def workbook(rows) -> bytes:
    book = Workbook()
    book.active.append(["Năm", "Lỗi"])
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class TwoWrites(Importer):
    """Writes a row, then refuses it when asked to: the row's savepoint must take the write back."""

    kind = "test"
    columns = [Column("year", "Năm", "int"), Column("fail", "Lỗi", "int", required=False, empty=0)]

    def __init__(self, actor=None):
        super().__init__(actor)
        self.seen_before_row: list[int] = []
        self.prepared: list[dict] = []

    def prepare(self, rows):
        self.prepared = rows

    def key(self, values):
        return values["year"]

    def apply(self, values, row):
        self.seen_before_row.append(TetHoliday.objects.filter(year__gte=3000).count())
        TetHoliday.objects.create(year=values["year"], date=f"{values['year']}-02-01")
        if values["fail"]:
            raise ValidationError({"fail": "Dòng này bị từ chối."})
        return "created", str(values["year"])


def test_a_refused_rows_writes_are_rolled_back_and_the_next_rows_still_run(db):
    importer = TwoWrites()
    result = run_import(importer, content=workbook([[3001, 0], [3002, 1], [3003, 0]]), dry_run=False)
    assert importer.seen_before_row == [0, 1, 1]  # row 3 does not see row 2's write
    assert [(e.row, e.column, e.message) for e in result.errors] == [(3, "Lỗi", "Dòng này bị từ chối.")]
    assert not result.applied
    assert not TetHoliday.objects.filter(year__gte=3000).exists()  # all or nothing


def test_prepare_gets_the_readable_rows_once_and_a_clean_file_is_written(db):
    importer = TwoWrites()
    result = run_import(importer, content=workbook([[3001, 0], ["x", 0], [3003, 0]]), dry_run=True)
    assert [row["year"] for row in importer.prepared] == [3001, 3003]
    assert [(e.row, e.column) for e in result.errors] == [(3, "Năm")]
    result = run_import(TwoWrites(), content=workbook([[3001, 0], [3003, 0]]), dry_run=False)
    assert (result.applied, result.created) == (True, 2)
    assert TetHoliday.objects.filter(year__gte=3000).count() == 2


def test_a_dry_run_writes_nothing_and_a_batch_keeps_the_file_and_result(db, province_user):
    from beneficiaries.models import ImportBatch

    batch = record_preview(ImportBatch, TwoWrites(province_user), upload_name="thu.xlsx", content=workbook([[3001, 0]]))
    assert (batch.status, batch.result["created"], batch.result["ok"]) == ("previewed", 1, True)
    assert not TetHoliday.objects.filter(year__gte=3000).exists()


class Strict(TwoWrites):
    """An importer that words refusals its own way, reports stray cells and names the column of a duplicate."""

    columns = [
        Column(
            "year",
            "Năm",
            "int",
            messages={"fraction": "Năm %(value)s không phải số nguyên.", "formula": "Bỏ công thức."},
        ),
        Column("fail", "Lỗi", "int", required=False, empty=0),
    ]
    report_stray_cells = True
    duplicate_column = "year"
    duplicate_message = "Năm này đã có ở dòng %(row)s."


def test_an_importer_may_word_refusals_report_stray_cells_and_name_the_column_of_a_duplicate(db):
    content = workbook([[3001.5, 0], ["=A1", 0], [3002, 0, "lạc"], [None, None, "chỉ ô lạc"], [3003, 0], [3003, 0]])
    result = run_import(Strict(), content=content, dry_run=True)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "Năm", "Năm 3001.5 không phải số nguyên."),
        (3, "Năm", "Bỏ công thức."),
        (4, "Cột C", "Ô C4 nằm ngoài các cột của mẫu: xóa hoặc chép vào đúng cột."),
        (5, "Cột C", "Ô C5 nằm ngoài các cột của mẫu: xóa hoặc chép vào đúng cột."),
        (5, "Năm", "Không được để trống."),
        (7, "Năm", "Năm này đã có ở dòng 6."),
    ]
    # Without them: the engine's wording, stray cells ignored (row 5 is then empty), a duplicate on the whole row.
    result = run_import(TwoWrites(), content=content, dry_run=True)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "Năm", "Phải là số nguyên, không có phần thập phân."),
        (3, "Năm", "Không chấp nhận công thức; hãy dán giá trị (Paste Values)."),
        (5, "", "Dòng trống giữa các dòng dữ liệu: xóa dòng này."),
        (7, "", "Trùng với dòng 6 của tệp."),
    ]
