"""Working time: a step's time standard counted through the agency's calendar.

Load the rules once with `Calendar.load(agency)` (a handful of queries); the methods then
compute without touching the database, so the collection engine can measure every step of a
round against its standard in one pass. All arguments and results are aware datetimes; the
counting happens in WITA (Asia/Makassar) local time, where the hours are set.

A day's hours, first match wins (the administrator's word beats the decree, which beats the
usual week): a `CalendarDay` of the agency; a national holiday or cuti bersama, if the calendar
uses them; the `SpecialPeriod` containing the date; the weekly hours. See models.py.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays
from django.utils.translation import gettext as _

from kinerja.core.errors import DomainError
from kinerja.organisation.models import Agency

from .models import DEFAULT_WORKING_HOURS, DayKind, WorkCalendar
from .services import calendar_for

LOCAL_ZONE = ZoneInfo("Asia/Makassar")

# Categories of the `holidays` package for Indonesia: "public" holds the national holidays
# (hari libur nasional), "government" the cuti bersama. Both come from the yearly joint decree.
PUBLIC = "public"
CUTI_BERSAMA = "government"

# More days than this in a row without working time means the calendar can never reach the
# due time (a year of days off is no real calendar); stop rather than loop for ever.
MAX_DAYS_WITHOUT_WORK = 366

Interval = tuple[datetime, datetime]


class NoWorkingTimeError(DomainError):
    def __init__(self, calendar_name: str = ""):
        if calendar_name:
            message = _("The working calendar of %(name)s has no working day: set its working "
                        "hours.") % {"name": calendar_name}
        else:
            message = _("The working calendar has no working day: set its working hours.")
        super().__init__(message, code="no_working_time")


@functools.lru_cache(maxsize=64)
def national_days(year: int, category: str) -> Mapping[date, str]:
    """The days of one category of the `holidays` package for Indonesia in one year, with their
    Indonesian names. Cached: the package computes the whole year on every call."""
    found = holidays.country_holidays("ID", years=year, categories=(category,), language="id")
    return MappingProxyType(dict(found))


@dataclass(frozen=True)
class DayHours:
    """One day's hours with at most one break, as times of the local day."""

    start: time
    end: time
    break_start: time | None = None
    break_end: time | None = None

    @classmethod
    def of(cls, hours: tuple[time, time, time | None, time | None]) -> DayHours:
        return cls(*hours)

    def intervals_on(self, day: date, zone: ZoneInfo) -> tuple[Interval, ...]:
        def at(moment: time) -> datetime:
            return datetime.combine(day, moment, tzinfo=zone)

        if self.break_start is None or self.break_end is None:
            return ((at(self.start), at(self.end)),)
        return ((at(self.start), at(self.break_start)), (at(self.break_end), at(self.end)))

    @property
    def minutes(self) -> int:
        def minute_of_day(moment: time) -> int:
            return moment.hour * 60 + moment.minute

        total = minute_of_day(self.end) - minute_of_day(self.start)
        if self.break_start is not None and self.break_end is not None:
            total -= minute_of_day(self.break_end) - minute_of_day(self.break_start)
        return total


@dataclass(frozen=True)
class Period:
    name: str
    start_date: date
    end_date: date
    week: Mapping[int, DayHours]


@dataclass(frozen=True)
class DayRule:
    kind: str  # DayKind
    name: str = ""
    hours: DayHours | None = None


@dataclass
class Calendar:
    """An agency's calendar rules as plain values, with the computations on them."""

    week: Mapping[int, DayHours]
    periods: tuple[Period, ...] = ()
    days: Mapping[date, DayRule] = field(default_factory=dict)
    national_holidays: bool = True
    cuti_bersama: bool = True
    name: str = ""
    zone: ZoneInfo = LOCAL_ZONE
    _intervals: dict[date, tuple[Interval, ...]] = field(default_factory=dict, init=False,
                                                         repr=False, compare=False)

    @classmethod
    def load(cls, agency: Agency) -> Calendar:
        """The agency's calendar, made with the default hours if it has none yet."""
        return cls.from_model(calendar_for(agency))

    @classmethod
    def from_model(cls, calendar: WorkCalendar) -> Calendar:
        periods = calendar.special_periods.prefetch_related("hours").order_by("start_date")
        return cls(
            week={row.weekday: DayHours.of(row.hours) for row in calendar.hours.all()},
            periods=tuple(
                Period(name=period.name, start_date=period.start_date,
                       end_date=period.end_date,
                       week={row.weekday: DayHours.of(row.hours) for row in period.hours.all()})
                for period in periods
            ),
            days={
                row.date: DayRule(kind=row.kind, name=row.name,
                                  hours=DayHours.of(row.hours) if row.has_custom_hours else None)
                for row in calendar.days.all()
            },
            national_holidays=calendar.use_national_holidays,
            cuti_bersama=calendar.use_cuti_bersama,
            name=str(calendar.agency),
        )

    @classmethod
    def default(cls) -> Calendar:
        """The default calendar (docs/domain.md §6) with national holidays, without the database."""
        return cls(week={day: DayHours.of(hours)
                         for day, hours in DEFAULT_WORKING_HOURS.items()})

    # The day's rules

    def hours_on(self, day: date) -> DayHours | None:
        """The hours of the day, or None for a day off."""
        rule = self.days.get(day)
        if rule is not None:
            if rule.kind == DayKind.HOLIDAY:
                return None
            # A working day the administrator forced keeps the usual hours unless it has its
            # own; on a weekday with no usual hours it stays without working time.
            return rule.hours or self._usual_hours(day)
        if self.national_holiday_name(day):
            return None
        return self._usual_hours(day)

    def _usual_hours(self, day: date) -> DayHours | None:
        for period in self.periods:
            if period.start_date <= day <= period.end_date:
                return period.week.get(day.weekday())
        return self.week.get(day.weekday())

    def national_holiday_name(self, day: date) -> str:
        """The name of the national holiday or cuti bersama on the day, if the calendar uses
        that category; "" otherwise. Not affected by the administrator's days."""
        names = []
        if self.national_holidays:
            names.append(national_days(day.year, PUBLIC).get(day, ""))
        if self.cuti_bersama:
            names.append(national_days(day.year, CUTI_BERSAMA).get(day, ""))
        return "; ".join(name for name in names if name)

    def day_off_name(self, day: date) -> str:
        """Why the day is off, when it is a holiday of some kind: "" for a working day and for
        an ordinary weekend."""
        rule = self.days.get(day)
        if rule is not None:
            return rule.name if rule.kind == DayKind.HOLIDAY else ""
        return self.national_holiday_name(day)

    def working_intervals(self, day: date) -> list[Interval]:
        """The day's working intervals as aware local datetimes, in order; empty on a day off."""
        return list(self._intervals_on(day))

    def is_working_day(self, day: date) -> bool:
        return bool(self._intervals_on(day))

    def _intervals_on(self, day: date) -> tuple[Interval, ...]:
        found = self._intervals.get(day)
        if found is None:
            hours = self.hours_on(day)
            found = hours.intervals_on(day, self.zone) if hours is not None else ()
            self._intervals[day] = found
        return found

    # Counting

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        """The due time: `minutes` working minutes after `start`, counted only inside working
        intervals. A start outside working time counts from the next working interval, so 0
        minutes moves the start to working time. A due time that falls on the end of an
        interval stays there (480 minutes from Monday 07:30 ends Tuesday 08:00, 450 ends
        Monday 16:00, not Tuesday 07:30). The result is in local time.

        Raises NoWorkingTimeError when the calendar has no working time to count through.
        """
        _require_aware(start)
        if minutes < 0:
            raise ValueError("minutes must not be negative")
        self._require_some_working_time()
        current = start.astimezone(self.zone)
        remaining = timedelta(minutes=minutes)
        day = current.date()
        days_without_work = 0
        while True:
            intervals = self._intervals_on(day)
            for begin, end in intervals:
                if end <= current:
                    continue
                begin = max(begin, current)
                if remaining <= end - begin:
                    return begin + remaining
                remaining -= end - begin
            days_without_work = 0 if intervals else days_without_work + 1
            if days_without_work > MAX_DAYS_WITHOUT_WORK:
                raise NoWorkingTimeError(self.name)
            day += timedelta(days=1)

    def working_minutes_between(self, start: datetime, end: datetime) -> int:
        """The working minutes from `start` to `end`: the actual time a step took, or the time
        left before its due time. Whole minutes, the seconds dropped.

        The order matters and the sign says it: with `end` before `start` the result is the
        negative of the working minutes from `end` to `start`, so `between(now, due)` is the
        time left while positive and the working time overdue once negative. Equal moments, or
        a range entirely outside working time, give 0. A calendar with no working time gives 0
        rather than an error: nothing can loop here, the range is finite.
        """
        _require_aware(start)
        _require_aware(end)
        if end < start:
            return -self.working_minutes_between(end, start)
        total = timedelta()
        day = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        while day <= last:
            for begin, finish in self._intervals_on(day):
                overlap = min(finish, end) - max(begin, start)
                if overlap > timedelta():
                    total += overlap
            day += timedelta(days=1)
        return int(total.total_seconds()) // 60

    def _require_some_working_time(self) -> None:
        if self.week or any(period.week for period in self.periods) or any(
                rule.hours for rule in self.days.values()):
            return
        raise NoWorkingTimeError(self.name)


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("working time is counted from aware datetimes only")
