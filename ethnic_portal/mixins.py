"""View pieces shared by the apps' pages: the role gates, and a list narrowed by a FilterSet."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.scope import policy_for


class WriterRequiredMixin:
    """Roles that write no program data (leader, admin) get 403 on entry pages."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not policy_for(request.user).writes:
            raise PermissionDenied(_("Vai trò của bạn chỉ được xem, không được nhập số liệu."))
        return super().dispatch(request, *args, **kwargs)


class ProvinceRequiredMixin:
    """Pages for the province's Ethnic Affairs Committee only (settings of the year, carry-over…)."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (policy_for(user).approves and user.unit and user.unit.level == "province"):
            raise PermissionDenied(_("Chỉ Ban Dân tộc tỉnh dùng được trang này."))
        return super().dispatch(request, *args, **kwargs)


class FilteredListMixin:
    """A list page over a selector, narrowed by a FilterSet; the context has the filters and the query string
    (for page links that keep the filters)."""

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
