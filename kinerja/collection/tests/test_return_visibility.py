"""A unit's return reason follows the visibility rule of the unit's data (issue 9, finding 3).

A return is written while the data is at one stage (step 7: submitted; step 8: handed over)
and lowers the stage. Its reason is shown wherever it appears (the round's history page,
`GET /api/v1/rounds/{id}` `steps[].executions[].note`) to those who may see the unit's data
at the stage it was returned from, or at its current stage; to nobody else of the agency."""

import pytest
from django.urls import reverse

from kinerja.collection import selectors, services
from kinerja.collection.models import StepExecution
from kinerja.conftest import submitted, validated
from kinerja.core.models import AuditEvent
from kinerja.organisation.visibility import Viewer

pytestmark = pytest.mark.django_db

X_REASON = "ALASAN-KEMBALI-BIDANG-X"
Y_REASON = "ALASAN-SERAH-TERIMA-BIDANG-Y"


def returned_at_validation(org, round_, catalogue):
    """Bidang X's recap submitted, then returned by its Kabid (step 7 back to 5)."""
    track = submitted(round_, org.division_x, org.staff_x, dict.fromkeys(catalogue[:2], "8"))
    indicator = catalogue[0]
    services.unit_recap_return(user=org.kabid_x.user, track=track, reason=X_REASON,
                               comments={indicator.id: "Cek lagi " + X_REASON},
                               expected_version=track.version)
    return track


def returned_at_handover(org, round_, indicator):
    """Bidang Y validated and handed over, then returned by the data subsection (step 8
    back to 7)."""
    track = validated(org, round_, org.division_y, org.staff_y, org.kabid_y, {indicator: "5"})
    services.handover_submit(user=org.kabid_y.user, track=track,
                             expected_version=track.version)
    track.refresh_from_db()
    services.handover_return(user=org.kasubbid_data.user, track=track, reason=Y_REASON,
                             expected_version=track.version)
    return track


def history_page(client, person, round_) -> str:
    client.force_login(person.user)
    response = client.get(reverse("collection:round_history", args=[round_.id]))
    assert response.status_code == 200
    return response.content.decode()


def api_round(client, person, round_) -> dict:
    client.force_login(person.user)
    response = client.get(f"/api/v1/rounds/{round_.id}")
    assert response.status_code == 200
    return response.json()


def api_notes(client, person, round_) -> str:
    found = api_round(client, person, round_)
    return " ".join(e["note"] for step in found["steps"] for e in step["executions"])


def assert_reason_read(client, round_, reason, *, hidden_from, shown_to):
    """The reason on the history page and in the API's notes: for `shown_to` only."""
    for person in hidden_from:
        assert reason not in history_page(client, person, round_), person
        assert reason not in api_notes(client, person, round_), person
    for person in shown_to:
        assert reason in history_page(client, person, round_), person
        assert reason in api_notes(client, person, round_), person


def test_a_validation_return_reason_is_not_shown_to_other_units(client, org, entry_round,
                                                                 catalogue):
    returned_at_validation(org, entry_round, catalogue)
    # Shown inside the unit, and to those who saw the submitted data when it was returned.
    assert_reason_read(client, entry_round, X_REASON,
                       hidden_from=(org.kabid_y, org.staff_y, org.staff_secretariat),
                       shown_to=(org.kabid_x, org.staff_x, org.staff_data, org.head,
                                 org.secretary))


def test_a_handover_return_reason_is_shown_to_whoever_saw_the_handed_over_data(
        client, org, entry_round, catalogue):
    returned_at_handover(org, entry_round, catalogue[2])
    assert_reason_read(client, entry_round, Y_REASON,
                       hidden_from=(org.kabid_x, org.staff_x, org.staff_secretariat),
                       shown_to=(org.kabid_y, org.staff_y, org.kasubbid_data, org.head,
                                 org.secretary))


def test_the_returned_execution_stays_listed_without_its_note(client, org, entry_round,
                                                              catalogue):
    """The round page shows every unit's progress to the agency; only the reason is kept."""
    returned_at_validation(org, entry_round, catalogue)
    returned = StepExecution.objects.get(status="returned")
    found = api_round(client, org.staff_y, entry_round)
    shown = [e for step in found["steps"] for e in step["executions"]
             if e["id"] == returned.id]
    assert shown and shown[0]["status"] == "returned" and shown[0]["note"] == ""


def test_every_event_about_a_track_carries_it(org, entry_round, catalogue):
    track = returned_at_validation(org, entry_round, catalogue)
    about_tracks = AuditEvent.objects.filter(round_id=entry_round.id).exclude(
        action__in=["round.opened", "disposition.forwarded", "disposition.initialled",
                    "format.created", "format.finalised", "format.sent", "meeting.recorded"])
    assert about_tracks.count() >= 4
    for event in about_tracks:
        assert event.track_id == track.id, event.action
    returned = AuditEvent.objects.get(action="unit_recap.returned")
    assert returned.stage == 1  # written while the recap was submitted


def test_one_selector_decides_for_events_and_executions(org, entry_round, catalogue):
    returned_at_validation(org, entry_round, catalogue)
    round_ = selectors.round_get_for_viewer(viewer=Viewer.for_user(org.kabid_y.user),
                                            round_id=entry_round.id)
    kabid_y, head = Viewer.for_user(org.kabid_y.user), Viewer.for_user(org.head.user)
    returned = StepExecution.objects.select_related("track__unit").get(status="returned")
    assert not selectors.may_read_track_note(viewer=kabid_y, track=returned.track,
                                             written_at=returned.note_stage)
    assert selectors.may_read_track_note(viewer=head, track=returned.track,
                                         written_at=returned.note_stage)
    actions = {e.action for e in selectors.round_history_for_viewer(viewer=kabid_y,
                                                                    round_=round_)}
    assert "unit_recap.returned" not in actions and "round.opened" in actions


def test_the_migration_gives_earlier_events_and_notes_their_track(client, org, entry_round,
                                                                   catalogue):
    """Rows recorded before events carried their track are hidden the same way."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("kinerja.collection.migrations.0002_tracks_own_their_notes")
    columns = import_module("kinerja.core.migrations.0002_audit_one_record")
    track = returned_at_validation(org, entry_round, catalogue)
    # As the events stood before 0002: the round in the data, no track, no columns.
    for event in AuditEvent.objects.filter(round=entry_round):
        event.data = {"round": entry_round.id, **{
            key: value for key, value in event.data.items() if key not in ("track", "stage")}}
        event.round, event.track, event.stage = None, None, None
        event.save()
    StepExecution.objects.update(note_stage=None)

    migration.events_and_notes_carry_their_track(apps, None)
    from types import SimpleNamespace

    from django.db import connection
    columns.fill_columns(apps, SimpleNamespace(
        connection=connection, execute=lambda sql: connection.cursor().execute(sql)))
    assert X_REASON not in history_page(client, org.kabid_y, entry_round)
    returned = AuditEvent.objects.get(action="unit_recap.returned")
    assert (returned.track_id, returned.stage) == (track.id, 1)
    assert StepExecution.objects.get(status="returned").note_stage == 1
    assert X_REASON not in history_page(client, org.kabid_y, entry_round)
    assert X_REASON not in api_notes(client, org.kabid_y, entry_round)
    assert X_REASON in history_page(client, org.head, entry_round)
    assert X_REASON in api_notes(client, org.head, entry_round)
