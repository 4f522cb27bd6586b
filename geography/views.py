from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import DetailView, View

from accounts.mixins import ScopedViewMixin

from . import selectors
from .models import AdministrativeUnit


class UnitHomeView(LoginRequiredMixin, View):
    """The unit tree starts at the user's own unit."""

    def get(self, request):
        if request.user.unit_id is None:
            raise Http404
        return redirect(request.user.unit.get_absolute_url())


class UnitDetailView(ScopedViewMixin, DetailView):
    model = AdministrativeUnit
    template_name = "geography/unit_detail.html"
    context_object_name = "unit"

    def scope_queryset(self, queryset):
        return queryset.select_related("parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit = self.object
        visible = AdministrativeUnit.objects.for_user(self.request.user)
        context["ancestors"] = visible.filter(path__in=unit.ancestor_paths()[:-1]).order_by("path")
        context["children"] = selectors.unit_children(user=self.request.user, unit=unit)
        context["predecessors"] = visible.filter(successions__successor=unit).order_by("code")
        context["successors"] = visible.filter(predecessions__predecessor=unit).order_by("code")
        return context
