"""`reports/` and `reports/{id}/download/` as the contract says. The request and the build go through the services."""

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response

from accounts.mixins import ScopedModelViewSet
from accounts.scope import policy_for

from . import services
from .models import ReportJob, ReportLevel, ReportPeriod, ReportStatus


class RequestsReports(permissions.BasePermission):
    """The roles that request reports (policy.requests_reports); the others get 403 with the reason."""

    message = gettext_lazy("Vai trò của bạn không dùng chức năng báo cáo.")

    def has_permission(self, request, view):
        return policy_for(request.user).requests_reports


class ReportJobSerializer(serializers.ModelSerializer):
    unit = serializers.SerializerMethodField()
    level = serializers.ChoiceField(choices=ReportLevel.choices, read_only=True)
    period = serializers.ChoiceField(choices=ReportPeriod.choices, read_only=True)
    status = serializers.ChoiceField(choices=ReportStatus.choices, read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportJob
        fields = [
            "id",
            "level",
            "unit",
            "year",
            "period",
            "status",
            "progress",
            "created_at",
            "finished_at",
            "error",
            "download_url",
        ]
        read_only_fields = fields

    def get_unit(self, job) -> str:
        """The unit's code; VN for the country's report."""
        return job.report_unit.code

    def get_download_url(self, job) -> str | None:
        """The file's address once the report is done; null before (and when it failed)."""
        if not job.is_done:
            return None
        path = reverse("report-download", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


REQUEST_BODY = inline_serializer(
    "ReportRequest",
    {
        "level": serializers.ChoiceField(choices=ReportLevel.choices),
        "unit": serializers.CharField(help_text="Mã đơn vị, ví dụ 06; VN (hoặc bỏ trống) với cấp national"),
        "year": serializers.IntegerField(),
        "period": serializers.ChoiceField(choices=ReportPeriod.choices),
    },
)


class ReportJobViewSet(ScopedModelViewSet):
    """Report jobs of the units in the caller's scope. POST asks for a report (202; an identical one already
    queued or running is joined, not duplicated); `download/` gives the .xlsx of a finished one."""

    model = ReportJob
    queryset = ReportJob.objects.none()
    serializer_class = ReportJobSerializer
    permission_classes = [permissions.IsAuthenticated, RequestsReports]
    http_method_names = ["get", "post", "head", "options"]
    lookup_value_regex = r"[0-9]{1,18}"

    def scope_queryset(self, queryset):
        # The snapshot's figures (megabytes of JSON for a national report) are not part of the answer.
        return queryset.select_related("unit").defer("figures", "approvals").order_by("-created_at", "-pk")

    @extend_schema(request=REQUEST_BODY, responses={202: ReportJobSerializer})
    def create(self, request, *args, **kwargs):
        body = request.data
        if not isinstance(body, dict):
            raise APIValidationError({"non_field_errors": [_("Nội dung gửi lên phải là một đối tượng JSON.")]})
        values = {}
        errors = {}
        for name in ("level", "unit", "year", "period"):
            value = body.get(name)
            if isinstance(value, bool) or not isinstance(value, str | int | type(None)):
                errors[name] = [_("Giá trị không hợp lệ.")]
            values[name] = value.strip() if isinstance(value, str) else value
        if errors:
            raise APIValidationError(errors)
        try:
            job = services.report_request(actor=request.user, **values)
        except Http404 as error:
            raise NotFound(str(error)) from error
        response = Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = request.build_absolute_uri(reverse("report-detail", args=[job.pk]))
        return response

    @extend_schema(
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="Không có báo cáo này trong địa bàn của bạn."),
            409: OpenApiResponse(description="Báo cáo đang tạo hoặc bị lỗi: chưa có tệp."),
        }
    )
    @action(detail=True, methods=["get"], url_path="download")
    def download(self, request, pk=None, format=None):  # `format`: the router also routes download.json
        job = self.get_object()
        try:
            services.report_download(actor=request.user, job=job, via_api=True)
        except services.ReportNotReady as error:
            return Response(
                {"detail": " ".join(error.messages), "status": job.status, "progress": job.progress},
                status=status.HTTP_409_CONFLICT,
            )
        except ValidationError as error:  # pragma: no cover - report_download raises ReportNotReady only
            raise APIValidationError({"non_field_errors": error.messages}) from error
        response = FileResponse(job.file.open("rb"), as_attachment=True, filename=job.download_name)
        response["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response["X-Report-Checksum"] = job.checksum
        return response
