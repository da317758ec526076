"""A round's life outside the SOP's steps: the head cancels a round that cannot or should not
go on (a wrong period, a year without targets), with the reason.

A cancelled round stays in the record, read-only: its waiting steps are closed by the engine
(so nobody's task list shows them), the documents it filed are marked cancelled, and its
period is free for a new round (the database's `one_round_per_period` leaves cancelled rounds
out, and so does `disposition._round_of_period`)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kinerja.core.errors import DomainError, OutOfTurn, PermissionDenied
from kinerja.core.text import REASON_MAX_LENGTH, clean_text
from kinerja.organisation.visibility import Viewer

from .. import engine
from ..models import Round, RoundStatus
from ..signals import round_cancelled
from .common import audit, check_version


def cancel_refusal(viewer: Viewer, round_: Round) -> DomainError | None:
    """Why the viewer may not cancel the round, or None: only the head of the round's agency
    cancels, and only a round still open (a finalised round is reopened instead)."""
    if viewer.agency_id != round_.agency_id or not viewer.is_head:
        return PermissionDenied(_("Only the head of the agency cancels a round."))
    if round_.status == RoundStatus.CANCELLED:
        return OutOfTurn(_("This round is already cancelled."), code="round_cancelled")
    if round_.status == RoundStatus.FINALISED:
        return OutOfTurn(_("A finalised round is not cancelled: reopen it to correct it."),
                         code="round_finalised")
    return None


def may_cancel(viewer: Viewer, round_: Round) -> bool:
    """The rule `round_cancel` enforces, for the pages to offer the form by."""
    return cancel_refusal(viewer, round_) is None


@transaction.atomic
def round_cancel(*, user, round_: Round, reason: str, expected_version: int) -> Round:
    """Only the head of the agency cancels a round, only before it is finalised (a finalised
    round is reopened instead), and always with a reason."""
    round_ = Round.objects.select_for_update().select_related("agency").get(pk=round_.pk)
    refusal = cancel_refusal(Viewer.for_user(user), round_)
    if refusal is not None:
        raise refusal
    check_version(round_, expected_version)
    reason = clean_text(reason, max_length=REASON_MAX_LENGTH, field=_("the reason"))
    if not reason:
        raise OutOfTurn(_("Give the reason for cancelling the round."),
                        code="reason_required")
    now = timezone.now()
    closed = engine.close_open(round_, at=now)
    # The documents app, above collection, marks what it filed cancelled, in this
    # transaction (documents/receivers.py), and says which.
    answers = round_cancelled.send(sender=Round, round_=round_, at=now)
    document_ids = sorted(pk for _receiver, ids in answers for pk in ids or ())
    round_.status = RoundStatus.CANCELLED
    round_.cancelled_at = now
    round_.cancel_reason = reason
    round_.version += 1
    round_.save(update_fields=["status", "cancelled_at", "cancel_reason", "version"])
    audit("round.cancelled", round_, user=user, round_=round_, at=now,
          summary=f"Round {round_} cancelled: {reason}", reason=reason,
          closed_executions=closed, cancelled_documents=document_ids)
    return round_
