"""The dashboard's pages: the current round, another round of the agency, and the "remind"
button. Each reads one selector (or calls one service) and renders."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from kinerja.core.errors import DomainError
from kinerja.notifications.services import remind_now
from kinerja.organisation.decorators import person_required

from . import charts, selectors
from .forms import RoundPickForm


def _page(request, dashboard, *, status: int = 200, picker=None):
    return TemplateResponse(
        request,
        "dashboard/dashboard.html",
        {
            "dashboard": dashboard,
            "charts": charts.build(dashboard),
            "picker": picker
            or RoundPickForm(initial={"round": dashboard.round.id if dashboard.round else None}),
        },
        status=status,
    )


@require_GET
@person_required
def dashboard(request):
    """The agency's current round; `?round=<id>` (the picker) goes to another one."""
    if "round" in request.GET:
        picker = RoundPickForm(request.GET)
        if picker.is_valid():
            return redirect("dashboard:round_dashboard", picker.cleaned_data["round"])
        found = selectors.dashboard_for_viewer(viewer=request.viewer)
        return _page(request, found, status=400, picker=picker)
    return _page(request, selectors.dashboard_for_viewer(viewer=request.viewer))


@require_GET
@person_required
def round_dashboard(request, round_id: int):
    return _page(request, selectors.dashboard_for_viewer(viewer=request.viewer, round_id=round_id))


@require_POST
@person_required
def remind(request, execution_id: int):
    """Remind the people who hold a waiting step, now (notifications.services.remind_now)."""
    execution = selectors.execution_for_reminder(viewer=request.viewer, execution_id=execution_id)
    try:
        sent = remind_now(execution_id=execution.id, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        found = selectors.dashboard_for_viewer(viewer=request.viewer, round_id=execution.round_id)
        return _page(request, found, status=error.status_code)
    # `remind_now` refuses a step nobody holds: at least one notification was sent.
    count = len(sent)
    messages.success(
        request,
        ngettext(
            "Reminder sent: %(count)d notification.",
            "Reminder sent: %(count)d notifications.",
            count,
        )
        % {"count": count},
    )
    return redirect("dashboard:round_dashboard", execution.round_id)
