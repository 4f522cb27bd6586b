"""Pages of the ledger: thin views over selectors (reads) and services (writes)."""

import datetime

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import F, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView

from accounts.mixins import ScopedViewMixin
from accounts.scope import can_approve, can_submit, can_write
from ethnic_portal import clock, import_views, page_cache
from ethnic_portal.excel_import import MAX_BYTES, FileRefused, record_preview
from ethnic_portal.export_views import ExportView
from ethnic_portal.forms import budget_year, pk_value, run_service, scoped_units
from ethnic_portal.mixins import FilteredListMixin, ProvinceRequiredMixin, WriterRequiredMixin
from geography.models import NATION_CODE, is_nation, nation
from programs.models import BudgetYear, SubProject

from . import selectors, services
from .excel import exports, templates
from .excel import importer as importers
from .excel.importer import IMPORTERS
from .filters import AllocationFilterSet, DisbursementFilterSet
from .forms import (
    AdjustmentForm,
    AllocationForm,
    CarryOverForm,
    CommentForm,
    DisbursementForm,
    ImportForm,
    PlanForm,
    YearSettingForm,
    unit_choices,
)
from .models import Allocation, Disbursement, ImportBatch, ImportKind, Period, PeriodKind, PeriodStatus

# --- Allocations -------------------------------------------------------------------------------


class AllocationListView(FilteredListMixin, ScopedViewMixin, ListView):
    model = Allocation
    template_name = "disbursement/allocation_list.html"
    context_object_name = "allocations"
    filterset_class = AllocationFilterSet
    ordering = exports.ALLOCATION_ORDERING

    def base_queryset(self):
        return selectors.allocation_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["export_url"] = reverse("disbursement:allocation_export")
        context["totals"] = selectors.totals(self.filterset.qs)
        context["today"] = clock.today()
        context["paces"] = selectors.paces(context["allocations"], today=context["today"])
        return context


class AllocationDetailView(ScopedViewMixin, DetailView):
    model = Allocation
    template_name = "disbursement/allocation_detail.html"
    context_object_name = "allocation"

    def scope_queryset(self, queryset):
        return selectors.allocation_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        allocation = self.object
        today = clock.today()
        rows = selectors.plan_vs_actual(allocation)
        start, end = services.disbursement_window(allocation)
        month = min(today.month, 12) if today.year == allocation.year else (12 if today.year > allocation.year else 0)
        planned_to_date = rows[month - 1].planned_cumulative if month else 0
        context.update(
            {
                "rate": selectors.compute_rate(allocation.disbursed, allocation.amount),
                "plan_rows": rows,
                "has_plan": any(row.planned for row in rows),
                "pace": selectors.pace(
                    year=allocation.year,
                    end=end,
                    amount=allocation.amount,
                    disbursed=allocation.disbursed,
                    planned_to_date=planned_to_date,
                    today=today,
                ),
                "window": (start, end),
                "disbursements": allocation.disbursements.order_by("-date", "-pk"),
                "adjustments": allocation.adjustments.select_related("actor"),
                "history": allocation.history.select_related("history_user").order_by("-history_date")[:50],
                "disbursement_history": Disbursement.history.filter(allocation_id=allocation.pk)
                .select_related("history_user")
                .order_by("-history_date")[:50],
                "plan_history": allocation.plan_lines.model.history.filter(allocation_id=allocation.pk)
                .select_related("history_user")
                .order_by("-history_date")[:50],
                "can_write": can_write(self.request.user, allocation.unit),
                "disbursement_form": DisbursementForm(initial={"date": min(today, end)}),
            }
        )
        return context


class AllocationCreateView(LoginRequiredMixin, WriterRequiredMixin, View):
    template_name = "disbursement/allocation_form.html"

    def get(self, request):
        year = clock.today().year
        form = AllocationForm(user=request.user, initial={"year": year, "origin_year": year})
        return render(request, self.template_name, {"form": form, "title": _("Giao vốn mới")})

    def post(self, request):
        form = AllocationForm(request.POST, user=request.user)
        if form.is_valid():
            allocation = run_service(form, lambda: services.allocation_create(actor=request.user, **form.cleaned_data))
            if allocation:
                messages.success(request, _("Đã ghi phân bổ vốn."))
                return redirect(allocation)
        return render(request, self.template_name, {"form": form, "title": _("Giao vốn mới")}, status=200)


class AllocationUpdateView(ScopedViewMixin, WriterRequiredMixin, View):
    model = Allocation
    template_name = "disbursement/allocation_form.html"

    def _object(self, pk):
        return get_object_or_404(self.get_queryset(), pk=pk)

    def get(self, request, pk):
        allocation = self._object(pk)
        initial = {name: getattr(allocation, name) for name in services.ALLOCATION_FIELDS + ["note"]}
        form = AllocationForm(user=request.user, initial=initial)
        return render(
            request, self.template_name, {"form": form, "allocation": allocation, "title": _("Sửa phân bổ vốn")}
        )

    def post(self, request, pk):
        allocation = self._object(pk)
        form = AllocationForm(request.POST, user=request.user)
        if form.is_valid():
            updated = run_service(
                form,
                lambda: services.allocation_update(actor=request.user, allocation=allocation, **form.cleaned_data),
            )
            if updated:
                messages.success(request, _("Đã sửa phân bổ vốn."))
                return redirect(updated)
        return render(
            request, self.template_name, {"form": form, "allocation": allocation, "title": _("Sửa phân bổ vốn")}
        )


class AllocationAdjustView(ScopedViewMixin, WriterRequiredMixin, View):
    model = Allocation
    template_name = "disbursement/adjust_form.html"

    def get(self, request, pk):
        allocation = get_object_or_404(self.get_queryset(), pk=pk)
        form = AdjustmentForm(initial={"new_amount": allocation.amount, "decision_body": allocation.decision_body})
        return render(request, self.template_name, {"form": form, "allocation": allocation})

    def post(self, request, pk):
        allocation = get_object_or_404(self.get_queryset(), pk=pk)
        form = AdjustmentForm(request.POST)
        if form.is_valid() and run_service(
            form,
            lambda: services.allocation_adjust(actor=request.user, allocation=allocation, **form.cleaned_data),
        ):
            messages.success(request, _("Đã điều chỉnh phân bổ vốn."))
            return redirect(allocation)
        return render(request, self.template_name, {"form": form, "allocation": allocation})


class AllocationDeleteView(ScopedViewMixin, WriterRequiredMixin, View):
    model = Allocation

    def post(self, request, pk):
        allocation = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            services.allocation_delete(actor=request.user, allocation=allocation)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(allocation)
        messages.success(request, _("Đã xóa phân bổ vốn."))
        return redirect("disbursement:allocation_list")


class PlanEditView(ScopedViewMixin, WriterRequiredMixin, View):
    model = Allocation
    template_name = "disbursement/plan_form.html"

    def get(self, request, pk):
        allocation = get_object_or_404(self.get_queryset(), pk=pk)
        initial = {f"month_{line.month}": line.amount for line in allocation.plan_lines.all()}
        return render(request, self.template_name, {"form": PlanForm(initial=initial), "allocation": allocation})

    def post(self, request, pk):
        allocation = get_object_or_404(self.get_queryset(), pk=pk)
        form = PlanForm(request.POST)
        if form.is_valid() and run_service(
            form,
            lambda: services.plan_set(actor=request.user, allocation=allocation, months=form.months()) or True,
        ):
            messages.success(request, _("Đã lưu kế hoạch giải ngân."))
            return redirect(allocation)
        return render(request, self.template_name, {"form": form, "allocation": allocation})


# --- Disbursements -------------------------------------------------------------------------------


class DisbursementListView(FilteredListMixin, ScopedViewMixin, ListView):
    model = Disbursement
    template_name = "disbursement/disbursement_list.html"
    context_object_name = "disbursements"
    filterset_class = DisbursementFilterSet
    ordering = exports.DISBURSEMENT_ORDERING

    def base_queryset(self):
        return selectors.disbursement_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["export_url"] = reverse("disbursement:disbursement_export")
        context["total"] = self.filterset.qs.aggregate(total=Sum("amount"))["total"] or 0
        return context


class AllocationExportView(ExportView):
    """The filtered allocation list as an Excel file (the user's scope; amounts in đồng, exact)."""

    model = Allocation
    spec = exports.ALLOCATIONS


class DisbursementExportView(ExportView):
    """The filtered disbursement list as an Excel file (the user's scope; amounts in đồng, exact)."""

    model = Disbursement
    spec = exports.DISBURSEMENTS


class DisbursementCreateView(ScopedViewMixin, WriterRequiredMixin, View):
    model = Allocation

    def post(self, request, pk):
        allocation = get_object_or_404(self.get_queryset(), pk=pk)
        form = DisbursementForm(request.POST)
        if form.is_valid() and run_service(
            form,
            lambda: services.disbursement_create(actor=request.user, allocation=allocation, **form.cleaned_data),
        ):
            messages.success(request, _("Đã ghi giải ngân."))
            return redirect(allocation)
        view = AllocationDetailView()
        view.setup(request, pk=pk)
        view.object = view.get_object()
        context = view.get_context_data(object=view.object)
        context["disbursement_form"] = form
        return render(request, AllocationDetailView.template_name, context)


class DisbursementUpdateView(ScopedViewMixin, WriterRequiredMixin, View):
    model = Disbursement
    template_name = "disbursement/disbursement_form.html"

    def get(self, request, pk):
        disbursement = get_object_or_404(self.get_queryset().select_related("allocation"), pk=pk)
        form = DisbursementForm(initial={f: getattr(disbursement, f) for f in ["date", "amount", "voucher_no", "note"]})
        return render(request, self.template_name, {"form": form, "disbursement": disbursement})

    def post(self, request, pk):
        disbursement = get_object_or_404(self.get_queryset().select_related("allocation"), pk=pk)
        form = DisbursementForm(request.POST)
        if form.is_valid() and run_service(
            form,
            lambda: services.disbursement_update(actor=request.user, disbursement=disbursement, **form.cleaned_data),
        ):
            messages.success(request, _("Đã sửa giải ngân."))
            return redirect(disbursement.allocation)
        return render(request, self.template_name, {"form": form, "disbursement": disbursement})


class DisbursementDeleteView(ScopedViewMixin, WriterRequiredMixin, View):
    model = Disbursement

    def post(self, request, pk):
        disbursement = get_object_or_404(self.get_queryset().select_related("allocation"), pk=pk)
        try:
            services.disbursement_delete(actor=request.user, disbursement=disbursement)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Đã xóa giải ngân."))
        return redirect(disbursement.allocation)


# --- Cascading selects (htmx) --------------------------------------------------------------------


class SubprojectOptionsView(LoginRequiredMixin, View):
    """The <option>s of the sub-project select for the chosen project."""

    def get(self, request):
        project = pk_value(request.GET.get("project"))
        subs = SubProject.objects.filter(project_id=project).order_by("number") if project is not None else []
        return render(
            request,
            "disbursement/partials/options.html",
            {"options": [(s.pk, f"{s.code}. {s.name[:90]}") for s in subs], "blank": True},
        )


class UnitOptionsView(LoginRequiredMixin, View):
    """The <option>s of the unit select: units in the user's scope that exist in the chosen year."""

    def get(self, request):
        units = unit_choices(request.user, budget_year(request.GET.get("year")))
        return render(
            request,
            "disbursement/partials/options.html",
            {"options": [(u.pk, f"{u.code} – {u.display_name}") for u in units], "blank": True},
        )


# --- Periods and approval ------------------------------------------------------------------------


class PeriodListView(ScopedViewMixin, ListView):
    model = Period
    template_name = "disbursement/period_list.html"
    context_object_name = "periods"
    paginate_by = 100

    def scope_queryset(self, queryset):
        queryset = queryset.select_related("unit").order_by("-year", "kind", "unit__code")
        status = self.request.GET.get("status")
        if status in PeriodStatus.values:
            queryset = queryset.filter(status=status)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reporting_units"] = self._reporting_units()
        context["statuses"] = PeriodStatus.choices
        context["query"] = self.request.GET.copy()
        context["query"].pop("page", None)
        context["today"] = clock.today()
        return context

    def _reporting_units(self):
        """The units this user submits for, with their periods of the current year (created on first sight)."""
        user = self.request.user
        year = clock.today().year
        own = user.unit
        if own is None or not can_submit(user, own):
            return []
        rows = []
        for kind in (PeriodKind.H1, PeriodKind.YEAR):
            period = Period.objects.filter(unit=own, year=year, kind=kind).first() or Period(
                unit=own, year=year, kind=kind
            )
            rows.append((period, services.year_setting(own.province, year)))
        return rows


class PeriodDetailView(ScopedViewMixin, DetailView):
    model = Period
    template_name = "disbursement/period_detail.html"
    context_object_name = "period"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        period = self.object
        user = self.request.user
        start, end = period.date_range()
        progress = selectors.progress_for_unit(user=user, unit=period.unit, year=period.year, as_of=end)
        context.update(
            {
                "events": period.events.select_related("actor"),
                "deadline": services.deadline_of(period),
                "progress": progress,
                "can_submit": can_submit(user, period.unit),
                "can_approve": can_approve(user, period.unit),
                "form": CommentForm(),
                "today": clock.today(),
            }
        )
        return context


class PeriodSubmitNewView(LoginRequiredMixin, View):
    """Submit the user's own unit's period for a year and kind (the period row is made on first submit)."""

    def post(self, request, year, kind):
        unit = request.user.unit
        if kind not in PeriodKind.values or unit is None or not can_submit(request.user, unit):
            raise Http404
        period = services.period_for(unit, year, kind)
        return redirect(reverse("disbursement:period_detail", args=[period.pk]))


class PeriodActionView(ScopedViewMixin, View):
    model = Period
    actions = {
        "submit": services.period_submit,
        "approve": services.period_approve,
        "return": services.period_return,
        "reopen": services.period_reopen,
    }
    done = {
        "submit": _("Đã gửi số liệu để phê duyệt."),
        "approve": _("Đã phê duyệt."),
        "return": _("Đã trả lại số liệu cho đơn vị."),
        "reopen": _("Đã mở lại kỳ cho đơn vị."),
    }

    def post(self, request, pk, action):
        period = get_object_or_404(self.get_queryset(), pk=pk)
        if action not in self.actions:
            raise Http404
        form = CommentForm(request.POST)
        comment = form.cleaned_data["comment"] if form.is_valid() else ""
        try:
            self.actions[action](actor=request.user, period=period, comment=comment)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, str(self.done[action]))
        return redirect(period)


# --- Year settings and carry-over (province) -----------------------------------------------------


class YearSettingView(LoginRequiredMixin, ProvinceRequiredMixin, View):
    template_name = "disbursement/year_setting.html"

    def _context(self, request, year, form=None):
        setting = services.year_setting(request.user.unit, year)
        form = form or YearSettingForm(
            initial={
                "h1_deadline": setting.h1_deadline,
                "year_deadline": setting.year_deadline,
                "carryover_deadline": setting.carryover_deadline,
            }
        )
        years = list(BudgetYear.objects.values_list("year", flat=True))
        return {"form": form, "year": year, "years": years, "saved": setting.pk is not None}

    @staticmethod
    def _year(data) -> int:
        year = budget_year(data.get("year") or clock.today().year)
        if year is None:
            raise Http404(_("Năm này không thuộc Chương trình."))
        return year

    def get(self, request):
        year = self._year(request.GET)
        return render(request, self.template_name, self._context(request, year))

    def post(self, request):
        year = self._year(request.POST)
        form = YearSettingForm(request.POST)
        if form.is_valid() and run_service(
            form,
            lambda: services.year_setting_save(
                actor=request.user, province=request.user.unit, year=year, **form.cleaned_data
            ),
        ):
            messages.success(request, _("Đã lưu thiết lập năm %(year)s.") % {"year": year})
            return redirect(f"{reverse('disbursement:year_setting')}?year={year}")
        return render(request, self.template_name, self._context(request, year, form))


class CarryOverView(LoginRequiredMixin, ProvinceRequiredMixin, View):
    template_name = "disbursement/carry_over.html"

    def get(self, request):
        form = CarryOverForm(
            initial={"from_year": clock.today().year - 1, "decision_body": f"UBND {request.user.unit.name}"}
        )
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = CarryOverForm(request.POST)
        if form.is_valid():
            created = run_service(
                form,
                lambda: services.carry_over(actor=request.user, province=request.user.unit, **form.cleaned_data),
            )
            if created is not None:
                total = sum(a.amount for a in created)
                messages.success(
                    request,
                    _("Đã chuyển %(n)s khoản, tổng %(total)s đồng, sang năm %(year)s.")
                    % {
                        "n": len(created),
                        "total": f"{total:,}".replace(",", "."),
                        "year": form.cleaned_data["from_year"] + 1,
                    },
                )
                return redirect(
                    f"{reverse('disbursement:allocation_list')}?year={form.cleaned_data['from_year'] + 1}&carried=true"
                )
        return render(request, self.template_name, {"form": form})


# --- Progress ------------------------------------------------------------------------------------


class ProgressView(LoginRequiredMixin, TemplateView):
    """Allocated, disbursed and rate of a unit and those below it, live, by capital type, origin, project and sub-unit."""

    template_name = "disbursement/progress.html"

    def get(self, request, *args, **kwargs):
        # Live: the cache's key holds the data version (ethnic_portal/page_cache.py).
        return page_cache.page(request, "progress", lambda: super(ProgressView, self).get(request, *args, **kwargs))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        nationwide = user.policy.nationwide
        if user.unit is None and not nationwide:
            raise Http404
        # The user's unit and those below it: a district asking for its province's figures gets a 404,
        # as for any unit outside its scope. A nationwide user starts from the whole country (code VN).
        units = scoped_units(user)
        today = clock.today()
        years = list(BudgetYear.objects.values_list("year", flat=True))
        year = budget_year(self.request.GET.get("year")) or today.year
        code = (self.request.GET.get("unit") or "").strip()
        unit = nation() if nationwide else user.unit
        if code and not (nationwide and code.upper() == NATION_CODE):
            versions = units.filter(code=code).order_by(F("valid_from").desc(nulls_last=True))
            unit = versions.valid_in_year(year).first() or versions.first()
            if unit is None:
                raise Http404
        as_of = None
        raw = self.request.GET.get("as_of")
        if raw:
            try:
                as_of = datetime.date.fromisoformat(raw)
            except ValueError:
                as_of = None
        as_of = as_of or min(today, datetime.date(year, 12, 31))
        context.update(
            {
                "unit": unit,
                "year": year,
                "years": years,
                "as_of": as_of,
                "progress": selectors.progress_for_unit(user=user, unit=unit, year=year, as_of=as_of, lines=False),
                "ancestors": [nation()] * (nationwide and not is_nation(unit))
                + list(units.filter(path__in=unit.ancestor_paths()[:-1]).order_by("path")),
                "h1_date": datetime.date(year, 6, 30),
            }
        )
        return context


class ImportTemplateDownloadView(import_views.ImportTemplateView):
    model = ImportBatch
    importers = IMPORTERS

    def build(self, kind, *, user):
        return templates.build(kind, user=user)


# --- Excel import ----------------------------------------------------------------------------------


class ImportView(LoginRequiredMixin, WriterRequiredMixin, View):
    """Upload a file: it is checked at once (dry run) and written only after the officer confirms."""

    template_name = "disbursement/import.html"

    def _context(self, request, form):
        batches = ImportBatch.objects.for_user(request.user).filter(uploaded_by=request.user)[:10]
        return {"form": form, "kinds": ImportKind.choices, "batches": batches}

    def get(self, request):
        return render(request, self.template_name, self._context(request, ImportForm()))

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        kind = request.POST.get("kind")
        if kind not in ImportKind.values:
            form.add_error(None, _("Chọn loại dữ liệu: phân bổ vốn hoặc giải ngân."))
        if not form.is_valid():
            return render(request, self.template_name, self._context(request, form))
        upload = form.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            form.add_error("file", _("Tệp lớn hơn 5 MB."))
            return render(request, self.template_name, self._context(request, form))
        importer = importers.for_kind(kind, actor=request.user)
        try:
            batch = record_preview(ImportBatch, importer, upload_name=upload.name, content=upload.read())
        except FileRefused as refused:
            form.add_error("file", str(refused))
            return render(request, self.template_name, self._context(request, form))
        return redirect(batch)


class ImportBatchView(ScopedViewMixin, DetailView):
    model = ImportBatch
    template_name = "disbursement/import_batch.html"
    context_object_name = "batch"


class ImportConfirmView(import_views.ImportConfirmView):
    model = ImportBatch
    importers = IMPORTERS
