"""The sweep: reminders and escalations in working time, idempotent, and their e-mails.

The round is at data entry (step 5, standard 480 working minutes) on three units' tracks:
Bidang X (staff_x in the Bidang, staff_data in its Subbidang Data), Bidang Y (staff_y) and
the Sekretariat (staff_sek in the Subbagian Perencanaan)."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from kinerja.collection import services as collection
from kinerja.collection.models import StepExecution
from kinerja.notifications.models import (
    Delivery,
    Notification,
    NotificationPreference,
    ReminderSettings,
)
from kinerja.notifications.services import sweep
from kinerja.organisation.models import Capacity, PositionHolding
from kinerja.organisation.tests.factories import hold
from kinerja.worktime.calendar import Calendar

from .support import (
    assign_open_steps,
    at,
    give_addresses,
    mails_by_person,
    notifications_by_person,
    received,
)

pytestmark = [pytest.mark.django_db, pytest.mark.built_once("entry_round")]

SHARE, DUE, ESCALATION = "reminder_share", "reminder_due", "escalation"


def sweep_at(moment):
    with time_machine.travel(moment, tick=False):
        return sweep()


def test_holiday_and_weekend_in_the_dates_chosen():
    """The dates below rely on these days (the holidays package, docs/domain.md §6)."""
    calendar = Calendar.default()
    assert calendar.national_holiday_name(date(2026, 8, 17))  # Monday, Independence Day
    assert not calendar.is_working_day(date(2026, 8, 17))
    assert [calendar.is_working_day(date(2026, 8, d)) for d in range(13, 27)] == [
        True,
        True,
        False,
        False,
        False,
        True,
        True,
        True,
        True,
        False,
        False,
        True,
        False,
        True,
    ]  # Tuesday 25th: the Prophet's Birthday


def test_a_round_left_idle_for_two_working_weeks(org, entry_round):
    """Step 5 assigned on Thursday 13 August 2026 at 13:00 and never done. A sweep every hour
    of every day for two weeks, each run twice. Working minutes (Mon–Thu 07:30–16:00 with
    12:00–13:00 off, Fri 07:30–16:30 with 11:30–13:00 off): 240 (the 50 % share) are reached
    on Friday 09:00, 480 on Friday 14:00; more than 480 on Friday 15:00 (level 1); the
    weekend and Monday 17th (Independence Day) count nothing, so more than 960 comes on
    Tuesday 15:00 (level 2), more than 1440 on Wednesday 19th 15:00 (level 3); level 4 on
    Thursday 16:00 finds nobody left above."""
    give_addresses(org.agency)
    assign_open_steps(entry_round, at(13, 13))
    first_seen: dict[tuple[str, str, int], object] = {}
    quiet = []
    day = date(2026, 8, 13)
    while day <= date(2026, 8, 26):
        for hour in range(6, 19):
            moment = at(day.day, hour)
            report = sweep_at(moment)
            again = sweep_at(moment)
            assert (again.reminders, again.escalations, again.emails) == (0, 0, 0), moment
            if day.weekday() >= 5 or day.day in (17, 25) or not 8 <= hour <= 16:
                quiet.append((moment, report.reminders + report.escalations + report.emails))
            for name, kinds in received().items():
                for kind, level in kinds:
                    first_seen.setdefault((name, kind, level), moment)
        day += timedelta(days=1)

    assert received() == {
        "staff_x": [(SHARE, 0), (DUE, 0)],
        "staff_data": [(SHARE, 0), (DUE, 0)],
        "staff_y": [(SHARE, 0), (DUE, 0)],
        "staff_sek": [(SHARE, 0), (DUE, 0)],
        "kabid_x": [(ESCALATION, 1)],
        "kasubbid_data": [(ESCALATION, 1)],
        "kabid_y": [(ESCALATION, 1)],
        "kasubbag": [(ESCALATION, 1)],
        # The secretary is level 2 over every unit (for the Sekretariat, the head of its
        # reporting unit, the secretary's own post, is not repeated).
        "secretary": [(ESCALATION, 2)] * 3,
        "head": [(ESCALATION, 3)] * 3,
    }
    when = {key: moment for key, moment in first_seen.items()}
    assert when[("staff_x", SHARE, 0)] == at(14, 9)
    assert when[("staff_x", DUE, 0)] == at(14, 14)
    assert when[("kabid_x", ESCALATION, 1)] == at(14, 15)
    assert when[("secretary", ESCALATION, 2)] == at(18, 15)
    assert when[("head", ESCALATION, 3)] == at(19, 15)
    # Outside working time (nights, the weekend, the holiday, Friday's long break) nothing.
    assert all(count == 0 for _moment, count in quiet)
    # Every notification was mailed once, to its own recipient.
    assert mails_by_person() == notifications_by_person()
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_the_command_prints_the_counts(org, entry_round):
    give_addresses(org.agency)
    assign_open_steps(entry_round, at(13, 13))
    with time_machine.travel(at(14, 14), tick=False):
        from io import StringIO

        out = StringIO()
        call_command("send_reminders", stdout=out)
    # Four holders, their time used up: "time is up" only, not the first reminder too.
    assert "reminders: 4" in out.getvalue()
    assert "escalations: 0" in out.getvalue()
    assert "e-mails: 4" in out.getvalue()
    assert len(mail.outbox) == 4


def test_a_step_completed_in_between_sends_nothing_more(org, entry_round, catalogue):
    assign_open_steps(entry_round, at(13, 13))
    sweep_at(at(14, 9))
    assert received()["staff_y"] == [(SHARE, 0)]
    track = entry_round.tracks.get(unit=org.division_y)
    collection.values_save(
        user=org.staff_y.user,
        track=track,
        entries=[
            collection.ValueEntry(
                indicator_id=catalogue[2].id, value_text="5", explanation="Penjelasan"
            )
        ],
    )
    track.refresh_from_db()
    collection.data_entry_complete(
        user=org.staff_y.user, track=track, expected_version=track.version
    )
    # Step 6 is open for Bidang Y now; keep it young so that only step 5 could be late.
    opened = StepExecution.objects.get(track=track, status="open")
    assert opened.step.number == 6
    StepExecution.objects.filter(pk=opened.pk).update(assigned_at=at(19, 15))
    sweep_at(at(19, 15))
    assert received()["staff_y"] == [(SHARE, 0)]
    assert "kabid_y" not in received()
    assert received()["kabid_x"] == [(ESCALATION, 1)]  # Bidang X's step still waits


def test_a_plt_of_two_posts_is_told_once(org, entry_round):
    """The Kabid X post is vacant and the head of Subbidang Data holds it as Plt.: over Bidang
    X's staff, level 1 is the Subbidang's head and the Kabid's post, both that person, told
    once; level 2 the secretary."""
    PositionHolding.objects.filter(person=org.kabid_x).update(end_date=date(2026, 7, 31))
    hold(
        org.kasubbid_data,
        org.division_x,
        "division_head",
        capacity=Capacity.PLT,
        start=date(2026, 8, 1),
        end=date(2026, 12, 31),
    )
    assign_open_steps(entry_round, at(13, 13))
    sweep_at(at(19, 15))
    assert received()["kasubbid_data"] == [(ESCALATION, 1)]
    assert "kabid_x" not in received()
    assert received()["secretary"] == [(ESCALATION, 2)] * 3


def test_escalation_off_sends_no_escalation(org, entry_round):
    ReminderSettings.objects.create(agency=org.agency, escalation_enabled=False)
    assign_open_steps(entry_round, at(13, 13))
    sweep_at(at(14, 9))
    sweep_at(at(26, 15))
    kinds = {kind for found in received().values() for kind, _level in found}
    assert kinds == {SHARE, DUE}


def test_the_share_setting_moves_the_first_reminder(org, entry_round):
    """25 % of 480 is 120 working minutes: Thursday 15:00, not Friday 09:00."""
    ReminderSettings.objects.create(agency=org.agency, reminder_share=25)
    assign_open_steps(entry_round, at(13, 13))
    assert sweep_at(at(13, 14)).reminders == 0  # 60 minutes
    assert sweep_at(at(13, 15)).reminders == 4  # 120 minutes: the four holders
    assert received()["staff_x"] == [(SHARE, 0)]


def test_the_share_setting_is_validated(org):
    from django.core.exceptions import ValidationError

    for wrong in (0, 100):
        with pytest.raises(ValidationError):
            ReminderSettings(agency=org.agency, reminder_share=wrong).full_clean()


def test_a_daily_digest_is_one_mail_a_day(org, entry_round):
    give_addresses(org.agency)
    NotificationPreference.objects.create(person=org.staff_x, delivery=Delivery.DIGEST)
    NotificationPreference.objects.create(person=org.staff_y, email_enabled=False)
    assign_open_steps(entry_round, at(13, 13))
    for hour in range(7, 17):  # Friday: the share and the due reminders, 09:00 and 14:00
        sweep_at(at(14, hour))
    assert mails_by_person()["staff_x"] == 0  # the digest of Friday went before them
    assert mails_by_person()["staff_y"] == 0  # e-mail off
    assert mails_by_person()["staff_data"] == 2  # at once, one each
    for hour in range(6, 17):  # Monday is a holiday; Tuesday's first sweep in working time
        sweep_at(at(17, hour))
        sweep_at(at(18, hour))
    assert mails_by_person()["staff_x"] == 1
    [digest] = [m for m in mail.outbox if m.to == ["staff_x@example.test"]]
    assert digest.body.count("http://") == 2 + 1  # two notifications and the settings link
    assert Notification.objects.filter(recipient=org.staff_x, emailed_at__isnull=True).count() == 0
    # Wednesday: nothing new for staff_x (escalations go to the posts above), no mail.
    for hour in range(7, 17):
        sweep_at(at(19, hour))
    assert mails_by_person()["staff_x"] == 1


def test_a_mail_server_failure_is_retried_by_the_next_sweep(org, entry_round, monkeypatch):
    give_addresses(org.agency)
    assign_open_steps(entry_round, at(13, 13))
    from kinerja.notifications import services

    def broken(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(services, "send_mail", broken)
    assert sweep_at(at(14, 9)).emails == 0
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 4
    monkeypatch.undo()
    assert sweep_at(at(14, 10)).emails == 4
    assert len(mail.outbox) == 4


def test_a_notification_written_meanwhile_by_another_sweep_is_skipped(org, entry_round):
    """What a concurrent sweep meets: its insert fails on the unique constraint, inside a
    savepoint, and the sweep goes on (on PostgreSQL the insert first waits for the other's
    commit)."""
    from kinerja.notifications.services import _create_once

    [execution, *_rest] = assign_open_steps(entry_round, at(13, 13))
    assert _create_once(org.agency, execution, org.staff_x, SHARE, 0, at(14, 9))
    assert not _create_once(org.agency, execution, org.staff_x, SHARE, 0, at(14, 9))
    assert _create_once(org.agency, execution, org.staff_x, DUE, 0, at(14, 14))
    # Manual reminders are not unique: the head may remind again.
    for _time in range(2):
        Notification.objects.create(
            recipient=org.staff_x,
            agency=org.agency,
            execution=execution,
            kind="manual",
            created_at=at(14, 10),
        )
    assert Notification.objects.filter(recipient=org.staff_x).count() == 4
