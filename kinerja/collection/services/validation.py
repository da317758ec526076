"""Validation (step 7 of the seed): the unit head validates the unit recap, or returns it
with a reason; an SOP may add a second level (the Sekretaris verifies), run by the same
actions on the validation step that waits on the track."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from kinerja.core.errors import OutOfTurn
from kinerja.core.text import REASON_MAX_LENGTH, clean_text
from kinerja.organisation.visibility import Viewer
from kinerja.sops.models import StepKind

from .. import engine
from ..models import IndicatorValue, ReturnRecord, StepExecution, Track
from .common import audit, check_version, role_for, waiting_on_track
from .data_entry import locked_track


def values_snapshot(track: Track) -> dict:
    """{indicator id: the value, explanation and evidence files as they stand}, kept with a
    return (ReturnRecord.snapshot) so the next reviewer sees what changed since. Evidence is
    kept by id, name and SHA-256; snapshots taken before evidence was kept have no
    "evidence" key (see `changes_since_return`)."""
    return {str(value.indicator_id): {
        "value": None if value.value is None else str(value.value),
        "explanation": value.explanation,
        "evidence": [{"id": file.id, "name": file.original_name, "sha256": file.sha256}
                     for file in value.evidence.all()],
    } for value in IndicatorValue.objects.filter(track=track).prefetch_related("evidence")}


def _waiting_validation(track: Track) -> StepExecution:
    """The validation that waits on the unit's track: the SOP may have more than one level
    (the Kabid validates, then the Sekretaris verifies), each a step of this kind."""
    numbers = [step.number for step in
               track.round.sop_version.steps.filter(kind=StepKind.VALIDATION)]
    return waiting_on_track(
        track, (StepKind.VALIDATION,),
        _("Step %(number)s (validation) is not waiting for this unit's data now.")
        % {"number": " / ".join(map(str, numbers))})


@transaction.atomic
def unit_recap_approve(*, user, track: Track, note: str = "", expected_version: int) -> Track:
    track = locked_track(track)
    check_version(track, expected_version)
    execution = _waiting_validation(track)
    step = execution.step
    role = role_for(Viewer.for_user(user), step, track)
    note = clean_text(note, max_length=REASON_MAX_LENGTH, field=_("the note"))
    engine.complete(execution, user=user, role=role, outcome="approved", note=note)
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
    execution = _waiting_validation(track)
    step = execution.step
    role = role_for(Viewer.for_user(user), step, track)
    reason = clean_text(reason, max_length=REASON_MAX_LENGTH, field=_("the reason"))
    if not reason:
        raise OutOfTurn(_("Give the reason for returning the data."), code="reason_required")
    known = set(IndicatorValue.objects.filter(track=track).values_list("indicator_id",
                                                                       flat=True))
    cleaned = {str(key): clean_text(text, max_length=REASON_MAX_LENGTH,
                                    field=_("the comment"))
               for key, text in comments.items()}
    cleaned = {key: text for key, text in cleaned.items() if text}
    if not {int(key) for key in cleaned} <= known:
        raise OutOfTurn(_("Comments can only be given on this unit's indicators."),
                        code="invalid_comment")
    returned_from = track.stage
    reopened = engine.send_back(execution, user=user, role=role, reason=reason)
    record = ReturnRecord.objects.create(track=track, execution=execution,
                                         reason=reason, comments=cleaned,
                                         snapshot=values_snapshot(track),
                                         returned_by=user.person)
    track.version += 1
    track.save(update_fields=["version"])
    audit("unit_recap.returned", track, user=user, round_=track.round, step=step.number,
          stage=returned_from,
          summary=f"{track.unit.name}: returned to step {reopened.step.number}: {reason}",
          comments=cleaned, reason=reason)
    return record


@dataclass(frozen=True)
class ChangeSinceReturn:
    """One indicator whose value, explanation or evidence differs from the last return.

    `before` and `after` are snapshot entries ({"value": text or None, "explanation": text,
    "evidence": [{"id", "name", "sha256"}]}), None where the unit had no value then (or has
    none now)."""

    indicator_id: int
    before: dict | None
    after: dict | None
    value_changed: bool
    explanation_changed: bool
    evidence_added: tuple[dict, ...] = ()
    evidence_removed: tuple[dict, ...] = ()

    @property
    def before_value(self) -> Decimal | None:
        return _decimal((self.before or {}).get("value"))

    @property
    def after_value(self) -> Decimal | None:
        return _decimal((self.after or {}).get("value"))

    @property
    def what(self) -> list[str]:
        """What changed, in words (the row's badge reads it to screen readers)."""
        parts = []
        if self.value_changed:
            parts.append(_("the value"))
        if self.explanation_changed:
            parts.append(_("the explanation"))
        if self.evidence_added or self.evidence_removed:
            parts.append(_("the evidence"))
        return parts


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def changes_since_return(track: Track) -> list[ChangeSinceReturn]:
    """Per indicator, what differs between the last return's snapshot and now: the value,
    the explanation, the evidence files added and removed (changed indicators only).

    Evidence hangs on a value, so an indicator without a value at the return had none; a
    snapshot entry from before evidence was kept (no "evidence" key) shows no evidence
    change, as it cannot tell."""
    record = track.returns.order_by("-returned_at", "-id").first()
    if record is None:
        return []
    now = values_snapshot(track)
    changes = []
    for key in sorted(set(record.snapshot) | set(now), key=int):
        before, after = record.snapshot.get(key), now.get(key)
        then, current = before or {}, after or {}
        value_changed = then.get("value") != current.get("value")
        explanation_changed = (then.get("explanation") or "") != (
            current.get("explanation") or "")
        added = removed = ()
        if before is None or "evidence" in before:
            old_files = {file["id"]: file for file in then.get("evidence", [])}
            new_files = {file["id"]: file for file in current.get("evidence", [])}
            added = tuple(new_files[file_id]
                          for file_id in sorted(set(new_files) - set(old_files)))
            removed = tuple(old_files[file_id]
                            for file_id in sorted(set(old_files) - set(new_files)))
        if value_changed or explanation_changed or added or removed:
            changes.append(ChangeSinceReturn(
                indicator_id=int(key), before=before, after=after,
                value_changed=value_changed, explanation_changed=explanation_changed,
                evidence_added=added, evidence_removed=removed))
    return changes
