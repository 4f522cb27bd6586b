"""`allocations/`, `disbursements/` and `progress/` as the contract says. Writes call the services."""

import datetime

from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.mixins import ScopedModelViewSet
from ethnic_portal import page_cache
from ethnic_portal.api import (
    MoneyField,
    ProgramCodeField,
    ScopedUnitField,
    VietnameseErrorsMixin,
    WritesProgramData,
    field_errors,
)
from ethnic_portal.formatting import compute_rate
from ethnic_portal.forms import budget_year, is_digits, pk_value, scoped_units
from geography.models import NATION_CODE, nation
from programs.models import CapitalType, Project, SubProject

from . import selectors, services
from .filters import AllocationFilterSet, DisbursementFilterSet
from .models import Allocation, Disbursement, Source


class AllocationPkField(serializers.PrimaryKeyRelatedField):
    """An allocation id among those the caller may see; text, fractions or a number too big for an id are refused."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int) or pk_value(data) is None:
            if isinstance(data, int | str) and is_digits(str(data).strip()):
                self.fail("does_not_exist", pk_value=data)
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(pk_value(data))


# `rate` in the schema: a number from 0 to 100 with one decimal (disbursed / allocated × 100, half-up).
RATE = serializers.DecimalField(max_digits=4, decimal_places=1, min_value=0, max_value=100, read_only=True)

# The contract's allocation fields do not name the issuing body: a body without it is accepted and marked so.
DECISION_BODY_UNSET = "(chưa ghi cơ quan ban hành)"


class AllocationSerializer(VietnameseErrorsMixin, serializers.ModelSerializer):
    project = ProgramCodeField(
        program_lookup="program_id",
        queryset=Project.objects.all(),
        error_messages=field_errors(
            does_not_exist=gettext_lazy("Không có dự án mã “{value}”."),
            invalid=gettext_lazy("Mã dự án không hợp lệ."),
        ),
    )
    subproject = ProgramCodeField(
        program_lookup="project__program_id",
        queryset=SubProject.objects.select_related("project"),
        allow_null=True,
        required=False,
        error_messages=field_errors(
            does_not_exist=gettext_lazy("Không có tiểu dự án mã “{value}”."),
            invalid=gettext_lazy("Mã tiểu dự án không hợp lệ."),
        ),
    )
    unit = ScopedUnitField()
    capital_type = serializers.ChoiceField(
        choices=CapitalType.choices,
        error_messages=field_errors(
            invalid_choice=gettext_lazy(
                "“{input}” không hợp lệ; chọn investment (vốn đầu tư phát triển) hoặc recurrent (vốn sự nghiệp)."
            )
        ),
    )
    source = serializers.ChoiceField(
        choices=Source.choices,
        error_messages=field_errors(
            invalid_choice=gettext_lazy(
                "“{input}” không hợp lệ; chọn central (ngân sách trung ương), local (ngân sách địa phương) "
                "hoặc other (nguồn khác)."
            )
        ),
    )
    amount = MoneyField()
    disbursed = serializers.IntegerField(read_only=True)
    remaining = serializers.IntegerField(read_only=True)
    rate = serializers.SerializerMethodField()

    class Meta:
        model = Allocation
        fields = [
            "id",
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
            "note",
            "disbursed",
            "remaining",
            "rate",
        ]
        extra_kwargs = {
            "decision_body": {
                "required": False,
                "help_text": gettext_lazy("Không bắt buộc qua API; thiếu thì ghi “%(placeholder)s”.")
                % {"placeholder": DECISION_BODY_UNSET},
            },
            "note": {"required": False},
        }
        validators = []  # the services check uniqueness with a message that names the existing row

    @extend_schema_field(RATE)
    def get_rate(self, allocation):
        return compute_rate(getattr(allocation, "disbursed", 0), allocation.amount)


class AllocationViewSet(ScopedModelViewSet):
    """Capital allocations in the caller's scope. Money in whole đồng; `rate` = disbursed / amount × 100."""

    model = Allocation
    permission_classes = [permissions.IsAuthenticated, WritesProgramData]
    lookup_value_regex = r"[0-9]{1,18}"
    queryset = Allocation.objects.none()
    serializer_class = AllocationSerializer
    filterset_class = AllocationFilterSet

    def scope_queryset(self, queryset):
        return selectors.allocation_list(user=self.request.user).order_by("-year", "pk")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.setdefault("subproject", None)
        data.setdefault("decision_body", DECISION_BODY_UNSET)
        allocation = services.allocation_create(actor=self.request.user, **data)
        serializer.instance = selectors.allocation_get(user=self.request.user, pk=allocation.pk)

    def perform_update(self, serializer):
        services.allocation_update(actor=self.request.user, allocation=serializer.instance, **serializer.validated_data)
        serializer.instance = selectors.allocation_get(user=self.request.user, pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        services.allocation_delete(actor=self.request.user, allocation=instance)


class DisbursementSerializer(VietnameseErrorsMixin, serializers.ModelSerializer):
    allocation = AllocationPkField(
        queryset=Allocation.objects.none(),
        error_messages=field_errors(
            does_not_exist=gettext_lazy("Không có phân bổ số {pk_value} trong địa bàn của bạn."),
            incorrect_type=gettext_lazy("Mã phân bổ phải là một số."),
        ),
    )
    amount = MoneyField()

    class Meta:
        model = Disbursement
        fields = ["id", "allocation", "date", "amount", "voucher_no", "note"]
        extra_kwargs = {"note": {"required": False}}
        validators = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["allocation"].queryset = Allocation.objects.for_user(request.user)

    def validate_allocation(self, allocation):
        if self.instance is not None and allocation.pk != self.instance.allocation_id:
            raise APIValidationError(_("Không đổi được phân bổ của một khoản giải ngân; xóa và ghi lại."))
        return allocation


class DisbursementViewSet(ScopedModelViewSet):
    """Disbursements in the caller's scope. The sum of an allocation's disbursements never exceeds it."""

    model = Disbursement
    permission_classes = [permissions.IsAuthenticated, WritesProgramData]
    lookup_value_regex = r"[0-9]{1,18}"
    queryset = Disbursement.objects.none()
    serializer_class = DisbursementSerializer
    filterset_class = DisbursementFilterSet

    def scope_queryset(self, queryset):
        return queryset.select_related("allocation").order_by("-date", "-pk")

    def perform_create(self, serializer):
        serializer.instance = services.disbursement_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        changes = {k: v for k, v in serializer.validated_data.items() if k != "allocation"}
        serializer.instance = services.disbursement_update(
            actor=self.request.user, disbursement=serializer.instance, **changes
        )

    def perform_destroy(self, instance):
        services.disbursement_delete(actor=self.request.user, disbursement=instance)


FIGURES = inline_serializer(
    "Figures",
    {
        "allocated": serializers.IntegerField(),
        "disbursed": serializers.IntegerField(),
        "rate": RATE,
    },
)


class ProgressView(APIView):
    """Live figures of a unit and everything below it for a year (disbursed up to `as_of`, default the year's end)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", str, required=True, description="Mã đơn vị; VN: cả nước (cán bộ cấp Bộ)"),
            OpenApiParameter("year", int, required=True),
            OpenApiParameter("as_of", OpenApiTypes.DATE, required=False, description="Giải ngân đến ngày"),
        ],
        responses=inline_serializer(
            "Progress",
            {
                "unit": serializers.CharField(),
                "year": serializers.IntegerField(),
                "as_of": serializers.DateField(),
                "investment": FIGURES,
                "recurrent": FIGURES,
                "by_project": inline_serializer(
                    "ProjectFigures",
                    {
                        "project": serializers.CharField(),
                        "capital_type": serializers.CharField(),
                        "allocated": serializers.IntegerField(),
                        "disbursed": serializers.IntegerField(),
                        "rate": RATE,
                    },
                    many=True,
                ),
            },
        ),
    )
    def get(self, request):
        # Live: the cache's key holds the data version (ethnic_portal/page_cache.py).
        return Response(page_cache.get_or_build(request, "api-progress", lambda: self._figures(request)))

    def _figures(self, request) -> dict:
        errors = {}
        code = (request.query_params.get("unit") or "").strip()
        year = budget_year(request.query_params.get("year"))
        if not code:
            errors["unit"] = [_("Phải ghi mã đơn vị (unit).")]
        if year is None:
            errors["year"] = [_("Năm (year) phải là một năm ngân sách của Chương trình, ví dụ 2024.")]
        as_of = None
        if request.query_params.get("as_of"):
            try:
                as_of = datetime.date.fromisoformat(request.query_params["as_of"])
            except ValueError:
                errors["as_of"] = [_("Ngày phải có dạng YYYY-MM-DD.")]
        if errors:
            raise APIValidationError(errors)
        # Inside the scope only: a district asking for its province (which for_user lists, for navigation) gets 404.
        # The whole country is `VN`, for a nationwide user only.
        if code.upper() == NATION_CODE and request.user.policy.nationwide:
            unit = nation()
        else:
            versions = scoped_units(request.user).filter(code=code).order_by(F("valid_from").desc(nulls_last=True))
            unit = versions.valid_in_year(year).first() or versions.first()
        if unit is None:
            raise NotFound(_("Không có đơn vị mã “%(code)s” trong địa bàn của bạn.") % {"code": code})
        progress = selectors.progress_for_unit(user=request.user, unit=unit, year=year, as_of=as_of, lines=False)
        return {
            "unit": unit.code,
            "year": year,
            "as_of": progress.as_of,
            "investment": progress.by_type[CapitalType.INVESTMENT].as_dict(),
            "recurrent": progress.by_type[CapitalType.RECURRENT].as_dict(),
            "by_project": [
                {"project": project, "capital_type": capital_type, **figures.as_dict()}
                for (project, capital_type), figures in progress.by_project.items()
            ],
        }
