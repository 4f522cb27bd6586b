"""Excel import of prestigious persons, their support, households and theirs: template, upload (checked,
previewed), confirm. Built on the generic engine ethnic_portal/excel_import.py."""

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView

from accounts.mixins import ScopedViewMixin
from ethnic_portal import import_views
from ethnic_portal.excel_import import MAX_BYTES, FileRefused, record_preview
from ethnic_portal.mixins import WriterRequiredMixin

from .. import services
from ..excel import importers, templates
from ..excel.importers import IMPORTERS
from ..forms import ImportForm
from ..models import AccessAction, AccessSubject, ImportBatch, ImportKind


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
        if upload.size > MAX_BYTES:
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


class ImportConfirmView(import_views.ImportConfirmView):
    model = ImportBatch
    importers = IMPORTERS


class ImportTemplateView(import_views.ImportTemplateView):
    """The template of a kind, with the codes the officer may use (their units, the ethnic groups…)."""

    model = ImportBatch
    importers = IMPORTERS

    def build(self, kind, *, user):
        content = templates.build(kind, user=user)
        if kind == ImportKind.PERSON_SUPPORTS:  # its reference sheet lists the persons in the user's scope
            services.record_access(
                request=self.request,
                action=AccessAction.EXPORT,
                subject=AccessSubject.PERSON,
                count=templates.reference_persons(user).count(),
            )
        return content
