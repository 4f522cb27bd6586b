"""Pages about program activities, the summary the report quotes, and the overlap and duplicate review."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from accounts.mixins import ScopedViewMixin
from accounts.scope import can_approve, policy_for
from ethnic_portal import clock
from ethnic_portal.forms import budget_year, run_service, scoped_units
from ethnic_portal.mixins import FilteredListMixin, WriterRequiredMixin
from programs.models import BudgetYear

from .. import selectors, services
from ..choices import ActivityKind, CaseType
from ..filters import ActivityFilterSet
from ..forms import ActivityForm, ReviewForm, ethnic_counts_text
from ..models import CaseReview, ProgramActivity
from .common import ObjectMixin
from .persons import _form_page

_ACTIVITY_FIELDS = [
    "kind",
    "title",
    "unit",
    "start_date",
    "end_date",
    "project",
    "subproject",
    "scheme",
    "location",
    "participants_male",
    "participants_female",
    "note",
]


class ActivityListView(FilteredListMixin, ScopedViewMixin, ListView):
    model = ProgramActivity
    template_name = "beneficiaries/activity_list.html"
    context_object_name = "activities"
    filterset_class = ActivityFilterSet
    ordering = ("-start_date", "pk")

    def base_queryset(self):
        return selectors.activity_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = self.filterset.qs
        context["by_kind"] = selectors.counts_by(rows, "kind", ActivityKind.choices)
        context["participants"] = sum(rows.values_list("participants_total", flat=True))
        return context


class ActivityCreateView(ScopedViewMixin, WriterRequiredMixin, View):
    model = ProgramActivity

    def get(self, request):
        form = ActivityForm(user=request.user, initial={"unit": request.user.unit_id, "start_date": clock.today()})
        return _form_page(request, form, title=_("Thêm hoạt động"), back=reverse("beneficiaries:activity_list"))

    def post(self, request):
        form = ActivityForm(request.POST, user=request.user)
        if form.is_valid() and run_service(
            form, lambda: services.program_activity_create(actor=request.user, **form.service_values())
        ):
            messages.success(request, _("Đã thêm hoạt động."))
            return redirect("beneficiaries:activity_list")
        return _form_page(request, form, title=_("Thêm hoạt động"), back=reverse("beneficiaries:activity_list"))


class ActivityUpdateView(ScopedViewMixin, ObjectMixin, WriterRequiredMixin, View):
    model = ProgramActivity

    def _page(self, request, form, activity):
        history = activity.history.select_related("history_user").order_by("-history_date")[:30]
        return _form_page(
            request,
            form,
            title=_("Sửa hoạt động"),
            back=reverse("beneficiaries:activity_list"),
            history=history,
            delete_url=reverse("beneficiaries:activity_delete", args=[activity.pk]),
        )

    def get(self, request, pk):
        activity = self.object_for(pk)
        initial = {name: getattr(activity, name) for name in _ACTIVITY_FIELDS}
        initial["ethnic_counts"] = ethnic_counts_text(activity)
        return self._page(request, ActivityForm(user=request.user, initial=initial), activity)

    def post(self, request, pk):
        activity = self.object_for(pk)
        form = ActivityForm(request.POST, user=request.user)
        if form.is_valid() and run_service(
            form,
            lambda: services.program_activity_update(actor=request.user, activity=activity, **form.service_values()),
        ):
            messages.success(request, _("Đã lưu."))
            return redirect("beneficiaries:activity_list")
        return self._page(request, form, activity)


class ActivityDeleteView(ScopedViewMixin, ObjectMixin, WriterRequiredMixin, View):
    model = ProgramActivity

    def post(self, request, pk):
        services.program_activity_delete(actor=request.user, activity=self.object_for(pk))
        messages.success(request, _("Đã xóa hoạt động."))
        return redirect("beneficiaries:activity_list")


class SummaryView(ScopedViewMixin, TemplateView):
    """The figures the half-year and year reports quote: prestigious persons helped, congresses, pilot models."""

    model = ProgramActivity
    template_name = "beneficiaries/summary.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if user.unit is None:
            raise Http404
        today = clock.today()
        year = budget_year(self.request.GET.get("year")) or today.year
        code = (self.request.GET.get("unit") or "").strip()
        unit = user.unit
        if code:
            versions = scoped_units(user).filter(code=code).order_by(F("valid_from").desc(nulls_last=True))
            unit = versions.valid_in_year(year).first() or versions.first()
            if unit is None:
                raise Http404
        as_of = None
        if self.request.GET.get("as_of"):
            try:
                as_of = datetime.date.fromisoformat(self.request.GET["as_of"])
            except ValueError:
                as_of = None
        context.update(
            {
                "unit": unit,
                "year": year,
                "years": list(BudgetYear.objects.values_list("year", flat=True)),
                "people": selectors.person_support_summary(user=user, unit=unit, year=year, as_of=as_of),
                "activities": selectors.activity_summary(user=user, unit=unit, year=year, as_of=as_of),
                "as_of": as_of,
                "h1_date": datetime.date(year, 6, 30),
            }
        )
        return context


class CaseReviewView(ScopedViewMixin, TemplateView):
    """Every overlap and duplicate case in the user's scope, amounts and rates side by side; province staff
    record their conclusion."""

    model = CaseReview
    template_name = "beneficiaries/review.html"
    paginate_by = 25

    def _filters(self):
        case_type = self.request.GET.get("type")
        status = self.request.GET.get("status")
        return (
            case_type if case_type in CaseType.values else None,
            budget_year(self.request.GET.get("year")),
            {"open": False, "done": True}.get(status),
        )

    def get(self, request, *args, **kwargs):
        if request.GET.get("count") == "open":
            # The dashboard's line "N cases to review": one count over the table of cases.
            count = selectors.open_case_count(user=request.user)
            return render(request, "beneficiaries/partials/open_cases.html", {"open_cases": count})
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        case_type, year, reviewed = self._filters()
        # One page of cases read from the table (beneficiaries/cases.py), its records from the raw rows; the
        # totals cover every case of the filters.
        rows = selectors.case_rows(user=user, case_type=case_type, year=year, reviewed=reviewed)
        totals = selectors.case_totals(rows)
        paginator = Paginator(rows, self.paginate_by)
        paginator.count = totals["count"]  # known: no second count
        page = paginator.get_page(self.request.GET.get("page"))
        found = selectors.materialize(page.object_list, user=user, year=year)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            {
                "cases": found,
                "total_count": totals["count"],
                "open_count": totals["open"],
                "excess_total": totals["excess"],
                "page_obj": page,
                "is_paginated": page.has_other_pages(),
                "query": query,
                "types": CaseType.choices,
                "years": list(BudgetYear.objects.values_list("year", flat=True)),
                "chosen": {"type": case_type or "", "year": year, "status": self.request.GET.get("status", "")},
                "can_review": {c.key for c in found if can_approve(user, c.unit)},
                "form": kwargs.get("form") or ReviewForm(),
                "failed_key": kwargs.get("failed_key"),
            }
        )
        return context

    def post(self, request):
        form = ReviewForm(request.POST)
        if not policy_for(request.user).approves:
            raise PermissionDenied(_("Chỉ Ban Dân tộc tỉnh ghi kết quả rà soát trùng lặp."))
        if not form.is_valid():
            raise Http404
        case = selectors.case_get(user=request.user, key=form.cleaned_data["case"])
        if case is None:
            raise Http404
        if run_service(
            form, lambda: services.case_review_save(actor=request.user, case=case, comment=form.cleaned_data["comment"])
        ):
            messages.success(request, _("Đã ghi kết quả rà soát: %(title)s.") % {"title": case.title})
            return redirect(f"{reverse('beneficiaries:review')}?{request.GET.urlencode()}")
        return render(request, self.template_name, self.get_context_data(form=form, failed_key=case.key))
