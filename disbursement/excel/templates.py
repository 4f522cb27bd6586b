"""The import templates an officer downloads (the engine's: headers, drop-down lists, formats, a guide), and for
disbursements a sheet of the allocations in their scope, so that a row can copy its allocation's columns."""

from ethnic_portal.excel_import import build_template

from .. import selectors
from ..models import ImportKind
from .importer import IMPORTERS

SOURCE_LABEL = {"central": "Trung ương", "local": "Địa phương", "other": "Khác"}
TYPE_LABEL = {"investment": "Đầu tư", "recurrent": "Sự nghiệp"}
MAX_REFERENCE_ROWS = 5000
NOTE = (
    "Mỗi dòng một khoản. Tệp có bất kỳ dòng lỗi nào thì không dòng nào được ghi; dòng đã có trong hệ thống được bỏ qua."
)


def _open_allocations(user, columns):
    allocations = (
        selectors.allocation_list(user=user)
        .filter(carried_to__isnull=True, remaining__gt=0)
        .order_by("-year", "unit__path", "project__number", "pk")[:MAX_REFERENCE_ROWS]
    )
    remaining = "Còn lại (đồng)"
    rows = (
        [
            allocation.year,
            allocation.unit.code,
            allocation.project.code,
            allocation.subproject.code if allocation.subproject else "",
            TYPE_LABEL[allocation.capital_type],
            SOURCE_LABEL[allocation.source],
            allocation.origin_year,
            allocation.decision_no,
            allocation.remaining,
        ]
        for allocation in allocations
    )
    return ("Phan bo hien co", [c.header for c in columns[:8]] + [remaining], rows, {remaining: "#,##0"})


def build(kind: str, *, user) -> bytes:
    columns = IMPORTERS[kind].columns
    sheets = [_open_allocations(user, columns)] if kind == ImportKind.DISBURSEMENTS else []
    return build_template(columns, note=NOTE, reference_sheets=sheets)
