"""What each waiting step needs next, and from whom: the rows of "My tasks"."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kinerja.organisation.visibility import Viewer
from kinerja.sops.models import StepKind

from . import engine
from .models import Disposition, StepExecution, TrackStage
from .signing import is_signed


@dataclass(frozen=True)
class Task:
    execution: StepExecution
    action: str
    code: str  # which forms of the round page serve it
    minutes_left: int | None = None  # working minutes until due; negative when late
    track_id: int | None = None  # the unit's track, where the step itself has none

    @property
    def url(self) -> str:
        track_id = self.track_id or self.execution.track_id
        if track_id and self.code in TRACK_CODES:
            return reverse("collection:track_detail", args=[self.execution.round_id, track_id])
        return reverse("collection:round_detail", args=[self.execution.round_id]) + (
            f"#step-{self.execution.step.number}")


# The tasks done on the unit's own page rather than the round's.
TRACK_CODES = {"enter", "submit", "validate", "handover", "receive", "unit_part"}


def tasks_of(viewer: Viewer, execution: StepExecution,
             disposition: Disposition | None) -> list[Task]:
    step, track = execution.step, execution.track
    if step.kind == StepKind.FORWARDING and disposition is not None:
        return _forwarding_tasks(viewer, execution, disposition)
    if step.kind == StepKind.HANDOVER:
        return _handover_tasks(viewer, execution)
    if step.kind == StepKind.MEETING:
        return _meeting_tasks(viewer, execution)
    extra = (_initial_tasks(viewer, execution, disposition)
             if step.kind in (StepKind.DATA_REQUEST_FORMAT, StepKind.SENDING) else [])
    actor = step.recorded_by
    if engine.acting_role(viewer, step, track, actor=actor) is None:
        return extra
    labels: dict[str, tuple[Promise | str, str]] = {
        StepKind.DATA_REQUEST_FORMAT: (_("Build the data-request format"), "format"),
        StepKind.SENDING: (_("Send the data-request format to the units"), "send"),
        StepKind.MEETING: (_("Record the meeting on the format"), "meeting"),
        StepKind.DATA_ENTRY: (_("Fill in the unit's performance data"), "enter"),
        StepKind.UNIT_RECAP: (_("Check and submit the unit recap"), "submit"),
        StepKind.VALIDATION: (_("Validate the unit's performance data"), "validate"),
        StepKind.AGENCY_RECAP: (_("Compile the agency recap and finalise the round"),
                                "agency_recap"),
    }
    label, code = labels.get(step.kind, (step.description, step.kind))
    return [Task(execution, str(label), code), *extra]


def _meeting_tasks(viewer: Viewer, execution: StepExecution) -> list[Task]:
    """The data subsection records the meeting; each unit head, the SOP's actor of the
    meeting, has its unit's part of the format (sent in step 3) to prepare."""
    step = execution.step
    tasks = []
    if engine.acting_role(viewer, step, None, actor=step.recorded_by):
        tasks.append(Task(execution, str(_("Record the meeting on the format")), "meeting"))
    unit_head = _unit_head_actor(execution)
    for track in execution.round.tracks.all() if unit_head else ():
        if engine.acting_role(viewer, step, track, actor=unit_head):
            tasks.append(Task(execution, str(_("Your unit's part of the format has arrived: "
                                               "prepare the meeting")), "unit_part",
                              track_id=track.id))
    return tasks


def _unit_head_actor(execution: StepExecution):
    """The SOP's column for the unit head (Kabid; the secretary for the Sekretariat)."""
    return next((actor for actor in execution.round.sop_version.actors.all()
                 if actor.position == "unit_head"), None)


def _handover_tasks(viewer: Viewer, execution: StepExecution) -> list[Task]:
    step, track = execution.step, execution.track
    if track is None:
        return []
    if track.stage < TrackStage.HANDED_OVER:
        if engine.acting_role(viewer, step, track):
            return [Task(execution, str(_("Hand the validated data over to the data "
                                          "subsection")), "handover")]
        return []
    receiver = next((a for a in execution.round.sop_version.actors.all()
                     if a.key in step.participants), None)
    if receiver and engine.acting_role(viewer, step, track, actor=receiver):
        return [Task(execution, str(_("Acknowledge receipt of the unit's data")), "receive")]
    return []


def _forwarding_tasks(viewer: Viewer, execution: StepExecution,
                      disposition: Disposition) -> list[Task]:
    step = execution.step
    if not is_signed(disposition, "secretary"):
        if engine.acting_role(viewer, step, None):
            return [Task(execution, str(_("Forward the disposition to the data subsection")),
                         "forward")]
        return []
    tasks = []
    builder = next((a for a in execution.round.sop_version.actors.all()
                    if a.key in step.participants), None)
    if builder and engine.acting_role(viewer, step, None, actor=builder):
        tasks.append(Task(execution, str(_("Build the data-request format")), "format"))
    return tasks + _initial_tasks(viewer, execution, disposition)


def _initial_tasks(viewer: Viewer, execution: StepExecution,
                   disposition: Disposition | None) -> list[Task]:
    """The initials the SOP's recording section asks after the secretary's, from the
    forwarding until the format is sent (sending needs them)."""
    if disposition is None or not is_signed(disposition, "secretary"):
        return []
    found = engine.initialler_of(viewer, execution.round.sop_version)
    if found is None or is_signed(disposition, found[0].role_name):
        return []
    return [Task(execution, str(_("Initial the disposition (paraf)")), "initial")]


def track_tasks(viewer: Viewer, track) -> list[Task]:
    """The person's tasks on one unit's track."""
    executions = StepExecution.objects.filter(track=track, status="open").select_related(
        "step__recorded_by", "step__actor", "round__sop_version", "track")
    return [task for execution in executions for task in tasks_of(viewer, execution, None)]
