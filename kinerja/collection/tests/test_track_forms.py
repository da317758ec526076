"""The unit page's actions read their posts through forms (collection/forms.py; issue 12,
item 5): a post the page could not have sent (a garbled or foreign comment key, no version,
a text over its limit) is answered 400 with a message and changes nothing; what the service
refuses keeps the service's status and message."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kinerja.api.tests.support import database_state
from kinerja.collection import services
from kinerja.collection.models import Evidence, ReturnRecord, StepExecution, TrackStage
from kinerja.conftest import submitted, validated
from kinerja.core.text import REASON_MAX_LENGTH

from .test_excel import messages_of, site_text

pytestmark = [pytest.mark.django_db, pytest.mark.built_once("entry_round")]

TOO_LONG = "a" * (REASON_MAX_LENGTH + 1)
FOREIGN_COMMENT = site_text("Comments can only be given on this unit's indicators.")
INCOMPLETE = site_text("The form was incomplete. Reload the page and try again.")


def post(client, person, track, action, data):
    client.force_login(person.user)
    return client.post(reverse("collection:track_action",
                               args=[track.round_id, track.id, action]), data)


@pytest.fixture
def at_validation(org, entry_round, catalogue):
    """Bidang X's recap submitted with X1 8 and X2 12: step 7 waits on the Kabid."""
    x1, x2 = catalogue[0], catalogue[1]
    return submitted(entry_round, org.division_x, org.staff_x, {x1: "8", x2: "12"})


@pytest.mark.parametrize("key", ["comment-abc", "comment-²", "comment-", "comment--1",
                                 "comment-99999999999999999999999", "comment-y1"])
def test_a_garbled_comment_key_answers_400_and_changes_nothing(client, org, at_validation,
                                                               catalogue, key):
    track = at_validation
    y1 = catalogue[2]
    key = key.replace("y1", str(y1.id))  # Bidang Y's indicator, not in Bidang X's format
    before = database_state()
    response = post(client, org.kabid_x, track, "return",
                    {"version": track.version, "reason": "X2 terlalu rendah", key: "Cek"})
    assert response.status_code == 400
    assert messages_of(response) == [FOREIGN_COMMENT]
    assert "alert-danger" in response.content.decode()
    assert database_state() == before


def test_a_return_without_the_version_answers_400_and_changes_nothing(client, org,
                                                                      at_validation):
    before = database_state()
    for version in ({}, {"version": ""}, {"version": "satu"}, {"version": "0"},
                    {"version": "9" * 5000}):
        response = post(client, org.kabid_x, at_validation, "return",
                        {"reason": "X2 terlalu rendah", **version})
        assert response.status_code == 400
        assert messages_of(response) == [INCOMPLETE]
    assert database_state() == before


def test_texts_over_their_limit_answer_400_naming_the_field_and_change_nothing(
        client, org, at_validation, catalogue):
    track = at_validation
    x2 = catalogue[1]
    before = database_state()
    response = post(client, org.kabid_x, track, "approve",
                    {"version": track.version, "note": TOO_LONG})
    assert response.status_code == 400
    (message,) = messages_of(response)
    assert message.startswith(site_text("Note") + ": ")
    assert str(REASON_MAX_LENGTH) in message
    response = post(client, org.kabid_x, track, "return",
                    {"version": track.version, "reason": TOO_LONG})
    assert response.status_code == 400
    assert messages_of(response)[0].startswith(site_text("Reason") + ": ")
    response = post(client, org.kabid_x, track, "return",
                    {"version": track.version, "reason": "Cek", f"comment-{x2.id}": TOO_LONG})
    assert response.status_code == 400
    assert messages_of(response)[0].startswith(f"X2 {x2.name}: ")
    assert database_state() == before


def test_the_note_at_its_limit_is_stored_with_the_approval(client, org, at_validation):
    track = at_validation
    note = "b" * REASON_MAX_LENGTH
    response = post(client, org.kabid_x, track, "approve",
                    {"version": track.version, "note": note})
    assert response.status_code == 302
    assert StepExecution.objects.get(track=track, step__kind="validation",
                                     outcome="approved").note == note


def test_a_return_without_a_reason_keeps_the_services_refusal(client, org, at_validation):
    before = database_state()
    response = post(client, org.kabid_x, at_validation, "return",
                    {"version": at_validation.version, "reason": "  "})
    assert response.status_code == 409
    assert messages_of(response) == [site_text("Give the reason for returning the data.")]
    assert database_state() == before


def test_a_return_sends_the_comments_written_and_leaves_out_the_empty_ones(
        client, org, at_validation, catalogue):
    track = at_validation
    x1, x2 = catalogue[0], catalogue[1]
    response = post(client, org.kabid_x, track, "return", {
        "version": track.version, "reason": "X2 terlalu rendah",
        f"comment-{x1.id}": "", f"comment-{x2.id}": "Cek\r\nlagi"})
    assert response.status_code == 302
    record = ReturnRecord.objects.get()
    assert (record.reason, record.comments) == ("X2 terlalu rendah", {str(x2.id): "Cek\nlagi"})
    track.refresh_from_db()
    assert track.stage == TrackStage.DRAFT


def test_another_units_person_cannot_reach_the_form(client, org, at_validation):
    response = post(client, org.kabid_y, at_validation, "return",
                    {"version": at_validation.version, "reason": "Cek"})
    assert response.status_code == 403
    assert not ReturnRecord.objects.exists()


def test_the_handover_return_reason_is_limited_and_required(client, org, entry_round,
                                                            catalogue):
    y = validated(org, entry_round, org.division_y, org.staff_y, org.kabid_y,
                  {catalogue[2]: "5"})
    services.handover_submit(user=org.kabid_y.user, track=y, expected_version=y.version)
    y.refresh_from_db()
    before = database_state()
    response = post(client, org.kasubbid_data, y, "handover_return",
                    {"version": y.version, "reason": TOO_LONG})
    assert response.status_code == 400
    assert messages_of(response)[0].startswith(site_text("Reason") + ": ")
    response = post(client, org.kasubbid_data, y, "handover_return", {"version": y.version})
    assert response.status_code == 409
    assert database_state() == before
    response = post(client, org.kasubbid_data, y, "handover_return",
                    {"version": y.version, "reason": "Lampiran kurang"})
    assert response.status_code == 302
    y.refresh_from_db()
    assert y.stage == TrackStage.SUBMITTED


def test_evidence_needs_an_indicator_of_the_unit_with_a_value_and_a_file(
        client, org, entry_round, catalogue, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    track = entry_round.tracks.get(unit=org.division_x)
    x1, x2, y1 = catalogue[0], catalogue[1], catalogue[2]
    services.values_save(user=org.staff_x.user, track=track, entries=[
        services.ValueEntry(indicator_id=x1.id, value_text="5")])
    message = site_text("Choose a file for an indicator that has a value.")
    # X2 has no value yet; Y1 is Bidang Y's; X1 comes without a file.
    for indicator, with_file in ((x2, True), (y1, True), (x1, False)):
        data = {"indicator": indicator.id}
        if with_file:
            data["file"] = SimpleUploadedFile("bukti.pdf", b"%PDF-1.4")
        response = post(client, org.staff_x, track, "evidence", data)
        assert response.status_code == 400
        assert messages_of(response) == [message]
    assert not Evidence.objects.exists()
    response = post(client, org.staff_x, track, "evidence", {
        "indicator": x1.id, "file": SimpleUploadedFile("bukti.pdf", b"%PDF-1.4")})
    assert response.status_code == 302
    assert Evidence.objects.get().value.indicator_id == x1.id


def test_an_upload_without_a_file_answers_400_with_the_message(client, org, entry_round):
    track = entry_round.tracks.get(unit=org.division_x)
    before = database_state()
    response = post(client, org.staff_x, track, "upload", {})
    assert response.status_code == 400
    assert messages_of(response) == [site_text(
        "Choose the filled-in format (.xlsx) to upload.")]
    assert database_state() == before
