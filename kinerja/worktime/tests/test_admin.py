"""The agency administrator keeps their agency's calendar in the admin, and only theirs."""

from datetime import date

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from kinerja.core.models import AuditEvent
from kinerja.organisation import admin_scope
from kinerja.organisation.setup import ensure_agency_admin_group
from kinerja.worktime.calendar import national_days
from kinerja.worktime.models import CalendarDay, WorkCalendar
from kinerja.worktime.services import calendar_for

pytestmark = pytest.mark.django_db

# The entry this app needs in AGENCY_ADMIN_PERMISSIONS (kinerja/organisation/admin_scope.py).
WORKTIME_PERMISSIONS = {"workcalendar": "vc", "workinghours": "avcd", "specialperiod": "avcd",
                        "specialperiodhours": "avcd", "calendarday": "avcd"}


@pytest.fixture
def agency_admin(org, monkeypatch):
    monkeypatch.setitem(admin_scope.AGENCY_ADMIN_PERMISSIONS, "worktime", WORKTIME_PERMISSIONS)
    user = org.staff_secretariat.user
    user.is_staff = True
    user.save()
    user.groups.add(ensure_agency_admin_group())
    return user


def test_administrator_goes_straight_to_their_calendar(client, org, agency_admin):
    client.force_login(agency_admin)
    response = client.get(reverse("admin:worktime_workcalendar_changelist"))
    calendar = WorkCalendar.objects.get(agency=org.agency)
    assert response.status_code == 302
    assert response.url == reverse("admin:worktime_workcalendar_change", args=[calendar.id])
    page = client.get(response.url)
    assert page.status_code == 200
    # The decree's days of this year are listed, so the administrator knows what to override.
    independence_day = date(timezone.localdate().year, 8, 17)
    assert national_days(independence_day.year, "public")[independence_day] in page.content.decode()
    assert calendar.hours.count() == 5


def test_administrator_cannot_open_another_agencys_calendar(client, org, agency_admin):
    other = calendar_for(org.other_agency)
    client.force_login(agency_admin)
    response = client.get(reverse("admin:worktime_workcalendar_change", args=[other.id]))
    assert response.status_code == 302  # "does not exist" redirect to the admin index
    assert client.get(reverse("admin:worktime_workcalendar_add")).status_code == 403


def test_administrator_adds_a_local_holiday_to_their_calendar(client, org, agency_admin):
    other = calendar_for(org.other_agency)
    CalendarDay.objects.create(calendar=other, date=date(2026, 7, 1), kind="holiday",
                               name="Libur Badan B")
    client.force_login(agency_admin)
    add = reverse("admin:worktime_calendarday_add")
    assert "calendar" not in client.get(add).context["adminform"].form.fields
    response = client.post(add, {"date": "2026-07-14", "kind": "holiday",
                                 "name": "Hari Jadi Kabupaten Banggai"})
    assert response.status_code == 302, response.context and response.context["errors"]
    day = CalendarDay.objects.get(name="Hari Jadi Kabupaten Banggai")
    assert day.calendar.agency == org.agency
    [event] = AuditEvent.objects.filter(object_type="worktime.calendarday",
                                        object_id=str(day.id))
    assert (event.action, event.agency) == ("worktime.calendarday.created", org.agency)
    assert event.data["new"]["name"] == "Hari Jadi Kabupaten Banggai"
    assert not LogEntry.objects.exists()
    listing = client.get(reverse("admin:worktime_calendarday_changelist"))
    assert set(listing.context["cl"].queryset) == {day}


def test_admin_form_refuses_a_working_day_without_hours_on_a_saturday(client, agency_admin):
    client.force_login(agency_admin)
    response = client.post(reverse("admin:worktime_calendarday_add"),
                           {"date": "2026-07-11", "kind": "working_day"})
    assert response.status_code == 200
    assert "start" in response.context["adminform"].form.errors
    assert not CalendarDay.objects.exists()


def test_administrator_edits_the_weekly_hours(client, org, agency_admin):
    calendar = calendar_for(org.agency)
    client.force_login(agency_admin)
    rows = list(calendar.hours.order_by("weekday"))
    data = {"use_national_holidays": "on", "hours-TOTAL_FORMS": len(rows),
            "hours-INITIAL_FORMS": len(rows), "hours-MIN_NUM_FORMS": 0,
            "hours-MAX_NUM_FORMS": 7}
    for index, row in enumerate(rows):
        data.update({f"hours-{index}-id": row.id, f"hours-{index}-calendar": calendar.id,
                     f"hours-{index}-weekday": row.weekday,
                     f"hours-{index}-start": "07:30", f"hours-{index}-end": "16:00",
                     f"hours-{index}-break_start": "12:00", f"hours-{index}-break_end": "13:00"})
    data["hours-4-end"] = "15:00"
    data["hours-4-break_start"] = "15:30"  # outside the day: refused
    url = reverse("admin:worktime_workcalendar_change", args=[calendar.id])
    response = client.post(url, data)
    assert response.status_code == 200
    data["hours-4-break_start"] = "11:30"
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    calendar.refresh_from_db()
    assert not calendar.use_cuti_bersama
    friday = calendar.hours.get(weekday=4)
    assert friday.end.hour == 15
    # One audit record per changed object, the calendar and the one changed row of the
    # inline, each with its old and new values; the unchanged rows write nothing.
    events = {event.object_type: event for event in AuditEvent.objects.all()}
    assert sorted(events) == ["worktime.workcalendar", "worktime.workinghours"]
    assert events["worktime.workcalendar"].data["old"] == {"use_cuti_bersama": True}
    assert events["worktime.workcalendar"].data["new"] == {"use_cuti_bersama": False}
    hours = events["worktime.workinghours"]
    assert hours.object_id == str(friday.id) and hours.agency == org.agency
    assert hours.data["old"] == {"end": "16:30:00"} and hours.data["new"] == {"end": "15:00:00"}
    assert not LogEntry.objects.exists()


def test_every_page_renders(client, org, agency_admin, admin_user):
    calendar = calendar_for(org.agency)
    CalendarDay.objects.create(calendar=calendar, date=date(2026, 7, 14), kind="holiday",
                               name="Hari Jadi")
    pages = ["admin:worktime_specialperiod_changelist", "admin:worktime_specialperiod_add",
             "admin:worktime_calendarday_changelist", "admin:worktime_calendarday_add"]
    for user in (agency_admin, admin_user):
        client.force_login(user)
        for page in pages:
            assert client.get(reverse(page)).status_code == 200, (user, page)
    # The installation's superuser sees every agency's calendar in the list.
    listing = client.get(reverse("admin:worktime_workcalendar_changelist"))
    assert calendar in listing.context["cl"].queryset
