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

from kinerja.core.errors import OutOfTurn, PermissionDenied
from kinerja.core.text import REASON_MAX_LENGTH, clean_text
from kinerja.organisation.visibility import Viewer

from .. import engine
from ..models import Round, RoundStatus
from .common import audit, check_version


@transaction.atomic
def round_cancel(*, user, round_: Round, reason: str, expected_version: int) -> Round:
    """Only the head of the agency cancels a round, only before it is finalised (a finalised
    round is reopened instead), and always with a reason."""
    # Documents are filed by the documents app, which reads collection: imported here so
    # that collection does not import it at load time (as collection/history.py does).
    from kinerja.documents.models import Document

    round_ = Round.objects.select_for_update().select_related("agency").get(pk=round_.pk)
    viewer = Viewer.for_user(user)
    if viewer.agency_id != round_.agency_id or not viewer.is_head:
        raise PermissionDenied(_("Only the head of the agency cancels a round."))
    if round_.status == RoundStatus.CANCELLED:
        raise OutOfTurn(_("This round is already cancelled."), code="round_cancelled")
    if round_.status == RoundStatus.FINALISED:
        raise OutOfTurn(_("A finalised round is not cancelled: reopen it to correct it."),
                        code="round_finalised")
    check_version(round_, expected_version)
    reason = clean_text(reason, max_length=REASON_MAX_LENGTH, field=_("the reason"))
    if not reason:
        raise OutOfTurn(_("Give the reason for cancelling the round."),
                        code="reason_required")
    now = timezone.now()
    closed = engine.close_open(round_, at=now)
    documents = Document.objects.filter(round=round_, cancelled_at__isnull=True)
    document_ids = sorted(documents.values_list("id", flat=True))
    documents.update(cancelled_at=now)
    round_.status = RoundStatus.CANCELLED
    round_.cancelled_at = now
    round_.cancel_reason = reason
    round_.version += 1
    round_.save(update_fields=["status", "cancelled_at", "cancel_reason", "version"])
    audit("round.cancelled", round_, user=user, round_=round_, at=now,
          summary=f"Round {round_} cancelled: {reason}", reason=reason,
          closed_executions=closed, cancelled_documents=document_ids)
    return round_
