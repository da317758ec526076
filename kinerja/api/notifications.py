"""The caller's own notifications over the API: the same services as the page
(notifications/views.py). Another person's notification is a 404, as if it did not exist."""

from datetime import datetime
from typing import Annotated

from ninja import Field, Query, Router, Schema

from kinerja.core.converters import MAX_ID
from kinerja.notifications import services, text

from .auth import viewer_of
from .schemas import Id

router = Router(tags=["notifications"])

PAGE_SIZE = 100


class NotificationOut(Schema):
    id: int
    kind: str = Field(description="reminder_share, reminder_due, escalation or manual")
    level: int = Field(description="The escalation level; 0 for reminders.")
    title: str
    body: str
    url: str = Field(
        description="The page of the step: the unit's when you may see its "
        "data, the round's otherwise."
    )
    round_id: int | None
    track_id: int | None
    step: int | None
    sender: str | None = Field(description="Who sent a manual reminder.")
    created_at: datetime
    read_at: datetime | None
    emailed_at: datetime | None


class NotificationPageOut(Schema):
    count: int = Field(description="All your notifications, read and unread.")
    unread: int
    items: list[NotificationOut]


class ReadAllOut(Schema):
    marked: int = Field(description="How many were unread and are read now.")


def _out(notification, viewer) -> dict:
    execution = notification.execution
    return {
        "id": notification.id,
        "kind": notification.kind,
        "level": notification.level,
        "title": text.title(notification),
        "body": text.body(notification),
        "url": text.link(notification, viewer),
        "round_id": execution.round_id if execution is not None else None,
        "track_id": execution.track_id if execution is not None else None,
        "step": execution.step.number if execution is not None else None,
        "sender": notification.sender.full_name if notification.sender else None,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
        "emailed_at": notification.emailed_at,
    }


@router.get("/notifications", response=NotificationPageOut)
def notification_list(
    request,
    limit: Annotated[int, Query(ge=1, le=PAGE_SIZE)] = PAGE_SIZE,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
):
    """Your notifications, newest first, read and unread, a page at a time."""
    viewer = viewer_of(request)
    found = services.notifications_of(viewer.person_id)
    return {
        "count": found.count(),
        "unread": services.unread_count(viewer.person_id),
        "items": [_out(n, viewer) for n in found[offset : offset + limit]],
    }


@router.post("/notifications/read-all", response=ReadAllOut)
def notification_read_all(request):
    """Mark all your unread notifications as read."""
    return {"marked": services.mark_all_read(person_id=viewer_of(request).person_id)}


@router.post("/notifications/{notification_id}/read", response=NotificationOut)
def notification_read(request, notification_id: Id):
    """Mark one of your notifications as read (404 for anyone else's)."""
    viewer = viewer_of(request)
    services.mark_read(person_id=viewer.person_id, notification_id=notification_id)
    notification = services.notifications_of(viewer.person_id).get(id=notification_id)
    return _out(notification, viewer)
