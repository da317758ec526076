"""Step 9: the data subsection compiles the agency recap and finalises the round; the head may
finalise without some units (with the reason) and reopen a finalised round.

Finalising stores the recap as it stands (`snapshot.take_snapshot`), which every view of the
finalised round then reads; reopening keeps that snapshot, marked superseded, and finalising
again stores the next one (docs/architecture.md, "Finalised recaps")."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kinerja.core.errors import OutOfTurn, PermissionDenied
from kinerja.core.text import REASON_MAX_LENGTH, clean_text
from kinerja.organisation.visibility import Viewer
from kinerja.sops.models import StepKind

# The module, not its functions: snapshot imports the recap, which imports services back.
from .. import engine, snapshot
from ..models import ExecutionStatus, Round, RoundStatus, StepExecution, TrackStage
from .common import audit, check_version, refuse_unless_open, role_for, step_of_kind


def _locked(round_: Round, expected_version: int) -> Round:
    locked = Round.objects.select_for_update().select_related("agency", "sop_version").get(
        pk=round_.pk)
    check_version(locked, expected_version)
    return locked


def missing_units(round_: Round) -> list[str]:
    return [track.unit.name for track in round_.tracks.select_related("unit")
            .order_by("unit__order") if track.stage != TrackStage.FINAL]


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
    execution = StepExecution.objects.select_for_update().filter(
        round=round_, step=step, status=ExecutionStatus.OPEN).first()
    if missing or execution is None:
        if not viewer.is_head:
            raise PermissionDenied(_("Units still missing: %(units)s. Only the head can "
                                     "finalise without them.") % {
                                         "units": ", ".join(missing) or "—"})
        role = next(r for r in viewer.roles if r.position_kind == "head")
        if not reason:
            raise OutOfTurn(_("Give the reason for finalising without: %(units)s.")
                            % {"units": ", ".join(missing)}, code="reason_required")
        engine.close_open(round_)
        execution = engine.open_execution(round_, step)
        note = _("Finalised without %(units)s: %(reason)s") % {
            "units": ", ".join(missing), "reason": reason}
        engine.complete(execution, user=user, role=role, outcome="finalised_by_head",
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


@transaction.atomic
def round_reopen(*, user, round_: Round, reason: str, expected_version: int) -> Round:
    """Only the head reopens a finalised round, with a reason; the agency recap waits again."""
    round_ = _locked(round_, expected_version)
    viewer = Viewer.for_user(user)
    if not viewer.is_head:
        raise PermissionDenied(_("Only the head of the agency reopens a round."))
    if round_.status != RoundStatus.FINALISED:
        raise OutOfTurn(_("The round is not finalised."), code="not_finalised")
    reason = clean_text(reason, max_length=REASON_MAX_LENGTH, field=_("the reason"))
    if not reason:
        raise OutOfTurn(_("Give the reason for reopening the round."), code="reason_required")
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
    engine.open_execution(round_, step_of_kind(round_.sop_version, StepKind.AGENCY_RECAP))
    audit("round.reopened", round_, user=user, round_=round_,
          summary=f"Round {round_} reopened: {reason}", reason=reason)
    return round_
