"""Pages about prestigious persons: the list with counts, a person's page with the whole support history,
entry forms, training courses, and the Tết season the province sets."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView

from accounts.mixins import ScopedViewMixin
from accounts.scope import can_write, policy_for
from ethnic_portal import clock
from ethnic_portal.export_views import ExportView
from ethnic_portal.forms import budget_year, run_service
from ethnic_portal.mixins import FilteredListMixin, ProvinceRequiredMixin, WriterRequiredMixin
from programs.models import BudgetYear

from .. import selectors, services
from ..choices import PersonStatus, SupportKind
from ..excel import exports
from ..filters import PersonFilterSet, SupportActivityFilterSet
from ..forms import ParticipantsForm, PersonForm, SupportActivityForm, TetSeasonForm, TrainingCourseForm
from ..models import (
    AccessAction,
    AccessSubject,
    PrestigiousPerson,
    SupportActivity,
    SupportNorm,
    TetSeason,
    TrainingCourse,
)
from .common import ObjectMixin

FORM_TEMPLATE = "beneficiaries/form.html"


def _form_page(request, form, *, title, back, status=200, **extra):
    return render(request, FORM_TEMPLATE, {"form": form, "title": title, "back": back, **extra}, status=status)


# --- Persons -----------------------------------------------------------------------------------------


class PersonListView(FilteredListMixin, ScopedViewMixin, ListView):
    model = PrestigiousPerson
    template_name = "beneficiaries/person_list.html"
    context_object_name = "persons"
    filterset_class = PersonFilterSet
    ordering = exports.PERSON_ORDERING

    def base_queryset(self):
        return selectors.person_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = self.filterset.qs
        context["by_ethnic_group"] = selectors.counts_by_ethnic_group(rows)[:12]
        context["by_commune"] = selectors.counts_by_commune(rows, limit=12)
        context["by_status"] = selectors.counts_by(rows, "status", PersonStatus.choices)
        return context


class PersonExportView(ExportView):
    """The filtered list of prestigious persons as an Excel file: the user's scope, logged with its count."""

    model = PrestigiousPerson
    spec = exports.PERSONS


class PersonDetailView(ScopedViewMixin, DetailView):
    model = PrestigiousPerson
    template_name = "beneficiaries/person_detail.html"
    context_object_name = "person"

    def scope_queryset(self, queryset):
        return selectors.person_list(user=self.request.user)

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        person = self.object
        # Every rendering of the record page (also after a refused support entry) is a view of personal data.
        services.record_access(request=self.request, action=AccessAction.VIEW, subject=AccessSubject.PERSON, obj=person)
        today = clock.today()
        regime = services.regime_on(today)
        visible_courses = set(TrainingCourse.objects.for_user(self.request.user).values_list("pk", flat=True))
        context.update(
            {
                "supports": person.supports.select_related("regime", "training_course").order_by("-date", "-pk"),
                "visible_courses": visible_courses,
                "history": person.history.select_related("history_user").order_by("-history_date")[:50],
                "support_history": SupportActivity.history.filter(person_id=person.pk)
                .select_related("history_user")
                .order_by("-history_date")[:100],
                "can_write": can_write(self.request.user, person.unit),
                "form": form or SupportActivityForm(initial={"date": today, "kind": SupportKind.TET_VISIT}),
                "regime": regime,
                "norms": SupportNorm.objects.filter(regime=regime).order_by("kind", "variant") if regime else [],
            }
        )
        return context


def _person_values(form) -> dict:
    return dict(form.cleaned_data)


class PersonCreateView(ScopedViewMixin, WriterRequiredMixin, View):
    model = PrestigiousPerson

    def get(self, request):
        year = clock.today().year
        form = PersonForm(
            user=request.user, initial={"term_start": year, "term_end": year + 4, "status": PersonStatus.ACTIVE}
        )
        return _form_page(request, form, title=_("Thêm người có uy tín"), back=reverse("beneficiaries:person_list"))

    def post(self, request):
        form = PersonForm(request.POST, user=request.user)
        if form.is_valid():
            person = run_service(form, lambda: services.person_create(actor=request.user, **_person_values(form)))
            if person:
                messages.success(request, _("Đã thêm người có uy tín %(name)s.") % {"name": person.full_name})
                return redirect(person)
        return _form_page(request, form, title=_("Thêm người có uy tín"), back=reverse("beneficiaries:person_list"))


class PersonUpdateView(ScopedViewMixin, ObjectMixin, WriterRequiredMixin, View):
    model = PrestigiousPerson

    def get(self, request, pk):
        person = self.object_for(pk)
        services.record_access(request=request, action=AccessAction.VIEW, subject=AccessSubject.PERSON, obj=person)
        initial = {name: getattr(person, name) for name in services.persons.PERSON_FIELDS}
        form = PersonForm(user=request.user, instance=person, initial=initial)
        return _form_page(
            request, form, title=_("Sửa: %(name)s") % {"name": person.full_name}, back=person.get_absolute_url()
        )

    def post(self, request, pk):
        person = self.object_for(pk)
        form = PersonForm(request.POST, user=request.user, instance=person)
        if form.is_valid() and run_service(
            form, lambda: services.person_update(actor=request.user, person=person, **_person_values(form))
        ):
            messages.success(request, _("Đã lưu."))
            return redirect(person)
        return _form_page(
            request, form, title=_("Sửa: %(name)s") % {"name": person.full_name}, back=person.get_absolute_url()
        )


class PersonDeleteView(ScopedViewMixin, ObjectMixin, WriterRequiredMixin, View):
    model = PrestigiousPerson

    def post(self, request, pk):
        person = self.object_for(pk)
        try:
            services.person_delete(actor=request.user, person=person)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(person)
        messages.success(request, _("Đã xóa %(name)s.") % {"name": person.full_name})
        return redirect("beneficiaries:person_list")


class SupportCreateView(ScopedViewMixin, ObjectMixin, WriterRequiredMixin, View):
    """Record a support from the person's page; a refusal shows the page again with the reasons on the form."""

    model = PrestigiousPerson

    def post(self, request, pk):
        person = self.object_for(pk)
        form = SupportActivityForm(request.POST)
        if form.is_valid() and run_service(
            form, lambda: services.support_activity_create(actor=request.user, person=person, **form.cleaned_data)
        ):
            messages.success(request, _("Đã ghi hỗ trợ."))
            return redirect(person)
        view = PersonDetailView()
        view.setup(request, pk=pk)
        view.object = view.get_object()
        return render(request, PersonDetailView.template_name, view.get_context_data(object=view.object, form=form))


# --- Support activities ------------------------------------------------------------------------------


class SupportListView(FilteredListMixin, ScopedViewMixin, ListView):
    model = SupportActivity
    template_name = "beneficiaries/support_list.html"
    context_object_name = "supports"
    filterset_class = SupportActivityFilterSet
    ordering = ("-date", "-pk")

    def base_queryset(self):
        return selectors.support_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = self.filterset.qs
        context["by_kind"] = selectors.counts_by(rows, "kind", SupportKind.choices)
        context["by_funder"] = selectors.counts_by(
            rows, "funded_by", SupportActivity._meta.get_field("funded_by").choices
        )
        context["total"] = selectors.amount_total(rows)
        context["persons"] = rows.values("person").distinct().count()
        return context


_SUPPORT_FORM_FIELDS = [
    "kind",
    "date",
    "funded_by",
    "amount",
    "hospital_level",
    "condolence_for",
    "over_ceiling_reason",
    "note",
]


class SupportUpdateView(ScopedViewMixin, ObjectMixin, WriterRequiredMixin, View):
    model = SupportActivity

    def _page(self, request, form, support):
        return _form_page(
            request,
            form,
            title=_("Sửa hỗ trợ: %(name)s") % {"name": support.person.full_name},
            back=support.person.get_absolute_url(),
        )

    def get(self, request, pk):
        support = self.object_for(pk)
        if support.kind == SupportKind.TRAINING:
            raise Http404
        form = SupportActivityForm(initial={name: getattr(support, name) for name in _SUPPORT_FORM_FIELDS})
        return self._page(request, form, support)

    def post(self, request, pk):
        support = self.object_for(pk)
        if support.kind == SupportKind.TRAINING:
            raise Http404
        form = SupportActivityForm(request.POST)
        if form.is_valid() and run_service(
            form, lambda: services.support_activity_update(actor=request.user, support=support, **form.cleaned_data)
        ):
            messages.success(request, _("Đã lưu."))
            return redirect(support.person)
        return self._page(request, form, support)


class SupportDeleteView(ScopedViewMixin, ObjectMixin, WriterRequiredMixin, View):
    model = SupportActivity

    def post(self, request, pk):
        support = self.object_for(pk)
        services.support_activity_delete(actor=request.user, support=support)
        messages.success(request, _("Đã xóa khoản hỗ trợ."))
        return redirect(support.person)


# --- Training courses --------------------------------------------------------------------------------


class CourseListView(ScopedViewMixin, ListView):
    model = TrainingCourse
    template_name = "beneficiaries/course_list.html"
    context_object_name = "courses"
    paginate_by = 50

    def scope_queryset(self, queryset):
        courses = selectors.course_list(user=self.request.user)
        self.year = budget_year(self.request.GET.get("year"))
        if self.year:
            courses = courses.filter(start_date__year=self.year)
        return courses.order_by("-start_date", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["year"] = self.year
        context["years"] = list(BudgetYear.objects.values_list("year", flat=True))
        context["can_write"] = policy_for(self.request.user).writes
        return context


class CourseDetailView(ScopedViewMixin, DetailView):
    model = TrainingCourse
    template_name = "beneficiaries/course_detail.html"
    context_object_name = "course"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        course = self.object
        user = self.request.user
        context["attendances"] = (
            SupportActivity.objects.for_user(user)
            .filter(training_course=course)
            .select_related("person", "person__unit", "person__ethnic_group")
            .order_by("person__unit__path", "person__name_key")
        )
        context["can_write"] = can_write(user, course.unit)
        if context["can_write"]:
            context["form"] = form or ParticipantsForm(user=user, course=course)
        context["history"] = course.history.select_related("history_user").order_by("-history_date")[:20]
        return context


class CourseCreateView(ScopedViewMixin, WriterRequiredMixin, View):
    model = TrainingCourse

    def get(self, request):
        form = TrainingCourseForm(user=request.user, initial={"unit": request.user.unit_id})
        return _form_page(request, form, title=_("Thêm lớp tập huấn"), back=reverse("beneficiaries:course_list"))

    def post(self, request):
        form = TrainingCourseForm(request.POST, user=request.user)
        if form.is_valid():
            course = run_service(form, lambda: services.training_course_create(actor=request.user, **form.cleaned_data))
            if course:
                messages.success(request, _("Đã thêm lớp tập huấn; chọn học viên bên dưới."))
                return redirect(course)
        return _form_page(request, form, title=_("Thêm lớp tập huấn"), back=reverse("beneficiaries:course_list"))


class CourseUpdateView(ScopedViewMixin, ObjectMixin, WriterRequiredMixin, View):
    model = TrainingCourse

    def get(self, request, pk):
        course = self.object_for(pk)
        initial = {name: getattr(course, name) for name in services.persons.COURSE_FIELDS}
        form = TrainingCourseForm(user=request.user, initial=initial)
        return _form_page(request, form, title=_("Sửa lớp tập huấn"), back=course.get_absolute_url())

    def post(self, request, pk):
        course = self.object_for(pk)
        form = TrainingCourseForm(request.POST, user=request.user)
        if form.is_valid() and run_service(
            form, lambda: services.training_course_update(actor=request.user, course=course, **form.cleaned_data)
        ):
            messages.success(request, _("Đã lưu."))
            return redirect(course)
        return _form_page(request, form, title=_("Sửa lớp tập huấn"), back=course.get_absolute_url())


class CourseParticipantsView(ScopedViewMixin, ObjectMixin, WriterRequiredMixin, View):
    model = TrainingCourse

    def post(self, request, pk):
        course = self.object_for(pk)
        form = ParticipantsForm(request.POST, user=request.user, course=course)
        if form.is_valid():
            created = run_service(
                form,
                lambda: services.training_course_add_participants(
                    actor=request.user,
                    course=course,
                    persons=list(form.cleaned_data["persons"]),
                    amount=form.cleaned_data["amount"],
                ),
            )
            if created is not None:
                messages.success(request, _("Đã thêm %(n)s học viên.") % {"n": len(created)})
                return redirect(course)
        view = CourseDetailView()
        view.setup(request, pk=pk)
        view.object = view.get_object()
        return render(request, CourseDetailView.template_name, view.get_context_data(object=view.object, form=form))


# --- The Tết season (province) ------------------------------------------------------------------------


class TetSeasonView(ScopedViewMixin, ProvinceRequiredMixin, View):
    """The province sets, year by year, when Tết visits may be dated."""

    model = TetSeason
    template_name = "beneficiaries/tet_season.html"

    def _year(self, data) -> int:
        year = budget_year(data.get("year") or clock.today().year)
        if year is None:
            raise Http404(_("Năm này không thuộc Chương trình."))
        return year

    def _context(self, request, year, form=None):
        season = services.tet_season(request.user.unit, year)
        if form is None:
            initial = {}
            if season is not None:
                initial = {
                    f: getattr(season, f) for f in ["start", "end", "festival_name", "festival_start", "festival_end"]
                }
            form = TetSeasonForm(initial=initial)
        return {
            "form": form,
            "year": year,
            "years": list(BudgetYear.objects.values_list("year", flat=True)),
            "season": season,
            "saved": season is not None and season.pk is not None,
        }

    def get(self, request):
        year = self._year(request.GET)
        return render(request, self.template_name, self._context(request, year))

    def post(self, request):
        year = self._year(request.POST)
        form = TetSeasonForm(request.POST)
        if form.is_valid() and run_service(
            form,
            lambda: services.tet_season_save(
                actor=request.user, province=request.user.unit, year=year, **form.cleaned_data
            ),
        ):
            messages.success(request, _("Đã lưu mùa Tết năm %(year)s.") % {"year": year})
            return redirect(f"{reverse('beneficiaries:tet_season')}?year={year}")
        return render(request, self.template_name, self._context(request, year, form))
