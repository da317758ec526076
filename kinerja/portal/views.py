from django.shortcuts import redirect
from django.template.response import TemplateResponse

from kinerja.dashboard.selectors import lands_on_dashboard
from kinerja.organisation.decorators import person_required

from .selectors import task_list_for_viewer


@person_required
def home(request):
    """The head and the secretary open Kinerja on the dashboard; everyone else on My tasks."""
    if lands_on_dashboard(request.viewer):
        return redirect("dashboard:dashboard")
    return redirect("core:my_tasks")


@person_required
def my_tasks(request):
    return TemplateResponse(request, "core/my_tasks.html",
                            {"tasks": task_list_for_viewer(viewer=request.viewer)})
