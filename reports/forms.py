"""Shape-only forms of the reports pages; the services decide the rest."""

from django import forms
from django.utils.translation import gettext_lazy as _

from disbursement.models import Allocation
from ethnic_portal.forms import BootstrapFormMixin
from geography.models import Level

from .models import ReportLevel, ReportPeriod
from .services import _scoped_units


def unit_options(user):
    """Units a report can be asked for: the user's unit and those below it, provinces to communes, past ones
    labelled with the day they ended."""
    return (
        _scoped_units(user)
        .filter(level__in=[Level.PROVINCE, Level.DISTRICT, Level.COMMUNE])
        .order_by("path")
        .only("pk", "code", "name", "level", "valid_to", "path")
    )


def year_options(user) -> list[int]:
    return sorted(set(Allocation.objects.for_user(user).values_list("year", flat=True).distinct()), reverse=True)


class ReportRequestForm(BootstrapFormMixin, forms.Form):
    level = forms.ChoiceField(label=_("Cấp báo cáo"), choices=ReportLevel.choices)
    unit = forms.TypedChoiceField(label=_("Đơn vị"), coerce=int)
    year = forms.TypedChoiceField(label=_("Năm"), coerce=int)
    period = forms.ChoiceField(label=_("Kỳ báo cáo"), choices=ReportPeriod.choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.units = {u.pk: u for u in unit_options(user)}
        self.fields["unit"].choices = [(u.pk, f"{u.code} – {u.display_name}") for u in self.units.values()]
        years = year_options(user)
        self.fields["year"].choices = [(y, y) for y in years]
        if not self.is_bound and user.unit_id:
            self.initial.setdefault("unit", user.unit_id)
            self.initial.setdefault("level", user.unit.level)
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
