"""The agency administrator keeps the agency's working calendar here: the weekly hours, the
special periods such as Ramadan, and the days that differ from the decree (a local holiday, a
national holiday moved)."""

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kinerja.organisation.admin_scope import (
    AgencyScopedAdmin,
    ScopedHistoryAdmin,
    admin_agency_id,
)
from kinerja.organisation.models import Agency

from .calendar import CUTI_BERSAMA, PUBLIC, national_days
from .models import CalendarDay, SpecialPeriod, SpecialPeriodHours, WorkCalendar, WorkingHours
from .services import calendar_for


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

    @admin.display(description=_("National holidays and cuti bersama this year"))
    def decree_days(self, obj: WorkCalendar):
        """What the `holidays` package gives for this year, so the administrator sees which
        days to override when the decree is amended."""
        year = timezone.localdate().year
        rows = [(day, name, gettext("national holiday"))
                for day, name in national_days(year, PUBLIC).items()]
        rows += [(day, name, gettext("cuti bersama"))
                 for day, name in national_days(year, CUTI_BERSAMA).items()]
        return format_html_join("", "<div>{} {} ({})</div>",
                                ((f"{day:%d.%m.%Y}", name, kind)
                                 for day, name, kind in sorted(rows)))


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
