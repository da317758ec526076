"""A change to the working calendar moves the due times of the agency's open steps (issue 13):
the engine counts them again from their assignment, once the change has committed."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from kinerja.collection import engine, services
from kinerja.collection.models import ExecutionStatus, Round
from kinerja.core.models import AuditEvent
from kinerja.sops.services import sop_load
from kinerja.worktime.calendar import Calendar
from kinerja.worktime.models import CalendarDay, SpecialPeriod, SpecialPeriodHours
from kinerja.worktime.services import calendar_for
from kinerja.worktime.signals import calendar_changed

pytestmark = pytest.mark.django_db
WITA = ZoneInfo("Asia/Makassar")
RECOMPUTED = "workcalendar.due_times_recomputed"

FRIDAY_AFTERNOON = datetime(2026, 11, 20, 16, 15, tzinfo=WITA)  # 15 minutes before closing
MONDAY = date(2026, 11, 23)


def signed_round(org, sop, moment: datetime) -> Round:
    """A round whose head signed the disposition at `moment`: step 1 done, step 2 (30 working
    minutes) open from then."""
    with time_machine.travel(moment, tick=False):
        draft = services.disposition_create(
            user=org.head.user, sop=sop, year=2026, period="Q4", date=moment.date(),
            speed="segera", security="biasa", subject="Data", instruction="Kumpulkan.",
            deadline=moment.date() + timedelta(days=10))
        return services.disposition_sign(user=org.head.user, disposition=draft,
                                         expected_version=draft.version)


@pytest.fixture
def friday_round(org, sop):
    return signed_round(org, sop, FRIDAY_AFTERNOON)


def step(round_, number):
    return round_.executions.get(step__number=number)


def test_a_holiday_inside_the_window_moves_the_due_time_and_removing_it_moves_it_back(
        org, friday_round, django_capture_on_commit_callbacks):
    step_1, step_2 = step(friday_round, 1), step(friday_round, 2)
    assert step_1.status == ExecutionStatus.DONE and step_2.status == ExecutionStatus.OPEN
    # 15 minutes on Friday until 16:30, 15 from Monday 07:30.
    assert step_2.due_at == datetime(2026, 11, 23, 7, 45, tzinfo=WITA)
    calendar = calendar_for(org.agency)

    with django_capture_on_commit_callbacks(execute=True):
        holiday = CalendarDay.objects.create(calendar=calendar, date=MONDAY, kind="holiday",
                                             name="Hari Jadi Kabupaten")
    step_2.refresh_from_db()
    assert step_2.due_at == datetime(2026, 11, 24, 7, 45, tzinfo=WITA)  # one day later
    [event] = AuditEvent.objects.filter(action=RECOMPUTED)
    assert (event.agency, event.object_type, event.object_id) == (
        org.agency, "worktime.workcalendar", str(calendar.pk))
    assert event.data["moved"] == 1
    [moved] = event.data["executions"]
    assert (moved["id"], moved["step"]) == (step_2.pk, 2)
    assert datetime.fromisoformat(moved["old"]) == datetime(2026, 11, 23, 7, 45, tzinfo=WITA)
    assert datetime.fromisoformat(moved["new"]) == datetime(2026, 11, 24, 7, 45, tzinfo=WITA)

    with django_capture_on_commit_callbacks(execute=True):
        holiday.delete()
    step_2.refresh_from_db()
    assert step_2.due_at == datetime(2026, 11, 23, 7, 45, tzinfo=WITA)
    assert AuditEvent.objects.filter(action=RECOMPUTED).count() == 2


def test_a_special_period_moves_the_due_time(org, friday_round,
                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        period = SpecialPeriod.objects.create(calendar=calendar_for(org.agency),
                                              name="Ramadan", start_date=MONDAY,
                                              end_date=date(2026, 11, 27))
        SpecialPeriodHours.objects.create(period=period, weekday=0, start=time(8),
                                          end=time(15))
    # 15 minutes on Friday, 15 from Monday 08:00 in the period's hours.
    assert step(friday_round, 2).due_at == datetime(2026, 11, 23, 8, 15, tzinfo=WITA)
    [event] = AuditEvent.objects.filter(action=RECOMPUTED)  # one for both rows
    assert event.data["moved"] == 1


def test_a_done_step_keeps_its_due_time(org, friday_round,
                                         django_capture_on_commit_callbacks):
    step_1 = step(friday_round, 1)
    assert step_1.due_at == datetime(2026, 11, 20, 16, 30, tzinfo=WITA)  # 15 minutes
    with django_capture_on_commit_callbacks(execute=True):
        CalendarDay.objects.create(calendar=calendar_for(org.agency), date=FRIDAY_AFTERNOON.date(),
                                   kind="holiday", name="Hari Jadi Kabupaten")
    # Step 2 counts from Monday now; step 1 keeps the due time it was measured against,
    # although counting it again through the new calendar would give another.
    assert step(friday_round, 2).due_at == datetime(2026, 11, 23, 8, 0, tzinfo=WITA)
    step_1.refresh_from_db()
    assert step_1.due_at == datetime(2026, 11, 20, 16, 30, tzinfo=WITA)
    assert Calendar.load(org.agency).add_working_minutes(
        step_1.assigned_at, step_1.step.time_standard_minutes) != step_1.due_at


def test_another_agencys_open_steps_are_untouched(org, sop, seed_sop_text, friday_round,
                                                  django_capture_on_commit_callbacks):
    # Agency B runs the same SOP, its step 2 open from the same moment.
    version_b = sop_load(agency=org.other_agency, text=seed_sop_text).version
    round_b = Round.objects.create(agency=org.other_agency, sop=version_b.sop,
                                   sop_version=version_b, year=2026, period="Q4")
    step_2_b = engine.open_step(round_b, version_b.steps.get(number=2), at=FRIDAY_AFTERNOON)
    monday_0745 = datetime(2026, 11, 23, 7, 45, tzinfo=WITA)
    assert step_2_b.due_at == monday_0745

    # Agency A's holiday moves A's step only.
    with django_capture_on_commit_callbacks(execute=True):
        CalendarDay.objects.create(calendar=calendar_for(org.agency), date=MONDAY,
                                   kind="holiday", name="Libur Badan A")
    step_2_b.refresh_from_db()
    assert step_2_b.due_at == monday_0745
    assert step(friday_round, 2).due_at == datetime(2026, 11, 24, 7, 45, tzinfo=WITA)

    # And agency B's own holiday moves B's step only, recorded in B's trail.
    with django_capture_on_commit_callbacks(execute=True):
        CalendarDay.objects.create(calendar=calendar_for(org.other_agency),
                                   date=date(2026, 11, 24), kind="holiday",
                                   name="Libur Badan B")
    assert step(friday_round, 2).due_at == datetime(2026, 11, 24, 7, 45, tzinfo=WITA)
    step_2_b.refresh_from_db()
    assert step_2_b.due_at == monday_0745  # B's Tuesday is not in its step's window
    assert list(AuditEvent.objects.filter(action=RECOMPUTED).values_list(
        "agency", flat=True)) == [org.agency.pk]


def test_nothing_is_recomputed_before_the_change_commits(org, friday_round,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        CalendarDay.objects.create(calendar=calendar_for(org.agency), date=MONDAY,
                                   kind="holiday", name="Hari Jadi Kabupaten")
        assert step(friday_round, 2).due_at == datetime(2026, 11, 23, 7, 45, tzinfo=WITA)
    assert len(callbacks) == 1


def test_switching_off_cuti_bersama_in_the_admin_moves_the_due_time(
        client, org, sop, agency_admin, django_capture_on_commit_callbacks):
    # Wednesday 23 December 2026, after closing: the 24th is cuti bersama, the 25th Christmas.
    round_ = signed_round(org, sop, datetime(2026, 12, 23, 16, 15, tzinfo=WITA))
    step_2 = step(round_, 2)
    assert step_2.due_at == datetime(2026, 12, 28, 8, 0, tzinfo=WITA)
    calendar = calendar_for(org.agency)
    rows = list(calendar.hours.order_by("weekday"))
    data = {"use_national_holidays": "on", "hours-TOTAL_FORMS": len(rows),
            "hours-INITIAL_FORMS": len(rows), "hours-MIN_NUM_FORMS": 0,
            "hours-MAX_NUM_FORMS": 7}
    for index, row in enumerate(rows):
        data.update({f"hours-{index}-id": row.id, f"hours-{index}-calendar": calendar.id,
                     f"hours-{index}-weekday": row.weekday,
                     f"hours-{index}-start": f"{row.start:%H:%M}",
                     f"hours-{index}-end": f"{row.end:%H:%M}",
                     f"hours-{index}-break_start": f"{row.break_start:%H:%M}",
                     f"hours-{index}-break_end": f"{row.break_end:%H:%M}"})
    data["hours-1-end"] = "15:30"  # Tuesday's: outside the step's window
    announced = []

    def listen(sender, agency_id, **kwargs):
        announced.append(agency_id)

    calendar_changed.connect(listen)
    client.force_login(agency_admin)
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = client.post(
                reverse("admin:worktime_workcalendar_change", args=[calendar.id]), data)
    finally:
        calendar_changed.disconnect(listen)
    assert response.status_code == 302, response.context and response.context["errors"]
    # The calendar and its Tuesday were saved: one recount for both, not one each.
    assert len(callbacks) == 2 and announced == [org.agency.pk]
    step_2.refresh_from_db()
    assert step_2.due_at == datetime(2026, 12, 24, 8, 0, tzinfo=WITA)
    [event] = AuditEvent.objects.filter(action=RECOMPUTED)
    assert event.data["moved"] == 1 and event.agency == org.agency
    # The calendar's history page lists the recount beside the change that caused it.
    history = client.get(reverse("admin:worktime_workcalendar_history", args=[calendar.id]))
    newest = history.context["rows"][0]
    assert (newest["event"], newest["what"]) == (event, event.summary)
    assert "1 due time(s) of open steps moved" in event.summary


def test_a_calendar_without_working_time_leaves_the_due_times_as_they_are(
        org, friday_round, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        calendar_for(org.agency).hours.all().delete()
    assert step(friday_round, 2).due_at == datetime(2026, 11, 23, 7, 45, tzinfo=WITA)
    assert not AuditEvent.objects.filter(action=RECOMPUTED).exists()
