from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from accounts.scope import can_manage_reference_data
from disbursement import selectors as ledger_selectors
from geography import selectors as geography_selectors
from programs import selectors as program_selectors

from . import clock, health, page_cache
from .dashboard import dashboard


class HomeView(LoginRequiredMixin, TemplateView):
    """The start page of each role: who you are, where, what you can do, the units you look after."""

    def get(self, request, *args, **kwargs):
        # The figures are live: the cache's key holds the data version (ethnic_portal/page_cache.py).
        return page_cache.page(request, "home", lambda: super(HomeView, self).get(request, *args, **kwargs))

    def get_template_names(self):
        role = self.request.user.role or "commune"
        return [f"home/{role}.html", "home/base_home.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        context["budget_year"] = program_selectors.current_budget_year(today=today)
        if user.unit_id:
            on = geography_selectors.summary_date(user.unit, today)
            context["summary"] = geography_selectors.scope_summary(user=user, on=on)
            context["unit_ancestors"] = user.unit.ancestors()
        policy = user.policy
        if policy.reads_program_data and (user.unit_id or policy.nationwide):
            context["dash"] = dashboard(user=user, today=clock.today())
        if policy.reads_program_data:
            dash = context.get("dash")
            context["latest_year"] = (dash["year"] if dash else ledger_selectors.latest_year(user=user)) or today.year
        if policy.approves:  # the dashboard has counted them already
            dash = context.get("dash") or {}
            context["pending"] = dash.get("pending_count", None)
            if context["pending"] is None:
                context["pending"] = ledger_selectors.pending_submissions(user=user).count()
        return context


@never_cache
def health_view(request):
    """Liveness for load balancers and compose: the database answers. Says nothing else."""
    ok, _detail = health.check_database()
    return JsonResponse({"status": "ok" if ok else "error"}, status=200 if ok else 503)


class SystemStatusView(LoginRequiredMixin, TemplateView):
    """Database, cache and Celery worker, for the system administrator."""

    template_name = "system_status.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_manage_reference_data(request.user):
            raise PermissionDenied(_("Chỉ quản trị hệ thống xem được trang này."))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["checks"] = [
            (_("Cơ sở dữ liệu"), *health.check_database()),
            (_("Bộ nhớ đệm"), *health.check_cache()),
            (_("Hàng đợi tác vụ (Celery)"), *health.check_worker()),
        ]
        return context


def page_not_found(request, exception):
    """The 404 answer (handler404) for an address no route matches: JSON with a Vietnamese message for the API
    (an id that is not a number, a code with a dot), the 404 page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Không tìm thấy địa chỉ này trong API.")}, status=404)
    from django.views.defaults import page_not_found as django_page_not_found

    return django_page_not_found(request, exception)


def server_error(request):
    """The 500 answer (handler500): no traceback ever; JSON with a Vietnamese message for the API."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": _("Lỗi hệ thống khi xử lý yêu cầu. Dữ liệu không bị thay đổi; hãy thử lại sau ít phút.")},
            status=500,
        )
    from django.views.defaults import server_error as django_server_error

    return django_server_error(request)
