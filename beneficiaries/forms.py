"""Shapes of the beneficiaries' forms. The rules live in beneficiaries/services/; choices come from for_user."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ethnic_portal import clock
from ethnic_portal.forms import BootstrapFormMixin, PkModelChoiceField, VNDAmountField, date_field, scoped_units
from geography.models import Level
from programs.models import BudgetYear, Project, SubProject

from .choices import (
    ActivityKind,
    ApprovalLevel,
    CommunityRole,
    CondolenceFor,
    FundedBy,
    FundingProgram,
    Gender,
    HospitalLevel,
    HouseholdSupportKind,
    PersonStatus,
    PovertyStatus,
    Scheme,
    SupportKind,
)
from .citizen_id import citizen_id_errors
from .models import EthnicGroup, ImportKind, PrestigiousPerson
from .personal_data import kept_if_masked, mask_id_number, may_see


def place_choices(user, *, current_only=True):
    """Villages and communes in the user's scope (those that exist today, unless told otherwise)."""
    units = scoped_units(user).filter(level__in=[Level.VILLAGE, Level.COMMUNE]).select_related("parent")
    if current_only:
        units = units.valid_on(clock.today())
    return units.order_by("path")


def organiser_choices(user):
    return scoped_units(user).exclude(level=Level.VILLAGE).valid_on(clock.today()).order_by("path")


def _place_label(unit) -> str:
    if unit.level == Level.VILLAGE and unit.parent_id:
        return f"{unit.name} – {unit.parent.name} ({unit.code})"
    return f"{unit.name} ({unit.code})"


def _unit_label(unit) -> str:
    return f"{unit.code} – {unit.display_name}"


class EthnicGroupField(PkModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=EthnicGroup.objects.order_by("code"), label=_("Dân tộc"), **kwargs)

    def label_from_instance(self, group):
        return f"{group.code} – {group.name}"


class YearField(forms.IntegerField):
    def __init__(self, *, label, **kwargs):
        kwargs.setdefault("min_value", 1900)
        kwargs.setdefault("max_value", 2100)
        super().__init__(label=label, **kwargs)


class PersonForm(BootstrapFormMixin, forms.Form):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    gender = forms.ChoiceField(label=_("Giới tính"), choices=Gender.choices)
    birth_year = YearField(label=_("Năm sinh"))
    ethnic_group = EthnicGroupField()
    unit = PkModelChoiceField(label=_("Thôn (bản) hoặc xã"), queryset=None)
    community_role = forms.ChoiceField(label=_("Vai trò trong cộng đồng"), choices=CommunityRole.choices)
    term_start = YearField(label=_("Nhiệm kỳ từ năm"))
    term_end = YearField(label=_("Nhiệm kỳ đến năm"))
    approval_decision_no = forms.CharField(label=_("Số quyết định công nhận"), max_length=60, required=False)
    approval_decision_date = date_field(_("Ngày quyết định"), required=False)
    approval_level = forms.ChoiceField(
        label=_("Cấp phê duyệt danh sách"), choices=[("", "—")] + list(ApprovalLevel.choices), required=False
    )
    status = forms.ChoiceField(label=_("Tình trạng"), choices=PersonStatus.choices)
    status_date = date_field(_("Ngày thay thế / qua đời"), required=False)
    note = forms.CharField(label=_("Ghi chú"), max_length=500, required=False)

    def __init__(self, *args, user, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        units = place_choices(user)
        if instance is not None:  # an old record keeps its village, even one a merger ended
            units = units | place_choices(user, current_only=False).filter(pk=instance.unit_id)
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = _place_label


class SupportActivityForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Loại hỗ trợ"), choices=SupportKind.choices)
    date = date_field(_("Ngày"))
    funded_by = forms.ChoiceField(label=_("Đơn vị chi, thực hiện"), choices=FundedBy.choices)
    amount = VNDAmountField(
        label=_("Số tiền (đồng)"),
        required=False,
        allow_zero=True,
        help_text=_("Để trống: mức chính sách của loại hỗ trợ vào ngày đó (bảng định mức bên cạnh)."),
    )
    hospital_level = forms.ChoiceField(
        label=_("Tuyến khám chữa bệnh (ốm đau)"), choices=[("", "—")] + list(HospitalLevel.choices), required=False
    )
    condolence_for = forms.ChoiceField(
        label=_("Người qua đời (thăm viếng)"), choices=[("", "—")] + list(CondolenceFor.choices), required=False
    )
    over_ceiling_reason = forms.CharField(
        label=_("Lý do vượt mức (nếu số tiền cao hơn mức tối đa)"), max_length=500, required=False
    )
    note = forms.CharField(
        label=_("Ghi chú"),
        max_length=500,
        required=False,
        help_text=_("Ví dụ: tên ấn phẩm báo được cấp (loại “Khác”)."),
    )

    def clean_kind(self):
        kind = self.cleaned_data["kind"]
        if kind == SupportKind.TRAINING:
            raise forms.ValidationError(_("Tập huấn được ghi trên trang của lớp tập huấn."))
        return kind


class TrainingCourseForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("Tên lớp"), max_length=300)
    unit = PkModelChoiceField(label=_("Đơn vị tổ chức"), queryset=None)
    start_date = date_field(_("Từ ngày"))
    end_date = date_field(_("Đến ngày"))
    location = forms.CharField(label=_("Địa điểm"), max_length=200, required=False)
    funded_by = forms.ChoiceField(label=_("Nguồn kinh phí"), choices=FundedBy.choices)
    project = PkModelChoiceField(label=_("Dự án"), queryset=None, required=False)
    subproject = PkModelChoiceField(label=_("Tiểu dự án"), queryset=None, required=False)
    note = forms.CharField(label=_("Ghi chú"), max_length=500, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = organiser_choices(user)
        self.fields["unit"].label_from_instance = _unit_label
        _program_fields(self)


class ParticipantsForm(BootstrapFormMixin, forms.Form):
    persons = forms.ModelMultipleChoiceField(
        label=_("Người có uy tín tham gia"),
        queryset=None,
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=_("Giữ Ctrl để chọn nhiều người."),
    )
    amount = VNDAmountField(
        label=_("Hỗ trợ mỗi người (đồng)"), required=False, allow_zero=True, help_text=_("Để trống nếu không có.")
    )

    def __init__(self, *args, user, course, **kwargs):
        super().__init__(*args, **kwargs)
        year = course.start_date.year
        self.fields["persons"].queryset = (
            PrestigiousPerson.objects.for_user(user)
            .filter(status=PersonStatus.ACTIVE, term_start__lte=year, term_end__gte=year)
            .exclude(supports__training_course=course)
            .select_related("unit")
            .order_by("unit__path", "name_key")
        )
        self.fields["persons"].label_from_instance = lambda p: f"{p.full_name} ({p.birth_year}) – {p.unit.name}"


class TetSeasonForm(BootstrapFormMixin, forms.Form):
    start = date_field(_("Thăm hỏi, tặng quà Tết từ ngày"))
    end = date_field(_("Đến ngày"))
    festival_name = forms.CharField(
        label=_("Tết, lễ hội truyền thống khác (nếu có)"),
        max_length=150,
        required=False,
        help_text=_("Chính sách cho phép thăm hỏi dịp Tết Nguyên đán, Tết hoặc lễ hội truyền thống của DTTS."),
    )
    festival_start = date_field(_("Lễ hội từ ngày"), required=False)
    festival_end = date_field(_("Lễ hội đến ngày"), required=False)


class HouseholdForm(BootstrapFormMixin, forms.Form):
    head_name = forms.CharField(label=_("Họ tên chủ hộ"), max_length=150)
    head_id_number = forms.CharField(
        label=_("Số định danh cá nhân (CCCD) của chủ hộ"), max_length=20, help_text=_("12 chữ số.")
    )
    ethnic_group = EthnicGroupField()
    unit = PkModelChoiceField(label=_("Thôn (bản) hoặc xã"), queryset=None)
    members = forms.IntegerField(label=_("Số nhân khẩu"), min_value=1, max_value=60)
    poverty_status = forms.ChoiceField(label=_("Phân loại hộ"), choices=PovertyStatus.choices)
    poverty_year = forms.IntegerField(label=_("Năm phân loại"), required=False, min_value=2000, max_value=2100)
    note = forms.CharField(label=_("Ghi chú"), max_length=500, required=False)

    def __init__(self, *args, user, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        units = place_choices(user)
        if instance is not None:
            units = units | place_choices(user, current_only=False).filter(pk=instance.unit_id)
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = _place_label
        self.instance = instance
        if instance is not None and not may_see(user, instance):
            # The user is shown the number masked (Decree 13/2023/NĐ-CP); sent back unchanged, it stays as it is.
            self.initial["head_id_number"] = mask_id_number(instance.head_id_number)
            self.fields["head_id_number"].help_text = _(
                "Số đang ghi được che một phần; để nguyên nếu không đổi, hoặc nhập đủ 12 chữ số của số mới."
            )

    def clean_head_id_number(self):
        value = self.cleaned_data["head_id_number"]
        return kept_if_masked(value, self.instance.head_id_number) if self.instance is not None else value


class HouseholdSearchForm(BootstrapFormMixin, forms.Form):
    """Search by the head's citizen ID number: posted, so the number stays out of addresses and server logs."""

    head_id_number = forms.CharField(
        label=_("Số định danh (CCCD) của chủ hộ"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}),
    )

    def clean_head_id_number(self):
        number = self.cleaned_data["head_id_number"].replace(" ", "").replace(".", "").strip()
        errors = citizen_id_errors(number, today=clock.today())
        if errors:
            raise forms.ValidationError(errors)
        return number


def _program_fields(form):
    form.fields["project"].queryset = Project.objects.select_related("program").order_by(
        "program__start_year", "number"
    )
    form.fields["project"].label_from_instance = lambda p: (
        f"{p.code} ({p.program.start_year}–{p.program.end_year}). {p.name[:80]}"
    )
    form.fields["subproject"].queryset = SubProject.objects.select_related("project__program").order_by(
        "project__program__start_year", "project__number", "number"
    )
    form.fields["subproject"].label_from_instance = lambda s: f"{s.code}. {s.name[:80]}"


class HouseholdSupportForm(BootstrapFormMixin, forms.Form):
    funding_program = forms.ChoiceField(label=_("Chương trình"), choices=FundingProgram.choices)
    project = PkModelChoiceField(label=_("Dự án (Chương trình 1719)"), queryset=None, required=False)
    subproject = PkModelChoiceField(label=_("Tiểu dự án"), queryset=None, required=False)
    scheme = forms.CharField(
        label=_("Dự án, chính sách của chương trình khác"),
        max_length=200,
        required=False,
        help_text=_("Ví dụ: Dự án 5 – hỗ trợ nhà ở (QĐ 90/QĐ-TTg)."),
    )
    year = forms.TypedChoiceField(label=_("Năm"), coerce=int)
    kind = forms.ChoiceField(label=_("Nội dung hỗ trợ"), choices=HouseholdSupportKind.choices)
    amount = VNDAmountField(label=_("Số tiền (đồng)"))
    date = date_field(_("Ngày hỗ trợ"))
    note = forms.CharField(label=_("Ghi chú"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, y) for y in BudgetYear.objects.values_list("year", flat=True)]
        _program_fields(self)


class ActivityForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Loại hoạt động"), choices=ActivityKind.choices)
    title = forms.CharField(label=_("Tên hoạt động"), max_length=300)
    unit = PkModelChoiceField(label=_("Đơn vị tổ chức"), queryset=None)
    start_date = date_field(_("Ngày tổ chức / bắt đầu"))
    end_date = date_field(_("Ngày kết thúc"), required=False, help_text=_("Mô hình điểm đang duy trì: để trống."))
    project = PkModelChoiceField(label=_("Dự án"), queryset=None, required=False)
    subproject = PkModelChoiceField(label=_("Tiểu dự án"), queryset=None, required=False)
    scheme = forms.ChoiceField(label=_("Đề án"), choices=Scheme.choices, required=False)
    location = forms.CharField(label=_("Địa điểm"), max_length=200, required=False)
    participants_male = forms.IntegerField(label=_("Số người tham gia: nam"), min_value=0, initial=0)
    participants_female = forms.IntegerField(label=_("Số người tham gia: nữ"), min_value=0, initial=0)
    ethnic_counts = forms.CharField(
        label=_("Theo dân tộc"),
        required=False,
        help_text=_("Mỗi dân tộc một cặp mã=số người, cách nhau bởi dấu phẩy, ví dụ: 02=30, 07=12, 09=5"),
    )
    note = forms.CharField(label=_("Ghi chú"), max_length=500, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = scoped_units(user).order_by("path")
        self.fields["unit"].label_from_instance = _unit_label
        _program_fields(self)

    def clean_ethnic_counts(self):
        text = self.cleaned_data.get("ethnic_counts") or ""
        groups = {g.code: g for g in EthnicGroup.objects.all()}
        counts = {}
        for part in [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]:
            code, _sep, number = part.partition("=")
            code, number = code.strip().zfill(2), number.strip()
            if code not in groups or not number.isdigit():
                raise forms.ValidationError(_("“%(part)s” không đúng dạng mã=số người (ví dụ 02=30).") % {"part": part})
            counts[groups[code]] = counts.get(groups[code], 0) + int(number)
        return counts

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data["participants_total"] = (data.get("participants_male") or 0) + (data.get("participants_female") or 0)
        return data


def ethnic_counts_text(activity) -> str:
    return ", ".join(
        f"{row.ethnic_group.code}={row.participants}" for row in activity.ethnic_counts.select_related("ethnic_group")
    )


class ReviewForm(BootstrapFormMixin, forms.Form):
    case = forms.CharField(widget=forms.HiddenInput, max_length=200)
    comment = forms.CharField(
        label=_("Kết luận rà soát"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ImportForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Loại dữ liệu"), choices=ImportKind.choices, widget=forms.RadioSelect)
    file = forms.FileField(
        label=_("Tệp Excel (.xlsx)"),
        help_text=_("Dùng đúng mẫu tải về ở trang này; tối đa 5 MB."),
        error_messages={"empty": _("Tệp rỗng."), "required": _("Chọn tệp Excel để tải lên.")},
    )
