import time


class VietnameseFirstMiddleware:
    """The portal speaks Vietnamese unless the user chose English with the language switch.

    Django's LocaleMiddleware would otherwise follow the browser's Accept-Language, and an officer
    on a computer with an English system would get English pages. The switch sets a cookie, which
    LocaleMiddleware still honours.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class SessionRefreshMiddleware:
    """Sessions end after SESSION_COOKIE_AGE without a request (2 idle hours), without a write on every request.

    Django's SESSION_SAVE_EVERY_REQUEST would renew the session's expiry by saving it on each page (a transaction
    and an UPDATE per request, the largest part of a cached page's cost). Instead a signed-in session is marked
    and saved when its last renewal is SESSION_REFRESH_SECONDS old (5 minutes): the stored expiry and the cookie's
    max-age move forward then, so a session ends between SESSION_COOKIE_AGE − SESSION_REFRESH_SECONDS and
    SESSION_COOKIE_AGE after its last request. Placed after SessionMiddleware, which saves what this marks."""

    KEY = "_renewed_at"

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.refresh = getattr(settings, "SESSION_REFRESH_SECONDS", 300)

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and "_auth_user_id" in session:
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= self.refresh:
                session[self.KEY] = now
        return response


class SecurityHeadersMiddleware:
    """Headers Django does not set itself: Permissions-Policy on every answer, and `Cache-Control:
    private, no-store` on pages and API answers for a logged-in user (they carry program data and
    personal data, which must not stay in a shared or browser cache). Static files keep their caching."""

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.permissions_policy = getattr(settings, "PERMISSIONS_POLICY", "")
        self.static_prefix = settings.STATIC_URL or "/static/"

    def __call__(self, request):
        response = self.get_response(request)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.static_prefix)
            and "Cache-Control" not in response.headers
        ):
            response.headers["Cache-Control"] = "private, no-store"
        return response
