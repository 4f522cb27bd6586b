"""Excel import of prestigious persons, their support, households and theirs: template, upload (checked,
previewed), confirm. Built on the generic engine ethnic_portal/excel_import.py."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView

from accounts.mixins import ScopedViewMixin
from ethnic_portal.excel_import import XLSX_CONTENT_TYPE, FileRefused, ImportStatus, apply_batch, record_preview
from ethnic_portal.mixins import WriterRequiredMixin

from ..excel import importers, templates
from ..forms import ImportForm
from ..models import ImportBatch, ImportKind

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class ImportView(ScopedViewMixin, WriterRequiredMixin, View):
    """Upload a file: it is checked at once (dry run) and written only after the officer confirms."""

    model = ImportBatch
    template_name = "beneficiaries/import.html"

    def _page(self, request, form):
        batches = self.get_queryset().filter(uploaded_by=request.user)[:10]
        return render(request, self.template_name, {"form": form, "kinds": ImportKind.choices, "batches": batches})

    def get(self, request):
        return self._page(request, ImportForm(initial={"kind": request.GET.get("kind") or ImportKind.PERSONS}))

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, form)
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            form.add_error("file", _("Tệp lớn hơn 5 MB."))
            return self._page(request, form)
        importer = importers.for_kind(form.cleaned_data["kind"], actor=request.user)
        try:
            batch = record_preview(ImportBatch, importer, upload_name=upload.name, content=upload.read())
        except FileRefused as refused:
            form.add_error("file", str(refused))
            return self._page(request, form)
        return redirect(batch)


class ImportBatchView(ScopedViewMixin, DetailView):
    model = ImportBatch
    template_name = "beneficiaries/import_batch.html"
    context_object_name = "batch"


class ImportConfirmView(ScopedViewMixin, WriterRequiredMixin, View):
    model = ImportBatch

    def post(self, request, pk):
        batch = self.get_queryset().filter(pk=pk).first()
        if batch is None:
            raise Http404
        if batch.uploaded_by_id != request.user.pk:
            raise PermissionDenied(_("Chỉ người tải tệp lên được xác nhận ghi."))
        if batch.status != ImportStatus.PREVIEWED:
            messages.error(request, _("Tệp này không ở trạng thái chờ ghi."))
            return redirect(batch)
        try:
            result = apply_batch(batch, importers.for_kind(batch.kind, actor=request.user))
        except FileRefused as refused:
            messages.error(request, str(refused))
            return redirect(batch)
        if result.applied:
            messages.success(
                request,
                _("Đã ghi %(n)s dòng mới, bỏ qua %(s)s dòng đã có.") % {"n": result.created, "s": result.skipped},
            )
        else:
            messages.error(request, _("Số liệu đã thay đổi từ lúc kiểm tra: có dòng lỗi nên không ghi gì."))
        return redirect(batch)


class ImportTemplateView(ScopedViewMixin, View):
    """The template of a kind, with the codes the officer may use (their units, the ethnic groups…)."""

    model = ImportBatch

    def get(self, request, kind):
        if kind not in ImportKind.values:
            raise Http404
        response = HttpResponse(templates.build(kind, user=request.user), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="mau-nhap-{kind}.xlsx"'
        return response
