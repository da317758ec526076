"""A notification in words, written in the active language when it is shown or mailed (the
model keeps only structured fields), and where it leads."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kinerja.organisation.visibility import Viewer

from .models import Notification, NotificationKind


def _where(notification: Notification) -> dict[str, str]:
    execution = notification.execution
    if execution is None:
        return {"step": "", "round": "", "unit": "", "due": ""}
    unit = execution.track.unit.name if execution.track_id and execution.track else ""
    return {
        "step": str(execution.step.number),
        "round": str(execution.round),
        "unit": unit,
        "due": date_format(timezone.localtime(execution.due_at), "DATETIME_FORMAT"),
    }


def title(notification: Notification) -> str:
    """One line: what the notification is about."""
    where = _where(notification)
    if notification.kind == NotificationKind.ESCALATION:
        text = _("Overdue: step %(step)s of %(round)s (escalation level %(level)s)") % {
            **where,
            "level": notification.level,
        }
    elif notification.kind == NotificationKind.REMINDER_DUE:
        text = _("Time is up: step %(step)s of %(round)s") % where
    elif notification.kind == NotificationKind.MANUAL:
        text = _("Reminder from %(sender)s: step %(step)s of %(round)s") % {
            **where,
            "sender": notification.sender.full_name if notification.sender else _("the leadership"),
        }
    else:
        text = _("Reminder: step %(step)s of %(round)s") % where
    if where["unit"]:
        text = f"{text} · {where['unit']}"
    return text


def body(notification: Notification) -> str:
    """What it asks of the reader, with the step's due time."""
    where = _where(notification)
    execution = notification.execution
    description = execution.step.description if execution is not None else ""
    if notification.kind == NotificationKind.ESCALATION:
        text = _(
            "“%(description)s” has been waiting past its due time (%(due)s). You are told "
            "as the post above the people who hold it; please follow it up."
        )
    elif notification.kind == NotificationKind.REMINDER_DUE:
        text = _("“%(description)s” waits for you and its time standard is used up (due %(due)s).")
    else:
        text = _("“%(description)s” waits for you; it is due %(due)s.")
    return text % {**where, "description": description}


def link(notification: Notification, viewer: Viewer | None = None) -> str:
    """The unit's page when the reader may see the unit's data now, else the round's page at
    the step (the head escalated over a unit's draft sees the round, not the draft)."""
    execution = notification.execution
    if execution is None:
        return reverse("notifications:list")
    track = execution.track if execution.track_id else None
    if track is not None and viewer is not None and viewer.can_see_track(track):
        return reverse("collection:track_detail", args=[execution.round_id, track.pk])
    return reverse("collection:round_detail", args=[execution.round_id]) + (
        f"#step-{execution.step.number}"
    )


def absolute(path: str) -> str:
    return settings.KINERJA_SITE_URL.rstrip("/") + path
