"""The SOP engine: who may act on a step, and which steps open when one is done.

Nothing here knows Bappeda's SOP: it reads each step's kind, scope, actor, `starts_tracks`
and `waits_for_tracks`, so another SOP file runs on the same code.
"""

from __future__ import annotations

from django.utils import timezone

from kinerja.organisation.models import PositionKind, Unit
from kinerja.organisation.visibility import PLANNING_FUNCTION, Role, Viewer
from kinerja.sops.models import ActorPosition, SopActor, SopStep, StepScope

from .models import ExecutionStatus, Round, StepExecution, Track
from .signals import step_completed
from .timing import due_time, working_minutes

UNIT_HEAD_KINDS = (PositionKind.DIVISION_HEAD, PositionKind.SECRETARY)


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
        if _role_fits(viewer, role, position, function, step, track):
            return role
    return None


def _role_fits(viewer: Viewer, role: Role, position: str, function: str, step: SopStep,
               track: Track | None) -> bool:
    tree = viewer.tree
    if function and function not in tree.functions[role.unit_id]:
        return False
    if position == ActorPosition.UNIT_HEAD:
        return (track is not None and role.unit_id == track.unit_id
                and role.position_kind in UNIT_HEAD_KINDS)
    if role.position_kind != position:
        return False
    if step.scope == StepScope.PER_UNIT and not function and track is not None:
        # Staff of a Subbidang work on their Bidang's data.
        return tree.reporting_unit_id(role.unit_id) == track.unit_id
    return True


def planning_head_role(viewer: Viewer) -> Role | None:
    """The viewer's role as head of the planning subsection, who initials the disposition
    (the SOP's recording section), or None."""
    return next((role for role in viewer.roles
                 if role.position_kind == PositionKind.SUBSECTION_HEAD
                 and PLANNING_FUNCTION in viewer.tree.functions[role.unit_id]), None)


def signing_title(role: Role) -> str:
    prefix = {"plt": "Plt. ", "plh": "Plh. "}.get(role.acting, "")
    return f"{prefix}{role.position_title}"


def reporting_units(round_: Round):
    return Unit.objects.filter(agency=round_.agency, kind__in=["secretariat", "division"]
                               ).order_by("order", "name")


def open_execution(round_: Round, step: SopStep, track: Track | None = None,
                   at=None) -> StepExecution:
    at = at or timezone.now()
    return StepExecution.objects.create(
        round=round_, track=track, step=step, assigned_at=at,
        due_at=due_time(round_.agency, at, step.time_standard_minutes))


def open_execution_for(round_: Round, step: SopStep, track: Track | None) -> StepExecution:
    """The open execution of a step (for a track); raises DoesNotExist when the step is not
    waiting."""
    return StepExecution.objects.select_for_update().get(
        round=round_, step=step, track=track, status=ExecutionStatus.OPEN)


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


def complete(execution: StepExecution, *, user, role: Role, outcome: str = "done",
             note: str = "", status: str = ExecutionStatus.DONE) -> StepExecution:
    now = timezone.now()
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
    return execution


def all_tracks_done(round_: Round, step: SopStep) -> bool:
    executions = StepExecution.objects.filter(round=round_, step=step)
    if executions.filter(status=ExecutionStatus.OPEN).exists():
        return False
    done_tracks = set(executions.filter(status=ExecutionStatus.DONE)
                      .values_list("track_id", flat=True))
    return done_tracks >= set(round_.tracks.values_list("id", flat=True))


def advance(execution: StepExecution) -> list[StepExecution]:
    """Open what follows a completed step; returns the executions it opened."""
    round_, step = execution.round, execution.step
    steps = list(round_.sop_version.steps.order_by("number"))
    following = next((s for s in steps if s.number == step.number + 1), None)
    if following is None:
        return []
    if step.scope == StepScope.PER_UNIT and following.scope == StepScope.PER_UNIT:
        return [open_execution(round_, following, execution.track)]
    if step.scope == StepScope.PER_UNIT:
        # A once-per-round step after per-unit ones waits until every track is through.
        already_open = StepExecution.objects.filter(round=round_, step=following,
                                                    status=ExecutionStatus.OPEN).exists()
        if already_open or not all_tracks_done(round_, step):
            return []
        return [open_execution(round_, following)]
    if following.scope == StepScope.PER_UNIT:
        tracks = list(round_.tracks.all())
        if following.starts_tracks and not tracks:
            tracks = [Track.objects.create(round=round_, unit=unit)
                      for unit in reporting_units(round_)]
        return [open_execution(round_, following, track) for track in tracks]
    return [open_execution(round_, following)]
