"""Excel import of allocations and disbursements, on the generic engine (ethnic_portal/excel_import.py).

The whole file runs in one transaction, each row through the same services as the forms. Every bad row is
reported (row, column, reason, in Vietnamese); if any row is bad, or on a dry run, nothing is written. A row
already in the ledger (same allocation decision, same voucher) is skipped, so importing a file twice doubles
nothing.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ethnic_portal import excel_import
from ethnic_portal.excel_import import Importer, ImportResult
from ethnic_portal.formatting import format_vnd
from ethnic_portal.forms import scoped_units
from geography.models import AdministrativeUnit
from programs.models import SubProject
from programs.selectors import project_by_code

from .. import services, summary
from ..models import Allocation, Disbursement, ImportKind
from .columns import ALLOCATION_COLUMNS, DISBURSEMENT_COLUMNS

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


class _LedgerImporter(Importer):
    """A row names its allocation by codes (year, unit, project, sub-project, capital type, source, origin year,
    decision); they are resolved through the actor's scope and cached for the whole file."""

    row_savepoint = False  # each row is one call to an atomic service: its savepoint is the row's
    report_stray_cells = True
    permission_column = "unit"
    field_columns = {"new_amount": "amount", "month": "amount"}

    def writing(self):
        # The file's rows lock allocation after allocation: the summary rows wait for the end of the file.
        return summary.deferred()

    def __init__(self, actor):
        super().__init__(actor)
        # Inside the scope only (for_user would add the province above a district: then a 403, not a row error).
        self.units = scoped_units(actor)
        self.cache: dict = {}

    def key(self, values):
        return (
            values["year"],
            values["unit"],
            values["project"],
            values.get("subproject") or "",
            values["capital_type"],
            values["source"],
            values["origin_year"],
            values["decision_no"],
        )

    def resolve(self, values):
        errors = {}
        unit = self._unit(values["unit"], values.get("year"))
        if unit is None:
            errors["unit"] = _("Không có đơn vị mã “%(code)s” trong địa bàn của bạn.") % {"code": values["unit"]}
        project = self._project(values["project"], values.get("origin_year"))
        subproject = None
        if project is None:
            errors["project"] = _("Không có dự án mã “%(code)s”.") % {"code": values["project"]}
        elif values.get("subproject"):
            subproject = self._subproject(project, values["subproject"])
            if subproject is None:
                errors["subproject"] = _("Không có tiểu dự án “%(code)s” thuộc %(project)s.") % {
                    "code": values["subproject"],
                    "project": project.code,
                }
        if errors:
            raise ValidationError(errors)
        return {**values, "unit": unit, "project": project, "subproject": subproject}

    def _unit(self, code: str, year: int | None):
        key = ("unit", code, year)
        if key not in self.cache:
            units = list(self.units.filter(code=code))
            if len(units) > 1 and year:
                in_year = [u for u in units if AdministrativeUnit.objects.filter(pk=u.pk).valid_in_year(year).exists()]
                units = in_year or units
            self.cache[key] = units[0] if units else None
        return self.cache[key]

    def _project(self, code: str, origin_year: int | None):
        key = ("project", code, origin_year)
        if key not in self.cache:
            self.cache[key] = project_by_code(code, year=origin_year)
        return self.cache[key]

    def _subproject(self, project, code: str):
        key = ("sub", project.pk, code)
        if key not in self.cache:
            self.cache[key] = SubProject.objects.filter(project=project, code=code).first()
        return self.cache[key]


class AllocationImporter(_LedgerImporter):
    kind = ImportKind.ALLOCATIONS
    columns = ALLOCATION_COLUMNS
    duplicate_column = "decision_no"
    duplicate_message = gettext_lazy(
        "Trùng với dòng %(row)s (cùng năm, đơn vị, dự án, tiểu dự án, loại vốn, nguồn vốn, năm nguồn và số quyết định)."
    )

    def prepare(self, rows):
        """Existing allocations under the decisions the file names, by natural key (one query per 500 decisions):
        the rows the file itself adds never come up again (a repeated key is a duplicate before it is looked up)."""
        numbers = sorted({values["decision_no"] for values in rows if values.get("decision_no")})
        self.existing: dict[tuple, tuple[int, int]] = {}
        for start in range(0, len(numbers), 500):
            found = (
                Allocation.objects.filter(carried_from__isnull=True, decision_no__in=numbers[start : start + 500])
                .order_by()
                .values_list("pk", "amount", *NATURAL_KEY)
            )
            for pk, amount, *key in found:
                self.existing[tuple(key)] = (pk, amount)

    def apply(self, values, row):
        existing = self.existing.get(_natural_key(values))
        summary = (
            f"{values['unit'].name} · {(values['subproject'] or values['project']).code} · "
            f"{format_vnd(values['amount'])} đồng"
        )
        if existing is not None:
            existing_pk, existing_amount = existing
            if existing_amount == values["amount"]:
                return "skipped", summary
            raise ValidationError(
                {
                    "amount": _(
                        "Đã có phân bổ số %(pk)s theo quyết định này với số vốn %(amount)s đồng; "
                        "muốn đổi số vốn hãy điều chỉnh trên trang phân bổ."
                    )
                    % {"pk": existing_pk, "amount": format_vnd(existing_amount)}
                }
            )
        services.allocation_create(actor=self.actor, **values)
        return "created", summary


class DisbursementImporter(_LedgerImporter):
    kind = ImportKind.DISBURSEMENTS
    columns = DISBURSEMENT_COLUMNS
    duplicate_column = "voucher_no"
    duplicate_message = gettext_lazy("Trùng với dòng %(row)s (cùng phân bổ và số chứng từ).")

    def key(self, values):
        return (*super().key(values), values["voucher_no"])

    def apply(self, values, row):
        allocations = self._allocations_matching(values)
        if not allocations:
            raise ValidationError(
                {
                    "decision_no": _(
                        "Không tìm thấy phân bổ vốn khớp các cột năm, đơn vị, dự án, loại vốn, nguồn, năm nguồn và "
                        "quyết định."
                    )
                }
            )
        if len(allocations) > 1:
            raise ValidationError(
                {"decision_no": _("Có nhiều phân bổ khớp dòng này; hãy ghi giải ngân trên trang của phân bổ.")}
            )
        allocation = allocations[0]
        summary = (
            f"{allocation.unit.name} · {values['voucher_no']} · {values['date']:%d/%m/%Y} · "
            f"{format_vnd(values['amount'])} đồng"
        )
        existing = self._vouchers(allocation).get(values["voucher_no"])
        if existing is not None:
            existing_amount, existing_date = existing
            if (existing_amount, existing_date) == (values["amount"], values["date"]):
                return "skipped", summary
            raise ValidationError(
                {
                    "voucher_no": _("Chứng từ %(no)s đã được ghi với số tiền %(amount)s đồng ngày %(day)s.")
                    % {
                        "no": values["voucher_no"],
                        "amount": format_vnd(existing_amount),
                        "day": f"{existing_date:%d/%m/%Y}",
                    }
                }
            )
        services.disbursement_create(
            actor=self.actor,
            allocation=allocation,
            date=values["date"],
            amount=values["amount"],
            voucher_no=values["voucher_no"],
            note=values.get("note") or "",
        )
        return "created", summary

    def _allocations_matching(self, values: dict) -> list[Allocation]:
        key = ("allocation", _natural_key(values))
        if key not in self.cache:
            self.cache[key] = list(
                Allocation.objects.for_user(self.actor)
                .filter(**dict(zip(NATURAL_KEY, _natural_key(values), strict=True)))
                .select_related("unit")[:2]
            )
        return self.cache[key]

    def _vouchers(self, allocation: Allocation) -> dict[str, tuple[int, datetime.date]]:
        key = ("vouchers", allocation.pk)
        if key not in self.cache:
            self.cache[key] = {
                voucher: (amount, day)
                for voucher, amount, day in Disbursement.objects.filter(allocation=allocation).values_list(
                    "voucher_no", "amount", "date"
                )
            }
        return self.cache[key]


IMPORTERS = {ImportKind.ALLOCATIONS: AllocationImporter, ImportKind.DISBURSEMENTS: DisbursementImporter}


def for_kind(kind: str, *, actor) -> Importer:
    return IMPORTERS[kind](actor)


def run_import(*, actor, kind: str, content: bytes, dry_run: bool) -> ImportResult:
    """Check (dry run) or write a file without keeping it as a batch (scripts, tests). Raises FileRefused when the
    file as a whole is unreadable."""
    return excel_import.run_import(for_kind(kind, actor=actor), content=content, dry_run=dry_run)
