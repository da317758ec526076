"""Headers on every answer that the app itself controls.

- `Cache-Control: no-store` (with `private, no-cache, must-revalidate, max-age=0`) on every
  answer to a signed-in person and on every /api/ answer: official data must not stay in a
  shared computer's browser cache or in a proxy. Static files (WhiteNoise answers them before
  this middleware runs, and their path is skipped anyway) and `/healthz` keep their own.
- No `Server` header from the app. Django sets none; a view or library that did is stripped.
  The `Server` header the WSGI server adds is outside the app: gunicorn always sends
  `Server: gunicorn` (no version), runserver `WSGIServer/0.2 CPython/3.x`. Behind the README's
  nginx the client sees nginx's own (nginx does not pass the upstream's `Server` on);
  `server_tokens off;` hides nginx's version.
"""

from django.conf import settings
from django.utils.cache import add_never_cache_headers

EXEMPT_PREFIXES = ("/healthz",)


class ResponseHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Server" in response:
            del response["Server"]
        if self._private(request):
            add_never_cache_headers(response)
        return response

    @staticmethod
    def _private(request) -> bool:
        path = request.path_info
        if path.startswith(EXEMPT_PREFIXES) or (
                settings.STATIC_URL and path.startswith(settings.STATIC_URL)):
            return False
        if path.startswith("/api/"):
            return True
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated)
