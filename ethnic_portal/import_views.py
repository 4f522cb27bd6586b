"""Pages every Excel import shares (ethnic_portal/excel_import.py): an app's subclass names its batch model
(with `get_absolute_url`), its importers by kind and its template writer."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View

from accounts.mixins import ScopedViewMixin

from .excel_import import XLSX_CONTENT_TYPE, FileRefused, ImportStatus, apply_batch
from .mixins import WriterRequiredMixin


class ImportConfirmView(ScopedViewMixin, WriterRequiredMixin, View):
    """Write a previewed batch for real: only its uploader may, once; the rows are checked again."""

    importers: dict = {}  # kind → Importer class

    def post(self, request, pk):
        batch = get_object_or_404(self.get_queryset(), pk=pk)
        if batch.uploaded_by_id != request.user.pk:
            raise PermissionDenied(_("Chỉ người tải tệp lên được xác nhận ghi."))
        if batch.status != ImportStatus.PREVIEWED:
            messages.error(request, _("Tệp này không ở trạng thái chờ ghi."))
            return redirect(batch)
        try:
            result = apply_batch(batch, self.importers[batch.kind](request.user))
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
    """The template of a kind, as the app's writer builds it for the user (with the codes they may use)."""

    importers: dict = {}  # kind → Importer class

    def build(self, kind: str, *, user) -> bytes:
        raise NotImplementedError

    def get(self, request, kind):
        if kind not in self.importers:
            raise Http404
        response = HttpResponse(self.build(kind, user=request.user), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="mau-nhap-{kind}.xlsx"'
        return response
