import logging
import sys

from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kinerja.organisation.decorators import person_required

from .http_errors import status_error_response
from .middleware import database_busy_response, is_api_request, is_database_busy
from .selectors import task_list_for_viewer

logger = logging.getLogger(__name__)


@person_required
def home(request):
    return redirect("core:my_tasks")


@person_required
def my_tasks(request):
    return TemplateResponse(request, "core/my_tasks.html",
                            {"tasks": task_list_for_viewer(viewer=request.viewer)})


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
