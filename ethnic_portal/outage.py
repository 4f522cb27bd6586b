"""The database gone away (restarted, stopped, unreachable): a clean 503 instead of a 500 page.

`DatabaseUnavailableMiddleware` answers every request that failed on a lost database connection with
`templates/503.html` (a page that needs no database) or, under /api/, `{"detail": "…"}`, both with status 503
and `Retry-After`. It catches the error where Django lets it:

- raised by a view (or while its template renders): `process_exception`;
- raised by another middleware (the session saved on the way out, a header that asks whether the user is
  logged in): Django has already turned it into a 500 response by then, so the `got_request_exception`
  signal marks the request and the middleware, placed near the top of MIDDLEWARE, swaps that 500 for the 503.

Each failed request is logged once, one line without a traceback (the error says all there is to say). Once the
database is back, the next request reconnects by itself (`conn_health_checks` in settings): nothing to restart.
"""

from __future__ import annotations

import logging
import sys

from django.contrib.auth.models import AnonymousUser
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

logger = logging.getLogger("ethnic_portal.outage")

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
MARK = "_database_unavailable"


def database_error(exc: BaseException | None) -> BaseException | None:
    """The lost-connection error in `exc` or its causes (a library may wrap Django's), else None."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, DATABASE_ERRORS):
            return exc
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def unavailable_response(request) -> HttpResponse:
    message = _(
        "Hệ thống tạm thời không kết nối được cơ sở dữ liệu. Dữ liệu của bạn không bị thay đổi; "
        "vui lòng thử lại sau ít phút."
    )
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        # Rendered without the request: the context processors would ask the database who the user is.
        response = HttpResponse(loader.render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _spare_the_database(request) -> None:
    """The rest of the answer's way out must not ask the database again: not who is logged in (a header middleware
    asks), not the session (SessionMiddleware reads its expiry before deciding not to save it on a 5xx). The session
    is left as it is in the database and in the cookie, so the user is still signed in once the database is back."""
    request.user = AnonymousUser()
    session = getattr(request, "session", None)
    if session is not None and not hasattr(session, "_session_cache"):
        session._session_cache = {}  # SessionBase's load-once cache: "loaded, nothing in it" for this answer only


def _mark(sender, request=None, **kwargs):
    error = database_error(sys.exc_info()[1])
    if request is not None and error is not None:
        setattr(request, MARK, error)


got_request_exception.connect(_mark, dispatch_uid="ethnic_portal.outage.mark")


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        error = getattr(request, MARK, None)
        if error is not None and response.status_code >= 500:
            # Django logged this failure already (as a server error); the answer only changes its face.
            _spare_the_database(request)
            response = unavailable_response(request)
            response._has_been_logged = True
        return response

    def process_exception(self, request, exception):
        error = database_error(exception)
        if error is None:
            return None
        logger.warning(
            "database unavailable: %s %s answered 503 (%s: %s)",
            request.method,
            request.path,
            type(error).__name__,
            str(error).strip().splitlines()[0] if str(error).strip() else "",
        )
        _spare_the_database(request)
        response = unavailable_response(request)
        response._has_been_logged = True  # the line above is this failure's one log entry (not django.request's too)
        return response
