"""`ethnic-groups/`, `prestigious-persons/`, `support-activities/`, `households/` and `household-supports/`
as the contract says. Writes call the services; a refusal is a 400 `{"field": ["…"]}` in Vietnamese."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.mixins import ScopedModelViewSet
from accounts.scope import policy_for
from ethnic_portal import clock
from ethnic_portal.api import (
    MoneyField,
    Pagination,
    ProgramCodeField,
    ReferencePagination,
    ScopedUnitField,
    VietnameseErrorsMixin,
    WritesProgramData,
    field_errors,
)
from ethnic_portal.formatting import MAX_AMOUNT
from ethnic_portal.forms import MAX_PK, is_digits
from programs.models import Project, SubProject

from . import selectors, services
from .choices import (
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
    SupportKind,
)
from .citizen_id import citizen_id_errors
from .excel.exports import HOUSEHOLD_ORDERING
from .filters import (
    HouseholdFilterSet,
    HouseholdSupportFilterSet,
    PersonFilterSet,
    SupportActivityFilterSet,
    chosen_filters,
)
from .models import (
    AccessAction,
    AccessSubject,
    EthnicGroup,
    Household,
    HouseholdSupport,
    PrestigiousPerson,
    SupportActivity,
    TrainingCourse,
)
from .personal_data import kept_if_masked, shown


class EthnicGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = EthnicGroup
        fields = ["code", "name", "common_spelling", "other_names", "is_minority"]


class EthnicGroupViewSet(viewsets.ReadOnlyModelViewSet):
    """The 54 ethnic groups with their GSO codes (reference data, the same for every user)."""

    queryset = EthnicGroup.objects.order_by("code")
    serializer_class = EthnicGroupSerializer
    pagination_class = ReferencePagination
    lookup_field = "code"
    filterset_fields = ["is_minority"]


# --- Fields ------------------------------------------------------------------------------------------


def choice_field(choices, what: str, **kwargs) -> serializers.ChoiceField:
    """A ChoiceField whose refusal lists the contract's values in Vietnamese."""
    allowed = ", ".join(value for value, _label in choices if value)
    return serializers.ChoiceField(
        choices=choices,
        error_messages=field_errors(
            invalid_choice=gettext_lazy("“{input}” không hợp lệ cho %(what)s; chọn một trong: %(allowed)s.")
            % {"what": what, "allowed": allowed}
        ),
        **kwargs,
    )


class EthnicGroupCodeField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        kwargs.setdefault(
            "error_messages",
            field_errors(
                does_not_exist=gettext_lazy("Không có dân tộc mã “{value}” trong danh mục 54 dân tộc."),
                invalid=gettext_lazy("Mã dân tộc không hợp lệ."),
            ),
        )
        super().__init__(slug_field="code", queryset=EthnicGroup.objects.all(), **kwargs)


class ScopedPkField(serializers.PrimaryKeyRelatedField):
    """An id among the rows of a scoped model the caller may see; others "do not exist" (400, never a leak)."""

    def __init__(self, *, model, what, **kwargs):
        self.scoped_model = model
        kwargs.setdefault(
            "error_messages",
            field_errors(
                does_not_exist=gettext_lazy("Không có %(what)s số {pk_value} trong địa bàn của bạn.") % {"what": what},
                incorrect_type=gettext_lazy("Phải là một mã số (số nguyên)."),
            ),
        )
        super().__init__(queryset=model.objects.none(), **kwargs)

    def get_queryset(self):
        return self.scoped_model.objects.for_user(self.context["request"].user)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str) or not is_digits(str(data).strip()):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if int(data) > MAX_PK:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(int(data))


class AmountOrPolicyField(serializers.IntegerField):
    """Whole đồng, 0 allowed (a gift in kind); omitted or null: the policy's amount for the kind and date."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "error_messages",
            field_errors(
                invalid=gettext_lazy("Số tiền phải là số nguyên đồng."),
                min_value=gettext_lazy("Số tiền không được âm."),
                max_value=gettext_lazy("Số tiền quá lớn."),
            ),
        )
        super().__init__(min_value=0, max_value=MAX_AMOUNT, required=False, allow_null=True, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or isinstance(data, float) and not data.is_integer():
            self.fail("invalid")
        if isinstance(data, str) and not data.strip().lstrip("-").isdigit():
            self.fail("invalid")
        return super().to_internal_value(data)


class ReadsProgramData(permissions.BasePermission):
    """Reads that are POSTed (a search whose key must stay out of the URL) are open to every reading role."""

    def has_permission(self, request, view):
        return policy_for(request.user).reads_program_data


class MaskedPersonalFieldsMixin:
    """Personal fields (`Model.personal_fields`) come out as the caller may see them: a citizen ID number is
    masked for province staff and leaders (accounts.scope.can_see_personal_data); without a request, masked.
    Sent back unchanged in a PUT or PATCH, the masked value means "unchanged"."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for field in getattr(self.Meta.model, "personal_fields", ()):
            if field in data:
                data[field] = shown(user, instance, field)
        return data

    def to_internal_value(self, data):
        if self.instance is not None and hasattr(data, "get"):
            data = data.copy() if hasattr(data, "copy") else dict(data)
            for field in getattr(self.Meta.model, "personal_fields", ()):
                if field in data:
                    data[field] = kept_if_masked(data[field], getattr(self.instance, field))
        return super().to_internal_value(data)


class LoggedRetrieveMixin:
    """An API read of one person's or household's record writes the personal-data access log."""

    access_subject = None

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        services.record_access(request=request, action=AccessAction.API_VIEW, subject=self.access_subject, obj=instance)
        return Response(self.get_serializer(instance).data)


# --- Prestigious persons -----------------------------------------------------------------------------


class PrestigiousPersonSerializer(VietnameseErrorsMixin, serializers.ModelSerializer):
    ethnic_group = EthnicGroupCodeField()
    unit = ScopedUnitField()
    gender = choice_field(Gender.choices, "giới tính")
    community_role = choice_field(CommunityRole.choices, "vai trò")
    status = choice_field(PersonStatus.choices, "tình trạng", required=False)
    approval_level = choice_field(
        [("", "")] + list(ApprovalLevel.choices), "cấp phê duyệt", required=False, allow_blank=True
    )
    full_name = serializers.CharField(max_length=300, error_messages=field_errors(serializers.CharField))

    class Meta:
        model = PrestigiousPerson
        fields = [
            "id",
            "full_name",
            "gender",
            "birth_year",
            "ethnic_group",
            "unit",
            "community_role",
            "term_start",
            "term_end",
            "status",
            "status_date",
            "approval_decision_no",
            "approval_decision_date",
            "approval_level",
            "note",
        ]
        extra_kwargs = {
            "status_date": {"required": False},
            "approval_decision_no": {"required": False},
            "approval_decision_date": {"required": False},
            "note": {"required": False},
        }
        validators = []  # the service refuses the same person twice, naming the existing record


class PrestigiousPersonViewSet(LoggedRetrieveMixin, ScopedModelViewSet):
    """Prestigious persons (người có uy tín) in the caller's scope. `unit` is a village or commune code.
    Reading one person writes the personal-data access log."""

    model = PrestigiousPerson
    access_subject = AccessSubject.PERSON
    permission_classes = [permissions.IsAuthenticated, WritesProgramData]
    lookup_value_regex = r"[0-9]{1,18}"
    queryset = PrestigiousPerson.objects.none()
    serializer_class = PrestigiousPersonSerializer
    filterset_class = PersonFilterSet

    def scope_queryset(self, queryset):
        # The list's order (place, name): read from the unit and household indexes a page at a time. By record
        # number, a province whose records are numbered together made the database walk every other province's.
        return queryset.select_related("unit", "ethnic_group").order_by(*HOUSEHOLD_ORDERING)

    def perform_create(self, serializer):
        serializer.instance = services.person_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.person_update(
            actor=self.request.user, person=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.person_delete(actor=self.request.user, person=instance)


class SupportActivitySerializer(VietnameseErrorsMixin, serializers.ModelSerializer):
    person = ScopedPkField(model=PrestigiousPerson, what="người có uy tín")
    kind = choice_field(SupportKind.choices, "loại hỗ trợ")
    funded_by = choice_field(FundedBy.choices, "đơn vị chi")
    amount = AmountOrPolicyField(help_text=gettext_lazy("Đồng; bỏ trống: mức chính sách của loại hỗ trợ vào ngày đó."))
    hospital_level = choice_field(
        [("", "")] + list(HospitalLevel.choices), "tuyến khám chữa bệnh", required=False, allow_blank=True
    )
    condolence_for = choice_field(
        [("", "")] + list(CondolenceFor.choices), "người qua đời", required=False, allow_blank=True
    )
    training_course = ScopedPkField(model=TrainingCourse, what="lớp tập huấn", required=False, allow_null=True)
    regime = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = SupportActivity
        fields = [
            "id",
            "person",
            "kind",
            "date",
            "amount",
            "funded_by",
            "note",
            "hospital_level",
            "condolence_for",
            "over_ceiling_reason",
            "training_course",
            "regime",
            "ceiling",
        ]
        read_only_fields = ["ceiling"]
        extra_kwargs = {"note": {"required": False}, "over_ceiling_reason": {"required": False}}
        validators = []

    def validate_person(self, person):
        if self.instance is not None and person.pk != self.instance.person_id:
            raise serializers.ValidationError(
                gettext_lazy("Không đổi được người nhận của một khoản hỗ trợ; xóa và ghi lại.")
            )
        return person


class SupportActivityViewSet(ScopedModelViewSet):
    """Support to prestigious persons: Tết gifts, visits when ill, condolences, disaster support, training…"""

    model = SupportActivity
    permission_classes = [permissions.IsAuthenticated, WritesProgramData]
    lookup_value_regex = r"[0-9]{1,18}"
    queryset = SupportActivity.objects.none()
    serializer_class = SupportActivitySerializer
    filterset_class = SupportActivityFilterSet

    def scope_queryset(self, queryset):
        return queryset.select_related("regime").order_by("-date", "-pk")

    def perform_create(self, serializer):
        serializer.instance = services.support_activity_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        changes = {k: v for k, v in serializer.validated_data.items() if k != "person"}
        serializer.instance = services.support_activity_update(
            actor=self.request.user, support=serializer.instance, **changes
        )

    def perform_destroy(self, instance):
        services.support_activity_delete(actor=self.request.user, support=instance)


# --- Households --------------------------------------------------------------------------------------


class HouseholdSerializer(MaskedPersonalFieldsMixin, VietnameseErrorsMixin, serializers.ModelSerializer):
    ethnic_group = EthnicGroupCodeField()
    unit = ScopedUnitField()
    head_name = serializers.CharField(max_length=300, error_messages=field_errors(serializers.CharField))
    head_id_number = serializers.CharField(
        max_length=40,
        error_messages=field_errors(serializers.CharField),
        help_text=gettext_lazy(
            "Số định danh cá nhân (CCCD) của chủ hộ, 12 chữ số. Cán bộ tỉnh, lãnh đạo nhận số đã che một phần "
            "(0061******34); gửi lại đúng số đã che nghĩa là không đổi."
        ),
    )
    poverty_status = choice_field(PovertyStatus.choices, "phân loại hộ")

    class Meta:
        model = Household
        fields = [
            "id",
            "head_name",
            "head_id_number",
            "ethnic_group",
            "unit",
            "members",
            "poverty_status",
            "poverty_year",
            "note",
        ]
        extra_kwargs = {"poverty_year": {"required": False}, "note": {"required": False}}
        validators = []  # the service refuses the same ID number, naming the existing household


class HouseholdSearchSerializer(VietnameseErrorsMixin, serializers.Serializer):
    head_id_number = serializers.CharField(
        max_length=40,
        error_messages=field_errors(serializers.CharField),
        help_text=gettext_lazy("Số định danh cá nhân (CCCD) của chủ hộ cần tìm, 12 chữ số."),
    )

    def validate_head_id_number(self, value):
        number = value.replace(" ", "").replace(".", "").strip()
        errors = citizen_id_errors(number, today=clock.today())
        if errors:
            raise serializers.ValidationError(errors)
        return number


class HouseholdSearchResultSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = HouseholdSerializer(many=True)


ID_NUMBER_IN_URL = gettext_lazy(
    'Không tìm theo số định danh trên địa chỉ (URL): gửi POST /api/v1/households/search/ với {"head_id_number": "…"}.'
)


class TotalsPagination(Pagination):
    """The contract's pagination, with the count from the running totals (beneficiaries/totals.py) where the
    view's `known_count(filters)` can give it, instead of counting a province's rows."""

    def paginate_queryset(self, queryset, request, view=None):
        filters = chosen_filters(view.filterset_class(request.query_params, queryset=queryset.none()))
        known = None if filters is None else view.known_count(filters)
        base = self.django_paginator_class

        class CountedPaginator(base):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if known is not None:
                    self.count = known  # instead of Paginator's cached count of the rows

        self.django_paginator_class = CountedPaginator
        try:
            return super().paginate_queryset(queryset, request, view)
        finally:
            self.django_paginator_class = base


class HouseholdViewSet(LoggedRetrieveMixin, ScopedModelViewSet):
    """Beneficiary households in the caller's scope. The same ID number twice is refused (400).

    Search by the head's citizen ID number with `POST search/` (the number stays out of URLs and server logs).
    Reading one household, and every search, writes the personal-data access log."""

    model = Household
    access_subject = AccessSubject.HOUSEHOLD
    permission_classes = [permissions.IsAuthenticated, WritesProgramData]
    lookup_value_regex = r"[0-9]{1,18}"
    queryset = Household.objects.none()
    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilterSet
    pagination_class = TotalsPagination

    def known_count(self, filters):
        return selectors.household_count(user=self.request.user, filters=filters)

    def scope_queryset(self, queryset):
        # The list's order (place, name): read from the unit and household indexes a page at a time. By record
        # number, a province whose records are numbered together made the database walk every other province's.
        return queryset.select_related("unit", "ethnic_group").order_by(*HOUSEHOLD_ORDERING)

    def perform_create(self, serializer):
        serializer.instance = services.household_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.household_update(
            actor=self.request.user, household=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.household_delete(actor=self.request.user, household=instance)

    def list(self, request, *args, **kwargs):
        if "head_id_number" in request.query_params:
            raise ValidationError({"head_id_number": [ID_NUMBER_IN_URL]})
        return super().list(request, *args, **kwargs)

    @extend_schema(request=HouseholdSearchSerializer, responses=HouseholdSearchResultSerializer)
    @action(detail=False, methods=["post"], permission_classes=[permissions.IsAuthenticated, ReadsProgramData])
    def search(self, request, format=None):  # `format`: the router's `.json` suffix
        """The households in the caller's scope whose head has this citizen ID number (0 or 1)."""
        query = HouseholdSearchSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        rows = list(self.get_queryset().filter(head_id_number=query.validated_data["head_id_number"]))
        services.record_access(
            request=request, action=AccessAction.API_SEARCH, subject=AccessSubject.HOUSEHOLD, count=len(rows)
        )
        return Response({"count": len(rows), "results": self.get_serializer(rows, many=True).data})


class HouseholdSupportListSerializer(serializers.ListSerializer):
    """Works out `overlaps` for a whole page in one query."""

    def to_representation(self, data):
        items = list(data.all() if hasattr(data, "all") else data)
        self.child.overlap_cache = selectors.overlap_ids(items)
        return super().to_representation(items)


class HouseholdSupportSerializer(VietnameseErrorsMixin, serializers.ModelSerializer):
    household = ScopedPkField(model=Household, what="hộ")
    project = ProgramCodeField(
        program_lookup="program_id",
        queryset=Project.objects.all(),
        required=False,
        allow_null=True,
        error_messages=field_errors(
            does_not_exist=gettext_lazy("Không có dự án mã “{value}”."), invalid=gettext_lazy("Mã dự án không hợp lệ.")
        ),
    )
    subproject = ProgramCodeField(
        program_lookup="project__program_id",
        queryset=SubProject.objects.select_related("project"),
        required=False,
        allow_null=True,
        error_messages=field_errors(
            does_not_exist=gettext_lazy("Không có tiểu dự án mã “{value}”."),
            invalid=gettext_lazy("Mã tiểu dự án không hợp lệ."),
        ),
    )
    kind = choice_field(HouseholdSupportKind.choices, "nội dung hỗ trợ")
    funding_program = choice_field(FundingProgram.choices, "chương trình", required=False)
    amount = MoneyField()
    overlaps = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Mã các khoản hỗ trợ khác cùng nội dung cho cùng hộ trong cùng năm, từ mọi dự án, chương trình."
        )
    )

    class Meta:
        model = HouseholdSupport
        list_serializer_class = HouseholdSupportListSerializer
        fields = [
            "id",
            "household",
            "project",
            "subproject",
            "year",
            "kind",
            "amount",
            "date",
            "funding_program",
            "scheme",
            "note",
            "overlaps",
        ]
        extra_kwargs = {"scheme": {"required": False}, "note": {"required": False}}
        validators = []

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_overlaps(self, support) -> list[int]:
        cache = getattr(self, "overlap_cache", None)
        if cache is not None and support.pk in cache:
            return cache[support.pk]
        return selectors.overlap_ids([support]).get(support.pk, [])

    def validate_household(self, household):
        if self.instance is not None and household.pk != self.instance.household_id:
            raise serializers.ValidationError(gettext_lazy("Không đổi được hộ của một khoản hỗ trợ; xóa và ghi lại."))
        return household


class HouseholdSupportViewSet(ScopedModelViewSet):
    """Support to households, from this program (project, sub-project) or another (`funding_program`, `scheme`)."""

    model = HouseholdSupport
    permission_classes = [permissions.IsAuthenticated, WritesProgramData]
    lookup_value_regex = r"[0-9]{1,18}"
    queryset = HouseholdSupport.objects.none()
    serializer_class = HouseholdSupportSerializer
    filterset_class = HouseholdSupportFilterSet
    pagination_class = TotalsPagination

    def known_count(self, filters):
        return selectors.household_support_count(user=self.request.user, filters=filters)

    def scope_queryset(self, queryset):
        # Newest first, as the page lists them, from the index (year, date, id): dates interleave the places where
        # record numbers do not.
        return queryset.select_related("project", "subproject").order_by("-year", "-date", "-pk")

    def perform_create(self, serializer):
        serializer.instance = services.household_support_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        changes = {k: v for k, v in serializer.validated_data.items() if k != "household"}
        serializer.instance = services.household_support_update(
            actor=self.request.user, support=serializer.instance, **changes
        )

    def perform_destroy(self, instance):
        services.household_support_delete(actor=self.request.user, support=instance)
