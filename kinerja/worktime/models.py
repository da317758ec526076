"""The agency's working calendar: its weekly hours, special periods such as Ramadan, and the
days the administrator adds or overrides. Time standards of SOP steps are counted through it
(see `calendar.py`); this module only holds the rules.

Precedence for one date, first match wins: a `CalendarDay` of the agency; a national holiday or
cuti bersama (from the `holidays` package, if the calendar uses them); a `SpecialPeriod`
containing the date; the weekly `WorkingHours`. A weekday without a row is a day off.
"""

from datetime import time

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kinerja.organisation.models import Agency


class Weekday(models.IntegerChoices):
    # Numbered as Python's date.weekday(), so the calendar needs no translation table.
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


# docs/domain.md §6 (Perpres 21/2023): start 07:30, a 60-minute break Monday–Thursday and 90 minutes
# on Friday, 37.5 hours a week. Weekday: (start, end, break start, break end).
DEFAULT_WORKING_HOURS = {
    Weekday.MONDAY: (time(7, 30), time(16, 0), time(12, 0), time(13, 0)),
    Weekday.TUESDAY: (time(7, 30), time(16, 0), time(12, 0), time(13, 0)),
    Weekday.WEDNESDAY: (time(7, 30), time(16, 0), time(12, 0), time(13, 0)),
    Weekday.THURSDAY: (time(7, 30), time(16, 0), time(12, 0), time(13, 0)),
    Weekday.FRIDAY: (time(7, 30), time(16, 30), time(11, 30), time(13, 0)),
}


def hours_errors(start, end, break_start, break_end) -> dict[str, str]:
    """What is wrong with one day's hours, by field; empty when they are consistent.
    Shared by the weekly rows, the special periods' rows and the single-day overrides."""
    errors: dict[str, str] = {}
    if start is None or end is None:
        return errors  # the field's own "required" error, or no custom hours at all
    if end <= start:
        errors["end"] = _("The end of the day is not after its start.")
    if (break_start is None) != (break_end is None):
        field = "break_end" if break_end is None else "break_start"
        errors[field] = _("Enter both the start and the end of the break, or neither.")
    elif break_start is not None:
        if break_end <= break_start:
            errors["break_end"] = _("The end of the break is not after its start.")
        elif not (start < break_start and break_end < end):
            errors["break_start"] = _("The break is not inside the working hours.")
    return errors


def _hours_constraints(prefix: str, *, optional: bool = False) -> list[models.CheckConstraint]:
    """The same rules as hours_errors(), kept by the database for rows written outside forms."""
    end_after_start = Q(end__gt=F("start"))
    if optional:
        end_after_start |= Q(start__isnull=True, end__isnull=True)
    return [
        models.CheckConstraint(condition=end_after_start, name=f"{prefix}_end_after_start"),
        models.CheckConstraint(
            condition=Q(break_start__isnull=True, break_end__isnull=True)
            | Q(break_start__gt=F("start"), break_end__gt=F("break_start"),
                break_end__lt=F("end")),
            name=f"{prefix}_break_inside_day",
        ),
    ]


class DayHoursFields(models.Model):
    """One day's hours: a start, an end and at most one break."""

    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))
    break_start = models.TimeField(_("break from"), null=True, blank=True)
    break_end = models.TimeField(_("break until"), null=True, blank=True)

    class Meta:
        abstract = True

    def clean(self) -> None:
        errors = hours_errors(self.start, self.end, self.break_start, self.break_end)
        if errors:
            raise ValidationError(errors)

    @property
    def hours(self) -> tuple[time, time, time | None, time | None]:
        return (self.start, self.end, self.break_start, self.break_end)


class WorkCalendar(models.Model):
    """One per agency, made with the default hours the first time it is needed
    (services.calendar_for)."""

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="work_calendar",
                                  verbose_name=_("agency"))
    use_national_holidays = models.BooleanField(
        _("national holidays are days off"), default=True,
        help_text=_("Hari libur nasional, from the yearly joint decree of three ministers."))
    use_cuti_bersama = models.BooleanField(
        _("cuti bersama are days off"), default=True,
        help_text=_("Collective leave days, from the same decree."))

    class Meta:
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")
        ordering = ["agency__name"]

    def __str__(self) -> str:
        return str(self.agency)


class WorkingHours(DayHoursFields):
    calendar = models.ForeignKey(WorkCalendar, on_delete=models.CASCADE, related_name="hours",
                                 verbose_name=_("calendar"))
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["calendar", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "weekday"],
                                    name="worktime_hours_one_row_per_weekday"),
            *_hours_constraints("worktime_hours"),
        ]

    def __str__(self) -> str:
        return f"{Weekday(self.weekday).label} {self.start:%H:%M}–{self.end:%H:%M}"


class SpecialPeriod(models.Model):
    """A date range with its own weekly hours, e.g. Ramadan, set by circular each year."""

    calendar = models.ForeignKey(WorkCalendar, on_delete=models.CASCADE,
                                 related_name="special_periods", verbose_name=_("calendar"))
    name = models.CharField(_("name"), max_length=120, help_text=_("e.g. Ramadan 1447 H"))
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), help_text=_("The last day of the period."))

    class Meta:
        verbose_name = _("special period")
        verbose_name_plural = _("special periods")
        ordering = ["calendar", "-start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")),
                                   name="worktime_period_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start_date:%d.%m.%Y}–{self.end_date:%d.%m.%Y})"

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date is before the start date.")})
        if self.calendar_id and self.start_date and self.end_date:
            # Two periods on one day would leave the hours of that day ambiguous.
            overlapping = SpecialPeriod.objects.filter(
                calendar_id=self.calendar_id, start_date__lte=self.end_date,
                end_date__gte=self.start_date)
            if self.pk:
                overlapping = overlapping.exclude(pk=self.pk)
            other = overlapping.first()
            if other is not None:
                raise ValidationError({"start_date": _(
                    "These dates overlap the special period “%(name)s”.") % {
                        "name": other.name}})


class SpecialPeriodHours(DayHoursFields):
    """The hours of one weekday inside a special period; a weekday without a row is a day off
    for the whole period."""

    period = models.ForeignKey(SpecialPeriod, on_delete=models.CASCADE, related_name="hours",
                               verbose_name=_("special period"))
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)

    class Meta:
        verbose_name = _("working hours in the period")
        verbose_name_plural = _("working hours in the period")
        ordering = ["period", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["period", "weekday"],
                                    name="worktime_period_hours_one_row_per_weekday"),
            *_hours_constraints("worktime_period_hours"),
        ]

    def __str__(self) -> str:
        return f"{Weekday(self.weekday).label} {self.start:%H:%M}–{self.end:%H:%M}"


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Day off")
    WORKING_DAY = "working_day", _("Working day")


class CalendarDay(models.Model):
    """One date the administrator sets: a local holiday, or a working day that wins over a
    national holiday or cuti bersama the decree moved, optionally with its own hours."""

    calendar = models.ForeignKey(WorkCalendar, on_delete=models.CASCADE, related_name="days",
                                 verbose_name=_("calendar"))
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=12, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=120, blank=True,
                            help_text=_("e.g. Hari Jadi Kabupaten Banggai"))
    start = models.TimeField(_("start"), null=True, blank=True,
                             help_text=_("Only for a working day with other hours than usual."))
    end = models.TimeField(_("end"), null=True, blank=True)
    break_start = models.TimeField(_("break from"), null=True, blank=True)
    break_end = models.TimeField(_("break until"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["calendar", "-date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"],
                                    name="worktime_day_one_per_date"),
            *_hours_constraints("worktime_day", optional=True),
            models.CheckConstraint(condition=Q(kind="working_day") | Q(start__isnull=True),
                                   name="worktime_day_off_has_no_hours"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.name or DayKind(self.kind).label}"

    @property
    def has_custom_hours(self) -> bool:
        return self.start is not None

    @property
    def hours(self) -> tuple[time, time, time | None, time | None] | None:
        if not self.has_custom_hours:
            return None
        return (self.start, self.end, self.break_start, self.break_end)

    def clean(self) -> None:
        has_any_hours = any(value is not None for value in (
            self.start, self.end, self.break_start, self.break_end))
        if self.kind == DayKind.HOLIDAY:
            if not self.name:
                raise ValidationError({"name": _("Name the day off.")})
            if has_any_hours:
                raise ValidationError({"start": _("A day off has no working hours.")})
            return
        if has_any_hours and (self.start is None or self.end is None):
            field = "start" if self.start is None else "end"
            raise ValidationError({field: _("Enter the start and the end of the day, or leave "
                                            "all the hours empty for the usual hours.")})
        errors = hours_errors(self.start, self.end, self.break_start, self.break_end)
        if errors:
            raise ValidationError(errors)
        if not has_any_hours and self.calendar_id and self.date and (
                not self._usual_hours_exist()):
            raise ValidationError({"start": _(
                "This weekday has no usual working hours: enter the hours of this day.")})

    def _usual_hours_exist(self) -> bool:
        """Whether the weekday of the date has hours of its own (in the special period that
        contains it, if any), which a working day without custom hours takes."""
        weekday = self.date.weekday()
        period = SpecialPeriod.objects.filter(calendar_id=self.calendar_id,
                                              start_date__lte=self.date,
                                              end_date__gte=self.date).first()
        if period is not None:
            return period.hours.filter(weekday=weekday).exists()
        return WorkingHours.objects.filter(calendar_id=self.calendar_id,
                                           weekday=weekday).exists()
