"""The calendar's rows refuse hours and dates that make no sense, in forms and in the database."""

from datetime import date, time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kinerja.organisation.tests.factories import AgencyFactory
from kinerja.worktime.models import (
    CalendarDay,
    DayKind,
    SpecialPeriod,
    SpecialPeriodHours,
    WorkingHours,
)
from kinerja.worktime.services import calendar_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def calendar():
    return calendar_for(AgencyFactory())


def errors_of(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        instance.full_clean()
    return raised.value.message_dict


def hours(calendar, **values) -> WorkingHours:
    values = {"weekday": 5, "start": time(8), "end": time(12), **values}
    return WorkingHours(calendar=calendar, **values)


def test_valid_hours_pass(calendar):
    hours(calendar).full_clean()
    hours(calendar, break_start=time(10), break_end=time(10, 30)).full_clean()


def test_day_ends_after_it_starts(calendar):
    assert "end" in errors_of(hours(calendar, start=time(12), end=time(8)))
    assert "end" in errors_of(hours(calendar, start=time(12), end=time(12)))


def test_break_lies_inside_the_day(calendar):
    assert "break_start" in errors_of(hours(calendar, break_start=time(7),
                                            break_end=time(9)))
    assert "break_start" in errors_of(hours(calendar, break_start=time(11),
                                            break_end=time(13)))
    assert "break_start" in errors_of(hours(calendar, break_start=time(8),
                                            break_end=time(9)))
    assert "break_end" in errors_of(hours(calendar, break_start=time(10),
                                          break_end=time(9, 30)))


def test_break_needs_both_ends(calendar):
    assert "break_end" in errors_of(hours(calendar, break_start=time(10)))
    assert "break_start" in errors_of(hours(calendar, break_end=time(10)))


def test_one_row_per_weekday(calendar):
    assert "__all__" in errors_of(hours(calendar, weekday=0))


def test_database_refuses_what_forms_would(calendar):
    with pytest.raises(IntegrityError), transaction.atomic():
        hours(calendar, start=time(12), end=time(8)).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        hours(calendar, break_start=time(13), break_end=time(14)).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        SpecialPeriod.objects.create(calendar=calendar, name="Salah",
                                     start_date=date(2026, 3, 1), end_date=date(2026, 2, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarDay.objects.create(calendar=calendar, date=date(2026, 7, 14),
                                   kind=DayKind.HOLIDAY, name="Libur", start=time(8),
                                   end=time(12))


def test_special_period_dates_are_ordered_and_do_not_overlap(calendar):
    wrong = SpecialPeriod(calendar=calendar, name="Ramadan", start_date=date(2026, 3, 19),
                          end_date=date(2026, 2, 19))
    assert "end_date" in errors_of(wrong)
    ramadan = SpecialPeriod.objects.create(calendar=calendar, name="Ramadan 1447 H",
                                           start_date=date(2026, 2, 19),
                                           end_date=date(2026, 3, 19))
    overlapping = SpecialPeriod(calendar=calendar, name="Lain", start_date=date(2026, 3, 19),
                                end_date=date(2026, 3, 30))
    assert "Ramadan 1447 H" in errors_of(overlapping)["start_date"][0]
    ramadan.full_clean()  # not in conflict with itself
    other_calendar = calendar_for(AgencyFactory())
    SpecialPeriod(calendar=other_calendar, name="Ramadan", start_date=date(2026, 2, 19),
                  end_date=date(2026, 3, 19)).full_clean()


def test_special_period_hours_are_checked_like_the_week(calendar):
    period = SpecialPeriod.objects.create(calendar=calendar, name="Ramadan",
                                          start_date=date(2026, 2, 19),
                                          end_date=date(2026, 3, 19))
    row = SpecialPeriodHours(period=period, weekday=0, start=time(8), end=time(15),
                             break_start=time(14, 30), break_end=time(15, 30))
    assert "break_start" in errors_of(row)


def test_day_off_has_a_name_and_no_hours(calendar):
    day = CalendarDay(calendar=calendar, date=date(2026, 7, 14), kind=DayKind.HOLIDAY)
    assert "name" in errors_of(day)
    day.name = "Hari Jadi Kabupaten Banggai"
    day.full_clean()
    day.start, day.end = time(8), time(12)
    assert "start" in errors_of(day)


def test_working_day_hours_are_all_or_nothing(calendar):
    day = CalendarDay(calendar=calendar, date=date(2026, 8, 17), kind=DayKind.WORKING_DAY)
    day.full_clean()  # a Monday: the usual hours
    day.start = time(8)
    assert "end" in errors_of(day)
    day.end = time(7)
    assert "end" in errors_of(day)
    day.end = time(12)
    day.full_clean()


def test_working_day_on_a_weekday_without_hours_needs_its_own(calendar):
    saturday = CalendarDay(calendar=calendar, date=date(2026, 7, 11),
                           kind=DayKind.WORKING_DAY)
    assert "start" in errors_of(saturday)
    saturday.start, saturday.end = time(8), time(12)
    saturday.full_clean()


def test_one_calendar_day_per_date(calendar):
    CalendarDay.objects.create(calendar=calendar, date=date(2026, 7, 14), kind=DayKind.HOLIDAY,
                               name="Hari Jadi")
    again = CalendarDay(calendar=calendar, date=date(2026, 7, 14), kind=DayKind.WORKING_DAY)
    assert "__all__" in errors_of(again)
