"""Pages of the reports: request, watch (htmx polling of the job row), download, history, regenerate, diff, late
submissions and the province's threshold. Thin views over reports.selectors and reports.services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView

from accounts.mixins import ScopedViewMixin
from accounts.scope import policy_for
from ethnic_portal.forms import apply_service_errors, is_digits, pk_value
from geography.models import NATION_CODE

from . import selectors, services
from .forms import ReportRequestForm, ReportSettingForm, year_options
from .models import OverdueSubmission, ReportJob, ReportLevel, ReportSetting, ReportStatus

LIST_DEFERRED = ("figures", "approvals", "previous__figures", "previous__approvals")


class ReportsRoleMixin:
    """The reports area is for the roles that request reports (policy.requests_reports)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not policy_for(request.user).requests_reports:
            raise PermissionDenied(_("Vai trò của bạn không dùng chức năng báo cáo."))
        return super().dispatch(request, *args, **kwargs)


def _list_context(request, form=None) -> dict:
    user = request.user
    return {
        "form": form or ReportRequestForm(user=user),
        "latest": selectors.latest_done_reports(user=user),
        "can_edit_settings": user.unit is not None and services.can_edit_report_settings(user, user.unit),
        "overdue_count": selectors.overdue_list(user=user).count(),
    }


class ReportListView(ReportsRoleMixin, ScopedViewMixin, ListView):
    """The reports page: the latest finished reports (one click each), the request form, the history."""

    model = ReportJob
    template_name = "reports/report_list.html"
    context_object_name = "jobs"
    paginate_by = 25

    def scope_queryset(self, queryset):
        # A snapshot's figures are megabytes of JSON for a national report: the list shows none of them.
        queryset = queryset.select_related("unit", "requested_by", "previous").defer(*LIST_DEFERRED)
        params = self.request.GET
        if is_digits(params.get("year", "")) and len(params["year"]) <= 4:
            queryset = queryset.filter(year=int(params["year"]))
        if params.get("level") in ReportLevel.values:
            queryset = queryset.filter(level=params["level"])
        if params.get("status") in ReportStatus.values:
            queryset = queryset.filter(status=params["status"])
        if params.get("unit"):
            code = params["unit"].strip()
            queryset = (
                queryset.filter(unit__isnull=True) if code.upper() == NATION_CODE else queryset.filter(unit__code=code)
            )
        return queryset.order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_list_context(self.request))
        context["years"] = year_options(self.request.user)
        context["levels"] = ReportLevel.choices
        context["statuses"] = ReportStatus.choices
        context["query"] = self.request.GET.copy()
        context["query"].pop("page", None)
        return context


class ReportRequestView(ReportsRoleMixin, ScopedViewMixin, View):
    """POST the request form: a new job (or the identical one already running), then its page."""

    model = ReportJob

    def post(self, request):
        form = ReportRequestForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                job = services.report_request(
                    actor=request.user,
                    level=data["level"],
                    unit=data["unit"],
                    year=data["year"],
                    period=data["period"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                if job.waiting_for_queue:
                    messages.warning(request, services.queue_unavailable_message())
                elif job.joined:
                    messages.info(request, _("Báo cáo giống hệt đang được tạo: bạn theo dõi cùng yêu cầu đó."))
                else:
                    messages.success(request, _("Đã nhận yêu cầu. Báo cáo được tạo trong vài giây."))
                return redirect(job)
        jobs = (
            ReportJob.objects.for_user(request.user).select_related("unit", "requested_by").defer(*LIST_DEFERRED)[:25]
        )
        context = {**_list_context(request, form), "jobs": jobs, "form_open": True}
        return render(request, "reports/report_list.html", context, status=400)


class ReportDetailView(ReportsRoleMixin, ScopedViewMixin, DetailView):
    model = ReportJob
    template_name = "reports/report_detail.html"
    context_object_name = "job"

    def scope_queryset(self, queryset):
        return queryset.select_related("unit", "requested_by", "previous")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.object
        user = self.request.user
        context["versions"] = (
            ReportJob.objects.for_user(user)
            .filter(level=job.level, unit=job.unit, year=job.year, period=job.period)
            .select_related("requested_by")
            .order_by("-created_at", "-pk")
        )
        context["downloads"] = selectors.download_list(user=user).filter(job=job)[:50]
        return context


class ReportRowView(ReportsRoleMixin, ScopedViewMixin, DetailView):
    """The job's row alone, for htmx polling: it carries the polling attributes only while the job is queued or
    running, so the polling stops by itself when the row comes back done or failed."""

    model = ReportJob
    template_name = "reports/partials/job_row.html"
    context_object_name = "job"

    def scope_queryset(self, queryset):
        return queryset.select_related("unit", "requested_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["detail"] = self.request.GET.get("detail") == "1"
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if context["detail"] and self.request.headers.get("HX-Request") and not self.object.is_active:
            # The report's own page polled until now: reload it whole, with the snapshot's details and the diff.
            response["HX-Refresh"] = "true"
        return response


class ReportDownloadView(ReportsRoleMixin, ScopedViewMixin, View):
    """The .xlsx of a finished report, recorded in the download audit. Not finished: 409 and the reason."""

    model = ReportJob

    def get(self, request, pk):
        job = get_object_or_404(self.get_queryset().select_related("unit"), pk=pk)
        try:
            services.report_download(actor=request.user, job=job)
        except services.ReportNotReady as error:
            context = {
                "job": job,
                "not_ready": " ".join(error.messages),
                "versions": ReportJob.objects.none(),
                "downloads": [],
            }
            return render(request, "reports/report_detail.html", context, status=409)
        response = FileResponse(job.file.open("rb"), as_attachment=True, filename=job.download_name)
        response["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response["X-Report-Checksum"] = job.checksum
        return response


class ReportRegenerateView(ReportsRoleMixin, ScopedViewMixin, View):
    """A new snapshot of the same report; the old one is kept."""

    model = ReportJob

    def post(self, request, pk):
        job = get_object_or_404(self.get_queryset().select_related("unit"), pk=pk)
        try:
            new = services.report_regenerate(actor=request.user, job=job)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(job)
        if new.waiting_for_queue:
            messages.warning(request, services.queue_unavailable_message())
        elif new.joined:
            messages.info(request, _("Báo cáo này đang được tạo lại: bạn theo dõi cùng yêu cầu đó."))
        else:
            messages.success(request, _("Đang tạo bản mới; bản cũ vẫn được giữ."))
        return redirect(new)


class ReportDiffView(ReportsRoleMixin, ScopedViewMixin, DetailView):
    """What changed between a snapshot and the one before it (or another snapshot of the same report: ?with=)."""

    model = ReportJob
    template_name = "reports/report_diff.html"
    context_object_name = "job"

    def scope_queryset(self, queryset):
        return queryset.select_related("unit", "previous")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.object
        same = self.get_queryset().filter(
            level=job.level, unit=job.unit, year=job.year, period=job.period, status=ReportStatus.DONE
        )
        other_pk = self.request.GET.get("with", "")
        if other_pk:
            if pk_value(other_pk) is None:
                raise Http404
            other = get_object_or_404(same, pk=pk_value(other_pk))
        else:
            other = job.previous if job.previous_id and same.filter(pk=job.previous_id).exists() else None
        if other is not None and other.pk != job.pk:
            old, new = sorted([other, job], key=lambda j: (j.finished_at or j.created_at, j.pk))
        else:
            old, new = None, job
        context.update(
            {
                "old": old,
                "new": new,
                "compared": other,
                "changes": selectors.snapshot_diff(old, new) if old and new.is_done else [],
                "snapshots": same.order_by("-finished_at", "-pk"),
            }
        )
        return context


class OverdueListView(ReportsRoleMixin, ScopedViewMixin, ListView):
    """Reporting units late with a period whose deadline has passed (computed daily by Celery beat)."""

    model = OverdueSubmission
    template_name = "reports/overdue.html"
    context_object_name = "rows"
    paginate_by = 100

    def scope_queryset(self, queryset):
        return queryset.select_related("unit", "province").order_by("-year", "period", "unit__path")


class ReportSettingView(ReportsRoleMixin, ScopedViewMixin, View):
    """Province staff set the threshold under which a unit's disbursement rate is listed (Biểu 06)."""

    model = ReportSetting
    template_name = "reports/settings.html"

    def _province(self, request):
        unit = request.user.unit
        if unit is None or not services.can_edit_report_settings(request.user, unit):
            raise PermissionDenied(_("Chỉ Ban Dân tộc tỉnh được thiết lập ngưỡng giải ngân thấp."))
        return unit

    def get(self, request):
        province = self._province(request)
        form = ReportSettingForm(initial={"low_rate_threshold": selectors.low_rate_threshold(province)})
        return render(request, self.template_name, {"form": form, "province": province})

    def post(self, request):
        province = self._province(request)
        form = ReportSettingForm(request.POST)
        if form.is_valid():
            try:
                services.report_setting_save(
                    actor=request.user, province=province, low_rate_threshold=form.cleaned_data["low_rate_threshold"]
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Đã lưu ngưỡng giải ngân thấp."))
                return redirect("reports:settings")
        return render(request, self.template_name, {"form": form, "province": province}, status=400)
