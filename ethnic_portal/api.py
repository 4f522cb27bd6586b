"""API plumbing shared by every app: pagination and the mapping of service errors to 400."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(pagination.PageNumberPagination):
    """`{"count", "next", "previous", "results"}`; `?page_size=` up to 500 (the contract)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc, context):
    """Services raise Django's ValidationError / PermissionDenied; the API answers 400 / 403.

    A ValidationError with a field dict becomes `{"field": ["message"]}`; one without fields
    becomes `{"non_field_errors": [...]}`, as the contract says.
    """
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, exceptions.ParseError):
        exc = exceptions.ParseError(_("Nội dung gửi lên không phải JSON hợp lệ."))
    return drf_exception_handler(exc, context)


class ReferencePagination(Pagination):
    """Reference lists (54 ethnic groups, 10 projects) fit on one page."""

    page_size = 100
