"""Answers Kinerja gives whatever the view:

- a database held by another writer for longer than the lock timeout (SQLite's "database is
  locked" after `timeout`; PostgreSQL's `lock_timeout`, `statement_timeout`, a deadlock or a
  serialisation failure) is 503 with Retry-After and "try again", on pages and in the API,
  never a stack trace;
- an error answered outside django-ninja's handlers under /api/ (Django's 404 for an unknown
  path, ninja's 405 for a wrong method, django-axes' 429 lock-out, a 500 page) is given the
  API's JSON shape `{"code", "message", "details"}`.

Errors raised outside the views (another middleware, the session's save) reach
`core/views.py: server_error` (handler500), which gives the same answers."""

import logging

from django.db import OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

from .http_errors import BUSY_RETRY_AFTER_SECONDS, status_error_response

logger = logging.getLogger(__name__)

# PostgreSQL SQLSTATEs that mean "another transaction held what we needed; try again":
# lock_not_available (lock_timeout, NOWAIT), query_canceled (statement_timeout),
# deadlock_detected, serialization_failure.
BUSY_SQLSTATES = {"55P03", "57014", "40P01", "40001"}
# SQLite's words for the same: a writer holds the file (after `timeout`), or, with a shared
# cache, the table.
BUSY_SQLITE_MESSAGES = ("database is locked", "database table is locked",
                        "database schema is locked")


def is_database_busy(error: BaseException) -> bool:
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if sqlstate in BUSY_SQLSTATES:
        return True
    text = str(error).lower()
    return any(message in text for message in BUSY_SQLITE_MESSAGES)


def is_api_request(request) -> bool:
    return request.path_info.startswith("/api/")


def database_busy_response(request):
    """503 with Retry-After: the JSON error for the API, a short page (no database needed
    to render it) for everything else."""
    if is_api_request(request):
        return status_error_response(503)
    # Without the request: the context processors would read the database.
    return HttpResponse(render_to_string("503.html"), status=503,
                        headers={"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)})


def _is_json(response) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


class ErrorAnswerMiddleware:
    """Placed after the language middleware (the messages are translated) and before
    django-axes' (whose lock-out answer it reshapes for the API)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (response.status_code >= 400 and is_api_request(request)
                and not _is_json(response)):
            response = self._in_api_shape(response)
        return response

    def process_exception(self, request, exception):
        if is_database_busy(exception):
            logger.warning("database busy: %s %s: %s", request.method, request.path, exception)
            return database_busy_response(request)
        return None

    @staticmethod
    def _in_api_shape(response):
        headers = {name: response[name] for name in ("Allow", "Retry-After")
                   if response.has_header(name)}
        return status_error_response(response.status_code, headers=headers)
