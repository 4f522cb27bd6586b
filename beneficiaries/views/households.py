"""Pages about beneficiary households: the list with counts, a household's page with its whole support
history and overlaps, entry forms, and the list of supports."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView

from accounts.mixins import ScopedViewMixin
from accounts.scope import can_write
from ethnic_portal import clock
from ethnic_portal.export_views import ExportView
from ethnic_portal.forms import run_service
from ethnic_portal.mixins import FilteredListMixin, WriterRequiredMixin

from .. import selectors, services
from ..choices import FundingProgram, HouseholdSupportKind, PovertyStatus
from ..excel import exports
from ..filters import HouseholdFilterSet, HouseholdSupportFilterSet, chosen_filters
from ..forms import HouseholdForm, HouseholdSearchForm, HouseholdSupportForm
from ..models import (
    AccessAction,
    AccessSubject,
    Household,
    HouseholdSupport,
    HouseholdSupportKindRule,
    HouseholdSupportNorm,
)
from .common import ObjectMixin
from .persons import _form_page


class HouseholdListView(FilteredListMixin, ScopedViewMixin, ListView):
    model = Household
    template_name = "beneficiaries/household_list.html"
    context_object_name = "households"
    filterset_class = HouseholdFilterSet
    ordering = exports.HOUSEHOLD_ORDERING

    def base_queryset(self):
        return selectors.household_list(user=self.request.user)

    def get_paginator(self, queryset, per_page, **kwargs):
        # The figures from the running totals where the filters allow (the page's count among them).
        paginator = super().get_paginator(queryset, per_page, **kwargs)
        filters = chosen_filters(self.filterset)
        self.figures = None if filters is None else selectors.household_figures(user=self.request.user, filters=filters)
        if self.figures is not None:
            paginator.count = self.figures["count"]
        return paginator

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        figures = getattr(self, "figures", None)
        if figures is not None:
            context.update({name: figures[name] for name in ("by_ethnic_group", "by_commune", "by_status", "members")})
        else:
            rows = self.filterset.qs
            context["by_ethnic_group"] = selectors.counts_by_ethnic_group(rows)[:12]
            context["by_commune"] = selectors.counts_by_commune(rows, limit=12)
            context["by_status"] = selectors.counts_by(rows, "poverty_status", PovertyStatus.choices)
            context["members"] = rows.aggregate(n=Sum("members"))["n"] or 0
        context["search_form"] = HouseholdSearchForm()
        return context


class HouseholdSearchView(ScopedViewMixin, View):
    """Search by the head's citizen ID number, by POST only: the number is in the body, never in an address
    (nor, therefore, in the browser's history, a Referer or the server's access log). The answer is rendered
    here, not redirected to a URL that would carry it. Every search is logged (the number itself is not)."""

    model = Household
    template_name = "beneficiaries/household_search.html"

    def get(self, request):
        return redirect("beneficiaries:household_list")

    def post(self, request):
        form = HouseholdSearchForm(request.POST)
        households = None
        if form.is_valid():
            households = list(self.get_queryset().filter(head_id_number=form.cleaned_data["head_id_number"]))
            services.record_access(
                request=request, action=AccessAction.SEARCH, subject=AccessSubject.HOUSEHOLD, count=len(households)
            )
        if households is None:
            return render(request, self.template_name, {"search_form": form, "households": None}, status=400)
        # A fresh form: the page does not echo the number (a masked role sees only the masked one in the table).
        context = {"search_form": HouseholdSearchForm(), "households": households}
        return render(request, self.template_name, context)

    def scope_queryset(self, queryset):
        return selectors.household_list(user=self.request.user)


class HouseholdExportView(ExportView):
    """The filtered list of households as an Excel file: the user's scope only, ID numbers as the user may see
    them, and a row in the access log with the number of households exported (beneficiaries/excel/exports.py)."""

    model = Household
    spec = exports.HOUSEHOLDS


class HouseholdDetailView(ScopedViewMixin, DetailView):
    model = Household
    template_name = "beneficiaries/household_detail.html"
    context_object_name = "household"

    def scope_queryset(self, queryset):
        return selectors.household_list(user=self.request.user)

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        household = self.object
        # Every rendering of the record page (also after a refused support entry) is a view of personal data.
        services.record_access(
            request=self.request, action=AccessAction.VIEW, subject=AccessSubject.HOUSEHOLD, obj=household
        )
        supports = list(household.supports.select_related("project", "subproject").order_by("-year", "-date", "-pk"))
        overlaps = selectors.overlap_ids(supports)
        for support in supports:
            support.overlap_ids = overlaps.get(support.pk, [])
        today = clock.today()
        context.update(
            {
                "supports": supports,
                "cases": selectors.support_overlap_cases(user=self.request.user, household=household),
                "history": household.history.select_related("history_user").order_by("-history_date")[:50],
                "support_history": HouseholdSupport.history.filter(household_id=household.pk)
                .select_related("history_user")
                .order_by("-history_date")[:100],
                "can_write": can_write(self.request.user, household.unit),
                "form": form
                or HouseholdSupportForm(
                    initial={"year": today.year, "date": today, "funding_program": FundingProgram.NTP_1719}
                ),
                "once_only": set(
                    HouseholdSupportKindRule.objects.filter(once_only=True).values_list("kind", flat=True)
                ),
                "norms": HouseholdSupportNorm.objects.order_by("kind", "funding_program"),
            }
        )
        return context


class HouseholdCreateView(ScopedViewMixin, WriterRequiredMixin, View):
    model = Household

    def get(self, request):
        form = HouseholdForm(user=request.user, initial={"poverty_year": clock.today().year})
        return _form_page(request, form, title=_("Thêm hộ thụ hưởng"), back=reverse("beneficiaries:household_list"))

    def post(self, request):
        form = HouseholdForm(request.POST, user=request.user)
        if form.is_valid():
            household = run_service(form, lambda: services.household_create(actor=request.user, **form.cleaned_data))
            if household:
                messages.success(request, _("Đã thêm hộ %(name)s.") % {"name": household.head_name})
                return redirect(household)
        return _form_page(request, form, title=_("Thêm hộ thụ hưởng"), back=reverse("beneficiaries:household_list"))


class HouseholdUpdateView(ScopedViewMixin, ObjectMixin, WriterRequiredMixin, View):
    model = Household

    def get(self, request, pk):
        household = self.object_for(pk)
        services.record_access(
            request=request, action=AccessAction.VIEW, subject=AccessSubject.HOUSEHOLD, obj=household
        )
        initial = {name: getattr(household, name) for name in services.households.HOUSEHOLD_FIELDS}
        form = HouseholdForm(user=request.user, instance=household, initial=initial)
        return _form_page(
            request, form, title=_("Sửa hộ %(name)s") % {"name": household.head_name}, back=household.get_absolute_url()
        )

    def post(self, request, pk):
        household = self.object_for(pk)
        form = HouseholdForm(request.POST, user=request.user, instance=household)
        if form.is_valid() and run_service(
            form, lambda: services.household_update(actor=request.user, household=household, **form.cleaned_data)
        ):
            messages.success(request, _("Đã lưu."))
            return redirect(household)
        return _form_page(
            request, form, title=_("Sửa hộ %(name)s") % {"name": household.head_name}, back=household.get_absolute_url()
        )


class HouseholdDeleteView(ScopedViewMixin, ObjectMixin, WriterRequiredMixin, View):
    model = Household

    def post(self, request, pk):
        household = self.object_for(pk)
        try:
            services.household_delete(actor=request.user, household=household)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(household)
        messages.success(request, _("Đã xóa hộ %(name)s.") % {"name": household.head_name})
        return redirect("beneficiaries:household_list")


class HouseholdSupportCreateView(ScopedViewMixin, ObjectMixin, WriterRequiredMixin, View):
    model = Household

    def post(self, request, pk):
        household = self.object_for(pk)
        form = HouseholdSupportForm(request.POST)
        if form.is_valid() and run_service(
            form,
            lambda: services.household_support_create(actor=request.user, household=household, **form.cleaned_data),
        ):
            messages.success(request, _("Đã ghi hỗ trợ."))
            return redirect(household)
        view = HouseholdDetailView()
        view.setup(request, pk=pk)
        view.object = view.get_object()
        return render(request, HouseholdDetailView.template_name, view.get_context_data(object=view.object, form=form))


class HouseholdSupportListView(FilteredListMixin, ScopedViewMixin, ListView):
    model = HouseholdSupport
    template_name = "beneficiaries/household_support_list.html"
    context_object_name = "supports"
    filterset_class = HouseholdSupportFilterSet
    ordering = ("-year", "-date", "-pk")

    def base_queryset(self):
        return selectors.household_support_list(user=self.request.user)

    def get_paginator(self, queryset, per_page, **kwargs):
        paginator = super().get_paginator(queryset, per_page, **kwargs)
        filters = chosen_filters(self.filterset)
        self.figures = (
            None if filters is None else selectors.household_support_figures(user=self.request.user, filters=filters)
        )
        if self.figures is not None:
            paginator.count = self.figures["count"]
        return paginator

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = self.filterset.qs
        overlaps = selectors.overlap_ids(context["supports"])
        for support in context["supports"]:
            support.overlap_ids = overlaps.get(support.pk, [])
        figures = getattr(self, "figures", None)
        if figures is not None:
            context.update({name: figures[name] for name in ("by_kind", "by_program", "by_year", "total")})
        else:
            context["by_kind"] = selectors.counts_by(rows, "kind", HouseholdSupportKind.choices)
            context["by_program"] = selectors.counts_by(rows, "funding_program", FundingProgram.choices)
            context["by_year"] = sorted(selectors.counts_by(rows, "year"), reverse=True)
            context["total"] = selectors.amount_total(rows)
        households = figures["households"] if figures is not None else None
        context["households"] = households if households is not None else rows.values("household").distinct().count()
        return context


_SUPPORT_FIELDS = ["funding_program", "project", "subproject", "scheme", "year", "kind", "amount", "date", "note"]


class HouseholdSupportUpdateView(ScopedViewMixin, ObjectMixin, WriterRequiredMixin, View):
    model = HouseholdSupport

    def _page(self, request, form, support):
        return _form_page(
            request,
            form,
            title=_("Sửa hỗ trợ hộ %(name)s") % {"name": support.household.head_name},
            back=support.get_absolute_url(),
        )

    def get(self, request, pk):
        support = self.object_for(pk)
        form = HouseholdSupportForm(initial={name: getattr(support, name) for name in _SUPPORT_FIELDS})
        return self._page(request, form, support)

    def post(self, request, pk):
        support = self.object_for(pk)
        form = HouseholdSupportForm(request.POST)
        if form.is_valid() and run_service(
            form, lambda: services.household_support_update(actor=request.user, support=support, **form.cleaned_data)
        ):
            messages.success(request, _("Đã lưu."))
            return redirect(support.household)
        return self._page(request, form, support)


class HouseholdSupportDeleteView(ScopedViewMixin, ObjectMixin, WriterRequiredMixin, View):
    model = HouseholdSupport

    def post(self, request, pk):
        support = self.object_for(pk)
        services.household_support_delete(actor=request.user, support=support)
        messages.success(request, _("Đã xóa khoản hỗ trợ."))
        return redirect(support.household)
