"""The one error shape of Kinerja's JSON answers, `{"code", "message", "details"}` (the API's
`schemas.ErrorOut`), and the code and message of each status that is not a `DomainError`'s own.
Messages are translated when the answer is made, so they follow the caller's language (the
token's user, the session's user, the language cookie, else Indonesian).

In core, below every app, because two layers give it: the API's exception handlers
(`api/api.py`) and core's own middleware and error views (`core/middleware.py`,
`core/views.py`), which give the same shape to errors made outside django-ninja: an unknown
path, a wrong method, django-axes' lock-out, a server error, a busy database."""

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _

from .lockout import lockout_message

# How long a client should wait before trying again when the database is busy: the writer
# that holds it has already made us wait the whole lock timeout.
BUSY_RETRY_AFTER_SECONDS = 10


def error_response(status: int, code: str, message: str, details=(), *,
                   headers: dict | None = None) -> JsonResponse:
    return JsonResponse({"code": code, "message": str(message),
                         "details": [str(detail) for detail in details]},
                        status=status, headers=headers, json_dumps_params={"ensure_ascii": False})


def lock_out_seconds() -> int:
    return max(60, round(settings.AXES_COOLOFF_TIME.total_seconds()))


def status_error(status: int) -> tuple[str, str]:
    """(code, message) of an error that carries no message of its own."""
    if status == 401:
        return "not_authenticated", _("Send a Bearer token (POST /api/v1/auth/token) or sign in.")
    if status == 403:
        return "forbidden", _("Not allowed for your position.")
    if status == 404:
        return "not_found", _("Not found.")
    if status == 405:
        return "method_not_allowed", _("This method is not allowed on this path.")
    if status == 422:
        return "invalid_input", _("The request has missing or invalid fields; see details.")
    if status == 429:
        return "locked_out", lockout_message()  # the log-in page's sentence ("15 menit")
    if status == 503:
        return "database_busy", _("The database is busy with another change. Try again in a "
                                  "moment.")
    if status >= 500:
        return "server_error", _("Something went wrong on the server. The error was logged; "
                                 "please try again later.")
    return "bad_request", _("The request could not be understood.")


def status_error_response(status: int, details=(), *, headers: dict | None = None
                          ) -> JsonResponse:
    code, message = status_error(status)
    if status == 429:
        headers = {"Retry-After": str(lock_out_seconds()), **(headers or {})}
    elif status == 503:
        headers = {"Retry-After": str(BUSY_RETRY_AFTER_SECONDS), **(headers or {})}
    return error_response(status, code, message, details, headers=headers)


def validation_details(errors: list[dict]) -> list[str]:
    """django-ninja's validation errors as "body.0.version: Input should be ..." lines."""
    return [f"{'.'.join(str(part) for part in error.get('loc', ()))}: {error.get('msg', '')}"
            for error in errors]
