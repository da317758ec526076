"""When the demo's rounds happened: working moments of the agency's calendar (WITA).

A finished round is collected after its data period, as an agency does it: a quarter's from
the third working day of the next quarter, the year's (which feeds the LKjIP, due to the
regent within about two months, docs/domain.md §8) from the second working day of January.
Its steps follow each other in working minutes, within the SOP's time standards, and it ends
before the day the demo is built and within the quarter after its period. A demo built in the
very first days after a period has no room for that: the round then ran in the last working
days before the build day, still in the past.

The year's round starts before the fourth quarter's: its format is sent before any quarter of
that year is final (acknowledged, or validated where the SOP has no hand-over), so it is not
pre-filled from a lone fourth quarter (the demo has no earlier quarters of that year) and its
figures are the demo's own.

The current round's steps follow each other in the same way up to the latest working moment
before the build: its open steps were given just now.

These are plain computations on a `Calendar`, without the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from kinerja.worktime.calendar import MAX_DAYS_WITHOUT_WORK, Calendar, NoWorkingTimeError

# The n-th working day after its period on which a round's disposition is written.
FIRST_WORKING_DAY = {"Y": 2, "Q": 3}
# Minutes after the day's first working minute: the head signs after the morning's mail.
MORNING_MINUTES = 35
# A finished round needs at least one working day between its start and its limit; less than
# that, and it ran in this many working days before the build day.
LEAST_WORKING_MINUTES = 450
LATE_WORKING_DAYS = 4
# The demo's people, SOP and catalogue were set up this many days before the build, before
# the first of its rounds (the same quarter last year, collected at most a year ago).
HISTORY_DAYS = 400
# The current round's last step ends this long before the build.
CURRENT_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class Window:
    """A round's steps lie from `start` to `limit` (exclusive when it is a day's start)."""

    start: datetime
    limit: datetime


def period_start(year: int, period: str) -> date:
    if period == "Y":
        return date(year, 1, 1)
    return date(year, 3 * (int(period[1]) - 1) + 1, 1)


def period_end(year: int, period: str) -> date:
    if period == "Y" or period == "Q4":
        return date(year, 12, 31)
    return date(year, 3 * int(period[1]) + 1, 1) - timedelta(days=1)


def following_quarter_end(year: int, period: str) -> date:
    """The last day of the quarter right after the data period."""
    end = period_end(year, period) + timedelta(days=1)
    quarter = (end.month - 1) // 3 + 1
    return period_end(end.year, f"Q{quarter}")


def day_start(calendar: Calendar, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=calendar.zone)


def days_from(calendar: Calendar, day: date, step: int):
    """`day`, then the days after it (`step` 1) or before it (-1); stops, as the calendar's own
    counting does, when a calendar without working time would never end."""
    without_work = 0
    while without_work <= MAX_DAYS_WITHOUT_WORK:
        yield day
        without_work = 0 if calendar.is_working_day(day) else without_work + 1
        day += timedelta(days=step)
    raise NoWorkingTimeError(calendar.name)


def working_day(calendar: Calendar, day: date, count: int = 1, *,
                minutes: int = MORNING_MINUTES) -> datetime:
    """`minutes` working minutes into the `count`-th working day from `day` (itself included)."""
    for candidate in days_from(calendar, day, 1):
        if calendar.is_working_day(candidate):
            count -= 1
            if count == 0:
                return calendar.add_working_minutes(day_start(calendar, candidate), minutes)
    raise AssertionError("unreachable")


def working_days_before(calendar: Calendar, day: date, count: int) -> date:
    """The `count`-th working day before `day` (not counting it)."""
    for candidate in days_from(calendar, day - timedelta(days=1), -1):
        if calendar.is_working_day(candidate):
            count -= 1
            if count == 0:
                return candidate
    raise AssertionError("unreachable")


def latest_working_moment(calendar: Calendar, moment: datetime) -> datetime:
    """`moment` when it is working time, otherwise the end of the last working interval
    before it."""
    local = moment.astimezone(calendar.zone)
    for day in days_from(calendar, local.date(), -1):
        for begin, end in reversed(calendar.working_intervals(day)):
            if begin < local:
                return min(end, local)
    raise AssertionError("unreachable")


def finished_window(calendar: Calendar, year: int, period: str, build: datetime) -> Window:
    """When a finished round of the period was collected, for a demo built at `build`."""
    build_day = day_start(calendar, build.astimezone(calendar.zone).date())
    after = period_end(year, period) + timedelta(days=1)
    start = working_day(calendar, after, FIRST_WORKING_DAY[period[0]])
    limit = min(build_day,
                day_start(calendar, following_quarter_end(year, period) + timedelta(days=1)))
    if start < limit and calendar.working_minutes_between(start, limit) >= LEAST_WORKING_MINUTES:
        return Window(start, limit)
    first = working_days_before(calendar, build_day.date(), LATE_WORKING_DAYS)
    return Window(working_day(calendar, first), build_day)


def current_window(calendar: Calendar, build: datetime, minutes: int) -> Window:
    """The window of the current round whose steps take `minutes` working minutes."""
    limit = latest_working_moment(
        calendar, (build - CURRENT_MARGIN).replace(second=0, microsecond=0))
    return Window(working_minutes_before(calendar, limit, minutes), limit)


def working_minutes_before(calendar: Calendar, end: datetime, minutes: int) -> datetime:
    """The moment `minutes` working minutes before `end` (a working moment)."""
    remaining = timedelta(minutes=minutes)
    end = end.astimezone(calendar.zone)
    for day in days_from(calendar, end.date(), -1):
        for begin, finish in reversed(calendar.working_intervals(day)):
            if begin >= end:
                continue
            span = min(finish, end) - begin
            if remaining <= span:
                return min(finish, end) - remaining
            remaining -= span
    raise AssertionError("unreachable")


def history_start(calendar: Calendar, build: datetime) -> datetime:
    """When the demo agency's people, SOP and catalogue were set up."""
    day = build.astimezone(calendar.zone).date() - timedelta(days=HISTORY_DAYS)
    return working_day(calendar, day, minutes=90)


def schedule(calendar: Calendar, window: Window, gaps: Sequence[int]) -> list[datetime]:
    """One moment per gap: each `gap` working minutes after the moment before (the first after
    the window's start), shortened evenly when they would not fit in the window."""
    total = sum(gaps)
    available = calendar.working_minutes_between(window.start, window.limit)
    scaled = available < total
    moments, cursor, planned, spent = [], window.start, 0, 0
    for gap in gaps:
        planned += gap
        minutes = (planned * available // total if scaled else planned) - spent
        if minutes:  # 0 minutes from the end of a working interval would move to the next
            cursor = calendar.add_working_minutes(cursor, minutes)
        spent += minutes
        moments.append(cursor)
    return moments
