"""The personal-data access log (Decree 13/2023/NĐ-CP), for province staff and administrators: every view of a
person's or household's record, every search by citizen ID number and every export of people made by the users
of their scope. Read only: the log is append-only (models/access.py)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.views.generic import ListView

from accounts.mixins import ScopedViewMixin
from accounts.scope import can_read_access_log
from ethnic_portal.mixins import FilteredListMixin

from ..filters import AccessLogFilterSet
from ..models import PersonalDataAccess


class AccessLogReaderRequiredMixin:
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_read_access_log(request.user):
            raise PermissionDenied(
                _("Chỉ Ban Dân tộc tỉnh và quản trị hệ thống xem được nhật ký truy cập dữ liệu cá nhân.")
            )
        return super().dispatch(request, *args, **kwargs)


class AccessLogView(AccessLogReaderRequiredMixin, FilteredListMixin, ScopedViewMixin, ListView):
    model = PersonalDataAccess
    template_name = "beneficiaries/access_log.html"
    context_object_name = "entries"
    filterset_class = AccessLogFilterSet
    ordering = ("-at", "-pk")
    paginate_by = 100

    def base_queryset(self):
        return PersonalDataAccess.objects.for_user(self.request.user).select_related("unit", "user")
