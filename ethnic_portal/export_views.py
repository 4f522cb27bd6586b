"""Pages of Excel exports: the "Xuất Excel" of a list page, and the page of an export too long for one request.

`ExportView` answers a list's export with the page's filters: up to EXPORT_SYNC_MAX_ROWS rows the file is written
at once and streamed (ethnic_portal/excel_export.py); beyond, an export job is made and the user is sent to its
page, which shows the progress and then the download (ethnic_portal/export_jobs.py). A job is its requester's
alone: anyone else's id answers 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView

from accounts.mixins import ScopedViewMixin

from . import export_jobs
from .excel_export import ExportSpec, download, sync_max_rows
from .models import ExportJob


class ExportView(ScopedViewMixin, View):
    """A list page's export; subclasses name the `spec` (and the list's `model`, for the scope conventions)."""

    spec: ExportSpec

    def get(self, request):
        spec = self.spec
        try:
            queryset = spec.queryset(request.user, request.GET)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(spec.list_url)
        limit = sync_max_rows()
        # Bounded (never counts past the limit) and bare (no annotation such as an allocation's disbursed sum).
        if queryset.order_by().values("pk")[: limit + 1].count() > limit:
            query = request.GET.copy()
            query.pop("page", None)
            job = export_jobs.export_request(actor=request.user, kind=spec.kind, query=query.urlencode())
            messages.info(
                request,
                _(
                    "Danh sách có hơn %(limit)s dòng nên tệp được tạo trong nền; trang này cho biết tiến độ và có nút "
                    "tải khi xong."
                )
                % {"limit": f"{limit:,}".replace(",", ".")},
            )
            return redirect(job)
        response, count = download(spec.build(queryset, user=request.user, total=None))
        if spec.on_download is not None:
            spec.on_download(request, count)
        return response


class ExportJobDetailView(ScopedViewMixin, DetailView):
    model = ExportJob
    template_name = "exports/job_detail.html"
    context_object_name = "job"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["recent"] = ExportJob.objects.for_user(self.request.user).exclude(pk=self.object.pk)[:10]
        context["keep_hours"] = int(export_jobs.keep_for().total_seconds() // 3600)
        return context


class ExportJobRowView(ScopedViewMixin, DetailView):
    """The job's status alone, for htmx polling; it stops polling (and reloads the page) once the job is over."""

    model = ExportJob
    template_name = "exports/partials/job_status.html"
    context_object_name = "job"

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if self.request.headers.get("HX-Request") and not self.object.is_active:
            response["HX-Refresh"] = "true"
        return response


class ExportJobDownloadView(ScopedViewMixin, View):
    """The file of a finished export job, streamed; logged like a direct export. Not ready: 409 and the reason."""

    model = ExportJob

    def get(self, request, pk):
        job = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            return export_jobs.export_download(request=request, job=job)
        except export_jobs.ExportNotReady as error:
            context = {"job": job, "not_ready": " ".join(error.messages)}
            return render(request, "exports/job_detail.html", context, status=409)
