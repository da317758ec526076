"""The answers every installation gives, whatever its apps: the health check and the 404 and
500 handlers. The home page and My tasks are kinerja/portal's."""

import logging
import sys

from django.db import connection
from django.http import HttpResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .http_errors import status_error_response
from .middleware import database_busy_response, is_api_request, is_database_busy

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers, 503 when it does not. Plain HTTP is allowed."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("health check: database unreachable")
        return HttpResponse("database unreachable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def page_not_found(request, exception):
    """handler404: the API's JSON shape under /api/, the page elsewhere."""
    if is_api_request(request):
        return status_error_response(404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500, for what no view or middleware answered (e.g. the session's save after
    the view): a busy database is 503 "try again", under /api/ the JSON shape."""
    error = sys.exc_info()[1]
    if error is not None and is_database_busy(error):
        return database_busy_response(request)
    if is_api_request(request):
        return status_error_response(500)
    return defaults.server_error(request)
