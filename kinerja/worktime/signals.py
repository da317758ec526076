"""What the working calendar tells the apps that count time through it. Worktime is below
them (pyproject.toml, the layers) and calls none of them: they listen here.

`calendar_changed` is sent once an agency's calendar has changed and the change has
committed, whichever way it was saved (the admin, a service, the shell): the receivers below
watch every model save and delete of the calendar's rows. A write that sends no model signal
(QuerySet.update, bulk_create) calls `calendar_changed_after_commit` itself.
"""

import threading

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

from .models import CalendarDay, SpecialPeriod, SpecialPeriodHours, WorkCalendar, WorkingHours

# Sent after the commit of a change to an agency's working calendar, with `agency_id`. The
# collection engine recomputes the due times of the agency's open steps on it.
calendar_changed = Signal()

# Sent by the calendar's admin page with `agency`: a receiver answers with the years the
# agency has work in (its rounds'), whose national holidays the page lists.
calendar_years = Signal()

# The agencies whose calendar changed in the transactions of this thread, not yet announced.
# One admin save writes the calendar and each of its rows: the first callback to run after
# the commit announces the agency, the others find it gone. An agency left here by a
# rolled-back transaction costs one more announcement at worst, never a missed one: each
# change registers its own callback.
_pending = threading.local()


def _pending_ids() -> set[int]:
    if not hasattr(_pending, "ids"):
        _pending.ids = set()
    return _pending.ids


def calendar_changed_after_commit(agency_id: int) -> None:
    """Announce the change of the agency's calendar once the current transaction commits (at
    once outside one)."""
    _pending_ids().add(agency_id)

    def announce():
        if agency_id in _pending_ids():
            _pending_ids().discard(agency_id)
            calendar_changed.send(sender=WorkCalendar, agency_id=agency_id)

    # robust: the change itself has committed, a failing receiver must not turn the saved
    # change into an error page (the receiver logs it).
    transaction.on_commit(announce, robust=True)


def _agency_id_of(instance) -> int | None:
    """The agency of a calendar row; None when the calendar it belonged to is gone with it
    (an agency deleted: nothing of it is left to recompute)."""
    try:
        if isinstance(instance, WorkCalendar):
            return instance.agency_id
        if isinstance(instance, SpecialPeriodHours):
            return instance.period.calendar.agency_id
        return instance.calendar.agency_id
    except ObjectDoesNotExist:
        return None


CALENDAR_MODELS = (WorkCalendar, WorkingHours, SpecialPeriod, SpecialPeriodHours, CalendarDay)


def calendar_row_written(sender, instance, raw=False, **kwargs) -> None:
    if raw:  # loaddata: the rows come as they were, nothing was counted with them yet
        return
    agency_id = _agency_id_of(instance)
    if agency_id is not None:
        calendar_changed_after_commit(agency_id)


def connect() -> None:
    """Called by the app's ready(); connected per model, so other models' saves pay nothing."""
    for model in CALENDAR_MODELS:
        post_save.connect(calendar_row_written, sender=model,
                          dispatch_uid=f"kinerja.worktime.saved.{model.__name__}")
        post_delete.connect(calendar_row_written, sender=model,
                            dispatch_uid=f"kinerja.worktime.deleted.{model.__name__}")
