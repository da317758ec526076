"""Due times and time taken, in the agency's working minutes."""

from datetime import datetime

from kinerja.organisation.models import Agency
from kinerja.worktime.calendar import Calendar


def due_time(agency: Agency, start: datetime, minutes: int,
             calendar: Calendar | None = None) -> datetime:
    """A step's due time: its time standard in working minutes after `start` (a loaded
    `calendar` of the agency spares loading it again for many steps)."""
    return (calendar or Calendar.load(agency)).add_working_minutes(start, minutes)


def working_minutes(agency: Agency, start: datetime, end: datetime) -> int:
    return Calendar.load(agency).working_minutes_between(start, end)
