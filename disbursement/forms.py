"""Shapes of the ledger's forms. The rules live in disbursement/services.py."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ethnic_portal.forms import (
    BootstrapFormMixin,
    PkModelChoiceField,
    VNDAmountField,
    budget_year,
    date_field,
    pk_value,
    scoped_units,
)
from geography.models import AdministrativeUnit, Level
from programs.models import BudgetYear, CapitalType, Project, SubProject

from .models import Source


def unit_choices(user, year=None):
    units = scoped_units(user).filter(level__in=[Level.PROVINCE, Level.DISTRICT, Level.COMMUNE])
    if year:
        units = units.valid_in_year(year)
    return units.order_by("path")


class AllocationForm(BootstrapFormMixin, forms.Form):
    year = forms.TypedChoiceField(label=_("Năm ngân sách"), coerce=int)
    unit = PkModelChoiceField(label=_("Đơn vị được giao vốn"), queryset=AdministrativeUnit.objects.none())
    project = PkModelChoiceField(label=_("Dự án"), queryset=Project.objects.none())
    subproject = PkModelChoiceField(
        label=_("Tiểu dự án"),
        queryset=SubProject.objects.none(),
        required=False,
        help_text=_("Chọn dự án trước; để trống nếu dự án không có tiểu dự án."),
    )
    capital_type = forms.ChoiceField(label=_("Loại vốn"), choices=CapitalType.choices)
    source = forms.ChoiceField(label=_("Nguồn vốn"), choices=Source.choices)
    origin_year = forms.TypedChoiceField(
        label=_("Năm nguồn vốn"),
        coerce=int,
        help_text=_("Bằng năm ngân sách với vốn giao mới; năm trước với vốn chuyển sang."),
    )
    amount = VNDAmountField(label=_("Số vốn giao (đồng)"))
    decision_no = forms.CharField(label=_("Số quyết định giao vốn"), max_length=60, help_text=_("Ví dụ: 123/QĐ-UBND"))
    decision_date = date_field(_("Ngày quyết định"))
    decision_body = forms.CharField(
        label=_("Cơ quan ban hành"), max_length=150, help_text=_("Ví dụ: UBND tỉnh Bắc Kạn")
    )
    note = forms.CharField(label=_("Ghi chú"), max_length=500, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        years = list(BudgetYear.objects.values_list("year", flat=True))
        self.fields["year"].choices = [(y, y) for y in years]
        self.fields["origin_year"].choices = [(y, y) for y in years]
        self.fields["unit"].queryset = unit_choices(user, budget_year(self._chosen("year")))
        self.fields["unit"].label_from_instance = lambda unit: f"{unit.code} – {unit.display_name}"
        self.fields["project"].queryset = Project.objects.select_related("program").order_by(
            "program__start_year", "number"
        )
        self.fields["project"].label_from_instance = lambda project: f"{project.code}. {project.name[:90]}"
        project = pk_value(self._chosen("project"))
        subprojects = SubProject.objects.none()
        if project is not None:
            subprojects = SubProject.objects.filter(project_id=project)
        self.fields["subproject"].queryset = subprojects
        self.fields["subproject"].label_from_instance = lambda sub: f"{sub.code}. {sub.name[:90]}"
        self.fields["project"].widget.attrs.update(
            {
                "hx-get": reverse("disbursement:subproject_options"),
                "hx-target": "#id_subproject",
                "hx-trigger": "change",
                "hx-include": "this",
            }
        )
        self.fields["year"].widget.attrs.update(
            {
                "hx-get": reverse("disbursement:unit_options"),
                "hx-target": "#id_unit",
                "hx-trigger": "change",
                "hx-include": "this",
            }
        )

    def _chosen(self, name):
        if self.is_bound:
            return self.data.get(self.add_prefix(name))
        value = self.initial.get(name)
        return getattr(value, "pk", value)


class AdjustmentForm(BootstrapFormMixin, forms.Form):
    new_amount = VNDAmountField(label=_("Số vốn sau điều chỉnh (đồng)"))
    decision_no = forms.CharField(label=_("Số quyết định điều chỉnh"), max_length=60)
    decision_date = date_field(_("Ngày quyết định điều chỉnh"))
    decision_body = forms.CharField(label=_("Cơ quan ban hành"), max_length=150)
    reason = forms.CharField(label=_("Lý do điều chỉnh"), max_length=500, required=False)


class DisbursementForm(BootstrapFormMixin, forms.Form):
    date = date_field(_("Ngày giải ngân"))
    amount = VNDAmountField(label=_("Số tiền giải ngân (đồng)"))
    voucher_no = forms.CharField(
        label=_("Số chứng từ"), max_length=60, help_text=_("Số chứng từ hoặc số hiệu chứng từ Kho bạc.")
    )
    note = forms.CharField(label=_("Ghi chú"), max_length=500, required=False)


class PlanForm(BootstrapFormMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for month in range(1, 13):
            self.fields[f"month_{month}"] = VNDAmountField(
                label=_("Tháng %(m)s") % {"m": month}, required=False, allow_zero=True, help_text=""
            )
        for field in self.fields.values():  # added after the mixin ran
            field.widget.attrs["class"] = "form-control"

    def months(self) -> dict[int, int]:
        return {
            m: self.cleaned_data.get(f"month_{m}") or 0 for m in range(1, 13) if self.cleaned_data.get(f"month_{m}")
        }


class CommentForm(BootstrapFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("Ý kiến"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class YearSettingForm(BootstrapFormMixin, forms.Form):
    h1_deadline = date_field(_("Hạn nhập số liệu 6 tháng đầu năm"))
    year_deadline = date_field(_("Hạn nhập số liệu cả năm"))
    carryover_deadline = date_field(_("Hạn giải ngân vốn năm trước chuyển sang"))


class CarryOverForm(BootstrapFormMixin, forms.Form):
    from_year = forms.TypedChoiceField(label=_("Chuyển số dư của năm"), coerce=int)
    decision_no = forms.CharField(label=_("Số quyết định chuyển nguồn"), max_length=60)
    decision_date = date_field(_("Ngày quyết định"))
    decision_body = forms.CharField(label=_("Cơ quan ban hành"), max_length=150)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        years = list(BudgetYear.objects.values_list("year", flat=True))
        self.fields["from_year"].choices = [(y, y) for y in years[:-1]]


class ImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Tệp Excel (.xlsx)"),
        help_text=_("Dùng đúng mẫu tải về ở trang này; tối đa 5 MB."),
        error_messages={"empty": _("Tệp rỗng."), "required": _("Chọn tệp Excel để tải lên.")},
    )
