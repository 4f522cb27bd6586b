from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, View

from .forms import LoginForm, PortalPasswordChangeForm, UserCreateForm
from .models import User
from .scope import can_manage_users
from .services import portal_user_create, portal_user_set_active


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login: the lockout page, or JSON for the API's token endpoint."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    message = _("Tài khoản này đã nhập sai mật khẩu quá nhiều lần từ máy này. Hãy thử lại sau %(minutes)s phút.") % {
        "minutes": minutes
    }
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, settings.AXES_LOCKOUT_TEMPLATE, {"message": message}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = PortalPasswordChangeForm
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class UserManagerMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_manage_users(request.user):
            raise PermissionDenied(_("Vai trò của bạn không quản lý tài khoản."))
        return super().dispatch(request, *args, **kwargs)


class UserListView(UserManagerMixin, ListView):
    template_name = "accounts/user_list.html"
    context_object_name = "users"
    paginate_by = 50

    def get_queryset(self):
        return User.objects.for_user(self.request.user).select_related("unit").order_by("unit__path", "username")


class UserCreateView(UserManagerMixin, FormView):
    template_name = "accounts/user_form.html"
    form_class = UserCreateForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["actor"] = self.request.user
        # Accounts live in real time, not in a backfill's day (clock.as_of): the units that exist today.
        kwargs["today"] = timezone.localdate()
        return kwargs

    def form_valid(self, form):
        try:
            user = portal_user_create(actor=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Đã tạo tài khoản %(username)s.") % {"username": user.username})
        return redirect("accounts:user_list")


class UserSetActiveView(UserManagerMixin, View):
    active = False

    def post(self, request, pk):
        target = get_object_or_404(User.objects.for_user(request.user), pk=pk)
        try:
            portal_user_set_active(actor=request.user, user=target, active=self.active)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            text = _("Đã mở khóa tài khoản %(username)s.") if self.active else _("Đã khóa tài khoản %(username)s.")
            messages.success(request, text % {"username": target.username})
        return redirect("accounts:user_list")
