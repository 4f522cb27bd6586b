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
