"""`allocations/`, `disbursements/` and `progress/` as the contract says. Writes call the services."""

import datetime

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.mixins import ScopedModelViewSet
from ethnic_portal.formatting import compute_rate
from geography.models import AdministrativeUnit
from programs.models import CapitalType, Project, SubProject

from . import selectors, services
from .filters import AllocationFilterSet, DisbursementFilterSet
from .models import Allocation, Disbursement, Source


class ScopedUnitField(serializers.SlugRelatedField):
    """A unit code among the units the caller may see; another unit's code is "does not exist"."""

    default_error_messages = {
        "does_not_exist": _("Không có đơn vị mã “{value}” trong địa bàn của bạn."),
        "invalid": _("Mã đơn vị không hợp lệ."),
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self):
        return AdministrativeUnit.objects.for_user(self.context["request"].user)

    def to_internal_value(self, data):
        year = self.parent.initial_data.get("year") if hasattr(self.parent, "initial_data") else None
        units = self.get_queryset().filter(code=str(data).strip())
        if not units:
            self.fail("does_not_exist", value=data)
        if len(units) > 1 and str(year).isdigit():
            in_year = units.valid_in_year(int(year))
            units = in_year or units
        return units.order_by("-valid_from").first() if len(units) > 1 else units[0]


class AllocationSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Project.objects.all(),
        error_messages={"does_not_exist": _("Không có dự án mã “{value}”.")},
    )
    subproject = serializers.SlugRelatedField(
        slug_field="code",
        queryset=SubProject.objects.all(),
        allow_null=True,
        required=False,
        error_messages={"does_not_exist": _("Không có tiểu dự án mã “{value}”.")},
    )
    unit = ScopedUnitField()
    capital_type = serializers.ChoiceField(choices=CapitalType.choices)
    source = serializers.ChoiceField(choices=Source.choices)
    amount = serializers.IntegerField(min_value=1, max_value=services.MAX_AMOUNT)
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
        extra_kwargs = {"decision_body": {"required": False}, "note": {"required": False}}
        validators = []  # the services check uniqueness with a message that names the existing row

    @extend_schema_field(serializers.DecimalField(max_digits=5, decimal_places=1))
    def get_rate(self, allocation):
        return compute_rate(getattr(allocation, "disbursed", 0), allocation.amount)


class AllocationViewSet(ScopedModelViewSet):
    """Capital allocations in the caller's scope. Money in whole đồng; `rate` = disbursed / amount × 100."""

    model = Allocation
    queryset = Allocation.objects.none()
    serializer_class = AllocationSerializer
    filterset_class = AllocationFilterSet

    def scope_queryset(self, queryset):
        return selectors.allocation_list(user=self.request.user).order_by("-year", "pk")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.setdefault("subproject", None)
        data.setdefault("decision_body", "")
        allocation = services.allocation_create(actor=self.request.user, **data)
        serializer.instance = selectors.allocation_get(user=self.request.user, pk=allocation.pk)

    def perform_update(self, serializer):
        services.allocation_update(actor=self.request.user, allocation=serializer.instance, **serializer.validated_data)
        serializer.instance = selectors.allocation_get(user=self.request.user, pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        services.allocation_delete(actor=self.request.user, allocation=instance)


class DisbursementSerializer(serializers.ModelSerializer):
    allocation = serializers.PrimaryKeyRelatedField(
        queryset=Allocation.objects.none(),
        error_messages={"does_not_exist": _("Không có phân bổ số {pk_value} trong địa bàn của bạn.")},
    )
    amount = serializers.IntegerField(min_value=1, max_value=services.MAX_AMOUNT)

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
        "rate": serializers.DecimalField(5, 1),
    },
)


class ProgressView(APIView):
    """Live figures of a unit and everything below it for a year (disbursed up to `as_of`, default the year's end)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", str, required=True, description="Mã đơn vị"),
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
                        "rate": serializers.DecimalField(5, 1),
                    },
                    many=True,
                ),
            },
        ),
    )
    def get(self, request):
        errors = {}
        code = (request.query_params.get("unit") or "").strip()
        year_text = (request.query_params.get("year") or "").strip()
        if not code:
            errors["unit"] = [_("Phải ghi mã đơn vị (unit).")]
        if not year_text.isdigit():
            errors["year"] = [_("Năm (year) phải là số, ví dụ 2024.")]
        as_of = None
        if request.query_params.get("as_of"):
            try:
                as_of = datetime.date.fromisoformat(request.query_params["as_of"])
            except ValueError:
                errors["as_of"] = [_("Ngày phải có dạng YYYY-MM-DD.")]
        if errors:
            raise APIValidationError(errors)
        units = AdministrativeUnit.objects.for_user(request.user).filter(code=code)
        if not units:
            raise NotFound(_("Không có đơn vị mã “%(code)s” trong địa bàn của bạn.") % {"code": code})
        year = int(year_text)
        unit = units.valid_in_year(year).order_by("-valid_from").first() or units.order_by("-valid_from").first()
        progress = selectors.progress_for_unit(user=request.user, unit=unit, year=year, as_of=as_of)
        return Response(
            {
                "unit": unit.code,
                "year": year,
                "as_of": progress.as_of,
                "investment": progress.by_type[CapitalType.INVESTMENT].as_dict(),
                "recurrent": progress.by_type[CapitalType.RECURRENT].as_dict(),
                "by_project": [
                    {"project": project, "capital_type": capital_type, **figures.as_dict()}
                    for (project, capital_type), figures in progress.by_project.items()
                ],
            },
            status=status.HTTP_200_OK,
        )
