"""Step 7: the unit head validates the unit recap, or returns it with a reason."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from kinerja.core.errors import OutOfTurn
from kinerja.core.text import REASON_MAX_LENGTH, clean_text
from kinerja.organisation.visibility import Viewer
from kinerja.sops.models import StepKind

from .. import engine
from ..models import ExecutionStatus, IndicatorValue, ReturnRecord, Track, TrackStage
from .common import (
    audit,
    check_version,
    complete_on_track,
    role_for,
    step_of_kind,
    waiting_execution,
)
from .data_entry import locked_track


def values_snapshot(track: Track) -> dict:
    return {str(value.indicator_id): {"value": None if value.value is None else str(value.value),
                                      "explanation": value.explanation}
            for value in IndicatorValue.objects.filter(track=track)}


@transaction.atomic
def unit_recap_approve(*, user, track: Track, note: str = "", expected_version: int) -> Track:
    track = locked_track(track)
    check_version(track, expected_version)
    step = step_of_kind(track.round.sop_version, StepKind.VALIDATION)
    execution = waiting_execution(track.round, step, track)
    role = role_for(Viewer.for_user(user), step, track)
    note = clean_text(note, max_length=REASON_MAX_LENGTH, field=_("the note"))
    complete_on_track(execution, track, user=user, role=role, outcome="approved", note=note)
    engine.advance(execution)
    track.version += 1
    track.save(update_fields=["version"])
    audit("unit_recap.approved", track, user=user, round_=track.round, step=step.number,
          summary=f"{track.unit.name}: validated by {role.position_title}")
    return track


@transaction.atomic
def unit_recap_return(*, user, track: Track, reason: str, comments: dict[int, str],
                      expected_version: int) -> ReturnRecord:
    """Send the recap back to data entry; the staff see the reason and the comments, and the
    unit head later sees exactly what changed since."""
    track = locked_track(track)
    check_version(track, expected_version)
    step = step_of_kind(track.round.sop_version, StepKind.VALIDATION)
    execution = waiting_execution(track.round, step, track)
    role = role_for(Viewer.for_user(user), step, track)
    reason = clean_text(reason, max_length=REASON_MAX_LENGTH, field=_("the reason"))
    if not reason:
        raise OutOfTurn(_("Give the reason for returning the data."), code="reason_required")
    known = set(IndicatorValue.objects.filter(track=track).values_list("indicator_id",
                                                                       flat=True))
    comments = {str(key): clean_text(text, max_length=REASON_MAX_LENGTH,
                                     field=_("the comment"))
                for key, text in comments.items()}
    comments = {key: text for key, text in comments.items() if text}
    if not {int(key) for key in comments} <= known:
        raise OutOfTurn(_("Comments can only be given on this unit's indicators."),
                        code="invalid_comment")
    returned_from = track.stage
    complete_on_track(execution, track, user=user, role=role, outcome="returned",
                      note=reason, status=ExecutionStatus.RETURNED)
    record = ReturnRecord.objects.create(track=track, execution=execution,
                                         reason=reason, comments=comments,
                                         snapshot=values_snapshot(track),
                                         returned_by=user.person)
    engine.open_execution(track.round, step.returns_to, track)
    track.stage = TrackStage.DRAFT
    track.version += 1
    track.save(update_fields=["stage", "version"])
    audit("unit_recap.returned", track, user=user, round_=track.round, step=step.number,
          stage=returned_from,
          summary=f"{track.unit.name}: returned to step {step.returns_to.number}: {reason}",
          comments=comments)
    return record


def changes_since_return(track: Track) -> list[dict]:
    """Per indicator, the value and explanation at the last return and now (changed only)."""
    record = track.returns.order_by("-returned_at", "-id").first()
    if record is None:
        return []
    now = values_snapshot(track)
    changes = []
    for key in sorted(set(record.snapshot) | set(now), key=int):
        before, after = record.snapshot.get(key), now.get(key)
        if before != after:
            changes.append({"indicator_id": int(key), "before": before, "after": after})
    return changes
