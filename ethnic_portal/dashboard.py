"""The figures of the home dashboards, read through the apps' selectors with a fixed number of queries.

What a dashboard shows follows the user's policy flags (accounts.scope), never the role name. A nationwide user's
dashboard is the country's (`geography.models.nation()`): the same pieces with the provinces as sub-units. The
capital figures come from the ledger's summaries (disbursement/summary.py), so the query count and the rows
read do not grow with the ledger.
"""

import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from beneficiaries import selectors as beneficiary_selectors
from disbursement import selectors as ledger_selectors
from disbursement.models import Period, PeriodKind, PeriodStatus
from disbursement.services import year_setting
from geography.models import AdministrativeUnit, Level, is_nation, nation
from programs.models import CapitalType
from reports import selectors as report_selectors
from reports.models import ReportSetting

LAG_SHARE = Decimal("0.8")  # without a province threshold: below 80% of the unit's own rate


def _province_of(unit: AdministrativeUnit) -> AdministrativeUnit | None:
    if is_nation(unit):
        return None
    if unit.level == Level.PROVINCE:
        return unit
    for ancestor in unit.ancestors():
        if ancestor.level == Level.PROVINCE:
            return ancestor
    return None


def _period_range(year: int, kind: str) -> tuple[datetime.date, datetime.date]:
    if kind == PeriodKind.H1:
        return datetime.date(year, 1, 1), datetime.date(year, 6, 30)
    return datetime.date(year, 7, 1), datetime.date(year, 12, 31)


def _chart(chart_id: str, kind: str, labels: list, datasets: list[tuple[str, list]], percent: bool = False) -> dict:
    return {
        "id": chart_id,
        "type": kind,
        "percent": percent,
        "labels": [str(label) for label in labels],
        "datasets": [{"label": str(name), "data": [float(v or 0) for v in values]} for name, values in datasets],
    }


def dashboard_unit(user) -> AdministrativeUnit | None:
    """Whose figures the user's dashboard shows: their unit, the whole country for a nationwide user."""
    policy = user.policy
    if not policy.reads_program_data:
        return None
    return nation() if policy.nationwide else user.unit


def dashboard(*, user, today: datetime.date) -> dict | None:
    """Everything a home dashboard shows for `user`'s unit (the country for a nationwide user), or None when there
    is no capital in scope."""
    unit = dashboard_unit(user)
    if unit is None:
        return None
    policy = user.policy
    year = ledger_selectors.latest_year(user=user)
    if year is None:
        return None
    as_of = min(today, datetime.date(year, 12, 31))
    progress = ledger_selectors.progress_for_unit(user=user, unit=unit, year=year, as_of=as_of, lines=False)
    type_labels = {CapitalType.INVESTMENT: _("Vốn đầu tư phát triển"), CapitalType.RECURRENT: _("Vốn sự nghiệp")}

    capital = []
    for capital_type, figures in progress.by_type.items():
        new = progress.by_type_origin[(capital_type, False)]
        carried = progress.by_type_origin[(capital_type, True)]
        capital.append(
            {
                "type": capital_type,
                "label": type_labels.get(capital_type, capital_type),
                "figures": figures,
                "new": new,
                "carried": carried,
                "chart": _chart(
                    f"chart-capital-{capital_type}",
                    "bar",
                    [_("Vốn năm %(year)s") % {"year": year}, _("Vốn năm trước chuyển sang")],
                    [
                        (_("Giao (tỷ đồng)"), [new.allocated / 1e9, carried.allocated / 1e9]),
                        (_("Giải ngân (tỷ đồng)"), [new.disbursed / 1e9, carried.disbursed / 1e9]),
                    ],
                ),
            }
        )

    # Lagging units: below the province's threshold when it set one, else below 80% of this unit's own rate.
    province = _province_of(unit)
    setting = ReportSetting.objects.filter(province=province).first() if province else None
    own_rate = progress.total.rate or Decimal(0)
    if setting is not None:
        threshold, threshold_from_setting = Decimal(setting.low_rate_threshold), True
    else:
        threshold, threshold_from_setting = (Decimal(own_rate) * LAG_SHARE).quantize(Decimal("0.1")), False

    subunits = []
    for sub, types in progress.by_subunit.items():
        figures = ledger_selectors.Figures(
            allocated=sum(f.allocated for f in types.values()), disbursed=sum(f.disbursed for f in types.values())
        )
        rate = figures.rate
        subunits.append({"unit": sub, "figures": figures, "lagging": figures.allocated > 0 and (rate or 0) < threshold})

    projects: dict[str, ledger_selectors.Figures] = {}
    for (code, _type), figures in progress.by_project.items():
        total = projects.setdefault(code, ledger_selectors.Figures())
        total.allocated += figures.allocated
        total.disbursed += figures.disbursed
    project_rows = [
        {"code": code, "name": progress.project_names.get(code, code), "figures": f} for code, f in projects.items()
    ]

    months = ledger_selectors.monthly_plan_vs_actual(user=user, unit=unit, year=year)
    has_plan = any(m.planned for m in months)

    kind = ledger_selectors.period_kind_for(today) if year == today.year else PeriodKind.YEAR
    start, end = _period_range(year, kind)
    # The second half-year's entries are those dated 01/07–31/12 (the H1 kind covers 01/01–30/06).
    counts = ledger_selectors.entry_counts(user=user, unit=unit, year=year, kind=kind, progress=progress)
    completeness = []
    for row in subunits:
        allocations, active = counts.get(row["unit"].pk, (0, 0))
        completeness.append({"unit": row["unit"], "allocations": allocations, "active": active})

    context = {
        "year": year,
        "as_of": as_of,
        "progress": progress,
        "capital": capital,
        "subunits": subunits,
        "threshold": threshold,
        "threshold_from_setting": threshold_from_setting,
        "projects": project_rows,
        "months": months,
        "has_plan": has_plan,
        "period_kind": kind,
        "period_label": PeriodKind(kind).label,
        "period_start": start,
        "period_end": end,
        "completeness": completeness,
        "charts": [c["chart"] for c in capital],
    }
    if subunits:
        context["charts"].append(
            _chart(
                "chart-subunits",
                "bar",
                [r["unit"].name for r in subunits],
                [(_("Tỷ lệ giải ngân (%)"), [r["figures"].rate for r in subunits])],
                percent=True,
            )
        )
    if project_rows:
        context["charts"].append(
            _chart(
                "chart-projects",
                "bar",
                [r["code"] for r in project_rows],
                [(_("Tỷ lệ giải ngân (%)"), [r["figures"].rate for r in project_rows])],
                percent=True,
            )
        )
    context["charts"].append(
        _chart(
            "chart-months",
            "line",
            [f"T{m.month}" for m in months],
            [
                (_("Kế hoạch lũy kế (tỷ đồng)"), [m.planned_cumulative / 1e9 for m in months]),
                (_("Giải ngân lũy kế (tỷ đồng)"), [m.actual_cumulative / 1e9 for m in months]),
            ],
        )
    )

    if policy.approves:
        pending = ledger_selectors.pending_submissions(user=user)
        context["pending"] = list(pending[:10])
        context["pending_count"] = pending.count()
    if policy.approves or policy.requests_reports:
        context["overdue"] = list(
            report_selectors.overdue_list(user=user).filter(year=year).order_by("unit__code")[:20]
        )
    if policy.submits:
        setting_year = year_setting(province, year) if province else None
        periods = {p.kind: p for p in Period.objects.for_user(user).filter(unit=unit, year=year).order_by()}
        context["my_periods"] = [
            {
                "kind": k,
                "label": PeriodKind(k).label,
                "period": periods.get(k),
                "status": PeriodStatus(periods[k].status).label if k in periods else PeriodStatus.OPEN.label,
                "submitted": k in periods and periods[k].status in (PeriodStatus.SUBMITTED, PeriodStatus.APPROVED),
                "deadline": (setting_year.h1_deadline if k == PeriodKind.H1 else setting_year.year_deadline)
                if setting_year
                else None,
            }
            for k in PeriodKind.values
        ]
        context["without_entries"] = [r for r in completeness if r["allocations"] and not r["active"]]
    if policy.requests_reports and not policy.writes:
        context["reports"] = report_selectors.latest_done_reports(user=user, limit=6)
    if not policy.nationwide:  # the country's page is the capital's; persons are in the national report
        context["persons"] = beneficiary_selectors.person_support_summary(user=user, unit=unit, year=year, as_of=as_of)
    if policy.approves:
        # One count over the table of cases kept by beneficiaries/cases.py (not a scan of the supports).
        context["open_cases"] = beneficiary_selectors.open_case_count(user=user)
    return context
