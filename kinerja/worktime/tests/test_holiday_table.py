"""The calendar's admin page lists the decree's holidays of the agency's years beside its own
days, with what each one does in this calendar (issue 13: "Working calendar, visible")."""

from datetime import date, time

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from kinerja.collection.models import Round
from kinerja.organisation.setup import ensure_agency_admin_group
from kinerja.worktime.admin import calendar_years, holiday_rows
from kinerja.worktime.models import CalendarDay
from kinerja.worktime.services import calendar_for

pytestmark = pytest.mark.django_db


def page(client, user, calendar):
    client.force_login(user)
    return client.get(reverse("admin:worktime_workcalendar_change", args=[calendar.id]))


def test_the_page_shows_the_national_holidays_of_the_year_in_indonesian(client, org,
                                                                         agency_admin):
    calendar = calendar_for(org.agency)
    CalendarDay.objects.create(calendar=calendar, date=date(2026, 7, 14), kind="holiday",
                               name="Hari Jadi <Kabupaten>")
    response = page(client, agency_admin, calendar)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<td>25 Desember 2026</td><td>Jumat</td><td>Hari Raya Natal</td>" in html
    assert "<td>24 Desember 2026</td><td>Kamis</td><td>Cuti Bersama Hari Raya Natal</td>" in html
    # The agency's own day beside them, escaped.
    assert "<td>14 Juli 2026</td><td>Selasa</td><td>Hari Jadi &lt;Kabupaten&gt;</td>" in html


def test_the_years_are_the_rounds_this_year_and_the_next(org, sop):
    calendar = calendar_for(org.agency)
    this_year = timezone.localdate().year
    assert calendar_years(calendar) == [this_year, this_year + 1]
    Round.objects.create(agency=org.agency, sop=sop, sop_version=sop.versions.get(),
                         year=2021, period="Q1")
    # Another agency's round adds nothing to this calendar.
    other = calendar_for(org.other_agency)
    assert calendar_years(calendar) == [2021, this_year, this_year + 1]
    assert calendar_years(other) == [this_year, this_year + 1]


def test_each_row_says_what_it_does_in_this_calendar(org):
    calendar = calendar_for(org.agency)
    calendar.use_cuti_bersama = False
    calendar.save()
    CalendarDay.objects.create(calendar=calendar, date=date(2026, 12, 25), kind="working_day",
                               name="Piket Natal", start=time(8), end=time(12))
    CalendarDay.objects.create(calendar=calendar, date=date(2026, 7, 14), kind="holiday",
                               name="Hari Jadi Kabupaten")
    rows = {(day, name): (source, effect)
            for day, name, source, effect in holiday_rows(calendar, 2026)}
    assert rows[(date(2026, 8, 17), "Hari Kemerdekaan Republik Indonesia")] == (
        gettext("national holiday"), gettext("day off"))
    assert rows[(date(2026, 12, 24), "Cuti Bersama Hari Raya Natal")] == (
        gettext("cuti bersama"),
        gettext("not counted: the calendar does not use cuti bersama"))
    assert rows[(date(2026, 12, 25), "Hari Raya Natal")] == (
        gettext("national holiday"), gettext("overridden by the agency's own day"))
    assert rows[(date(2026, 12, 25), "Piket Natal")] == (
        gettext("the agency's working day"),
        gettext("working day, %(start)s–%(end)s") % {"start": "08:00", "end": "12:00"})
    assert rows[(date(2026, 7, 14), "Hari Jadi Kabupaten")] == (
        gettext("the agency's day off"), gettext("day off"))
    # On one date, the decree's day comes first, then the agency's own that overrides it.
    names = [name for day, name, _source, _effect in holiday_rows(calendar, 2026)
             if day == date(2026, 12, 25)]
    assert names == ["Hari Raya Natal", "Piket Natal"]


def test_another_agencys_administrator_is_refused_the_page(client, org, agency_admin):
    calendar = calendar_for(org.agency)
    CalendarDay.objects.create(calendar=calendar, date=date(2026, 7, 14), kind="holiday",
                               name="Libur rahasia Badan A")
    outsider = org.outsider.user
    outsider.is_staff = True
    outsider.save()
    outsider.groups.add(ensure_agency_admin_group())
    response = page(client, outsider, calendar)
    assert response.status_code == 302  # the admin's "does not exist" redirect
    assert response.url == reverse("admin:index")
    assert "Libur rahasia Badan A" not in client.get(response.url).content.decode()
    # Their own calendar opens, without agency A's day.
    own = page(client, outsider, calendar_for(org.other_agency))
    assert own.status_code == 200
    assert "Hari Raya Natal" in own.content.decode()
    assert "Libur rahasia Badan A" not in own.content.decode()
