"""What the notification tests share: a round's open steps assigned at a chosen moment, every
person of agency A with an address, and a readable record of who received what."""

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core import mail

from kinerja.collection.models import ExecutionStatus, StepExecution
from kinerja.notifications.models import Notification
from kinerja.organisation.models import Person
from kinerja.worktime.calendar import Calendar

WITA = ZoneInfo("Asia/Makassar")


def at(day: int, hour: int, minute: int = 0, month: int = 8) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=WITA)


def assign_open_steps(round_, moment: datetime) -> list[StepExecution]:
    """The round's open steps as if assigned at `moment` (their due time with it): the
    round was built at the real time of the test run."""
    calendar = Calendar.load(round_.agency)
    executions = list(
        StepExecution.objects.filter(round=round_, status=ExecutionStatus.OPEN).select_related(
            "step"
        )
    )
    for execution in executions:
        StepExecution.objects.filter(pk=execution.pk).update(
            assigned_at=moment,
            due_at=calendar.add_working_minutes(moment, execution.step.time_standard_minutes),
        )
    return executions


def give_addresses(agency) -> None:
    for person in Person.objects.filter(agency=agency).select_related("user"):
        person.email = f"{person.user.username}@example.test"
        person.save(update_fields=["email"])


def received() -> dict[str, list[tuple[str, int]]]:
    """{user name: [(kind, level), ...]} of every notification, in the order written."""
    found: dict[str, list[tuple[str, int]]] = {}
    for notification in Notification.objects.select_related("recipient__user").order_by("id"):
        found.setdefault(notification.recipient.user.username, []).append(
            (notification.kind, notification.level)
        )
    return found


def mails_by_person() -> Counter:
    return Counter(message.to[0].split("@")[0] for message in mail.outbox)


def notifications_by_person() -> Counter:
    return Counter(Notification.objects.values_list("recipient__user__username", flat=True))
