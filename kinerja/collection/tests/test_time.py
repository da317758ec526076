"""Each step is due its time standard in working minutes after it is assigned."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from kinerja.collection import services
from kinerja.collection.models import ExecutionStatus

pytestmark = pytest.mark.django_db
WITA = ZoneInfo("Asia/Makassar")


def test_due_times_follow_the_working_calendar_and_tasks_show_time_left(client, org, sop):
    friday_afternoon = datetime(2026, 11, 20, 16, 15, tzinfo=WITA)  # 15 minutes before closing
    with time_machine.travel(friday_afternoon, tick=False) as clock:
        draft = services.disposition_create(
            user=org.head.user, sop=sop, year=2026, period="Q4", date=friday_afternoon.date(),
            speed="segera", security="biasa", subject="Data", instruction="Kumpulkan.",
            deadline=friday_afternoon.date() + timedelta(days=10))
        round_ = services.disposition_sign(user=org.head.user, disposition=draft,
                                           expected_version=draft.version)
        step_2 = round_.executions.get(step__number=2, status=ExecutionStatus.OPEN)
        # 30 working minutes: 15 on Friday until 16:30, then 15 from Monday 07:30.
        assert step_2.due_at == datetime(2026, 11, 23, 7, 45, tzinfo=WITA)

        client.force_login(org.secretary.user)
        (task,) = client.get(reverse("core:my_tasks")).context["tasks"]
        assert task.minutes_left == 30  # the weekend does not count

        clock.move_to(datetime(2026, 11, 23, 9, 0, tzinfo=WITA))
        client.force_login(org.secretary.user)  # the idle session expired over the weekend
        response = client.get(reverse("core:my_tasks"))
        (task,) = response.context["tasks"]
        assert task.minutes_left == -75
        assert "text-bg-danger" in response.content.decode()
        page = client.get(reverse("collection:round_detail", args=[round_.id]))
        assert [row.execution.step.number for row in page.context["late"]] == [2]


def test_actual_time_is_measured_in_working_minutes(org, sop):
    monday = datetime(2026, 11, 23, 11, 50, tzinfo=WITA)
    with time_machine.travel(monday, tick=False) as clock:
        draft = services.disposition_create(
            user=org.head.user, sop=sop, year=2026, period="Q4", date=monday.date(),
            speed="biasa", security="biasa", subject="Data", instruction="Kumpulkan.",
            deadline=monday.date() + timedelta(days=10))
        clock.move_to(datetime(2026, 11, 23, 13, 10, tzinfo=WITA))  # across the lunch break
        round_ = services.disposition_sign(user=org.head.user, disposition=draft,
                                           expected_version=draft.version)
        step_1 = round_.executions.get(step__number=1)
        assert step_1.working_minutes == 20  # 10 before the break, 10 after
