"""What collection does when the apps below it announce a change (kinerja/worktime/signals.py):
they may not call it, it listens."""

import logging

from django.db import transaction
from django.dispatch import receiver

from kinerja.core.audit import record_event
from kinerja.organisation.models import Agency
from kinerja.worktime.calendar import NoWorkingTimeError
from kinerja.worktime.models import WorkCalendar
from kinerja.worktime.services import calendar_for
from kinerja.worktime.signals import calendar_changed, calendar_years

from . import engine
from .models import Round

logger = logging.getLogger(__name__)


@receiver(calendar_changed, sender=WorkCalendar, dispatch_uid="kinerja.collection.due_times")
def recompute_due_times_when_calendar_changes(sender, agency_id, **kwargs) -> int:
    """The agency's open steps are due their time standard counted through the calendar as it
    is now; the moved due times are recorded in one event on the calendar's history."""
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        return 0  # deleted with its calendar
    with transaction.atomic():
        try:
            moved = engine.recompute_due_times(agency)
        except NoWorkingTimeError:
            # The calendar was saved without any working time: the open steps keep the due
            # times they have until it has some again (a new step cannot open meanwhile).
            logger.warning("Due times of agency %s not recomputed: its calendar has no "
                           "working time.", agency.pk)
            return 0
        if moved:
            record_event(
                action="workcalendar.due_times_recomputed", obj=calendar_for(agency),
                agency=agency,
                summary=f"{len(moved)} due time(s) of open steps moved after the working "
                        f"calendar changed",
                data={"moved": len(moved), "executions": [
                    {"id": execution.pk, "round": execution.round_id,
                     "step": execution.step.number, "track": execution.track_id,
                     "old": before.isoformat(), "new": execution.due_at.isoformat()}
                    for execution, before in moved]})
    return len(moved)


@receiver(calendar_years, dispatch_uid="kinerja.collection.calendar_years")
def years_of_rounds(sender, agency, **kwargs) -> set[int]:
    """The years of the agency's rounds, whose holidays its calendar page lists."""
    return set(Round.objects.filter(agency=agency).values_list("year", flat=True).distinct())
