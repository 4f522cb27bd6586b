"""A cache of the pages everyone reloads (the dashboards, `progress/`), kept live by the data version.

A page is stored under a key made of everything it depends on — the address and its query, the user (every field
but the password and the last login, so a new role or unit is a new key), the language, the day, the CSRF secret
whose token the page's forms carry, the code that drew it — together with the data version it was drawn at
(ethnic_portal/versions.py), which grows after every committed change to program data. It is served only while
the version is still that one: a posted disbursement retires every stored page at once, the next read computes
the figures anew from the live summaries and replaces the entry (one entry per page and session, however often
the data changes), and a repeated read costs a version read and a cache read instead of a dashboard's twenty-odd
queries and its template.

Nothing is stored for a user with messages waiting (the page would show them again), for an answer other than
200, or when PAGE_CACHE_SECONDS is 0 (the test settings: tests that write then read run inside one transaction,
which never commits, so the version would not move; tests/ethnic_portal/test_page_cache.py turns it on and
commits for real). Entries expire after PAGE_CACHE_SECONDS. With CACHE_URL unset the cache is each process's
own memory: still correct (the version is in the database), only less shared.
"""

from __future__ import annotations

import hashlib
import logging
import os
import zlib
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

from . import clock, versions

logger = logging.getLogger("ethnic_portal.page_cache")
KEY_PREFIX = "page:v2:"
_SKIPPED_USER_FIELDS = {"password", "last_login"}
_CODE_DIRS = ("templates", "locale", "static", "ethnic_portal", "accounts", "geography", "programs", "disbursement",
              "beneficiaries", "reports")  # fmt: skip
_CODE_SUFFIXES = (".py", ".html", ".mo", ".txt", ".js", ".css")


def timeout() -> int:
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 0) or 0)


@lru_cache(maxsize=1)
def code_stamp() -> str:
    """A fingerprint of the code and templates this process runs (names, sizes, modification times): a page
    drawn by an earlier release is never served by a later one."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for folder in _CODE_DIRS:
        for root, dirs, files in os.walk(base / folder):
            dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", "tests"))
            for name in sorted(files):
                if name.endswith(_CODE_SUFFIXES):
                    stat = os.stat(os.path.join(root, name))
                    digest.update(f"{root}/{name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    # The static files' hashed names the pages link to (a release may keep the files' modification times).
    manifest = Path(settings.STATIC_ROOT or base / "staticfiles") / "staticfiles.json"
    if manifest.is_file():
        digest.update(manifest.read_bytes())
    return digest.hexdigest()[:16]


def _user_stamp(user) -> tuple:
    return tuple(
        getattr(user, field.attname) for field in user._meta.concrete_fields if field.name not in _SKIPPED_USER_FIELDS
    )


def _messages_waiting(request) -> bool:
    if request.COOKIES.get(getattr(settings, "MESSAGE_COOKIE_NAME", "messages")):
        return True
    session = getattr(request, "session", None)
    return session is not None and "_messages" in session


def cache_key(request, kind: str, *, with_csrf: bool) -> str | None:
    """The key of this request's page (everything it depends on but the data version, which is stored with the
    page), or None when it must not be cached."""
    if timeout() <= 0 or request.method not in ("GET", "HEAD"):
        return None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or _messages_waiting(request):
        return None
    csrf = ""
    if with_csrf:
        # The secret the page's tokens are made from, as CsrfViewMiddleware read it (a malformed cookie has been
        # replaced by a new secret then, and the page must be drawn to send it).
        csrf = request.META.get("CSRF_COOKIE") or ""
        if not csrf or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            return None
    parts = (
        kind,
        request.path,
        sorted(request.GET.lists()),
        get_language(),
        clock.today().isoformat(),
        _user_stamp(user),
        csrf,
        code_stamp(),
    )
    return KEY_PREFIX + hashlib.sha256(repr(parts).encode()).hexdigest()


def _fresh(key: str, version: int):
    """The stored value under `key` when it was drawn at `version`, else None. One entry per key: a page drawn
    after a change replaces the one before, so the cache holds one copy of each page a session reads, however
    often the data changes."""
    stored = _get(key)
    if stored is not None and stored[0] == version:
        return stored[1]
    return None


def get_or_build(request, kind: str, build, *, with_csrf: bool = False):
    """`build()`'s value for this request, from the cache when nothing it depends on changed. `build` may raise
    (a 404, a validation error): nothing is stored then."""
    key = cache_key(request, kind, with_csrf=with_csrf)
    if key is None:
        return build()
    version = versions.current()
    value = _fresh(key, version)
    if value is None:
        value = build()
        _set(key, (version, value))
    return value


def _get(key: str):
    """The cache is optional: any failure of it (ethnic_portal/cache.py already answers a Redis outage as a miss)
    draws the page instead of failing it."""
    try:
        return cache.get(key)
    except Exception:
        logger.exception("page cache: read failed, drawing the page")
        return None


def _set(key: str, value) -> None:
    try:
        cache.set(key, value, timeout())
    except Exception:
        logger.exception("page cache: write failed")


def page(request, kind: str, render):
    """An HTML page: `render()` gives the rendered response; a 200 is stored as its content (compressed: a
    province dashboard's 98 KiB take about 10) and type."""
    from django.http import HttpResponse

    key = cache_key(request, kind, with_csrf=True)
    if key is None:
        return render()
    version = versions.current()
    stored = _fresh(key, version)
    if stored is not None:
        content, content_type = stored
        return HttpResponse(zlib.decompress(content), content_type=content_type)
    response = render()
    if getattr(response, "is_rendered", True) is False:
        response.render()
    if response.status_code == 200 and not response.streaming and not response.cookies:
        _set(key, (version, (zlib.compress(response.content, 1), response["Content-Type"])))
    return response
