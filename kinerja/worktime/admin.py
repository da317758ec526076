"""The agency administrator keeps the agency's working calendar here: the weekly hours, the
special periods such as Ramadan, and the days that differ from the decree (a local holiday, a
national holiday moved)."""

from datetime import date

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kinerja.organisation.admin_scope import (
    AgencyScopedAdmin,
    ScopedHistoryAdmin,
    admin_agency_id,
)
from kinerja.organisation.models import Agency

from .calendar import CUTI_BERSAMA, PUBLIC, national_days
from .models import (
    CalendarDay,
    DayKind,
    SpecialPeriod,
    SpecialPeriodHours,
    WorkCalendar,
    WorkingHours,
)
from .services import calendar_for
from .signals import calendar_years as calendar_years_wanted


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0
    max_num = 7
    fields = ["weekday", "start", "end", "break_start", "break_end"]


@admin.register(WorkCalendar)
class WorkCalendarAdmin(ScopedHistoryAdmin):
    list_display = ["agency", "use_national_holidays", "use_cuti_bersama"]
    fields = ["agency", "use_national_holidays", "use_cuti_bersama", "decree_days"]
    readonly_fields = ["decree_days"]
    inlines = [WorkingHoursInline]

    def changelist_view(self, request, extra_context=None):
        # An agency has exactly one calendar: its administrator goes straight to it, and the
        # first visit makes it with the default hours.
        agency_id = admin_agency_id(request.user)
        if (request.user.is_superuser or agency_id is None
                or not self.has_view_or_change_permission(request)):
            return super().changelist_view(request, extra_context)
        calendar = calendar_for(Agency.objects.get(id=agency_id))
        return redirect(reverse("admin:worktime_workcalendar_change", args=[calendar.id]))

    def has_add_permission(self, request):
        # Calendars come from calendar_for(); a second one for an agency cannot exist.
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "agency"]
        return self.readonly_fields

    @admin.display(description=_("Holidays in the agency's years"))
    def decree_days(self, obj: WorkCalendar):
        """The national holidays and cuti bersama the `holidays` package gives for the years
        the agency works in (its rounds', this year and the next), beside the agency's own
        days, each with what it does in this calendar: so the administrator sees why a due
        time moved, and which days to override when the decree is amended."""
        return holiday_tables(obj)


def calendar_years(calendar: WorkCalendar) -> list[int]:
    """This year, the next, and the years of the agency's rounds (collection answers the
    signal: worktime may not read rounds)."""
    year = timezone.localdate().year
    years = {year, year + 1}
    if calendar.pk is not None and calendar.agency_id is not None:
        for _receiver, answer in calendar_years_wanted.send(sender=WorkCalendar,
                                                            agency=calendar.agency):
            years.update(answer or ())
    return sorted(years)


def holiday_rows(calendar: WorkCalendar, year: int) -> list[tuple[date, str, str, str]]:
    """(date, name, source, effect) of the year's decree days and the agency's own days, in
    the order of the dates."""
    own = {}
    if calendar.pk is not None:
        own = {day.date: day for day in calendar.days.filter(date__year=year)}
    rows = []
    for category, source, used, unused in (
            (PUBLIC, gettext("national holiday"), calendar.use_national_holidays,
             gettext("not counted: the calendar does not use national holidays")),
            (CUTI_BERSAMA, gettext("cuti bersama"), calendar.use_cuti_bersama,
             gettext("not counted: the calendar does not use cuti bersama"))):
        for day, name in national_days(year, category).items():
            if day in own:
                effect = gettext("overridden by the agency's own day")
            elif used:
                effect = gettext("day off")
            else:
                effect = unused
            rows.append((day, name, source, effect))
    for day, row in own.items():
        if row.kind == DayKind.HOLIDAY:
            source, effect = gettext("the agency's day off"), gettext("day off")
        else:
            source = gettext("the agency's working day")
            effect = (gettext("working day, %(start)s–%(end)s") % {
                "start": f"{row.start:%H:%M}", "end": f"{row.end:%H:%M}"}
                if row.has_custom_hours else gettext("working day, usual hours"))
        rows.append((day, row.name, source, effect))
    # sorted() is stable: on one date the decree's day comes before the agency's own.
    return sorted(rows, key=lambda row: row[0])


def holiday_tables(calendar: WorkCalendar):
    tables = []
    for year in calendar_years(calendar):
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((date_format(day, "j F Y"), date_format(day, "l"), name, source, effect)
             for day, name, source, effect in holiday_rows(calendar, year)))
        tables.append(format_html(
            '<table class="worktime-holidays"><caption>{}</caption><thead><tr><th>{}</th>'
            "<th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody>"
            "</table>",
            year, gettext("Date"), gettext("Day"), gettext("Name"), gettext("Source"),
            gettext("In this calendar"), rows))
    return format_html_join("", "{}", ((table,) for table in tables))


class CalendarChildAdmin(ScopedHistoryAdmin):
    """Rows of one calendar: an agency administrator does not pick the calendar, it is theirs."""

    agency_path = "calendar__agency"
    scoped_choices = {**AgencyScopedAdmin.scoped_choices, "calendar": "agency"}

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if not request.user.is_superuser:
            exclude.append("calendar")
        return exclude

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)
        if request.user.is_superuser:
            return form_class
        agency_id = admin_agency_id(request.user)

        class CalendarForm(form_class):
            # Set before validation, so that the model's clean() sees the calendar.
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if self.instance.calendar_id is None and agency_id is not None:
                    self.instance.calendar = calendar_for(Agency.objects.get(id=agency_id))

        return CalendarForm

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        return [*filters, "calendar"] if request.user.is_superuser else filters


class SpecialPeriodHoursInline(admin.TabularInline):
    model = SpecialPeriodHours
    extra = 0
    max_num = 7
    fields = ["weekday", "start", "end", "break_start", "break_end"]


@admin.register(SpecialPeriod)
class SpecialPeriodAdmin(CalendarChildAdmin):
    list_display = ["name", "start_date", "end_date"]
    date_hierarchy = "start_date"
    inlines = [SpecialPeriodHoursInline]


@admin.register(CalendarDay)
class CalendarDayAdmin(CalendarChildAdmin):
    list_display = ["date", "kind", "name", "start", "end"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]
