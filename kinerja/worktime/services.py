from django.db import transaction

from kinerja.organisation.models import Agency

from .models import DEFAULT_WORKING_HOURS, WorkCalendar, WorkingHours


def calendar_for(agency: Agency) -> WorkCalendar:
    """The agency's working calendar, made with the default hours (docs/domain.md §6) the first
    time it is needed, so that a new agency counts time standards from its first day."""
    # Read first: this runs each time a calendar is loaded, and needs no transaction then.
    calendar = WorkCalendar.objects.filter(agency=agency).first()
    if calendar is None:
        calendar = _calendar_create(agency)
    calendar.agency = agency  # spares a query for the agency's name
    return calendar


@transaction.atomic
def _calendar_create(agency: Agency) -> WorkCalendar:
    # get_or_create: two requests may make the first calendar of an agency at the same time.
    calendar, created = WorkCalendar.objects.get_or_create(agency=agency)
    if created:
        # One create() per row rather than bulk_create(): the history records come from the
        # post_save signal, and the first version of the hours belongs in the history too.
        for weekday, (start, end, break_start, break_end) in DEFAULT_WORKING_HOURS.items():
            WorkingHours.objects.create(calendar=calendar, weekday=weekday, start=start,
                                        end=end, break_start=break_start, break_end=break_end)
    return calendar
