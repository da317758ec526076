"""Reminders and escalation of open steps, counted in the agency's working time, and their
delivery in the app and by e-mail (docs/reminders.md).

- `sweep(now)` (cron: `manage.py send_reminders`) writes the reminders and escalations that
  are due, then mails them. Only inside the agency's working time; idempotent (a unique
  constraint, and every e-mail claimed by `emailed_at` before it is sent).
- `remind_now(execution_id=, user=)` is the head's or the secretary's "remind" button.
- `mark_read`, `mark_all_read`, `preference_for`, `preference_save` serve the pages and the
  API.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kinerja.collection.models import (
    Disposition,
    ExecutionStatus,
    RoundStatus,
    StepExecution,
)
from kinerja.core.audit import record_event
from kinerja.core.errors import DomainError, OutOfTurn, PermissionDenied
from kinerja.organisation.models import Agency, Person
from kinerja.organisation.visibility import Viewer
from kinerja.worktime.calendar import Calendar

from . import text
from .holders import Holders
from .models import (
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
    ReminderSettings,
)

logger = logging.getLogger(__name__)

# The daily digest goes out with the first sweep of a working day at or after this time (WITA;
# docs/domain.md §6: work begins at 07:30).
DIGEST_TIME = time(7, 30)


@dataclass
class SweepReport:
    agencies: int = 0  # swept: in their working time
    outside_working_time: int = 0  # agencies left for a later sweep
    executions: int = 0  # open steps looked at
    reminders: int = 0  # reminders written (share and due)
    escalations: int = 0  # escalations written
    emails: int = 0  # e-mails sent, one per notification
    digests: int = 0  # daily digests sent
    recipients: dict[int, int] = field(default_factory=dict)  # person id: notifications

    def __str__(self) -> str:
        return (
            f"agencies swept: {self.agencies}, outside working time: "
            f"{self.outside_working_time}, open steps: {self.executions}, reminders: "
            f"{self.reminders}, escalations: {self.escalations}, e-mails: {self.emails}, "
            f"digests: {self.digests}"
        )


def settings_of(agency_id: int) -> ReminderSettings:
    """The agency's settings, or the defaults unsaved (a sweep writes no settings rows)."""
    return ReminderSettings.objects.filter(agency_id=agency_id).first() or ReminderSettings(
        agency_id=agency_id
    )


def in_working_time(calendar: Calendar, now: datetime) -> bool:
    local = now.astimezone(calendar.zone)
    return any(begin <= local <= end for begin, end in calendar.working_intervals(local.date()))


def _open_executions(agency_id: int | None = None, ids: Iterable[int] | None = None):
    executions = (
        StepExecution.objects.filter(status=ExecutionStatus.OPEN, round__status=RoundStatus.OPEN)
        .select_related(
            "round__sop_version", "round__agency", "step__recorded_by", "step__actor", "track__unit"
        )
        .prefetch_related("round__sop_version__actors", "round__tracks")
        .order_by("round_id", "id")
    )
    if agency_id is not None:
        executions = executions.filter(round__agency_id=agency_id)
    if ids is not None:
        executions = executions.filter(id__in=list(ids))
    return executions


# -- the sweep -------------------------------------------------------------------------------


def sweep(now: datetime | None = None) -> SweepReport:
    """Write the reminders and escalations due now in every agency that is in its working
    time, then send the e-mails (one per notification, or the day's digest). A second run
    at the same moment writes and sends nothing."""
    now = now or timezone.now()
    report = SweepReport()
    pending_mail = Notification.objects.filter(
        emailed_at__isnull=True, read_at__isnull=True
    ).values("agency_id")
    agency_ids = set(
        StepExecution.objects.filter(status=ExecutionStatus.OPEN, round__status=RoundStatus.OPEN)
        .values_list("round__agency_id", flat=True)
        .distinct()
    ) | set(pending_mail.values_list("agency_id", flat=True).distinct())
    for agency in Agency.objects.filter(id__in=agency_ids).order_by("id"):
        calendar = Calendar.load(agency)
        if not in_working_time(calendar, now):
            report.outside_working_time += 1
            continue
        report.agencies += 1
        holders = Holders.for_agency(agency, now.astimezone(calendar.zone).date())
        _remind_agency(agency, calendar, holders, now, report)
        report.emails += deliver(
            Notification.objects.filter(agency=agency), now=now, holders=holders
        )
        report.digests += send_digests(agency, now=now, holders=holders)
    return report


def _remind_agency(
    agency: Agency, calendar: Calendar, holders: Holders, now: datetime, report: SweepReport
) -> None:
    reminder_settings = settings_of(agency.pk)
    executions = list(_open_executions(agency.pk))
    report.executions += len(executions)
    dispositions = {
        d.round_id: d
        for d in Disposition.objects.filter(round_id__in={e.round_id for e in executions})
    }
    existing: set[tuple[int, int, str, int]] = set()
    escalated: dict[int, set[int]] = defaultdict(set)
    for execution_id, recipient_id, kind, level in Notification.objects.filter(
        execution__in=executions,
        kind__in=[
            NotificationKind.REMINDER_SHARE,
            NotificationKind.REMINDER_DUE,
            NotificationKind.ESCALATION,
        ],
    ).values_list("execution_id", "recipient_id", "kind", "level"):
        existing.add((execution_id, recipient_id, kind, level))
        if kind == NotificationKind.ESCALATION:
            escalated[execution_id].add(recipient_id)

    wanted: list[tuple[StepExecution, Person, str, int]] = []
    for execution in executions:
        standard = execution.step.time_standard_minutes
        if not standard:
            continue  # a step without a time standard is never late
        elapsed = calendar.working_minutes_between(execution.assigned_at, now)
        disposition = dispositions.get(execution.round_id)
        first = math.ceil(reminder_settings.reminder_share * standard / 100)
        # One reminder at a time: once the standard is used up, "time is up" is the news, and
        # a holder who had no first reminder yet (a late sweep, a new holder) does not get both.
        if elapsed >= standard:
            kind = NotificationKind.REMINDER_DUE
        elif elapsed >= first:
            kind = NotificationKind.REMINDER_SHARE
        else:
            kind = ""
        if kind:
            wanted += [
                (execution, person, kind, 0) for person in holders.of(execution, disposition)
            ]
        if reminder_settings.escalation_enabled and elapsed > standard:
            overdue = (elapsed - 1) // standard  # the n with elapsed > n × standard
            levels = holders.escalation_levels(execution, disposition)
            for level, people in enumerate(levels[:overdue], start=1):
                wanted += [
                    (execution, person, NotificationKind.ESCALATION, level)
                    for person in people
                    if person.pk not in escalated[execution.pk]
                ]
    for execution, person, kind, level in wanted:
        if (execution.pk, person.pk, kind, level) in existing:
            continue
        if _create_once(agency, execution, person, kind, level, now):
            existing.add((execution.pk, person.pk, kind, level))
            if kind == NotificationKind.ESCALATION:
                report.escalations += 1
            else:
                report.reminders += 1
            report.recipients[person.pk] = report.recipients.get(person.pk, 0) + 1


def _create_once(
    agency: Agency, execution: StepExecution, person: Person, kind: str, level: int, now: datetime
) -> bool:
    """Write one automatic notification unless it exists: a concurrent sweep that wrote it
    first makes this insert fail on the unique constraint (on PostgreSQL after waiting for
    that sweep's commit), and the savepoint keeps the rest of this sweep."""
    try:
        with transaction.atomic():
            Notification.objects.create(
                recipient=person,
                agency=agency,
                execution=execution,
                kind=kind,
                level=level,
                created_at=now,
            )
    except IntegrityError:
        return False
    return True


# -- the head's "remind" button --------------------------------------------------------------


def may_remind(viewer: Viewer, agency_id: int) -> bool:
    """The head and the secretary of the agency (the dashboard shows its button by this)."""
    return (
        viewer.has_person
        and viewer.agency_id == agency_id
        and (viewer.is_head or viewer.is_secretary)
    )


def remind_now(*, execution_id: int, user) -> list[Notification]:
    """The head or the secretary reminds the people who hold an open step, at once: one
    manual notification each, recorded in the audit trail; their e-mails are queued.

    Refused: an execution of another agency, or none, with 404 (its existence is not
    disclosed); anyone of the agency but its head and secretary with `PermissionDenied`;
    a step no longer waiting, or one nobody holds now, with `OutOfTurn`."""
    viewer = Viewer.for_user(user)
    if not viewer.has_person:
        raise PermissionDenied(
            _("Only the head of the agency or the secretary may send a reminder.")
        )
    execution = _open_executions(viewer.agency_id).filter(id=execution_id).first()
    if execution is None:
        if not StepExecution.objects.filter(
            id=execution_id, round__agency_id=viewer.agency_id
        ).exists():
            raise Http404
        raise OutOfTurn(
            _("This step is no longer waiting: there is nobody to remind."), code="not_waiting"
        )
    agency = execution.round.agency
    if not may_remind(viewer, agency.pk):
        raise PermissionDenied(
            _("Only the head of the agency or the secretary may send a reminder.")
        )
    disposition = Disposition.objects.filter(round_id=execution.round_id).first()
    people = Holders.for_agency(agency).of(execution, disposition)
    if not people:
        raise OutOfTurn(
            _("Nobody holds this step now: check the positions of the unit."), code="no_holder"
        )
    now = timezone.now()
    with transaction.atomic():
        created = [
            Notification.objects.create(
                recipient=person,
                agency=agency,
                execution=execution,
                kind=NotificationKind.MANUAL,
                sender_id=viewer.person_id,
                created_at=now,
            )
            for person in people
        ]
        track = execution.track
        record_event(
            action="notification.reminded",
            obj=execution,
            actor=user,
            agency=agency,
            summary=f"Reminder sent for step {execution.step.number} to "
            f"{', '.join(person.full_name for person in people)}",
            data={
                "recipients": [person.pk for person in people],
                "notifications": [notification.pk for notification in created],
            },
            round_=execution.round_id,
            track=track,
            stage=track.stage if track is not None else None,
            step=execution.step.number,
        )
        ids = [notification.pk for notification in created]
        transaction.on_commit(lambda: _queue_delivery(ids))
    return created


def _queue_delivery(ids: list[int]) -> None:
    from .tasks import deliver_notifications

    deliver_notifications.enqueue(notification_ids=ids)


# -- e-mail ----------------------------------------------------------------------------------


def _preferences(person_ids: Iterable[int]) -> dict[int, NotificationPreference]:
    return {
        preference.person_id: preference
        for preference in NotificationPreference.objects.filter(person_id__in=set(person_ids))
    }


def _mailable(notifications) -> list[Notification]:
    """Not yet mailed, not read in the app, and about a step still waiting (a step done in
    between sends nothing more); to a person with an address."""
    return list(
        notifications.filter(emailed_at__isnull=True, read_at__isnull=True)
        .exclude(recipient__email="")
        .filter(
            Q(execution__isnull=True)
            | Q(execution__status=ExecutionStatus.OPEN, execution__round__status=RoundStatus.OPEN)
        )
        .select_related(
            "recipient__user",
            "sender",
            "execution__step",
            "execution__round",
            "execution__track__unit",
        )
        .order_by("id")
    )


def _language(person: Person) -> str:
    user = person.user
    return (getattr(user, "language", "") if user is not None else "") or settings.LANGUAGE_CODE


def _claim(ids: list[int], now: datetime) -> int:
    """Mark the notifications mailed before sending, so two deliveries at once send each one
    once; returns how many this caller claimed."""
    return Notification.objects.filter(id__in=ids, emailed_at__isnull=True).update(emailed_at=now)


def deliver(notifications, *, now: datetime | None = None, holders: Holders | None = None) -> int:
    """Send one e-mail per notification to each person who wants them at once; returns the
    number sent. A failed send gives its notification back to the next delivery."""
    now = now or timezone.now()
    found = _mailable(notifications)
    preferences = _preferences(n.recipient_id for n in found)
    # The reader's viewer chooses the link (a unit's page only for whoever may see it).
    by_agency = {} if holders is None else {holders.agency_id: holders}
    sent = 0
    for notification in found:
        preference = preferences.get(notification.recipient_id)
        if preference is not None and (
            not preference.email_enabled or preference.delivery != Delivery.IMMEDIATE
        ):
            continue
        if not _claim([notification.pk], now):
            continue
        recipient = notification.recipient
        if notification.agency_id not in by_agency:
            by_agency[notification.agency_id] = Holders.for_agency(notification.agency_id)
        viewer = by_agency[notification.agency_id].viewers.get(recipient.pk)
        with translation.override(_language(recipient)):
            subject = text.title(notification)
            message = "\n\n".join(
                [
                    text.body(notification),
                    _("Open it: %(url)s") % {"url": text.absolute(text.link(notification, viewer))},
                    _("Your notifications and how you receive them: %(url)s")
                    % {"url": text.absolute(_list_url())},
                ]
            )
        if _send(subject, message, recipient, [notification.pk]):
            sent += 1
    return sent


def send_digests(agency: Agency, *, now: datetime, holders: Holders | None = None) -> int:
    """One e-mail a working day to each person of the agency who chose the daily digest,
    listing what was not yet mailed: sent by the first sweep in working time at or after
    07:30. The day is claimed first, so two sweeps never send two digests."""
    local = timezone.localtime(now)
    if local.time() < DIGEST_TIME:
        return 0
    today = local.date()
    sent = 0
    preferences = (
        NotificationPreference.objects.filter(
            person__agency=agency, email_enabled=True, delivery=Delivery.DIGEST
        )
        .exclude(person__email="")
        .exclude(last_digest_on=today)
        .select_related("person__user")
    )
    for preference in preferences:
        claimed_day = (
            NotificationPreference.objects.filter(pk=preference.pk)
            .exclude(last_digest_on=today)
            .update(last_digest_on=today)
        )
        if not claimed_day:
            continue
        found = _mailable(Notification.objects.filter(recipient_id=preference.person_id))
        if not found or not _claim([n.pk for n in found], now):
            continue
        person = preference.person
        viewer = holders.viewers.get(person.pk) if holders is not None else None
        with translation.override(_language(person)):
            subject = _("Kinerja: %(count)s notifications of the day") % {"count": len(found)}
            lines = [
                f"- {text.title(n)}\n  {text.body(n)}\n  {text.absolute(text.link(n, viewer))}"
                for n in found
            ]
            message = "\n\n".join(
                [
                    _("Your notifications not yet sent by e-mail:"),
                    *lines,
                    _("Your notifications and how you receive them: %(url)s")
                    % {"url": text.absolute(_list_url())},
                ]
            )
        if _send(subject, message, person, [n.pk for n in found]):
            sent += 1
        else:  # the day is given back: the next sweep tries the digest again
            NotificationPreference.objects.filter(pk=preference.pk).update(
                last_digest_on=preference.last_digest_on)
    return sent


def _list_url() -> str:
    from django.urls import reverse

    return reverse("notifications:list")


def _send(subject: str, message: str, person: Person, ids: list[int]) -> bool:
    try:
        send_mail(subject, message, None, [person.email])
    except Exception:  # a mail server down must not stop the sweep: retried next time
        logger.exception("notification e-mail to person %s failed", person.pk)
        Notification.objects.filter(id__in=ids).update(emailed_at=None)
        return False
    return True


# -- reading and preferences -----------------------------------------------------------------


def notifications_of(person_id: int):
    """A person's notifications, newest first, with what their sentences read."""
    return (
        Notification.objects.filter(recipient_id=person_id)
        .select_related("sender", "execution__step", "execution__round", "execution__track__unit")
        .order_by("-created_at", "-id")
    )


def unread_count(person_id: int) -> int:
    return Notification.objects.filter(recipient_id=person_id, read_at__isnull=True).count()


def mark_read(*, person_id: int, notification_id: int) -> Notification:
    """One of the person's own notifications, read (404 for anyone else's)."""
    notification = Notification.objects.filter(id=notification_id, recipient_id=person_id).first()
    if notification is None:
        raise Http404
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, person_id: int) -> int:
    return Notification.objects.filter(recipient_id=person_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def preference_for(person_id: int) -> NotificationPreference:
    """The person's preference; the default (e-mail at once), unsaved, when they have none."""
    return NotificationPreference.objects.filter(
        person_id=person_id
    ).first() or NotificationPreference(person_id=person_id)


def preference_save(
    *, person_id: int, email_enabled: bool, delivery: str
) -> NotificationPreference:
    if delivery not in Delivery.values:
        raise DomainError(_("Choose how the e-mails are delivered."), code="invalid_delivery")
    preference, _created = NotificationPreference.objects.update_or_create(
        person_id=person_id, defaults={"email_enabled": email_enabled, "delivery": delivery}
    )
    return preference
