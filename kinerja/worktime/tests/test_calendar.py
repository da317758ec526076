"""Counting time standards in working minutes through an agency's calendar.

The default calendar has 450 working minutes a day Monday to Thursday (07:30–12:00 is 270,
13:00–16:00 is 180) and 450 on Friday (07:30–11:30 is 240, 13:00–16:30 is 210): 2,250 a week.
The weeks of July 2026 used here have no national holiday or cuti bersama.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from kinerja.organisation.tests.factories import AgencyFactory
from kinerja.worktime.calendar import (
    Calendar,
    DayHours,
    NoWorkingTimeError,
    Period,
    national_days,
)
from kinerja.worktime.models import (
    CalendarDay,
    DayKind,
    SpecialPeriod,
    SpecialPeriodHours,
    WorkingHours,
)
from kinerja.worktime.services import calendar_for

WITA = ZoneInfo("Asia/Makassar")


def at(day: str, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour, minute, second), tzinfo=WITA)


@pytest.fixture
def agency(db):
    return AgencyFactory()


@pytest.fixture
def load(agency):
    def load_calendar() -> Calendar:
        return Calendar.load(agency)

    return load_calendar


# The default calendar


@pytest.mark.django_db
def test_calendar_is_made_once_with_the_default_hours(agency):
    calendar = calendar_for(agency)
    assert calendar_for(agency) == calendar
    assert calendar.use_national_holidays and calendar.use_cuti_bersama
    hours = {row.weekday: row.hours for row in calendar.hours.all()}
    assert sorted(hours) == [0, 1, 2, 3, 4]
    assert hours[0] == (time(7, 30), time(16, 0), time(12, 0), time(13, 0))
    assert hours[4] == (time(7, 30), time(16, 30), time(11, 30), time(13, 0))
    assert WorkingHours.objects.filter(calendar=calendar).count() == 5


@pytest.mark.django_db
def test_default_week_is_37_and_a_half_hours(load):
    calendar = load()
    assert [calendar.hours_on(date(2026, 7, 6) + timedelta(days=n)).minutes
            for n in range(5)] == [450] * 5
    assert calendar.working_minutes_between(at("2026-07-06"), at("2026-07-13")) == 2250
    assert not calendar.is_working_day(date(2026, 7, 11))
    assert not calendar.is_working_day(date(2026, 7, 12))
    assert calendar.working_intervals(date(2026, 7, 10)) == [
        (at("2026-07-10", 7, 30), at("2026-07-10", 11, 30)),
        (at("2026-07-10", 13, 0), at("2026-07-10", 16, 30)),
    ]
    assert calendar.working_intervals(date(2026, 7, 11)) == []


@pytest.mark.django_db
def test_480_minutes_from_monday_morning_end_tuesday_at_eight(load):
    calendar = load()
    assert calendar.add_working_minutes(at("2026-07-06", 7, 30), 480) == at("2026-07-07", 8, 0)
    # A due time on the end of the day stays there rather than moving to the next morning.
    assert calendar.add_working_minutes(at("2026-07-06", 7, 30), 450) == at("2026-07-06", 16)
    assert calendar.add_working_minutes(at("2026-07-06", 7, 30), 270) == at("2026-07-06", 12)


@pytest.mark.django_db
def test_friday_afternoon_start_crosses_the_weekend(load):
    # Friday 15:00–16:30 is 90 minutes; Monday 07:30–12:00 is 270; 120 more from 13:00.
    due = load().add_working_minutes(at("2026-07-10", 15, 0), 480)
    assert due == at("2026-07-13", 15, 0)


@pytest.mark.django_db
def test_start_inside_the_lunch_break_counts_from_its_end(load):
    calendar = load()
    assert calendar.add_working_minutes(at("2026-07-06", 12, 15), 60) == at("2026-07-06", 14)
    # Friday's break is 11:30–13:00.
    assert calendar.add_working_minutes(at("2026-07-10", 11, 45), 30) == at("2026-07-10", 13, 30)
    # Work that reaches the break resumes after it.
    assert calendar.add_working_minutes(at("2026-07-06", 11, 30), 60) == at("2026-07-06", 13, 30)


@pytest.mark.django_db
def test_start_outside_working_time(load):
    calendar = load()
    assert calendar.add_working_minutes(at("2026-07-06", 6, 0), 30) == at("2026-07-06", 8, 0)
    assert calendar.add_working_minutes(at("2026-07-06", 17, 0), 30) == at("2026-07-07", 8, 0)
    assert calendar.add_working_minutes(at("2026-07-11", 10, 0), 30) == at("2026-07-13", 8, 0)
    # Zero minutes moves the start to working time and leaves a start inside it alone.
    assert calendar.add_working_minutes(at("2026-07-11", 10, 0), 0) == at("2026-07-13", 7, 30)
    assert calendar.add_working_minutes(at("2026-07-06", 12, 0), 0) == at("2026-07-06", 13, 0)
    assert calendar.add_working_minutes(at("2026-07-06", 9, 10), 0) == at("2026-07-06", 9, 10)


@pytest.mark.django_db
def test_times_in_other_zones_are_counted_in_wita(load):
    # 23:30 UTC on Sunday is 07:30 WITA on Monday.
    start = datetime(2026, 7, 5, 23, 30, tzinfo=ZoneInfo("UTC"))
    due = load().add_working_minutes(start, 480)
    assert due == at("2026-07-07", 8, 0)
    assert due.tzinfo == WITA


# Holidays


def test_holidays_package_knows_indonesia_2026():
    public = national_days(2026, "public")
    cuti = national_days(2026, "government")
    assert len(public) == 17 and len(cuti) == 8
    assert public[date(2026, 8, 17)] == "Hari Kemerdekaan Republik Indonesia"
    assert cuti[date(2026, 5, 15)] == "Cuti Bersama Kenaikan Yesus Kristus"
    assert not set(public) & set(cuti)


@pytest.mark.django_db
def test_independence_day_is_skipped(load):
    calendar = load()
    assert not calendar.is_working_day(date(2026, 8, 17))  # a Monday
    assert calendar.day_off_name(date(2026, 8, 17)) == "Hari Kemerdekaan Republik Indonesia"
    # Friday 16:00–16:30 is 30 minutes, the other 30 on Tuesday.
    due = calendar.add_working_minutes(at("2026-08-14", 16, 0), 60)
    assert due == at("2026-08-18", 8, 0)


@pytest.mark.django_db
def test_cuti_bersama_is_skipped_unless_the_calendar_says_otherwise(agency, load):
    # Thursday 14 May 2026 is Ascension Day (public), Friday 15 May its cuti bersama.
    start = at("2026-05-13", 15, 0)
    assert load().add_working_minutes(start, 120) == at("2026-05-18", 8, 30)
    work_calendar = calendar_for(agency)
    work_calendar.use_cuti_bersama = False
    work_calendar.save()
    assert load().add_working_minutes(start, 120) == at("2026-05-15", 8, 30)
    work_calendar.use_national_holidays = False
    work_calendar.save()
    assert load().add_working_minutes(start, 120) == at("2026-05-14", 8, 30)


@pytest.mark.django_db
def test_local_holiday_added_by_the_administrator_is_skipped(agency, load):
    CalendarDay.objects.create(calendar=calendar_for(agency), date=date(2026, 7, 14),
                               kind=DayKind.HOLIDAY, name="Hari Jadi Kabupaten Banggai")
    calendar = load()
    assert calendar.day_off_name(date(2026, 7, 14)) == "Hari Jadi Kabupaten Banggai"
    assert calendar.add_working_minutes(at("2026-07-13", 15, 0), 120) == at("2026-07-15", 8, 30)


@pytest.mark.django_db
def test_working_day_override_makes_a_national_holiday_count(agency, load):
    CalendarDay.objects.create(calendar=calendar_for(agency), date=date(2026, 8, 17),
                               kind=DayKind.WORKING_DAY, name="Dipindahkan oleh SKB")
    calendar = load()
    assert calendar.is_working_day(date(2026, 8, 17))
    assert calendar.day_off_name(date(2026, 8, 17)) == ""
    assert calendar.add_working_minutes(at("2026-08-14", 16, 0), 60) == at("2026-08-17", 8, 0)


@pytest.mark.django_db
def test_working_day_with_its_own_hours_on_a_saturday(agency, load):
    CalendarDay.objects.create(calendar=calendar_for(agency), date=date(2026, 7, 11),
                               kind=DayKind.WORKING_DAY, start=time(8), end=time(12))
    calendar = load()
    assert calendar.hours_on(date(2026, 7, 11)).minutes == 240
    assert calendar.add_working_minutes(at("2026-07-10", 16, 0), 60) == at("2026-07-11", 8, 30)


# Special periods


@pytest.fixture
def ramadan(agency):
    """Ramadan 1447 H with the shorter hours of Perpres 21/2023: 32.5 hours a week from 08:00."""
    period = SpecialPeriod.objects.create(calendar=calendar_for(agency), name="Ramadan 1447 H",
                                          start_date=date(2026, 2, 19),
                                          end_date=date(2026, 3, 19))
    for weekday in range(4):
        SpecialPeriodHours.objects.create(period=period, weekday=weekday, start=time(8),
                                          end=time(15), break_start=time(12),
                                          break_end=time(12, 30))
    SpecialPeriodHours.objects.create(period=period, weekday=4, start=time(8),
                                      end=time(15, 30), break_start=time(11, 30),
                                      break_end=time(12, 30))
    return period


@pytest.mark.django_db
def test_ramadan_has_shorter_hours(ramadan, load):
    calendar = load()
    assert calendar.working_minutes_between(at("2026-02-23"), at("2026-03-02")) == 1950  # 32.5 h
    # Monday has 390 minutes in Ramadan; the other 90 on Tuesday from 08:00.
    assert calendar.add_working_minutes(at("2026-02-23", 7, 30), 480) == at("2026-02-24", 9, 30)
    # The day before the period has the usual hours, the day after it too.
    assert calendar.hours_on(date(2026, 2, 18)).minutes == 450
    assert calendar.hours_on(date(2026, 3, 19)) is None  # Nyepi, a national holiday
    assert calendar.hours_on(date(2026, 3, 25)).minutes == 450
    # Across the end of the period: Friday 13 March 15:00–15:30 in Ramadan, then Monday.
    assert calendar.add_working_minutes(at("2026-03-13", 15, 0), 60) == at("2026-03-16", 8, 30)


# Counting back: actual time against the standard, time left


STARTS = [
    at("2026-07-06", 7, 30), at("2026-07-06", 12, 30), at("2026-07-06", 16, 0),
    at("2026-07-08", 9, 17, 42), at("2026-07-10", 11, 45), at("2026-07-10", 15, 0),
    at("2026-07-11", 10, 0), at("2026-07-12", 23, 59, 30), at("2026-08-14", 16, 10),
    at("2026-05-13", 15, 0), at("2026-12-23", 14, 0),
]
MINUTES = [0, 1, 29, 240, 270, 449, 450, 451, 480, 900, 2250, 4500, 12345]


@pytest.mark.django_db
def test_minutes_between_is_the_inverse_of_adding(load, django_assert_num_queries):
    calendar = load()
    with django_assert_num_queries(0):
        for start in STARTS:
            for minutes in MINUTES:
                due = calendar.add_working_minutes(start, minutes)
                assert calendar.working_minutes_between(start, due) == minutes, (start, minutes)
                assert calendar.working_minutes_between(due, start) == -minutes
                if minutes:
                    assert calendar.is_working_day(due.date())


@pytest.mark.django_db
def test_adding_the_minutes_between_returns_to_an_end_inside_working_time(load):
    calendar = load()
    start = at("2026-07-06", 10, 0)
    ends = [begin + timedelta(minutes=offset)
            for day in range(14)
            for begin, finish in calendar.working_intervals(date(2026, 7, 6) + timedelta(day))
            for offset in (1, 45, int((finish - begin).total_seconds()) // 60)]
    for end in ends:
        if end > start:
            minutes = calendar.working_minutes_between(start, end)
            assert calendar.add_working_minutes(start, minutes) == end, end


@pytest.mark.django_db
def test_minutes_between_outside_working_time_and_in_reverse(load):
    calendar = load()
    assert calendar.working_minutes_between(at("2026-07-11", 8), at("2026-07-12", 18)) == 0
    assert calendar.working_minutes_between(at("2026-07-06", 9), at("2026-07-06", 9)) == 0
    # Time left before a due time, and overdue working time once it has passed.
    due = at("2026-07-07", 8, 0)
    assert calendar.working_minutes_between(at("2026-07-06", 15, 0), due) == 90
    assert calendar.working_minutes_between(at("2026-07-07", 9, 0), due) == -60
    # Seconds are dropped, towards zero in both directions.
    assert calendar.working_minutes_between(at("2026-07-06", 9), at("2026-07-06", 9, 1, 59)) == 1
    assert calendar.working_minutes_between(at("2026-07-06", 9, 1, 59), at("2026-07-06", 9)) == -1


@pytest.mark.django_db
def test_computing_needs_no_queries_after_loading(load, django_assert_num_queries):
    calendar = load()
    with django_assert_num_queries(0):
        calendar.add_working_minutes(at("2026-01-02", 8), 30 * 450)
        calendar.working_minutes_between(at("2026-01-01"), at("2026-12-31"))


@pytest.mark.django_db
def test_loading_takes_a_fixed_number_of_queries(agency, ramadan, django_assert_num_queries):
    CalendarDay.objects.create(calendar=ramadan.calendar, date=date(2026, 7, 14),
                               kind=DayKind.HOLIDAY, name="Hari Jadi")
    # The calendar, its hours, the periods, their hours, the days.
    with django_assert_num_queries(5):
        calendar = Calendar.load(agency)
    assert len(calendar.periods) == 1 and len(calendar.days) == 1


# Refusals


@pytest.mark.django_db
def test_calendar_without_working_days_raises_a_clear_error(agency):
    calendar_for(agency).hours.all().delete()
    calendar = Calendar.load(agency)
    with pytest.raises(NoWorkingTimeError) as raised:
        calendar.add_working_minutes(at("2026-07-06", 8), 30)
    assert raised.value.code == "no_working_time"
    assert str(agency) in raised.value.message
    assert calendar.working_minutes_between(at("2026-07-06"), at("2026-07-13")) == 0


def test_a_year_without_working_time_ahead_stops_the_count():
    # Working hours only in a period long past: the loop must end, not run for ever.
    past = Period(name="Dulu", start_date=date(2020, 1, 1), end_date=date(2020, 1, 31),
                  week={0: DayHours(time(8), time(12))})
    calendar = Calendar(week={}, periods=(past,))
    with pytest.raises(NoWorkingTimeError):
        calendar.add_working_minutes(at("2026-07-06", 8), 30)


def test_naive_datetimes_and_negative_minutes_are_refused():
    calendar = Calendar.default()
    with pytest.raises(ValueError):
        calendar.add_working_minutes(datetime(2026, 7, 6, 8), 30)
    with pytest.raises(ValueError):
        calendar.working_minutes_between(at("2026-07-06", 8), datetime(2026, 7, 6, 9))
    with pytest.raises(ValueError):
        calendar.add_working_minutes(at("2026-07-06", 8), -1)


def test_default_calendar_needs_no_database():
    calendar = Calendar.default()
    assert calendar.add_working_minutes(at("2026-07-06", 7, 30), 480) == at("2026-07-07", 8)
    assert not calendar.is_working_day(date(2026, 8, 17))
