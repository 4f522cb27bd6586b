"""Pieces shared by the beneficiaries' pages."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404

from accounts.scope import policy_for
from disbursement.views import ProvinceRequiredMixin, WriterRequiredMixin  # noqa: F401 - the house's role gates
from ethnic_portal.forms import apply_service_errors


def run_service(form, action):
    """Run a service from a valid form; put its ValidationError back on the form. Returns the result or None."""
    try:
        return action()
    except ValidationError as error:
        apply_service_errors(form, error)
        return None


class FilteredListMixin:
    """A list page over a selector, narrowed by a FilterSet; the context has the filters and the query string."""

    filterset_class = None
    ordering: tuple = ("pk",)
    paginate_by = 50

    def base_queryset(self):
        raise NotImplementedError

    def scope_queryset(self, queryset):
        self.filterset = self.filterset_class(self.request.GET or None, queryset=self.base_queryset())
        return self.filterset.qs.order_by(*self.ordering)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filterset"] = self.filterset
        context["filtered"] = self.filterset.qs
        context["can_write"] = policy_for(self.request.user).writes
        context["query"] = self.request.GET.copy()
        context["query"].pop("page", None)
        return context


class ObjectMixin:
    """`self.object_for(pk)`: the row among those the user may see, or 404."""

    def object_for(self, pk):
        return get_object_or_404(self.get_queryset(), pk=pk)
