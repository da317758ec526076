"""What every SOP action shares: the version check, the actor check, the lock, and the
round's current format."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kinerja.catalogue.models import Indicator
from kinerja.core.audit import record_event
from kinerja.core.errors import OutOfTurn, PermissionDenied, StaleEdit
from kinerja.organisation.models import Position
from kinerja.organisation.visibility import Role, Viewer
from kinerja.sops.models import SopStep

from .. import engine
from ..models import (
    DataRequestFormat,
    ExecutionStatus,
    Round,
    RoundStatus,
    StepExecution,
    Track,
)

# The disposition's signature and the forwarding actor's initials; whoever else initials it
# is named by the SOP's recording section (SopVersion.further_initials).
HEAD_SIGNATURE, SECRETARY_INITIALS = "head", "secretary"


def check_version(obj, expected_version: int) -> None:
    if obj.version != expected_version:
        raise StaleEdit(_("Someone else saved this first. Reload the page and try again."))


def bump_version(obj) -> None:
    obj.version += 1
    obj.save(update_fields=["version"])


def step_of_kind(version, kind: str) -> SopStep:
    step = version.steps.filter(kind=kind).order_by("number").first()
    if step is None:
        raise OutOfTurn(_("This SOP has no step of that kind."), code="no_such_step")
    return step


def role_for(viewer: Viewer, step: SopStep, track=None, *, actor=None) -> Role:
    role = engine.acting_role(viewer, step, track, actor=actor)
    if role is None:
        raise PermissionDenied(_("Step %(number)d is not yours to do: it belongs to %(actor)s.")
                               % {"number": step.number,
                                  "actor": (actor or step.actor).label})
    return role


def waiting_execution(round_: Round, step: SopStep, track=None) -> StepExecution:
    try:
        return engine.waiting(round_, step, track)
    except StepExecution.DoesNotExist:
        raise OutOfTurn(_("Step %(number)d is not waiting to be done now.")
                        % {"number": step.number}) from None


def refuse_unless_open(round_: Round) -> None:
    """Every write on a round asks this first: a finalised round is reopened by the head, a
    cancelled one is never written again (its period may have a new round)."""
    if round_.status == RoundStatus.CANCELLED:
        raise OutOfTurn(_("This round is cancelled: nothing in it can change."),
                        code="round_cancelled")
    if round_.status != RoundStatus.OPEN:
        raise OutOfTurn(_("This round is finalised."), code="round_finalised")


def locked_round(round_: Round, expected_version: int) -> Round:
    locked = Round.objects.select_for_update().select_related("agency", "sop_version").get(
        pk=round_.pk)
    refuse_unless_open(locked)
    check_version(locked, expected_version)
    return locked


def position_title(agency, kind: str, function: str = "") -> str:
    positions = Position.objects.filter(unit__agency=agency, kind=kind)
    if function:
        positions = positions.filter(unit__functions__code=function)
    position = positions.first()
    return position.title if position else ""


def audit(action: str, obj, *, user, round_: Round | None, summary: str,
          track: Track | int | None = None, stage: int | None = None,
          step: int | None = None, at=None, **data) -> None:
    """Record an action: one `AuditEvent` with the round and, for an action on a unit's track
    (the track itself, or a row with a `track_id`), the track and the stage its data had, so
    that the history shows it only to whoever may see that data
    (selectors.round_history_for_viewer); pass `stage` when the action has already moved the
    track (a return records the stage it came from)."""
    if track is None:
        track = obj if isinstance(obj, Track) else getattr(obj, "track_id", None)
    if isinstance(track, Track):
        stage = track.stage if stage is None else stage
        track = track.pk
    if step is None and isinstance(data.get("step"), int):
        step = data["step"]
    record_event(action=action, obj=obj, actor=user, agency=obj.agency if round_ is None
                 else round_.agency, summary=summary, round_=round_, track=track,
                 stage=stage, step=step, at=at, data=data)


def waiting_on_track(track: Track, kinds: tuple[str, ...], message: str) -> StepExecution:
    """The step of one of the kinds that waits on the unit's track (a second validation
    level is a step of the same kind as the first), or the refusal `message`."""
    execution = engine.waiting_on_track(track, kinds)
    if execution is None:
        raise OutOfTurn(message, code="out_of_turn")
    return execution


def current_format(round_: Round) -> DataRequestFormat | None:
    return round_.formats.order_by("-number").first()


def indicators_for_round(round_: Round):
    """The catalogue's indicators whose Renstra period covers the round's year."""
    return Indicator.objects.filter(
        period__agency=round_.agency, period__start_year__lte=round_.year,
        period__end_year__gte=round_.year,
    ).select_related("responsible_unit").order_by("responsible_unit__order", "order", "code")


def waiting_executions(round_: Round):
    return round_.executions.filter(status=ExecutionStatus.OPEN).select_related("step",
                                                                                 "track__unit")
