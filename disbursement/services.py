"""Writes to the ledger. Forms, the API, Excel imports and commands all come through here.

Each service checks the actor's scope (accounts.scope), validates with Vietnamese messages
naming the field, locks what it checks (select_for_update), refuses writes into a locked
period or after a period's deadline, and records history with the actor.
"""

import datetime
import functools
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import can_approve, can_submit, can_write
from ethnic_portal import clock
from ethnic_portal.formatting import MAX_AMOUNT, format_vnd
from geography.models import AdministrativeUnit, Level, UnitSuccession
from programs.models import BudgetYear, CapitalType, Project, SubProject

from . import summary
from .models import (
    Allocation,
    AllocationAdjustment,
    Disbursement,
    Period,
    PeriodAction,
    PeriodEvent,
    PeriodKind,
    PeriodStatus,
    PlanLine,
    Source,
    YearSetting,
)


def _d(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


# --- Reporting units, settings and periods --------------------------------------------------


def _chain(unit: AdministrativeUnit) -> tuple[tuple[int, str, str, str], ...]:
    """(pk, level, name, parent level) of a unit and every unit above it, from the top."""
    return _chain_of(unit.pk, unit.path)


@functools.lru_cache(maxsize=8192)
def _chain_of(leaf_pk: int | None, path: str) -> tuple[tuple[int, str, str, str], ...]:
    """Cached by the leaf's pk and path together: a reloaded tree (new pks) never meets a stale entry."""
    paths = AdministrativeUnit(path=path).ancestor_paths()
    rows = {
        row[3]: row
        for row in AdministrativeUnit.objects.filter(path__in=paths).values_list("pk", "level", "name", "path")
    }
    chain = [rows[p] for p in paths if p in rows]
    return tuple((pk, level, name, chain[i - 1][1] if i else "") for i, (pk, level, name, _path) in enumerate(chain))


def reporting_unit(unit: AdministrativeUnit) -> AdministrativeUnit | None:
    """The unit that submits figures for `unit`: its district, or a commune that reports straight to the province."""
    pk = _reporting_unit_pk(unit)
    return None if pk is None else AdministrativeUnit.objects.get(pk=pk)


def _reporting_unit_pk(unit: AdministrativeUnit) -> int | None:
    chain = _chain(unit)
    if not chain or len(chain) == 1:
        return None
    for pk, level, _name, _parent_level in chain:
        if level == Level.DISTRICT:
            return pk
    for pk, level, _name, parent_level in chain:
        if level == Level.COMMUNE and parent_level == Level.PROVINCE:
            return pk
    return None


def province_of(unit: AdministrativeUnit) -> AdministrativeUnit:
    return unit.province


def _province_pk(unit: AdministrativeUnit) -> int:
    return _chain(unit)[0][0]


def year_setting(province: AdministrativeUnit | int, year: int) -> YearSetting:
    """The province's settings for a year; the defaults (not saved) when it has set none."""
    province_id = getattr(province, "pk", province)
    setting = YearSetting.objects.filter(province_id=province_id, year=year).order_by().first()
    return setting or YearSetting(province_id=province_id, year=year, **YearSetting.defaults(year))


def deadline_of(period: Period) -> datetime.date:
    setting = year_setting(_province_pk(period.unit), period.year)
    return setting.h1_deadline if period.kind == PeriodKind.H1 else setting.year_deadline


def period_for(unit: AdministrativeUnit, year: int, kind: str) -> Period:
    period, _created = Period.objects.get_or_create(unit=unit, year=year, kind=kind)
    return period


def _covering_kinds(day: datetime.date, year: int) -> list[str]:
    if day.year == year and day.month <= 6:
        return [PeriodKind.H1, PeriodKind.YEAR]
    return [PeriodKind.YEAR]


def check_period_open(*, unit: AdministrativeUnit, year: int, day: datetime.date) -> None:
    """Refuse a write dated `day` into `year` when a period covering it is locked or past its deadline."""
    reporter_pk = _reporting_unit_pk(unit)
    if reporter_pk is None:
        return
    reporter_name = next(name for pk, _level, name, _parent in _chain(unit) if pk == reporter_pk)
    now = clock.today()
    setting = year_setting(_province_pk(unit), year)
    kinds = _covering_kinds(day, year)
    periods = {
        p.kind: p for p in Period.objects.select_for_update().filter(unit_id=reporter_pk, year=year, kind__in=kinds)
    }
    for kind in kinds:
        period = periods.get(kind)
        status = period.status if period else PeriodStatus.OPEN
        label = PeriodKind(kind).label
        if status in {PeriodStatus.SUBMITTED, PeriodStatus.APPROVED}:
            last = period.events.order_by("-at", "-pk").first()
            when = f" {_('ngày')} {_d(timezone.localtime(last.at).date())}" if last else ""
            raise ValidationError(
                _(
                    "Số liệu %(period)s năm %(year)s của %(unit)s đã %(state)s%(when)s nên không được thêm, sửa hay xóa. "
                    "Ban Dân tộc tỉnh có thể mở lại kỳ này cho riêng đơn vị."
                )
                % {
                    "period": label.lower(),
                    "year": year,
                    "unit": reporter_name,
                    "state": _("được gửi phê duyệt") if status == PeriodStatus.SUBMITTED else _("được phê duyệt"),
                    "when": when,
                }
            )
        deadline = setting.h1_deadline if kind == PeriodKind.H1 else setting.year_deadline
        if now > deadline and status != PeriodStatus.REOPENED:
            raise ValidationError(
                _(
                    "Đã quá hạn nhập số liệu %(period)s năm %(year)s (hạn %(deadline)s). "
                    "Đề nghị Ban Dân tộc tỉnh mở lại kỳ này cho %(unit)s."
                )
                % {"period": label.lower(), "year": year, "deadline": _d(deadline), "unit": reporter_name}
            )


def _check_records_open(allocation: Allocation, *, unit: AdministrativeUnit, year: int) -> None:
    """The allocation's disbursements and monthly plan, as records of `unit` in `year`, may be written now.

    Moving an allocation to another unit or year moves them too: out of the old unit's periods and into the new
    one's, so both must be open for each date they carry.
    """
    days = set(allocation.disbursements.values_list("date", flat=True))
    days |= {datetime.date(year, month, 1) for month in allocation.plan_lines.values_list("month", flat=True)}
    checked = set()
    for day in sorted(days):
        kinds = tuple(_covering_kinds(day, year))
        if kinds not in checked:  # one day per set of periods is enough
            checked.add(kinds)
            check_period_open(unit=unit, year=year, day=day)


# --- Allocations -----------------------------------------------------------------------------


def _require_write(actor, unit: AdministrativeUnit) -> None:
    if not can_write(actor, unit):
        raise PermissionDenied(_("Bạn không được ghi số liệu của đơn vị này."))


def _validate_allocation(
    *,
    actor,
    year,
    project,
    subproject,
    unit,
    capital_type,
    source,
    origin_year,
    amount,
    decision_no,
    decision_date,
    decision_body,
) -> dict:
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    budget_year = (
        BudgetYear.objects.select_related("program").filter(year=year).first() if isinstance(year, int) else None
    )
    if budget_year is None:
        add("year", _("Năm ngân sách %(year)s không thuộc Chương trình.") % {"year": year})
    if not isinstance(origin_year, int) or (isinstance(year, int) and not (2021 <= origin_year <= year)):
        add("origin_year", _("Năm nguồn vốn phải từ 2021 đến năm ngân sách %(year)s.") % {"year": year})
    if not isinstance(unit, AdministrativeUnit):
        add("unit", _("Phải chọn đơn vị."))
    else:
        if unit.level == Level.VILLAGE:
            add("unit", _("Vốn được giao cho tỉnh, huyện hoặc xã, không giao cho thôn."))
        # Only a year of the Program is checked: one outside it (refused above) may lie beyond the calendar.
        if budget_year is not None and not AdministrativeUnit.objects.filter(pk=unit.pk).valid_in_year(year).exists():
            add(
                "unit",
                _("%(unit)s không còn tồn tại trong năm %(year)s (hiệu lực đến %(date)s).")
                % {"unit": unit.name, "year": year, "date": _d(unit.valid_to) if unit.valid_to else "—"},
            )
    if not isinstance(project, Project):
        add("project", _("Phải chọn dự án."))
    else:
        origin_phase = (
            BudgetYear.objects.filter(year=origin_year).order_by().values_list("program_id", flat=True).first()
        )
        if origin_phase is not None and project.program_id != origin_phase:
            add(
                "project",
                _("Dự án %(project)s không thuộc cơ cấu áp dụng cho vốn năm %(year)s.")
                % {"project": project.code, "year": origin_year},
            )
        has_subprojects = project.subprojects.exists()
        if subproject is not None and subproject.project_id != project.pk:
            add(
                "subproject",
                _("Tiểu dự án %(sub)s không thuộc %(project)s.") % {"sub": subproject.code, "project": project.code},
            )
        elif subproject is None and has_subprojects:
            add("subproject", _("Dự án %(project)s có tiểu dự án: phải chọn tiểu dự án.") % {"project": project.code})
        item = subproject or project
        if capital_type in CapitalType.values and capital_type not in item.capital_type_list:
            add(
                "capital_type",
                _("%(item)s không có %(type)s.") % {"item": item.code, "type": CapitalType(capital_type).label.lower()},
            )
    if capital_type not in CapitalType.values:
        add("capital_type", _("Loại vốn phải là vốn đầu tư phát triển hoặc vốn sự nghiệp."))
    if source not in Source.values:
        add("source", _("Nguồn vốn phải là ngân sách trung ương, ngân sách địa phương hoặc nguồn khác."))
    _validate_amount(amount, add)
    if not (decision_no or "").strip():
        add("decision_no", _("Phải nhập số quyết định giao vốn."))
    if not isinstance(decision_date, datetime.date):
        add("decision_date", _("Phải nhập ngày quyết định."))
    elif decision_date > clock.today():
        add("decision_date", _("Ngày quyết định không được sau hôm nay."))
    if not (decision_body or "").strip():
        add("decision_body", _("Phải nhập cơ quan ban hành quyết định."))
    if errors:
        raise ValidationError(errors)
    return {"decision_no": decision_no.strip(), "decision_body": decision_body.strip()}


def _validate_amount(amount, add, field="amount") -> None:
    if isinstance(amount, bool) or not isinstance(amount, int):
        add(field, _("Số tiền phải là số nguyên đồng."))
    elif amount <= 0:
        add(field, _("Số tiền phải lớn hơn 0."))
    elif amount > MAX_AMOUNT:
        add(field, _("Số tiền quá lớn."))


def _lock_allocation(allocation: Allocation) -> Allocation:
    # Lock the allocation row only (of=self): the carried_to join is nullable and must not be locked.
    return (
        Allocation.objects.select_for_update(of=("self",))
        .select_related("unit", "project", "carried_to")
        .get(pk=allocation.pk)
    )


def disbursed_total(allocation: Allocation, *, exclude_pk=None) -> int:
    rows = Disbursement.objects.filter(allocation=allocation)
    if exclude_pk:
        rows = rows.exclude(pk=exclude_pk)
    return rows.aggregate(total=Sum("amount"))["total"] or 0


def _check_plan_fits(allocation: Allocation, amount: int, field: str) -> None:
    """An allocation's amount may not fall below its monthly plan (plan_set keeps the plan within the amount). Only
    a lower amount is checked: an entry corrected without touching its amount costs no query."""
    if amount >= allocation.amount:
        return
    planned = PlanLine.objects.filter(allocation=allocation).aggregate(total=Sum("amount"))["total"] or 0
    if amount < planned:
        raise ValidationError(
            {
                field: _(
                    "Số vốn %(amount)s đồng nhỏ hơn tổng kế hoạch giải ngân theo tháng (%(planned)s đồng): "
                    "giảm kế hoạch tháng trước."
                )
                % {"amount": format_vnd(amount), "planned": format_vnd(planned)}
            }
        )


def _check_duplicate(fields: dict, *, exclude_pk=None) -> None:
    duplicates = Allocation.objects.filter(carried_from__isnull=True, **fields).order_by()
    if exclude_pk:
        duplicates = duplicates.exclude(pk=exclude_pk)
    existing = duplicates.only("pk").first()
    if existing:
        raise ValidationError(
            {
                "decision_no": _(
                    "Quyết định %(no)s đã giao vốn cho dòng này (phân bổ số %(pk)s). Muốn thay đổi số vốn, hãy điều chỉnh phân bổ đó."
                )
                % {"no": fields["decision_no"], "pk": existing.pk}
            }
        )


@transaction.atomic
def allocation_create(
    *,
    actor,
    year: int,
    project: Project,
    subproject: SubProject | None,
    unit: AdministrativeUnit,
    capital_type: str,
    source: str,
    origin_year: int,
    amount: int,
    decision_no: str,
    decision_date: datetime.date,
    decision_body: str,
    note: str = "",
) -> Allocation:
    if isinstance(unit, AdministrativeUnit):
        _require_write(actor, unit)
    cleaned = _validate_allocation(
        actor=actor,
        year=year,
        project=project,
        subproject=subproject,
        unit=unit,
        capital_type=capital_type,
        source=source,
        origin_year=origin_year,
        amount=amount,
        decision_no=decision_no,
        decision_date=decision_date,
        decision_body=decision_body,
    )
    check_period_open(unit=unit, year=year, day=decision_date)
    key = {
        "year": year,
        "unit": unit,
        "project": project,
        "subproject": subproject,
        "capital_type": capital_type,
        "source": source,
        "origin_year": origin_year,
        "decision_no": cleaned["decision_no"],
    }
    _check_duplicate(key)
    allocation = Allocation(
        **key,
        amount=amount,
        decision_date=decision_date,
        decision_body=cleaned["decision_body"],
        note=(note or "").strip(),
        created_by=actor,
    )
    allocation._history_user = actor
    allocation.save()
    summary.record(None, summary.snapshot(allocation, new=True))
    return allocation


ALLOCATION_FIELDS = [
    "year",
    "project",
    "subproject",
    "unit",
    "capital_type",
    "source",
    "origin_year",
    "amount",
    "decision_no",
    "decision_date",
    "decision_body",
]


@transaction.atomic
def allocation_update(*, actor, allocation: Allocation, **changes) -> Allocation:
    """Correct an allocation's entry. Changing the amount by a new decision is `allocation_adjust`."""
    allocation = _lock_allocation(allocation)
    before = summary.snapshot(allocation)
    _require_write(actor, allocation.unit)
    if hasattr(allocation, "carried_to"):
        raise ValidationError(
            _("Phân bổ này đã chuyển nguồn sang năm %(year)s nên không sửa được.")
            % {"year": allocation.carried_to.year}
        )
    check_period_open(unit=allocation.unit, year=allocation.year, day=allocation.decision_date)
    values = {name: changes.get(name, getattr(allocation, name)) for name in ALLOCATION_FIELDS}
    note = changes.get("note", allocation.note)
    if allocation.carried_from_id is not None:
        _check_carried_line_kept(allocation, values)
    if isinstance(values["unit"], AdministrativeUnit):
        _require_write(actor, values["unit"])
    cleaned = _validate_allocation(actor=actor, **values)
    values.update(cleaned)
    check_period_open(unit=values["unit"], year=values["year"], day=values["decision_date"])
    spent = disbursed_total(allocation)
    if values["amount"] < spent:
        raise ValidationError(
            {"amount": _("Số vốn không được nhỏ hơn số đã giải ngân (%(spent)s đồng).") % {"spent": format_vnd(spent)}}
        )
    _check_plan_fits(allocation, values["amount"], "amount")
    if allocation.disbursements.exists() and values["year"] != allocation.year:
        raise ValidationError({"year": _("Phân bổ đã có giải ngân nên không đổi được năm ngân sách.")})
    if values["unit"].pk != allocation.unit_id or values["year"] != allocation.year:
        _check_records_open(allocation, unit=allocation.unit, year=allocation.year)
        _check_records_open(allocation, unit=values["unit"], year=values["year"])
    if allocation.carried_from_id is None:
        _check_duplicate(
            {k: values[k] for k in ALLOCATION_FIELDS if k not in {"amount", "decision_date", "decision_body"}},
            exclude_pk=allocation.pk,
        )
    for name, value in values.items():
        setattr(allocation, name, value)
    allocation.note = (note or "").strip()
    allocation._history_user = actor
    allocation.save()
    summary.record(before, summary.snapshot(allocation))
    return allocation


# A carried-over row is the unspent balance of last year's line: its line, years and amount are not typed in.
CARRIED_FIXED_FIELDS = ["year", "project", "subproject", "capital_type", "source", "origin_year", "amount"]


def _check_carried_line_kept(allocation: Allocation, values: dict) -> None:
    changed = [name for name in CARRIED_FIXED_FIELDS if values[name] != getattr(allocation, name)]
    if changed:
        message = _(
            "Phân bổ này là số dư chuyển nguồn từ phân bổ số %(pk)s: giữ nguyên năm, dòng vốn và số vốn chuyển sang. "
            "Muốn thay đổi số vốn, hãy điều chỉnh theo quyết định."
        ) % {"pk": allocation.carried_from_id}
        raise ValidationError(dict.fromkeys(changed, message))


@transaction.atomic
def allocation_adjust(
    *,
    actor,
    allocation: Allocation,
    new_amount: int,
    decision_no: str,
    decision_date: datetime.date,
    decision_body: str,
    reason: str = "",
) -> AllocationAdjustment:
    """Adjust (điều chỉnh) the amount by a later decision; both decisions stay on record."""
    allocation = _lock_allocation(allocation)
    before = summary.snapshot(allocation)
    _require_write(actor, allocation.unit)
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    _validate_amount(new_amount, add, "new_amount")
    if not (decision_no or "").strip():
        add("decision_no", _("Phải nhập số quyết định điều chỉnh."))
    if not isinstance(decision_date, datetime.date):
        add("decision_date", _("Phải nhập ngày quyết định điều chỉnh."))
    elif decision_date < allocation.decision_date:
        add(
            "decision_date",
            _("Quyết định điều chỉnh phải sau quyết định giao vốn (%(date)s).")
            % {"date": _d(allocation.decision_date)},
        )
    elif decision_date > clock.today():
        add("decision_date", _("Ngày quyết định không được sau hôm nay."))
    if not (decision_body or "").strip():
        add("decision_body", _("Phải nhập cơ quan ban hành quyết định."))
    if errors:
        raise ValidationError(errors)
    if hasattr(allocation, "carried_to"):
        raise ValidationError(
            _("Phân bổ này đã chuyển nguồn sang năm %(year)s nên không điều chỉnh được.")
            % {"year": allocation.carried_to.year}
        )
    check_period_open(unit=allocation.unit, year=allocation.year, day=decision_date)
    spent = disbursed_total(allocation)
    if new_amount < spent:
        raise ValidationError(
            {
                "new_amount": _("Số vốn sau điều chỉnh không được nhỏ hơn số đã giải ngân (%(spent)s đồng).")
                % {"spent": format_vnd(spent)}
            }
        )
    _check_plan_fits(allocation, new_amount, "new_amount")
    adjustment = AllocationAdjustment.objects.create(
        allocation=allocation,
        previous_amount=allocation.amount,
        new_amount=new_amount,
        previous_decision_no=allocation.decision_no,
        previous_decision_date=allocation.decision_date,
        decision_no=decision_no.strip(),
        decision_date=decision_date,
        decision_body=decision_body.strip(),
        reason=(reason or "").strip(),
        actor=actor,
    )
    allocation.amount = new_amount
    allocation._history_user = actor
    allocation._change_reason = _("Điều chỉnh theo quyết định %(no)s") % {"no": decision_no.strip()}
    allocation.save(update_fields=["amount", "updated_at"])
    summary.record(before, summary.snapshot(allocation))
    return adjustment


@transaction.atomic
def allocation_delete(*, actor, allocation: Allocation) -> None:
    allocation = _lock_allocation(allocation)
    _require_write(actor, allocation.unit)
    if allocation.disbursements.exists():
        raise ValidationError(_("Phân bổ đã có giải ngân: xóa các khoản giải ngân trước, hoặc điều chỉnh số vốn."))
    if hasattr(allocation, "carried_to"):
        raise ValidationError(_("Phân bổ này đã chuyển nguồn sang năm sau nên không xóa được."))
    check_period_open(unit=allocation.unit, year=allocation.year, day=allocation.decision_date)
    _check_records_open(allocation, unit=allocation.unit, year=allocation.year)
    before = summary.snapshot(allocation)
    for line in allocation.plan_lines.all():  # one by one, so that each history row names the actor
        line._history_user = actor
        line.delete()
    allocation._history_user = actor
    allocation.delete()
    summary.record(before, None)


# --- Disbursements ---------------------------------------------------------------------------


def disbursement_window(allocation: Allocation, *, settings: dict | None = None) -> tuple[datetime.date, datetime.date]:
    """The dates a disbursement of `allocation` may carry. `settings`: the year settings already read
    (`year_settings`), so that a page of allocations does not read them one allocation at a time."""
    start = datetime.date(allocation.year, 1, 1)
    if allocation.is_carried_over:
        key = (_province_pk(allocation.unit), allocation.year)
        setting = settings.get(key) if settings is not None else None
        return start, (setting or year_setting(*key)).carryover_deadline
    return start, datetime.date(allocation.year, 12, 31)


def year_settings(allocations) -> dict[tuple[int, int], YearSetting]:
    """{(province pk, year): its settings, the defaults where none is saved} for the carried-over allocations
    among `allocations`, in one query (disbursement_window's `settings`)."""
    keys = {(_province_pk(a.unit), a.year) for a in allocations if a.is_carried_over}
    if not keys:
        return {}
    saved = {
        (setting.province_id, setting.year): setting
        for setting in YearSetting.objects.filter(
            province_id__in={p for p, _y in keys}, year__in={y for _p, y in keys}
        ).order_by()
    }
    return {
        key: saved.get(key) or YearSetting(province_id=key[0], year=key[1], **YearSetting.defaults(key[1]))
        for key in keys
    }


def _validate_disbursement(*, allocation: Allocation, date, amount, voucher_no, exclude_pk=None) -> None:
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    _validate_amount(amount, add)
    if not isinstance(date, datetime.date):
        add("date", _("Phải nhập ngày giải ngân."))
    else:
        start, end = disbursement_window(allocation)
        if date > clock.today():
            add("date", _("Ngày giải ngân không được sau hôm nay."))
        elif not (start <= date <= end):
            if allocation.is_carried_over:
                add(
                    "date",
                    _(
                        "Vốn năm %(origin)s chuyển sang chỉ được giải ngân từ %(start)s đến %(end)s (hạn do tỉnh quy định)."
                    )
                    % {"origin": allocation.origin_year, "start": _d(start), "end": _d(end)},
                )
            else:
                add(
                    "date",
                    _("Ngày giải ngân phải trong năm ngân sách %(year)s (từ %(start)s đến %(end)s).")
                    % {"year": allocation.year, "start": _d(start), "end": _d(end)},
                )
    if not (voucher_no or "").strip():
        add("voucher_no", _("Phải nhập số chứng từ."))
    else:
        clash = Disbursement.objects.filter(allocation=allocation, voucher_no=voucher_no.strip())
        if exclude_pk:
            clash = clash.exclude(pk=exclude_pk)
        if clash.exists():
            add("voucher_no", _("Chứng từ %(no)s đã được ghi cho phân bổ này.") % {"no": voucher_no.strip()})
    if errors:
        raise ValidationError(errors)


def _check_balance(allocation: Allocation, amount: int, *, exclude_pk=None) -> None:
    spent = disbursed_total(allocation, exclude_pk=exclude_pk)
    remaining = allocation.amount - spent
    if amount > remaining:
        raise ValidationError(
            {
                "amount": _("Số tiền %(amount)s đồng vượt số vốn còn lại của phân bổ (%(remaining)s đồng).")
                % {"amount": format_vnd(amount), "remaining": format_vnd(remaining)}
            }
        )


def _check_not_carried(allocation: Allocation) -> None:
    if hasattr(allocation, "carried_to"):
        raise ValidationError(
            _("Phân bổ này đã chuyển nguồn sang năm %(year)s: ghi giải ngân vào phân bổ năm %(year)s.")
            % {"year": allocation.carried_to.year}
        )


@transaction.atomic
def disbursement_create(
    *, actor, allocation: Allocation, date: datetime.date, amount: int, voucher_no: str, note: str = ""
) -> Disbursement:
    # Lock the allocation first: concurrent writers queue here, so the balance they check is the real one.
    allocation = _lock_allocation(allocation)
    _require_write(actor, allocation.unit)
    _check_not_carried(allocation)
    _validate_disbursement(allocation=allocation, date=date, amount=amount, voucher_no=voucher_no)
    check_period_open(unit=allocation.unit, year=allocation.year, day=date)
    _check_balance(allocation, amount)
    before = summary.snapshot(allocation)
    disbursement = Disbursement(
        allocation=allocation,
        date=date,
        amount=amount,
        voucher_no=voucher_no.strip(),
        note=(note or "").strip(),
        created_by=actor,
    )
    disbursement._history_user = actor
    try:
        with transaction.atomic():
            disbursement.save()
    except IntegrityError as exc:  # a concurrent twin of the same voucher
        raise ValidationError(
            {"voucher_no": _("Chứng từ %(no)s đã được ghi cho phân bổ này.") % {"no": voucher_no}}
        ) from exc
    summary.record(before, summary.snapshot(allocation))
    return disbursement


@transaction.atomic
def disbursement_update(*, actor, disbursement: Disbursement, **changes) -> Disbursement:
    allocation = _lock_allocation(disbursement.allocation)
    disbursement = Disbursement.objects.select_for_update().get(pk=disbursement.pk)
    _require_write(actor, allocation.unit)
    _check_not_carried(allocation)
    check_period_open(unit=allocation.unit, year=allocation.year, day=disbursement.date)
    date = changes.get("date", disbursement.date)
    amount = changes.get("amount", disbursement.amount)
    voucher_no = changes.get("voucher_no", disbursement.voucher_no)
    note = changes.get("note", disbursement.note)
    _validate_disbursement(
        allocation=allocation, date=date, amount=amount, voucher_no=voucher_no, exclude_pk=disbursement.pk
    )
    check_period_open(unit=allocation.unit, year=allocation.year, day=date)
    _check_balance(allocation, amount, exclude_pk=disbursement.pk)
    before = summary.snapshot(allocation)
    disbursement.date, disbursement.amount = date, amount
    disbursement.voucher_no, disbursement.note = voucher_no.strip(), (note or "").strip()
    disbursement._history_user = actor
    disbursement.save()
    summary.record(before, summary.snapshot(allocation))
    return disbursement


@transaction.atomic
def disbursement_delete(*, actor, disbursement: Disbursement) -> None:
    allocation = _lock_allocation(disbursement.allocation)
    _require_write(actor, allocation.unit)
    _check_not_carried(allocation)
    check_period_open(unit=allocation.unit, year=allocation.year, day=disbursement.date)
    before = summary.snapshot(allocation)
    disbursement._history_user = actor
    disbursement.delete()
    summary.record(before, summary.snapshot(allocation))


# --- Disbursement plans ----------------------------------------------------------------------


@transaction.atomic
def plan_set(*, actor, allocation: Allocation, months: dict[int, int]) -> list[PlanLine]:
    """Replace the allocation's monthly plan. `months` maps 1–12 to planned đồng (0 or absent: nothing planned)."""
    allocation = _lock_allocation(allocation)
    _require_write(actor, allocation.unit)
    if hasattr(allocation, "carried_to"):
        raise ValidationError(
            _("Phân bổ này đã chuyển nguồn sang năm %(year)s: lập kế hoạch tháng cho phân bổ năm %(year)s.")
            % {"year": allocation.carried_to.year}
        )
    errors: dict[str, list[str]] = {}
    for month, amount in months.items():
        field = f"month_{month}"
        if not isinstance(month, int) or not 1 <= month <= 12:
            errors.setdefault("months", []).append(_("Tháng %(m)s không hợp lệ.") % {"m": month})
        elif isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            errors.setdefault(field, []).append(
                _("Kế hoạch tháng %(m)s phải là số nguyên đồng không âm.") % {"m": month}
            )
    if errors:
        raise ValidationError(errors)
    total = sum(months.values())
    if total > allocation.amount:
        raise ValidationError(
            {
                "months": _("Tổng kế hoạch %(total)s đồng vượt số vốn giao %(amount)s đồng.")
                % {"total": format_vnd(total), "amount": format_vnd(allocation.amount)}
            }
        )
    existing = {line.month: line for line in PlanLine.objects.select_for_update().filter(allocation=allocation)}
    changed_months = {
        m for m in set(existing) | set(months) if (existing[m].amount if m in existing else 0) != months.get(m, 0)
    }
    for month in sorted(changed_months):
        check_period_open(unit=allocation.unit, year=allocation.year, day=datetime.date(allocation.year, month, 1))
    before = summary.snapshot(allocation)
    lines = []
    for month in range(1, 13):
        amount = months.get(month, 0)
        line = existing.get(month)
        if line and amount == 0:
            line._history_user = actor
            line.delete()
        elif line and line.amount != amount:
            line.amount = amount
            line._history_user = actor
            line.save()
            lines.append(line)
        elif not line and amount:
            line = PlanLine(allocation=allocation, month=month, amount=amount)
            line._history_user = actor
            line.save()
            lines.append(line)
        elif line:
            lines.append(line)
    summary.record(before, summary.snapshot(allocation))
    return lines


# --- Year-end carry-over ---------------------------------------------------------------------


def successor_in(unit: AdministrativeUnit, year: int) -> AdministrativeUnit:
    """Where `unit`'s balance goes in `year`: itself if it still exists, else the unit that replaced it."""
    current = unit
    for _step in range(5):
        if AdministrativeUnit.objects.filter(pk=current.pk).valid_in_year(year).exists():
            return current
        succession = (
            UnitSuccession.objects.filter(predecessor=current)
            .select_related("successor")
            .order_by("merge_type", "successor__code")
            .first()
        )
        if succession is None:
            break
        current = succession.successor
    # A district abolished in 2025 hands its balances to the province that replaced its province.
    province = unit.province
    return successor_in(province, year) if province.pk != unit.pk else unit


@transaction.atomic
def carry_over(
    *,
    actor,
    province: AdministrativeUnit,
    from_year: int,
    decision_no: str,
    decision_date: datetime.date,
    decision_body: str,
) -> list[Allocation]:
    """Move every remaining balance of `from_year` in the province into the next year, keeping its origin year.

    Exactly once: an allocation already carried is skipped, so running it again changes nothing.
    """
    if not can_approve(actor, province) and not (actor.unit_id == province.pk and actor.policy.approves):
        raise PermissionDenied(_("Chỉ Ban Dân tộc tỉnh được chuyển nguồn."))
    errors = {}
    if not (decision_no or "").strip():
        errors["decision_no"] = [_("Phải nhập số quyết định chuyển nguồn.")]
    if not isinstance(decision_date, datetime.date):
        errors["decision_date"] = [_("Phải nhập ngày quyết định chuyển nguồn.")]
    elif decision_date > clock.today():
        errors["decision_date"] = [_("Ngày quyết định không được sau hôm nay.")]
    elif decision_date.year != from_year + 1:
        # Balances are known once the year has ended, and the carried rows are allocations of the next year.
        errors["decision_date"] = [
            _("Quyết định chuyển nguồn của năm %(year)s phải ban hành trong năm %(next)s.")
            % {"year": from_year, "next": from_year + 1}
        ]
    if not (decision_body or "").strip():
        errors["decision_body"] = [_("Phải nhập cơ quan ban hành quyết định.")]
    if province.level != Level.PROVINCE:
        errors["province"] = [_("Chuyển nguồn làm cho cả tỉnh, không cho từng huyện hay xã.")]
    if not BudgetYear.objects.filter(year=from_year + 1).exists():
        errors["from_year"] = [_("Năm %(year)s không thuộc Chương trình.") % {"year": from_year + 1}]
    if errors:
        raise ValidationError(errors)
    sources = list(
        Allocation.objects.select_for_update(of=("self",))
        .filter(year=from_year, unit__path__startswith=province.path, carried_to__isnull=True)
        .select_related("unit")
        .order_by("pk")
    )
    spent = dict(
        Disbursement.objects.filter(allocation__in=sources).values_list("allocation").annotate(total=Sum("amount"))
    )
    created = []
    targets: dict[int, AdministrativeUnit] = {}
    for source in sources:
        remaining = source.amount - spent.get(source.pk, 0)
        if remaining <= 0:
            continue
        if source.unit_id not in targets:
            targets[source.unit_id] = successor_in(source.unit, from_year + 1)
            # The carried rows are records of the next year dated on the decision: its periods must be open.
            check_period_open(unit=targets[source.unit_id], year=from_year + 1, day=decision_date)
        target_unit = targets[source.unit_id]
        carried = Allocation(
            year=from_year + 1,
            project=source.project,
            subproject=source.subproject,
            unit=target_unit,
            capital_type=source.capital_type,
            source=source.source,
            origin_year=source.origin_year,
            amount=remaining,
            decision_no=decision_no.strip(),
            decision_date=decision_date,
            decision_body=decision_body.strip(),
            note=_("Chuyển nguồn từ phân bổ %(pk)s năm %(year)s (%(unit)s)")
            % {"pk": source.pk, "year": from_year, "unit": source.unit.name},
            carried_from=source,
            created_by=actor,
        )
        carried._history_user = actor
        carried.save()
        created.append(carried)
    # Every source is locked above; the summary rows are taken once, in key order, after all of them.
    with summary.deferred():
        for carried in created:
            summary.record(None, summary.snapshot(carried, new=True))
    return created


# --- Periods and approval --------------------------------------------------------------------


def _transition(period: Period, *, actor, action: str, allowed_from: Iterable[str], to: str, comment: str) -> Period:
    if period.status not in allowed_from:
        raise ValidationError(
            _("Không thể %(action)s: kỳ đang ở trạng thái “%(status)s”.")
            % {"action": PeriodAction(action).label.lower(), "status": period.get_status_display()}
        )
    PeriodEvent.objects.create(
        period=period, action=action, from_status=period.status, to_status=to, actor=actor, comment=comment
    )
    period.status = to
    period._history_user = actor
    period.save(update_fields=["status", "updated_at"])
    return period


def _lock_period(period: Period) -> Period:
    return Period.objects.select_for_update(of=("self",)).select_related("unit").get(pk=period.pk)


@transaction.atomic
def period_submit(*, actor, period: Period, comment: str = "") -> Period:
    period = _lock_period(period)
    if not can_submit(actor, period.unit):
        raise PermissionDenied(_("Bạn không được gửi số liệu của đơn vị này."))
    return _transition(
        period,
        actor=actor,
        action=PeriodAction.SUBMIT,
        allowed_from={PeriodStatus.OPEN, PeriodStatus.RETURNED, PeriodStatus.REOPENED},
        to=PeriodStatus.SUBMITTED,
        comment=(comment or "").strip(),
    )


@transaction.atomic
def period_approve(*, actor, period: Period, comment: str = "") -> Period:
    period = _lock_period(period)
    if not can_approve(actor, period.unit):
        raise PermissionDenied(_("Chỉ Ban Dân tộc tỉnh được phê duyệt."))
    return _transition(
        period,
        actor=actor,
        action=PeriodAction.APPROVE,
        allowed_from={PeriodStatus.SUBMITTED},
        to=PeriodStatus.APPROVED,
        comment=(comment or "").strip(),
    )


def _require_comment(comment: str, message: str) -> str:
    if not (comment or "").strip():
        raise ValidationError({"comment": message})
    return comment.strip()


@transaction.atomic
def period_return(*, actor, period: Period, comment: str) -> Period:
    period = _lock_period(period)
    if not can_approve(actor, period.unit):
        raise PermissionDenied(_("Chỉ Ban Dân tộc tỉnh được trả lại số liệu."))
    comment = _require_comment(comment, _("Phải ghi lý do trả lại để đơn vị biết cần sửa gì."))
    return _transition(
        period,
        actor=actor,
        action=PeriodAction.RETURN,
        allowed_from={PeriodStatus.SUBMITTED},
        to=PeriodStatus.RETURNED,
        comment=comment,
    )


@transaction.atomic
def period_reopen(*, actor, period: Period, comment: str) -> Period:
    """Reopen a period for this unit alone: after approval, or to allow entry after the deadline."""
    period = _lock_period(period)
    if not can_approve(actor, period.unit):
        raise PermissionDenied(_("Chỉ Ban Dân tộc tỉnh được mở lại kỳ."))
    comment = _require_comment(comment, _("Phải ghi lý do mở lại."))
    return _transition(
        period,
        actor=actor,
        action=PeriodAction.REOPEN,
        allowed_from={PeriodStatus.APPROVED, PeriodStatus.OPEN, PeriodStatus.RETURNED},
        to=PeriodStatus.REOPENED,
        comment=comment,
    )


@transaction.atomic
def year_setting_save(
    *,
    actor,
    province: AdministrativeUnit,
    year: int,
    h1_deadline: datetime.date,
    year_deadline: datetime.date,
    carryover_deadline: datetime.date,
) -> YearSetting:
    if province.level != Level.PROVINCE or not (actor.policy.approves and actor.unit_id == province.pk):
        raise PermissionDenied(_("Chỉ Ban Dân tộc tỉnh đặt hạn nhập số liệu của tỉnh."))
    errors = {}
    if h1_deadline < datetime.date(year, 7, 1):
        errors["h1_deadline"] = [_("Hạn nhập số liệu 6 tháng phải sau ngày 30/6/%(year)s.") % {"year": year}]
    if year_deadline < datetime.date(year + 1, 1, 1):
        errors["year_deadline"] = [_("Hạn nhập số liệu cả năm phải từ năm %(next)s.") % {"next": year + 1}]
    if not datetime.date(year, 1, 1) <= carryover_deadline <= datetime.date(year, 12, 31):
        errors["carryover_deadline"] = [_("Hạn giải ngân vốn chuyển sang phải trong năm %(year)s.") % {"year": year}]
    if errors:
        raise ValidationError(errors)
    deadlines = {"h1_deadline": h1_deadline, "year_deadline": year_deadline, "carryover_deadline": carryover_deadline}
    # One save, by the actor: get_or_create would first write a history row naming nobody.
    setting = YearSetting.objects.select_for_update().filter(province=province, year=year).first()
    try:
        with transaction.atomic():
            return _save_year_setting(setting or YearSetting(province=province, year=year), deadlines, actor)
    except IntegrityError:  # another officer saved this year's first settings at the same moment: update them
        setting = YearSetting.objects.select_for_update().get(province=province, year=year)
        return _save_year_setting(setting, deadlines, actor)


def _save_year_setting(setting: YearSetting, deadlines: dict, actor) -> YearSetting:
    for name, value in deadlines.items():
        setattr(setting, name, value)
    setting._history_user = actor
    setting.save()
    return setting
