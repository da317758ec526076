"""The head's "remind" button (`remind_now`) and who holds a step (`holders`)."""

import pytest
from django.core import mail
from django.http import Http404
from django_tasks_db.models import DBTaskResult

from kinerja.collection.history import all_entries
from kinerja.collection.models import StepExecution
from kinerja.core.errors import OutOfTurn, PermissionDenied
from kinerja.core.models import AuditEvent
from kinerja.notifications.holders import Holders, holders
from kinerja.notifications.models import Notification
from kinerja.notifications.services import remind_now
from kinerja.notifications.tasks import deliver_notifications
from kinerja.organisation.visibility import Viewer

from .support import give_addresses

pytestmark = [pytest.mark.django_db, pytest.mark.built_once("entry_round")]


def data_entry(round_, unit) -> StepExecution:
    return StepExecution.objects.get(round=round_, track__unit=unit, status="open")


def test_holders_are_who_has_the_task(org, entry_round):
    assert holders(data_entry(entry_round, org.division_x)) == sorted(
        [org.staff_x, org.staff_data], key=lambda p: p.name
    )
    assert holders(data_entry(entry_round, org.secretariat)) == [org.staff_secretariat]


def test_holders_of_an_agency_are_loaded_once(org, entry_round, django_assert_max_num_queries):
    executions = list(
        StepExecution.objects.filter(round=entry_round, status="open").select_related(
            "round__sop_version", "step", "track__unit"
        )
    )
    with django_assert_max_num_queries(4):
        found = Holders.for_agency(org.agency)
        for execution in executions:
            found.of(execution, None)


def test_the_head_reminds_the_holders_at_once(org, entry_round, django_capture_on_commit_callbacks):
    give_addresses(org.agency)
    execution = data_entry(entry_round, org.division_x)
    with django_capture_on_commit_callbacks(execute=True):
        sent = remind_now(execution_id=execution.id, user=org.head.user)
    assert {n.recipient for n in sent} == {org.staff_x, org.staff_data}
    assert {n.kind for n in sent} == {"manual"} and {n.sender for n in sent} == {org.head}
    event = AuditEvent.objects.get(action="notification.reminded")
    assert event.agency == org.agency and event.actor == org.head.user
    assert event.round_id == entry_round.id and event.step == 5
    assert sorted(event.data["recipients"]) == sorted([org.staff_x.id, org.staff_data.id])
    # The round's history tells it as a sentence, under the step, to those who may read the
    # unit's draft events (the unit itself, while the data is a draft).
    [entry] = [entry for entry in all_entries(viewer=Viewer.for_user(org.staff_x.user),
                                              round_=entry_round)
               if entry.action == "notification.reminded"]
    assert entry.step_number == 5
    assert entry.sentence == (f"{org.head.full_name} mengingatkan 2 orang yang memegang "
                              "langkah ini")
    # The e-mails go through the queue: one job, which sends them, once. (Run here as the
    # worker runs it; `db_worker` itself closes the connection, which the test's transaction
    # does not survive on PostgreSQL.)
    assert mail.outbox == []
    [job] = DBTaskResult.objects.filter(task_path=deliver_notifications.module_path)
    assert sorted(job.args_kwargs["kwargs"]["notification_ids"]) == sorted(n.id for n in sent)
    for _run in range(2):
        deliver_notifications.call(*job.args_kwargs["args"], **job.args_kwargs["kwargs"])
    assert sorted(m.to[0] for m in mail.outbox) == [
        "staff_data@example.test",
        "staff_x@example.test",
    ]
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_the_secretary_may_remind(org, entry_round):
    execution = data_entry(entry_round, org.division_y)
    assert [
        n.recipient for n in remind_now(execution_id=execution.id, user=org.secretary.user)
    ] == [org.staff_y]


@pytest.mark.parametrize("persona", ["staff_x", "kabid_x", "kasubbid_data"])
def test_others_of_the_agency_are_refused(org, entry_round, persona):
    execution = data_entry(entry_round, org.division_x)
    with pytest.raises(PermissionDenied):
        remind_now(execution_id=execution.id, user=getattr(org, persona).user)
    assert not Notification.objects.exists()
    assert not AuditEvent.objects.filter(action="notification.reminded").exists()


def test_another_agencys_head_is_not_told_the_step_exists(org, entry_round):
    execution = data_entry(entry_round, org.division_x)
    with pytest.raises(Http404):
        remind_now(execution_id=execution.id, user=org.outsider.user)
    with pytest.raises(Http404):
        remind_now(execution_id=10**12, user=org.head.user)
    assert not Notification.objects.exists()


def test_a_step_done_is_not_reminded(org, entry_round):
    done = StepExecution.objects.filter(round=entry_round, status="done").first()
    with pytest.raises(OutOfTurn):
        remind_now(execution_id=done.id, user=org.head.user)
