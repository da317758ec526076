from datetime import timedelta

import pytest
from django.utils import timezone

from kinerja.collection import selectors, services
from kinerja.collection.models import (
    Disposition,
    ExecutionStatus,
    Round,
    Signature,
    StepExecution,
)
from kinerja.collection.signing import content_hash
from kinerja.collection.tests.conftest import fresh
from kinerja.core.errors import OutOfTurn, PermissionDenied, StaleEdit
from kinerja.core.models import AuditEvent
from kinerja.organisation.visibility import Viewer

pytestmark = pytest.mark.django_db


def waiting_steps(round_):
    return sorted((e.step.number, e.track.unit.code if e.track else None)
                  for e in round_.executions.filter(status=ExecutionStatus.OPEN))


def test_head_signs_the_disposition_and_the_round_opens(org, opened_round):
    round_ = opened_round
    disposition = Disposition.objects.get(round=round_)
    assert disposition.agenda == f"001/{timezone.localdate().year}"
    assert disposition.addressed_to == "secretary Sekretariat"
    signature = Signature.objects.get(role="head")
    assert signature.person == org.head
    assert signature.content_hash == content_hash(disposition.signed_content())
    step_1 = round_.executions.get(step__number=1)
    assert step_1.status == ExecutionStatus.DONE and step_1.completed_by == org.head.user
    assert waiting_steps(round_) == [(2, None)]
    step_2 = round_.executions.get(step__number=2)
    assert step_2.due_at > step_2.assigned_at
    assert AuditEvent.objects.filter(action="round.opened", object_id=str(round_.id)).exists()


def test_only_the_head_writes_and_signs_a_disposition(org, sop):
    today = timezone.localdate()
    for person in (org.secretary, org.kabid_x, org.staff_x, org.outsider):
        with pytest.raises(PermissionDenied):
            services.disposition_create(
                user=person.user, sop=sop, year=2026, period="Q3", date=today,
                speed="biasa", security="biasa", subject="x", instruction="x", deadline=today)
    assert not Disposition.objects.exists()


def test_signed_disposition_cannot_be_edited_or_signed_twice(org, opened_round):
    disposition = Disposition.objects.get(round=opened_round)
    with pytest.raises(OutOfTurn):
        services.disposition_update(user=org.head.user, disposition=disposition,
                                    expected_version=disposition.version, subject="Lain")
    with pytest.raises(OutOfTurn):
        services.disposition_sign(user=org.head.user, disposition=disposition,
                                  expected_version=disposition.version)
    assert Disposition.objects.get().subject == "Pengumpulan data kinerja triwulan III"


def test_draft_disposition_edit_is_refused_when_stale(org, sop):
    today = timezone.localdate()
    draft = services.disposition_create(
        user=org.head.user, sop=sop, year=2026, period="Q4", date=today, speed="biasa",
        security="biasa", subject="Awal", instruction="x", deadline=today)
    services.disposition_update(user=org.head.user, disposition=draft, expected_version=1,
                                subject="Kedua")
    with pytest.raises(StaleEdit):
        services.disposition_update(user=org.head.user, disposition=draft, expected_version=1,
                                    subject="Ketiga")
    assert Disposition.objects.get().subject == "Kedua"


def test_one_open_round_per_sop_year_and_period(org, sop, opened_round):
    today = timezone.localdate()
    with pytest.raises(OutOfTurn) as error:
        services.disposition_create(
            user=org.head.user, sop=sop, year=2026, period="Q3", date=today, speed="biasa",
            security="biasa", subject="x", instruction="x", deadline=today)
    assert error.value.code == "round_exists"
    assert Round.objects.count() == 1


def test_agenda_numbers_run_per_year(org, sop):
    today = timezone.localdate()
    numbers = [services.disposition_create(
        user=org.head.user, sop=sop, year=2026, period=period, date=today, speed="biasa",
        security="biasa", subject="x", instruction="x", deadline=today).agenda_number
        for period in ("Q1", "Q2")]
    assert numbers == [1, 2]


def test_secretary_forwards_then_the_planning_head_initials(org, opened_round):
    round_ = opened_round
    with pytest.raises(OutOfTurn):  # initials before the forwarding
        services.disposition_initial(user=org.kasubbag_planning.user, round_=round_,
                                     expected_version=round_.version)
    with pytest.raises(PermissionDenied):
        services.disposition_forward(user=org.kabid_x.user, round_=round_, instruction="x",
                                     expected_version=round_.version)
    disposition = services.disposition_forward(user=org.secretary.user, round_=round_,
                                               instruction="Segera siapkan format.",
                                               expected_version=round_.version)
    assert disposition.forwarded_to == "subdivision_head Subbidang Data"
    with pytest.raises(StaleEdit):
        services.disposition_initial(user=org.kasubbag_planning.user, round_=round_,
                                     expected_version=round_.version)
    with pytest.raises(PermissionDenied):
        services.disposition_initial(user=org.staff_secretariat.user, round_=fresh(round_),
                                     expected_version=fresh(round_).version)
    services.disposition_initial(user=org.kasubbag_planning.user, round_=round_,
                                 expected_version=fresh(round_).version)
    roles = list(Signature.objects.values_list("role", "kind"))
    assert roles == [("head", "signature"), ("secretary", "initials"),
                     ("planning", "initials")]
    with pytest.raises(OutOfTurn) as error:
        services.disposition_forward(user=org.secretary.user, round_=round_, instruction="x",
                                     expected_version=fresh(round_).version)
    assert error.value.code == "already_signed"


def test_format_defaults_to_each_units_own_indicators(org, opened_round, catalogue):
    round_ = opened_round
    with pytest.raises(OutOfTurn):  # not forwarded yet
        services.format_create(user=org.kasubbid_data.user, round_=round_,
                               due_date=timezone.localdate(), expected_version=round_.version)
    services.disposition_forward(user=org.secretary.user, round_=round_, instruction="x",
                                 expected_version=round_.version)
    with pytest.raises(PermissionDenied):
        services.format_create(user=org.staff_data.user, round_=fresh(round_),
                               due_date=timezone.localdate(),
                               expected_version=fresh(round_).version)
    data_format = services.format_create(user=org.kasubbid_data.user, round_=round_,
                                         due_date=timezone.localdate() + timedelta(days=7),
                                         expected_version=fresh(round_).version)
    items = sorted((item.unit.code, item.indicator.code) for item in data_format.items.all())
    assert items == [("bidang-x", "X1"), ("bidang-x", "X2"), ("bidang-y", "Y1"),
                     ("sek", "S1")]
    services.format_set_indicators(user=org.kasubbid_data.user, round_=round_,
                                   indicator_ids=[catalogue[0].id, catalogue[2].id],
                                   expected_version=fresh(round_).version)
    assert data_format.items.count() == 2
    with pytest.raises(OutOfTurn):
        services.format_set_indicators(user=org.kasubbid_data.user, round_=round_,
                                       indicator_ids=[999999],
                                       expected_version=fresh(round_).version)
    assert data_format.items.count() == 2


def test_sending_needs_its_inputs_then_starts_one_track_per_reporting_unit(
        org, opened_round, catalogue):
    round_ = opened_round
    services.disposition_forward(user=org.secretary.user, round_=round_, instruction="x",
                                 expected_version=round_.version)
    services.format_create(user=org.kasubbid_data.user, round_=round_,
                           due_date=timezone.localdate() + timedelta(days=7),
                           expected_version=fresh(round_).version)
    services.format_finalise(user=org.kasubbid_data.user, round_=round_,
                             expected_version=fresh(round_).version)
    assert waiting_steps(fresh(round_)) == [(3, "bidang-x"), (3, "bidang-y"), (3, "sek")]
    with pytest.raises(OutOfTurn) as error:
        services.format_send(user=org.kasubbid_data.user, round_=round_,
                             expected_version=fresh(round_).version)
    assert error.value.code == "inputs_missing"
    assert "Kasubag Perencanaan" in error.value.details[0]
    assert waiting_steps(fresh(round_))[0][0] == 3
    # The step waits once per unit, but sending and initialling are one task each.
    assert [task.code for task in selectors.task_list_for_viewer(
        viewer=Viewer.for_user(org.kasubbid_data.user))] == ["send"]
    assert [task.code for task in selectors.task_list_for_viewer(
        viewer=Viewer.for_user(org.kasubbag_planning.user))] == ["initial"]
    services.disposition_initial(user=org.kasubbag_planning.user, round_=round_,
                                 expected_version=fresh(round_).version)
    with pytest.raises(PermissionDenied):
        services.format_send(user=org.kabid_x.user, round_=round_,
                             expected_version=fresh(round_).version)
    tracks = services.format_send(user=org.kasubbid_data.user, round_=round_,
                                  expected_version=fresh(round_).version)
    assert sorted(track.unit.code for track in tracks) == ["bidang-x", "bidang-y", "sek"]
    assert waiting_steps(fresh(round_)) == [(4, None)]


def test_meeting_records_minutes_and_starts_data_entry(org, sent_round, catalogue):
    round_ = sent_round
    invitees = [org.kabid_x, org.kabid_y, org.secretary, org.kasubbid_data, org.staff_x]
    with pytest.raises(PermissionDenied):  # the SOP's Kabid attends; the data subsection records
        services.meeting_record(user=org.kabid_x.user, round_=round_,
                                held_at=timezone.now(), place="Ruang rapat", invitees=invitees,
                                attendees=invitees[:3], minutes="x", decisions="",
                                expected_version=round_.version)
    with pytest.raises(OutOfTurn) as error:
        services.meeting_record(user=org.kasubbid_data.user, round_=round_,
                                held_at=timezone.now(), place="", invitees=invitees,
                                attendees=[org.outsider], minutes="", decisions="",
                                expected_version=round_.version)
    assert len(error.value.details) == 4
    revised = services.format_revise(user=org.kasubbid_data.user, round_=round_,
                                     indicator_ids=[c.id for c in catalogue[:3]],
                                     change_note="Indikator S1 dilaporkan tahunan saja.",
                                     expected_version=fresh(round_).version)
    assert revised.number == 2
    assert revised.change_note.splitlines()[1].endswith(": S1")  # "Removed: S1"
    meeting = services.meeting_record(
        user=org.kasubbid_data.user, round_=round_, held_at=timezone.now(),
        place="Ruang rapat Bappeda", invitees=invitees, attendees=invitees[:4],
        minutes="Format dibahas.", decisions="Data masuk paling lambat tanggal 10.",
        expected_version=fresh(round_).version)
    assert meeting.attendees.count() == 4
    assert waiting_steps(fresh(round_)) == [(5, "bidang-x"), (5, "bidang-y"), (5, "sek")]
    step_4 = round_.executions.get(step__number=4)
    assert step_4.acting_as == "subdivision_head Subbidang Data"
    with pytest.raises(OutOfTurn):  # the meeting is over
        services.format_revise(user=org.kasubbid_data.user, round_=round_,
                               indicator_ids=[catalogue[0].id], change_note="x",
                               expected_version=fresh(round_).version)


def test_every_action_is_in_the_audit_trail(org, sent_round):
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions[-7:] == ["disposition.created", "round.opened", "disposition.forwarded",
                            "disposition.initialled", "format.created", "format.finalised",
                            "format.sent"]
    assert StepExecution.objects.filter(status=ExecutionStatus.DONE).count() == 5
