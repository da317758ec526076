"""The hand-over (step 8 of the seed): the unit head hands the validated data to the data
subsection, which acknowledges receipt or returns it with a reason."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from kinerja.core.errors import OutOfTurn
from kinerja.core.text import REASON_MAX_LENGTH, clean_text
from kinerja.organisation.visibility import Viewer
from kinerja.sops.models import StepKind

from .. import engine
from ..models import ReturnRecord, Track, TrackStage
from .common import (
    audit,
    check_version,
    role_for,
    step_of_kind,
    waiting_execution,
)
from .data_entry import locked_track
from .validation import values_snapshot


def _receiver(track: Track):
    step = step_of_kind(track.round.sop_version, StepKind.HANDOVER)
    receiver = next((a for a in track.round.sop_version.actors.all()
                     if a.key in step.participants), None)
    return step, receiver


@transaction.atomic
def handover_submit(*, user, track: Track, expected_version: int) -> Track:
    track = locked_track(track)
    check_version(track, expected_version)
    step, _receiver_actor = _receiver(track)
    execution = waiting_execution(track.round, step, track)
    role = role_for(Viewer.for_user(user), step, track)
    if track.stage >= TrackStage.HANDED_OVER:
        raise OutOfTurn(_("The data is already handed over."), code="already_handed_over")
    engine.start(execution, role=role)
    track.version += 1
    track.save(update_fields=["version"])
    audit("handover.submitted", track, user=user, round_=track.round, step=step.number,
          summary=f"{track.unit.name}: data handed over by {role.position_title}")
    return track


def _receiving_role(user, track: Track):
    step, receiver = _receiver(track)
    execution = waiting_execution(track.round, step, track)
    role = role_for(Viewer.for_user(user), step, track, actor=receiver)
    if track.stage != TrackStage.HANDED_OVER:
        raise OutOfTurn(_("The unit head has not handed the data over yet."),
                        code="not_handed_over")
    return step, execution, role


@transaction.atomic
def handover_acknowledge(*, user, track: Track, expected_version: int) -> Track:
    track = locked_track(track)
    check_version(track, expected_version)
    step, execution, role = _receiving_role(user, track)
    engine.complete(execution, user=user, role=role, outcome="acknowledged")
    track.version += 1
    track.save(update_fields=["version"])
    audit("handover.acknowledged", track, user=user, round_=track.round, step=step.number,
          summary=f"{track.unit.name}: receipt acknowledged by {role.position_title}")
    return track


@transaction.atomic
def handover_return(*, user, track: Track, reason: str, expected_version: int) -> ReturnRecord:
    track = locked_track(track)
    check_version(track, expected_version)
    step, execution, role = _receiving_role(user, track)
    reason = clean_text(reason, max_length=REASON_MAX_LENGTH, field=_("the reason"))
    if not reason:
        raise OutOfTurn(_("Give the reason for returning the data."), code="reason_required")
    returned_from = track.stage
    engine.send_back(execution, user=user, role=role, reason=reason)
    record = ReturnRecord.objects.create(track=track, execution=execution,
                                         reason=reason, snapshot=values_snapshot(track),
                                         returned_by=user.person)
    track.version += 1
    track.save(update_fields=["version"])
    audit("handover.returned", track, user=user, round_=track.round, step=step.number,
          stage=returned_from,
          summary=f"{track.unit.name}: hand-over returned to step {step.returns_to.number}: "
                  f"{reason}", reason=reason)
    return record
