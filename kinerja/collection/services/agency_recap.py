"""Step 9: the data subsection compiles the agency recap and finalises the round; the head may
finalise without some units (with the reason) and reopen a finalised round.

Finalising stores the recap as it stands (`snapshot.take_snapshot`), which every view of the
finalised round then reads; reopening keeps that snapshot, marked superseded, and finalising
again stores the next one (docs/architecture.md, "Finalised recaps")."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kinerja.core.errors import DomainError, OutOfTurn, PermissionDenied
from kinerja.core.text import REASON_MAX_LENGTH, clean_text
from kinerja.organisation.visibility import Viewer
from kinerja.sops.models import SopStep, StepKind

# The module, not its functions: snapshot imports the recap, which imports services back.
from .. import engine, snapshot
from ..models import Round, RoundStatus, Track, TrackStage
from .common import audit, check_version, refuse_unless_open, role_for, step_of_kind


def _locked(round_: Round, expected_version: int) -> Round:
    locked = Round.objects.select_for_update().select_related("agency", "sop_version").get(
        pk=round_.pk)
    check_version(locked, expected_version)
    return locked


def missing_units(round_: Round) -> list[str]:
    return [track.unit.name for track in round_.tracks.select_related("unit")
            .order_by("unit__order") if track.stage != TrackStage.FINAL]


def finalise_without_refusal(viewer: Viewer, round_: Round,
                             missing: list[str]) -> DomainError | None:
    """Why the viewer may not finalise the round without the units still `missing` (or
    before the agency recap waits), or None: only the head of the round's agency, and only
    while the round is open."""
    try:
        refuse_unless_open(round_)
    except OutOfTurn as refusal:
        return refusal
    if viewer.agency_id != round_.agency_id or not viewer.is_head:
        return PermissionDenied(_("Units still missing: %(units)s. Only the head can "
                                  "finalise without them.") % {
                                      "units": ", ".join(missing) or "—"})
    return None


def may_finalise_without(viewer: Viewer, round_: Round) -> bool:
    """The rule `round_finalise` enforces on the head's way of finalising, for the pages to
    offer the form by. Whether units are still missing is the round's state, not the
    viewer's: the round page asks `missing_units` for it."""
    return finalise_without_refusal(viewer, round_, []) is None


@transaction.atomic
def round_finalise(*, user, round_: Round, expected_version: int, reason: str = "") -> Round:
    """Lock the round as report material. The data subsection's staff do it once every unit's
    hand-over is acknowledged; before that only the head, with a reason naming the units."""
    round_ = _locked(round_, expected_version)
    refuse_unless_open(round_)
    reason = clean_text(reason, max_length=REASON_MAX_LENGTH, field=_("the reason"))
    step = step_of_kind(round_.sop_version, StepKind.AGENCY_RECAP)
    viewer = Viewer.for_user(user)
    missing = missing_units(round_)
    execution = next(iter(engine.waiting_all(round_, step)), None)
    if missing or execution is None:
        refusal = finalise_without_refusal(viewer, round_, missing)
        if refusal is not None:
            raise refusal
        role = next(r for r in viewer.roles if r.position_kind == "head")
        if not reason:
            raise OutOfTurn(_("Give the reason for finalising without: %(units)s.")
                            % {"units": ", ".join(missing)}, code="reason_required")
        note = _("Finalised without %(units)s: %(reason)s") % {
            "units": ", ".join(missing), "reason": reason}
        engine.finish_without(round_, step, user=user, role=role, outcome="finalised_by_head",
                              note=note)
    else:
        role = role_for(viewer, step)
        engine.complete(execution, user=user, role=role, outcome="finalised", note=reason)
    now = timezone.now()
    # Computed live while the round is still open: what the finalised round shows from now on.
    frozen = snapshot.take_snapshot(round_, user=user, missing=missing, at=now)
    round_.status = RoundStatus.FINALISED
    round_.finalised_at = now
    round_.version += 1
    round_.save(update_fields=["status", "finalised_at", "version"])
    audit("round.finalised", round_, user=user, round_=round_, step=step.number,
          summary=f"Round {round_} finalised by {role.position_title}", missing=missing,
          reason=reason, snapshot=frozen.number)
    return round_


# The steps a unit may be sent back to when the head reopens a finalised round: its data
# is corrected at data entry (or its recap), or looked at again from the validation on.
REOPENABLE_KINDS = (StepKind.DATA_ENTRY, StepKind.UNIT_RECAP, StepKind.VALIDATION)


def reopen_steps(round_: Round) -> list[SopStep]:
    """The steps the head may send units back to, in the SOP's order."""
    return [step for step in engine.per_unit_steps(round_) if step.kind in REOPENABLE_KINDS]


def reopen_refusal(viewer: Viewer, round_: Round) -> DomainError | None:
    """Why the viewer may not reopen the round, or None: only the head of the round's agency,
    and only a finalised round (a cancelled one is never written again)."""
    if viewer.agency_id != round_.agency_id or not viewer.is_head:
        return PermissionDenied(_("Only the head of the agency reopens a round."))
    if round_.status != RoundStatus.FINALISED:
        return OutOfTurn(_("The round is not finalised."), code="not_finalised")
    return None


def may_reopen(viewer: Viewer, round_: Round) -> bool:
    """The rule `round_reopen` enforces, for the pages to offer the form by."""
    return reopen_refusal(viewer, round_) is None


@transaction.atomic
def round_reopen(*, user, round_: Round, reason: str, expected_version: int,
                 track_ids: list[int] | None = None, step_number: int | None = None) -> Round:
    """Only the head reopens a finalised round, with a reason. With units chosen, each goes
    back to the chosen step (data entry, the unit recap or a validation) and through the SOP
    from there; the agency recap waits for them and the round is finalised again. With none,
    only the agency recap waits again."""
    round_ = _locked(round_, expected_version)
    refusal = reopen_refusal(Viewer.for_user(user), round_)
    if refusal is not None:
        raise refusal
    reason = clean_text(reason, max_length=REASON_MAX_LENGTH, field=_("the reason"))
    if not reason:
        raise OutOfTurn(_("Give the reason for reopening the round."), code="reason_required")
    tracks, step = _reopened_tracks(round_, track_ids or [], step_number)
    if Round.objects.filter(agency=round_.agency, sop=round_.sop, year=round_.year,
                            period=round_.period, status=RoundStatus.OPEN).exists():
        raise OutOfTurn(_("Another round for this period is in progress."),
                        code="round_exists")
    # The snapshot stays in the record; finalising again stores the next one.
    snapshot.supersede(round_)
    round_.status = RoundStatus.OPEN
    round_.finalised_at = None
    round_.version += 1
    round_.save(update_fields=["status", "finalised_at", "version"])
    opened = engine.reopen(round_, tracks=tracks, step=step)
    units = [track.unit.name for track in tracks]
    summary = f"Round {round_} reopened: {reason}"
    if units and step is not None:
        summary = (f"Round {round_} reopened for {', '.join(units)} back to step "
                   f"{step.number}: {reason}")
    audit("round.reopened", round_, user=user, round_=round_,
          step=step.number if step else None, summary=summary, reason=reason, units=units,
          tracks=[track.pk for track in tracks], executions=[e.pk for e in opened])
    return round_


def _reopened_tracks(round_: Round, track_ids: list[int],
                     step_number: int | None) -> tuple[list[Track], SopStep | None]:
    if not track_ids:
        if step_number is not None:
            raise OutOfTurn(_("Choose the units that go back to step %(number)d.")
                            % {"number": step_number}, code="units_required")
        return [], None
    steps = {step.number: step for step in reopen_steps(round_)}
    if step_number not in steps:
        raise OutOfTurn(_("Choose the step the units go back to: %(steps)s.") % {
            "steps": ", ".join(f"{number} ({step.get_kind_display()})"
                               for number, step in steps.items())}, code="invalid_step")
    tracks = list(Track.objects.select_for_update().select_related("unit")
                  .filter(round=round_, pk__in=track_ids).order_by("unit__order"))
    if len(tracks) != len(set(track_ids)):
        raise OutOfTurn(_("Choose units of this round."), code="invalid_units")
    return tracks, steps[step_number]
