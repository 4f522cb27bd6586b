"""Exports of the ledger: the filtered lists of disbursements and of allocations as Excel files.

The rows come from the list page's scoped selector (for_user), filtered and ordered as on the page, read with
`values_list` in chunks (ethnic_portal/excel_export.py); amounts are integer đồng written as numbers, exact: an
allocation's `disbursed` is the selector's correlated sum of its own disbursements (never a join).
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ethnic_portal.excel_export import DATE, MONEY, NUMBER, Column, Export, ExportSpec, label, rows
from programs.models import CapitalType

from ..filters import AllocationFilterSet, DisbursementFilterSet
from ..models import Source

# The list pages' orderings (disbursement/views.py uses these).
DISBURSEMENT_ORDERING = ("-date", "-pk")
ALLOCATION_ORDERING = ("-year", "unit__path", "project__number", "subproject__number", "capital_type", "pk")

DISBURSEMENT_FIELDS = (
    "date",
    "voucher_no",
    "allocation_id",
    "allocation__year",
    "allocation__unit__code",
    "allocation__unit__name",
    "allocation__project__code",
    "allocation__subproject__code",
    "export_capital_type",
    "export_source",
    "allocation__origin_year",
    "amount",
    "note",
)

ALLOCATION_FIELDS = (
    "pk",
    "year",
    "unit__code",
    "unit__name",
    "project__code",
    "subproject__code",
    "export_capital_type",
    "export_source",
    "origin_year",
    "decision_no",
    "decision_date",
    "decision_body",
    "amount",
    "disbursed",
    "remaining",
    "carried_from_id",
    "note",
)


def disbursement_columns() -> list[Column]:
    return [
        Column(_("Ngày giải ngân"), 12, DATE),
        Column(_("Số chứng từ"), 16),
        Column(_("Mã phân bổ"), 10, NUMBER),
        Column(_("Năm ngân sách"), 9, NUMBER),
        Column(_("Mã đơn vị"), 10),
        Column(_("Đơn vị"), 24),
        Column(_("Dự án"), 8),
        Column(_("Tiểu dự án"), 10),
        Column(_("Loại vốn"), 20),
        Column(_("Nguồn vốn"), 20),
        Column(_("Năm nguồn vốn"), 9, NUMBER),
        Column(_("Số tiền (đồng)"), 16, MONEY),
        Column(_("Ghi chú"), 30),
    ]


def allocation_columns() -> list[Column]:
    return [
        Column(_("Mã phân bổ"), 10, NUMBER),
        Column(_("Năm ngân sách"), 9, NUMBER),
        Column(_("Mã đơn vị"), 10),
        Column(_("Đơn vị"), 24),
        Column(_("Dự án"), 8),
        Column(_("Tiểu dự án"), 10),
        Column(_("Loại vốn"), 20),
        Column(_("Nguồn vốn"), 20),
        Column(_("Năm nguồn vốn"), 9, NUMBER),
        Column(_("Số quyết định giao vốn"), 18),
        Column(_("Ngày quyết định"), 12, DATE),
        Column(_("Cơ quan ban hành"), 24),
        Column(_("Vốn giao (đồng)"), 16, MONEY),
        Column(_("Đã giải ngân (đồng)"), 16, MONEY),
        Column(_("Còn lại (đồng)"), 16, MONEY),
        Column(_("Chuyển từ phân bổ"), 10, NUMBER),
        Column(_("Ghi chú"), 30),
    ]


def disbursements(queryset, *, total: int | None = None) -> Export:
    """`queryset`: the scoped, filtered and ordered disbursements (disbursement/selectors.disbursement_list)."""
    queryset = queryset.annotate(
        export_capital_type=label("allocation__capital_type", CapitalType.choices),
        export_source=label("allocation__source", Source.choices),
    )
    return Export(
        name="giai-ngan", columns=disbursement_columns(), rows=rows(queryset, DISBURSEMENT_FIELDS), total=total
    )


def allocations(queryset, *, total: int | None = None) -> Export:
    """`queryset`: the scoped, filtered and ordered allocations (disbursement/selectors.allocation_list, which
    annotates `disbursed` and `remaining`)."""
    queryset = queryset.annotate(
        export_capital_type=label("capital_type", CapitalType.choices),
        export_source=label("source", Source.choices),
    )
    return Export(name="phan-bo-von", columns=allocation_columns(), rows=rows(queryset, ALLOCATION_FIELDS), total=total)


def _disbursement_list(user):
    from .. import selectors

    return selectors.disbursement_list(user=user)


def _allocation_list(user):
    from .. import selectors

    return selectors.allocation_list(user=user)


DISBURSEMENTS = ExportSpec(
    kind="disbursements",
    title=gettext_lazy("danh sách giải ngân"),
    list_url="disbursement:disbursement_list",
    filterset_class=DisbursementFilterSet,
    base_queryset=_disbursement_list,
    ordering=DISBURSEMENT_ORDERING,
    build=lambda queryset, *, user, total: disbursements(queryset, total=total),
)

ALLOCATIONS = ExportSpec(
    kind="allocations",
    title=gettext_lazy("danh sách phân bổ vốn"),
    list_url="disbursement:allocation_list",
    filterset_class=AllocationFilterSet,
    base_queryset=_allocation_list,
    ordering=ALLOCATION_ORDERING,
    build=lambda queryset, *, user, total: allocations(queryset, total=total),
)
