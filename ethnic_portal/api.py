"""API plumbing shared by every app: pagination, the mapping of service errors to 400, the write gate, and
fields that refuse in Vietnamese (money, a unit code inside the caller's scope, a project code of the right
phase)."""

import re

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, pagination, permissions, serializers
from rest_framework.authtoken import serializers as authtoken_serializers
from rest_framework.authtoken import views as authtoken_views
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.scope import policy_for
from programs.models import BudgetYear

from . import throttling
from .formatting import MAX_AMOUNT
from .forms import budget_year, scoped_units


class Pagination(pagination.PageNumberPagination):
    """`{"count", "next", "previous", "results"}`; `?page_size=` up to 500 (the contract)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_page_message = gettext_lazy("Không có trang này (page phải là số trang từ 1 đến trang cuối).")


# DRF's own refusals, whose English wording its Vietnamese catalogue lacks: the portal's message for each.
REFUSALS = {
    exceptions.NotAuthenticated: gettext_lazy(
        "Chưa xác thực: gửi kèm tiêu đề “Authorization: Token <mã>” (lấy mã ở /api/v1/auth/token/) hoặc đăng nhập."
    ),
    exceptions.AuthenticationFailed: gettext_lazy(
        "Mã xác thực (token) không hợp lệ hoặc tài khoản đã bị khóa; lấy lại mã ở /api/v1/auth/token/."
    ),
    exceptions.NotAcceptable: gettext_lazy("API chỉ trả lời dạng JSON (Accept: application/json)."),
    exceptions.UnsupportedMediaType: gettext_lazy(
        "Kiểu nội dung này không được hỗ trợ; gửi JSON (Content-Type: application/json)."
    ),
}


# Messages of Django's and DRF's validators that their Vietnamese catalogues lack, by error code: a query filter
# (django-filter's form) or a serializer field reports them with that code.
MESSAGES_BY_CODE = {
    "null_characters_not_allowed": gettext_lazy("Không được chứa ký tự NUL (\\x00)."),
    "surrogate_characters_not_allowed": gettext_lazy("Chứa ký tự Unicode không hợp lệ (nửa cặp surrogate)."),
}


def _translate_codes(detail):
    if isinstance(detail, dict):
        return {key: _translate_codes(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_translate_codes(item) for item in detail]
    if isinstance(detail, exceptions.ErrorDetail) and detail.code in MESSAGES_BY_CODE:
        return exceptions.ErrorDetail(str(MESSAGES_BY_CODE[detail.code]), code=detail.code)
    return detail


def _in_vietnamese(exc) -> None:
    """Puts the portal's Vietnamese message on DRF's own refusal (status, headers and Retry-After stay)."""
    if isinstance(exc, exceptions.ValidationError):
        exc.detail = _translate_codes(exc.detail)
        return
    if isinstance(exc, exceptions.Throttled):
        seconds = exc.wait if exc.wait is not None else 60
        message = _("Quá nhiều yêu cầu trong thời gian ngắn; hãy thử lại sau %(seconds)s giây.") % {"seconds": seconds}
        exc.detail = exceptions.ErrorDetail(message, code="throttled")
        return
    for kind, message in REFUSALS.items():
        if isinstance(exc, kind):
            exc.detail = exceptions.ErrorDetail(str(message), code=exc.default_code)
            return


def exception_handler(exc, context):
    """Services raise Django's ValidationError / PermissionDenied; the API answers 400 / 403.

    A ValidationError with a field dict becomes `{"field": ["message"]}`; one without fields
    becomes `{"non_field_errors": [...]}`, as the contract says. DRF's own refusals (401, 406, 415, 429) get a
    Vietnamese `detail`.
    """
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, exceptions.ParseError):
        exc = exceptions.ParseError(_("Nội dung gửi lên không phải JSON hợp lệ."))
    _in_vietnamese(exc)
    return drf_exception_handler(exc, context)


class ReferencePagination(Pagination):
    """Reference lists (54 ethnic groups, 10 projects) fit on one page."""

    page_size = 100


# --- Fields with Vietnamese refusals ------------------------------------------------------------------
# DRF's Vietnamese catalogue lacks most field messages ("A valid integer is required."): the contract wants
# every refusal in Vietnamese, so the portal's fields carry their own.
FIELD_ERRORS = {
    "required": gettext_lazy("Trường này là bắt buộc."),
    "null": gettext_lazy("Trường này không được bỏ trống."),
    "blank": gettext_lazy("Trường này không được bỏ trống."),
    "max_length": gettext_lazy("Không được dài quá {max_length} ký tự."),
    "min_length": gettext_lazy("Phải có ít nhất {min_length} ký tự."),
    "max_string_length": gettext_lazy("Giá trị quá dài."),
    "min_value": gettext_lazy("Phải lớn hơn hoặc bằng {min_value}."),
    "max_value": gettext_lazy("Phải nhỏ hơn hoặc bằng {max_value}."),
    "invalid_choice": gettext_lazy("“{input}” không phải là một lựa chọn hợp lệ."),
    "datetime": gettext_lazy("Phải là ngày (YYYY-MM-DD), không kèm giờ."),
}
INVALID_BY_TYPE = {
    serializers.IntegerField: gettext_lazy("Phải là số nguyên."),
    serializers.CharField: gettext_lazy("Phải là chuỗi ký tự."),
}


def field_errors(field_class=None, **messages) -> dict:
    errors = dict(FIELD_ERRORS)
    for kind, invalid in INVALID_BY_TYPE.items():
        if field_class is not None and issubclass(field_class, kind):
            errors["invalid"] = invalid
    errors.update(messages)
    return errors


class VietnameseErrorsMixin:
    """Vietnamese messages on the fields the ModelSerializer builds from the model, and on the body itself."""

    default_error_messages = {
        "invalid": gettext_lazy("Dữ liệu gửi lên phải là một đối tượng JSON {{…}}, không phải {datatype}.")
    }

    def build_field(self, *args, **kwargs):
        field_class, field_kwargs = super().build_field(*args, **kwargs)
        field_kwargs["error_messages"] = {**field_errors(field_class), **field_kwargs.get("error_messages", {})}
        return field_class, field_kwargs


class WritesProgramData(permissions.BasePermission):
    """Roles that write no program data (leader, admin) read; every write answers 403 before anything else."""

    message = gettext_lazy("Vai trò của bạn chỉ được xem, không được nhập số liệu.")

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or policy_for(request.user).writes


class MoneyField(serializers.IntegerField):
    """Whole đồng as a JSON number (a string of digits also passes). `1.5`, `"1.000"`, `true` are refused:
    DRF's IntegerField would read `"1.000"` as 1 đồng."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "error_messages",
            field_errors(
                invalid=gettext_lazy("Số tiền phải là số nguyên đồng."),
                min_value=gettext_lazy("Số tiền phải lớn hơn 0."),
                max_value=gettext_lazy("Số tiền quá lớn."),
            ),
        )
        super().__init__(min_value=1, max_value=MAX_AMOUNT, **kwargs)

    def to_internal_value(self, data):
        number = None
        if isinstance(data, bool):
            pass
        elif isinstance(data, int):
            number = data
        elif isinstance(data, float) and data.is_integer():
            number = int(data)
        elif isinstance(data, str) and re.fullmatch(r"\d{1,30}", data.strip()):
            number = int(data.strip())
        if number is None:
            self.fail("invalid")
        return number


def _year_in(data, instance) -> int | None:
    """The budget year a body speaks of (the posted one, else the row's): codes are resolved for it."""
    year = data.get("origin_year") if isinstance(data, dict) else None
    year = year if year is not None else (data.get("year") if isinstance(data, dict) else None)
    if year is None and instance is not None:
        year = getattr(instance, "origin_year", None)
    return budget_year(year)


class ScopedUnitField(serializers.SlugRelatedField):
    """A unit code inside the caller's scope; another unit's code, or the province above a district, "does not exist".

    A code that names several versions of a unit (the 2025 reform reused codes) means the version that
    exists in the body's year.
    """

    default_error_messages = {
        "does_not_exist": gettext_lazy("Không có đơn vị mã “{value}” trong địa bàn của bạn."),
        "invalid": gettext_lazy("Mã đơn vị không hợp lệ."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", field_errors())
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self):
        return scoped_units(self.context["request"].user)

    def to_internal_value(self, data):
        # A NUL cannot be in a code, and PostgreSQL refuses it in a query (a 500): "invalid" before looking.
        if isinstance(data, bool) or not isinstance(data, str | int) or "\x00" in str(data):
            self.fail("invalid")
        code = str(data).strip()
        versions = self.get_queryset().filter(code=code).order_by(F("valid_from").desc(nulls_last=True))
        parent = self.parent
        data_year = parent.initial_data.get("year") if isinstance(getattr(parent, "initial_data", None), dict) else None
        # Households and persons have no year: their unit is the version that exists now, else the latest.
        year = budget_year(data_year) or budget_year(getattr(parent.instance, "year", None))
        unit = (versions.valid_in_year(year).first() if year else None) or versions.first()
        if unit is None:
            self.fail("does_not_exist", value=code)
        return unit


class ProgramCodeField(serializers.SlugRelatedField):
    """A project or sub-project code. Codes are unique within a phase of the Program only (a later phase may
    reuse DA1…): the row of the phase whose structure applies to the body's origin year is meant."""

    def __init__(self, *, program_lookup, **kwargs):
        self.program_lookup = program_lookup
        super().__init__(slug_field="code", **kwargs)

    def to_internal_value(self, data):
        # A NUL cannot be in a code, and PostgreSQL refuses it in a query (a 500): "invalid" before looking.
        if isinstance(data, bool) or not isinstance(data, str | int) or "\x00" in str(data):
            self.fail("invalid")
        code = str(data).strip()
        rows = list(self.get_queryset().filter(code=code).order_by("pk")[:10])
        if not rows:
            self.fail("does_not_exist", value=code)
        if len(rows) > 1:
            parent = self.parent
            year = _year_in(getattr(parent, "initial_data", None), parent.instance)
            program = BudgetYear.objects.filter(year=year).values_list("program_id", flat=True).first()
            in_phase = [row for row in rows if self._program_of(row) == program]
            rows = in_phase or rows
        return rows[0]

    def _program_of(self, row):
        for name in self.program_lookup.split("__"):
            row = getattr(row, name)
        return row


class AuthTokenSerializer(VietnameseErrorsMixin, authtoken_serializers.AuthTokenSerializer):
    """DRF's `{"username", "password"}` with the portal's Vietnamese refusals (a number, a list, a NUL…)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages.update(field_errors(serializers.CharField))


class ObtainAuthToken(authtoken_views.ObtainAuthToken):
    """DRF's token endpoint, with django-axes' lockout: axes flags the request it is given, which here is DRF's
    wrapper; the flag is copied to Django's request so that AxesMiddleware answers the lockout (429, JSON)."""

    serializer_class = AuthTokenSerializer
    # DRF's view turns throttling off; the portal counts it as any anonymous request, and at its own stricter
    # rate per address (DEFAULT_THROTTLE_RATES["auth_token"]).
    throttle_classes = [throttling.AnonRateThrottle, throttling.UserRateThrottle, throttling.ScopedRateThrottle]
    throttle_scope = "auth_token"

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        finally:
            if request.__dict__.get("axes_locked_out"):
                request._request.axes_locked_out = True
                request._request.axes_credentials = request.__dict__.get("axes_credentials")
