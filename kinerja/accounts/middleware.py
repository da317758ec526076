from django.conf import settings
from django.utils import translation


def language_for(request) -> str:
    """The signed-in user's preference, else the language cookie, else Indonesian."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language:
        return user.language
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie in dict(settings.LANGUAGES):
        return cookie
    return settings.LANGUAGE_CODE


class UserLanguageMiddleware:
    """Activates the page language. Unlike LocaleMiddleware it ignores the browser's
    Accept-Language: the office default is Indonesian whatever the machine says."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
