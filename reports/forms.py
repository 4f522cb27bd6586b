"""Shape-only forms of the reports pages; the services decide the rest."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.scope import NATIONWIDE, visible_roots
from disbursement.models import LedgerSummary
from ethnic_portal.forms import BootstrapFormMixin
from geography.models import Level, nation

from .models import ReportLevel, ReportPeriod
from .services import _scoped_units

NATION_CHOICE = 0  # the value of "the whole country" in the unit list of a nationwide user


def unit_options(user):
    """Units a report can be asked for: the user's unit and those below it, provinces to communes, past ones
    labelled with the day they ended. A nationwide user picks the country or a province here (the API takes any
    unit's code): the list stays short."""
    levels = [Level.PROVINCE] if user.policy.nationwide else [Level.PROVINCE, Level.DISTRICT, Level.COMMUNE]
    return (
        _scoped_units(user)
        .filter(level__in=levels)
        .order_by("path")
        .only("pk", "code", "name", "level", "valid_to", "path")
    )


def year_options(user) -> list[int]:
    """The years with capital in the user's scope, newest first (from the summary rows of the scope's roots)."""
    roots = visible_roots(user)
    if not roots or not user.policy.reads_program_data:
        return []
    rows = LedgerSummary.objects.filter(allocations__gt=0)
    rows = rows.filter(unit__parent__isnull=True) if NATIONWIDE in roots else rows.filter(unit__path__in=roots)
    return sorted(set(rows.values_list("year", flat=True).distinct()), reverse=True)


class ReportRequestForm(BootstrapFormMixin, forms.Form):
    level = forms.ChoiceField(label=_("Cấp báo cáo"), choices=ReportLevel.choices)
    unit = forms.TypedChoiceField(label=_("Đơn vị"), coerce=int)
    year = forms.TypedChoiceField(label=_("Năm"), coerce=int)
    period = forms.ChoiceField(label=_("Kỳ báo cáo"), choices=ReportPeriod.choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.units = {u.pk: u for u in unit_options(user)}
        if user.policy.nationwide:
            self.units = {NATION_CHOICE: nation(), **self.units}
        self.fields["unit"].choices = [(pk, f"{u.code} – {u.display_name}") for pk, u in self.units.items()]
        if not user.policy.nationwide:
            self.fields["level"].choices = [c for c in ReportLevel.choices if c[0] != ReportLevel.NATIONAL]
        years = year_options(user)
        self.fields["year"].choices = [(y, y) for y in years]
        if not self.is_bound and (user.unit_id or user.policy.nationwide):
            self.initial.setdefault("unit", user.unit_id or NATION_CHOICE)
            self.initial.setdefault("level", user.unit.level if user.unit_id else ReportLevel.NATIONAL)
            if years:
                self.initial.setdefault("year", years[0])

    def clean_unit(self):
        return self.units[self.cleaned_data["unit"]]


class ReportSettingForm(BootstrapFormMixin, forms.Form):
    low_rate_threshold = forms.DecimalField(
        label=_("Ngưỡng tỷ lệ giải ngân thấp (%)"),
        min_value=0,
        max_value=100,
        decimal_places=1,
        max_digits=4,
        localize=True,
        help_text=_("Đơn vị có tỷ lệ giải ngân của một loại vốn dưới ngưỡng này được liệt kê ở Biểu 06."),
    )
