"""Everything the round page shows, gathered in one place (queries bounded by the number of
steps and units, not by the history)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from kinerja.worktime.calendar import Calendar

from .forms import (
    CancelForm,
    FormatCreateForm,
    FormatReviseForm,
    ForwardForm,
    IndicatorsForm,
    MeetingForm,
    ReasonForm,
    ReopenForm,
    VersionForm,
)
from .models import Disposition, ExecutionStatus, Meeting, Round, StepExecution
from .services import (
    current_format,
    default_invitees,
    indicators_for_round,
    may_cancel,
    may_finalise_without,
    may_reopen,
    missing_units,
    reopen_steps,
)
from .signing import signatures_of
from .tasks import tasks_of


@dataclass
class ExecutionRow:
    execution: StepExecution
    minutes_left: int | None = None  # working minutes until due (negative: late)
    late: bool = False


@dataclass
class StepRow:
    step: object
    rows: list[ExecutionRow] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return sum(1 for row in self.rows if row.execution.status == ExecutionStatus.OPEN)


def _rows(round_: Round, calendar: Calendar) -> tuple[list[StepRow], list[ExecutionRow]]:
    now = timezone.now()
    by_step = {step.id: StepRow(step) for step in round_.sop_version.steps.order_by("number")}
    open_rows = []
    for execution in round_.executions.all():
        row = ExecutionRow(execution)
        if execution.status == ExecutionStatus.OPEN:
            row.minutes_left = calendar.working_minutes_between(now, execution.due_at)
            row.late = execution.due_at < now
            open_rows.append(row)
        else:
            row.late = bool(execution.working_minutes is not None
                            and execution.working_minutes
                            > execution.step.time_standard_minutes)
        by_step[execution.step_id].rows.append(row)
    return list(by_step.values()), open_rows


def round_page_context(request, round_: Round, *, failed_action: str = "",
                       failed_form=None) -> dict:
    viewer = request.viewer
    calendar = Calendar.load(round_.agency)
    steps, open_rows = _rows(round_, calendar)
    disposition = Disposition.objects.filter(round=round_).select_related("created_by").first()
    data_format = current_format(round_)
    meeting = Meeting.objects.filter(round=round_).prefetch_related("invitees",
                                                                    "attendees").first()
    my_tasks = []
    for row in open_rows:
        my_tasks += tasks_of(viewer, row.execution, disposition)
    codes = {task.code for task in my_tasks}
    missing = missing_units(round_)
    # Who may is the services' rule. The head's finalising is offered only while units are
    # missing: with all of them through, the agency recap's own actor finalises.
    if may_cancel(viewer, round_):
        codes.add("cancel")
    if missing and may_finalise_without(viewer, round_):
        codes.add("head_finalise")
    if may_reopen(viewer, round_):
        codes.add("reopen")
    forms = _forms(round_, codes, data_format)
    if failed_form is not None:
        forms[failed_action] = failed_form
    tracks = []
    for track in round_.tracks.all():
        current = [row for row in open_rows if row.execution.track_id == track.id]
        tracks.append({"track": track, "open": current})
    return {
        "round": round_,
        "version": round_.sop_version,
        "steps": steps,
        "tracks": tracks,
        "late": [row for row in open_rows if row.late],
        "disposition": disposition,
        "signatures": list(signatures_of(disposition)) if disposition else [],
        "format": data_format,
        "format_items": (data_format.items.select_related("unit", "indicator")
                         if data_format else []),
        "formats": round_.formats.order_by("number"),
        "meeting": meeting,
        "my_tasks": my_tasks,
        "missing_units": missing,
        # Not a step's work: shown apart from "Waiting for you", at the foot of the page.
        "cancel_form": forms.pop("cancel", None),
        "forms": forms,
    }


def _forms(round_: Round, codes: set[str], data_format) -> dict:
    version = {"version": round_.version}
    forms: dict = {}
    if "forward" in codes:
        forms["forward"] = ForwardForm(initial=version)
    if "initial" in codes:
        forms["initial"] = VersionForm(initial=version)
    if "format" in codes:
        if data_format is None:
            forms["format_create"] = FormatCreateForm(initial=version)
        elif not data_format.finalised_at:
            forms["format_indicators"] = IndicatorsForm(
                initial={**version, "indicators": [i.indicator_id
                                                   for i in data_format.items.all()]},
                indicators=indicators_for_round(round_))
            forms["format_finalise"] = VersionForm(initial=version)
    if "agency_recap" in codes or "head_finalise" in codes:
        forms["finalise"] = ReasonForm(initial=version)
    if "reopen" in codes:
        forms["reopen"] = ReopenForm(initial=version, **reopen_choices(round_))
    if "cancel" in codes:
        forms["cancel"] = CancelForm(initial=version)
    if "send" in codes:
        forms["format_send"] = VersionForm(initial=version)
    if "meeting" in codes:
        forms["meeting"] = MeetingForm(initial={**version, "invitees": default_invitees(round_)},
                                       agency=round_.agency)
        if data_format is not None:
            forms["format_revise"] = FormatReviseForm(
                initial={**version, "indicators": [i.indicator_id
                                                   for i in data_format.items.all()]},
                indicators=indicators_for_round(round_))
    return forms


def reopen_choices(round_: Round) -> dict:
    """What the head may choose when reopening: the round's units, and the steps a unit may
    go back to (services.reopen_steps)."""
    return {"tracks": round_.tracks.select_related("unit").order_by("unit__order"),
            "steps": reopen_steps(round_)}
