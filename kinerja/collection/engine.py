"""The SOP engine: who may act on a step, and how the work moves from step to step.

Nothing here knows Bappeda's SOP. It reads each step's kind, scope, actor, `starts_tracks`,
`waits_for_tracks` and `returns_to` from the SOP file, so another SOP runs on the same code
(docs/sop-contract.md). The services decide whether an action is allowed and what it writes;
only this module opens, starts, completes, returns, closes and reopens a `StepExecution`
(kinerja/collection/tests/test_engine_owns_executions.py checks that nothing else does), and
only this module moves a unit's data from stage to stage.

A unit's stage follows the step that waits on its track (`STAGE_WHILE_OPEN`, declared by the
step's kind): while data entry or the unit recap waits the data is a draft its staff may
change; while a validation or the hand-over waits it is submitted, locked, and visible to the
leadership; the hand-over's receiver sees it once it is handed over (`STAGE_WHEN_STARTED`);
when the last per-unit step of the SOP is done, the data is final.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from kinerja.organisation.models import REPORTING_UNIT_KINDS, PositionKind, Unit
from kinerja.organisation.visibility import Role, Viewer
from kinerja.sops.models import (
    ActorPosition,
    Initialler,
    SopActor,
    SopStep,
    SopVersion,
    StepKind,
    StepScope,
)
from kinerja.worktime.calendar import Calendar

from .models import ExecutionStatus, Round, StepExecution, Track, TrackStage
from .signals import step_completed
from .timing import due_time, working_minutes

UNIT_HEAD_KINDS = (PositionKind.DIVISION_HEAD, PositionKind.SECRETARY)
# Positions over the whole agency: on a unit's track they act for any unit.
AGENCY_WIDE_POSITIONS = (ActorPosition.HEAD, ActorPosition.SECRETARY)

# The stage of a unit's data while a step of the kind waits on its track.
STAGE_WHILE_OPEN: dict[str, TrackStage] = {
    StepKind.SENDING: TrackStage.DRAFT,
    StepKind.DATA_ENTRY: TrackStage.DRAFT,
    StepKind.UNIT_RECAP: TrackStage.DRAFT,
    StepKind.VALIDATION: TrackStage.SUBMITTED,
    StepKind.HANDOVER: TrackStage.SUBMITTED,
}
# The stage once the step's actor has done their part and the step waits for its receiver.
STAGE_WHEN_STARTED: dict[str, TrackStage] = {StepKind.HANDOVER: TrackStage.HANDED_OVER}
# The kinds during which the unit's staff change values.
EDITING_KINDS = (StepKind.DATA_ENTRY, StepKind.UNIT_RECAP)


# -- who acts ----------------------------------------------------------------------------------

def acting_role(viewer: Viewer, step: SopStep, track: Track | None, *,
                actor: SopActor | None = None) -> Role | None:
    """The viewer's role that lets them act on the step (for the track), or None.

    `actor` names another column of the step (its recorder, a participant) than its actor.
    """
    if actor is None:
        position, function = step.actor_position, step.actor_unit_function
    else:
        position, function = actor.position, actor.unit_function
    for role in viewer.roles:
        if role_fits(viewer, role, position, function, step.scope, track):
            return role
    return None


def role_fits(viewer: Viewer, role: Role, position: str, function: str, scope: str,
              track: Track | None) -> bool:
    tree = viewer.tree
    if function and function not in tree.functions[role.unit_id]:
        return False
    if position == ActorPosition.UNIT_HEAD:
        return (track is not None and role.unit_id == track.unit_id
                and role.position_kind in UNIT_HEAD_KINDS)
    if role.position_kind != position:
        return False
    if (scope == StepScope.PER_UNIT and not function and track is not None
            and position not in AGENCY_WIDE_POSITIONS):
        # Staff of a Subbidang work on their Bidang's data.
        return tree.reporting_unit_id(role.unit_id) == track.unit_id
    return True


def initialler_of(viewer: Viewer, version: SopVersion) -> tuple[Initialler, Role] | None:
    """The first of the SOP's further initials on the disposition
    (SopVersion.further_initials) that the viewer may give, with the role, or None."""
    for initialler in version.further_initials():
        for role in viewer.roles:
            if role_fits(viewer, role, initialler.position, initialler.unit_function,
                         StepScope.ONCE, None):
                return initialler, role
    return None


def signing_title(role: Role) -> str:
    prefix = {"plt": "Plt. ", "plh": "Plh. "}.get(role.acting, "")
    return f"{prefix}{role.position_title}"


def reporting_units(round_: Round):
    """The units that get a track: those the round's format asks data of (the format is
    final before the tracks start); without a format, the Sekretariat and each Bidang."""
    data_format = round_.formats.order_by("-number").first()
    if data_format is not None:
        return Unit.objects.filter(pk__in=data_format.items.values("unit_id")).order_by(
            "order", "name")
    return Unit.objects.filter(agency=round_.agency, kind__in=REPORTING_UNIT_KINDS
                               ).order_by("order", "name")


# -- what waits --------------------------------------------------------------------------------

def waiting(round_: Round, step: SopStep, track: Track | None = None) -> StepExecution:
    """The open execution of a step (for a track), locked; raises DoesNotExist when the step
    is not waiting. The execution carries the caller's `track`, so that the stage the engine
    sets is the one the caller sees."""
    execution = StepExecution.objects.select_for_update().get(
        round=round_, step=step, track=track, status=ExecutionStatus.OPEN)
    if track is not None:
        execution.track = track
    return execution


def waiting_all(round_: Round, step: SopStep) -> list[StepExecution]:
    """Every open execution of the step (one per track for a per-unit step), locked."""
    return list(StepExecution.objects.select_for_update(of=("self",)).filter(
        round=round_, step=step, status=ExecutionStatus.OPEN).select_related("track"))


def waiting_on_track(track: Track, kinds: Iterable[str]) -> StepExecution | None:
    """The step of one of the kinds that waits on the unit's track now, locked, or None."""
    execution = (StepExecution.objects.select_for_update(of=("self",))
                 .select_related("step").filter(track=track, status=ExecutionStatus.OPEN,
                                                step__kind__in=list(kinds)).first())
    if execution is not None:
        execution.track = track
    return execution


def per_unit_steps(round_: Round) -> list[SopStep]:
    return [step for step in round_.sop_version.steps.order_by("number")
            if step.scope == StepScope.PER_UNIT]


# -- moving the work ---------------------------------------------------------------------------

def open_step(round_: Round, step: SopStep, track: Track | None = None,
              at=None) -> StepExecution:
    """Assign the step (on the unit's track): its due time runs from now in working minutes,
    and the unit's data takes the stage the step's kind declares."""
    at = at or timezone.now()
    execution = StepExecution.objects.create(
        round=round_, track=track, step=step, assigned_at=at,
        due_at=due_time(round_.agency, at, step.time_standard_minutes))
    if track is not None and step.kind in STAGE_WHILE_OPEN:
        _set_stage(track, STAGE_WHILE_OPEN[step.kind])
    return execution


def start(execution: StepExecution, *, role: Role | None = None) -> StepExecution:
    """The actor has done their part of a step that waits for someone else to finish it (the
    secretary's forwarding before the format is built, the hand-over before its receipt)."""
    execution.started_at = timezone.now()
    fields = ["started_at"]
    if role is not None:
        execution.acting_as = signing_title(role)
        fields.append("acting_as")
    execution.save(update_fields=fields)
    if execution.track is not None and execution.step.kind in STAGE_WHEN_STARTED:
        _set_stage(execution.track, STAGE_WHEN_STARTED[execution.step.kind])
    return execution


def complete(execution: StepExecution, *, user, role: Role, outcome: str = "done",
             note: str = "") -> list[StepExecution]:
    """The step is done: record who did it, in what role, in how many working minutes, and
    open what follows it. Returns the executions opened."""
    _finish(execution, user=user, role=role, outcome=outcome, note=note,
            status=ExecutionStatus.DONE)
    step = execution.step
    if execution.track is not None and step == per_unit_steps(execution.round)[-1]:
        _set_stage(execution.track, TrackStage.FINAL)
    return advance(execution)


def send_back(execution: StepExecution, *, user, role: Role, reason: str) -> StepExecution:
    """Return the unit's work to the step the SOP names (`returns_to`), with the reason;
    returns the execution opened there."""
    step, track = execution.step, execution.track
    target = step.returns_to
    if target is None or track is None:
        raise ValueError(f"Step {step.number} returns nowhere (docs/sop-contract.md).")
    _finish(execution, user=user, role=role, outcome="returned", note=reason,
            status=ExecutionStatus.RETURNED)
    return open_step(execution.round, target, track)


def finish_without(round_: Round, step: SopStep, *, user, role: Role, outcome: str,
                   note: str) -> StepExecution:
    """The head does the last step for a round whose units are not all through: what still
    waits is closed unfinished, and the step is recorded as done by the head."""
    close_open(round_)
    execution = open_step(round_, step)
    complete(execution, user=user, role=role, outcome=outcome, note=note)
    return execution


def close_open(round_: Round, *, at=None) -> list[int]:
    """Close every execution of the round still waiting, unfinished (the head finalising
    without some units, or cancelling the round); returns the ids closed. Nothing opens
    after them."""
    at = at or timezone.now()
    ids = list(StepExecution.objects.select_for_update()
               .filter(round=round_, status=ExecutionStatus.OPEN).values_list("id", flat=True))
    StepExecution.objects.filter(id__in=ids).update(status=ExecutionStatus.CLOSED,
                                                    completed_at=at)
    return ids


def reopen(round_: Round, *, tracks: list[Track], step: SopStep | None) -> list[StepExecution]:
    """Open a finalised round again: the chosen units go back to the chosen per-unit step and
    through the SOP from there, and the step that waits for the tracks opens when they are
    all through; with no unit chosen, the last step waits again."""
    if not tracks:
        last = round_.sop_version.steps.order_by("number").last()
        if last is None:
            raise ValueError("An SOP version without steps cannot be reopened.")
        return [open_step(round_, last)]
    if step is None:
        raise ValueError("The units go back to a step: name it.")
    return [open_step(round_, step, track) for track in tracks]


def recompute_due_times(agency) -> list[tuple[StepExecution, datetime]]:
    """Count the due time of each of the agency's open steps again, through its calendar as it
    is now (a holiday added, the hours changed); returns the executions whose due time moved,
    each with the due time it had. A done step keeps the due time it was measured against."""
    calendar = Calendar.load(agency)
    moved = []
    for execution in (StepExecution.objects.select_for_update(of=("self",))
                      .filter(round__agency=agency, status=ExecutionStatus.OPEN)
                      .select_related("step").order_by("id")):
        due = due_time(agency, execution.assigned_at, execution.step.time_standard_minutes,
                       calendar)
        if due != execution.due_at:
            moved.append((execution, execution.due_at))
            execution.due_at = due
    StepExecution.objects.bulk_update([execution for execution, _before in moved], ["due_at"])
    return moved


def _finish(execution: StepExecution, *, user, role: Role, outcome: str, note: str,
            status: str) -> None:
    now = timezone.now()
    if execution.track is not None:
        # The note is read by whoever may see the data at the stage it had then
        # (selectors.may_read_track_note).
        execution.note_stage = execution.track.stage
    execution.status = status
    execution.completed_at = now
    execution.started_at = execution.started_at or execution.assigned_at
    execution.completed_by = user
    execution.acting_as = signing_title(role)
    execution.outcome = outcome
    execution.note = note
    execution.working_minutes = working_minutes(execution.round.agency,
                                                execution.assigned_at, now)
    execution.save()
    step_completed.send(sender=StepExecution, execution=execution)


def _set_stage(track: Track, stage: TrackStage) -> None:
    track.stage = stage
    track.save(update_fields=["stage"])


def all_tracks_done(round_: Round, step: SopStep) -> bool:
    """Every unit still in the round has done `step` last and nothing waits on any track.
    A unit the head finalised without (its last execution closed unfinished) is not
    waited for; a unit reopened after finalising is, until it is through again."""
    executions = list(StepExecution.objects.filter(round=round_, track__isnull=False)
                      .order_by("id").values_list("track_id", "step_id", "status"))
    latest = {track_id: (step_id, status) for track_id, step_id, status in executions}
    for track_id in round_.tracks.values_list("id", flat=True):
        step_id, status = latest.get(track_id, (None, None))
        if status == ExecutionStatus.CLOSED:
            continue
        if step_id != step.pk or status != ExecutionStatus.DONE:
            return False
    return True


def advance(execution: StepExecution) -> list[StepExecution]:
    """Open what follows a completed step in the SOP's order; returns what it opened."""
    round_, step = execution.round, execution.step
    following = round_.sop_version.steps.filter(number__gt=step.number).order_by(
        "number").first()
    if following is None:
        return []
    if step.scope == StepScope.PER_UNIT and following.scope == StepScope.PER_UNIT:
        return [open_step(round_, following, execution.track)]
    if step.scope == StepScope.PER_UNIT:
        already_open = StepExecution.objects.filter(round=round_, step=following,
                                                    status=ExecutionStatus.OPEN).exists()
        if already_open or (following.waits_for_tracks
                            and not all_tracks_done(round_, step)):
            return []
        return [open_step(round_, following)]
    if following.scope == StepScope.PER_UNIT:
        tracks = list(round_.tracks.all())
        if following.starts_tracks and not tracks:
            tracks = [Track.objects.create(round=round_, unit=unit)
                      for unit in reporting_units(round_)]
        return [open_step(round_, following, track) for track in tracks]
    return [open_step(round_, following)]
