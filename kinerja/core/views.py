import logging

from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kinerja.organisation.decorators import person_required

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
