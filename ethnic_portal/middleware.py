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
