"""Free texts have a stated length limit and no control characters (issue 9, findings 7
and 9), and one save names each indicator once (finding 7).

Explanations, reasons, notes, comments and minutes go through `core/text.py: clean_text` in
the services, so the pages, the API and the uploaded workbook keep the same limits; the forms
(`maxlength`) and the OpenAPI schema (`maxLength`) state them."""

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kinerja.collection import excel, services
from kinerja.collection.models import IndicatorValue, Meeting, ReturnRecord, StepExecution
from kinerja.collection.services import ValueEntry
from kinerja.conftest import fresh, submitted, validated
from kinerja.core.errors import DomainError
from kinerja.core.text import (
    EXPLANATION_MAX_LENGTH,
    MINUTES_MAX_LENGTH,
    REASON_MAX_LENGTH,
    TextTooLong,
    clean_text,
    normalise_text,
)

pytestmark = pytest.mark.django_db

MEGABYTE = "a" * 1_000_000


def shown(count: int) -> str:
    """A limit as messages and hints write it, grouped as the office writes numbers."""
    return f"{count:,}".replace(",", ".")


def stored_values(track):
    return list(IndicatorValue.objects.filter(track=track)
                .values_list("indicator__code", "value", "explanation"))


# -- the normaliser ---------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "stored"), [
    ("baris 1\r\nbaris 2", "baris 1\nbaris 2"),
    ("baris 1\rbaris 2", "baris 1\nbaris 2"),
    ("Word\x0bbaris baru\x0chalaman", "Word\nbaris baru\nhalaman"),
    ("tab\tstays\n", "tab\tstays"),
    ("nul\x00 bel\x07 esc\x1b del\x7f c1\x9b", "nul bel esc del c1"),
    ("nel\x85line\u2028para\u2029end", "nel\nline\npara\nend"),
    ("lone \ud800surrogate \ufffe\uffff", "lone surrogate"),
    ("  Sesuai target.  ", "Sesuai target."),
])
def test_line_breaks_are_kept_and_other_control_characters_removed(typed, stored):
    assert normalise_text(typed) == stored


def test_the_limit_counts_the_stored_text_and_the_message_names_it():
    assert clean_text("a\r\n" * 5, max_length=10, field="the reason") == "a\na\na\na\na"
    with pytest.raises(TextTooLong) as refused:
        clean_text("x" * 11, max_length=10, field="the reason")
    assert "10" in refused.value.message and "11" in refused.value.message
    assert refused.value.message.startswith("The reason")
    assert refused.value.status_code == 400
    assert clean_text("line\nline", max_length=20, field="x", single_line=True) == "line line"


# -- explanations: the service, the page, the API, the workbook -----------------------------

def test_a_megabyte_explanation_is_refused_by_the_service_naming_the_limit(org, track,
                                                                         catalogue):
    with pytest.raises(DomainError) as refused:
        services.values_save(user=org.staff_x.user, track=track, entries=[
            ValueEntry(indicator_id=catalogue[0].id, value_text="5", explanation=MEGABYTE)])
    assert shown(EXPLANATION_MAX_LENGTH) in " ".join(refused.value.details)
    assert "X1" in refused.value.details[0]
    assert stored_values(track) == []
    # At the limit it is stored.
    services.values_save(user=org.staff_x.user, track=track, entries=[
        ValueEntry(indicator_id=catalogue[0].id, value_text="5",
                   explanation="a" * EXPLANATION_MAX_LENGTH)])
    assert len(stored_values(track)[0][2]) == EXPLANATION_MAX_LENGTH


def test_a_long_typed_number_is_refused_without_echoing_it(org, track, catalogue):
    with pytest.raises(DomainError) as refused:
        services.values_save(user=org.staff_x.user, track=track, entries=[
            ValueEntry(indicator_id=catalogue[0].id, value_text="x" * 100_000)])
    assert len(refused.value.message) < 300
    assert stored_values(track) == []


def test_the_page_refuses_a_megabyte_explanation_and_states_the_limit(client, org, track,
                                                                      catalogue):
    client.force_login(org.staff_x.user)
    page = client.get(reverse("collection:track_detail", args=[track.round_id, track.id]))
    html = page.content.decode()
    assert re.search(rf'<textarea[^>]*maxlength="{EXPLANATION_MAX_LENGTH}"[^>]*'
                     rf'name="explanation-{catalogue[0].id}"', html)
    assert shown(EXPLANATION_MAX_LENGTH) in html  # the hint under the table says the limit
    response = client.post(reverse("collection:track_action",
                                   args=[track.round_id, track.id, "values"]),
                           {f"value-{catalogue[0].id}": "5",
                            f"explanation-{catalogue[0].id}": MEGABYTE})
    assert 400 <= response.status_code < 500
    assert shown(EXPLANATION_MAX_LENGTH) in response.content.decode()
    assert stored_values(track) == []


def test_the_api_refuses_a_megabyte_explanation_and_states_the_limit(client, org, track,
                                                                     catalogue):
    client.force_login(org.staff_x.user)
    url = f"/api/v1/rounds/{track.round_id}/tracks/{track.id}/values"
    response = client.put(url, [{"indicator_id": catalogue[0].id, "value": "5",
                                 "explanation": MEGABYTE}], content_type="application/json")
    assert response.status_code in (400, 422)
    assert stored_values(track) == []
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert schema["ValueIn"]["properties"]["explanation"]["maxLength"] == (
        EXPLANATION_MAX_LENGTH)
    assert schema["ReturnIn"]["properties"]["reason"]["maxLength"] == REASON_MAX_LENGTH
    assert schema["MeetingIn"]["properties"]["minutes"]["maxLength"] == MINUTES_MAX_LENGTH
    # CRLF line breaks count once, as stored: at the limit the API accepts it.
    at_limit = "ab\r\n" * (EXPLANATION_MAX_LENGTH // 3)
    response = client.put(url, [{"indicator_id": catalogue[0].id, "value": "5",
                                 "explanation": at_limit}], content_type="application/json")
    assert response.status_code == 200, response.content[:300]


def test_an_uploaded_workbook_with_a_megabyte_explanation_is_refused(client, org, track,
                                                                     catalogue):
    client.force_login(org.staff_x.user)
    content = client.get(reverse("collection:track_format_download",
                                 args=[track.round_id, track.id])).content
    book = load_workbook(io.BytesIO(content))
    book[excel.DATA]["F2"] = 5
    book[excel.DATA]["F3"] = 4
    book[excel.DATA]["G2"] = "a" * 32_767  # Excel's largest cell
    output = io.BytesIO()
    book.save(output)
    with pytest.raises(DomainError) as refused:
        excel.values_upload(user=org.staff_x.user, track=track, content=output.getvalue())
    assert shown(EXPLANATION_MAX_LENGTH) in " ".join([refused.value.message,
                                                    *refused.value.details])
    assert stored_values(track) == []


# -- a vertical tab in an explanation, then the unit's workbooks ------------------------------

def test_an_explanation_typed_in_word_is_stored_with_line_breaks_and_downloads(
        client, org, track, catalogue):
    services.values_save(user=org.staff_x.user, track=track, entries=[
        ValueEntry(indicator_id=catalogue[0].id, value_text="5",
                   explanation="Baris satu\x0bbaris dua\x00")])
    assert stored_values(track)[0][2] == "Baris satu\nbaris dua"
    for person in (org.staff_x, org.kabid_x):
        client.force_login(person.user)
        for name in ("collection:track_format_download", "collection:track_recap_download"):
            response = client.get(reverse(name, args=[track.round_id, track.id]))
            assert response.status_code == 200, name
            load_workbook(io.BytesIO(response.content))


def test_an_explanation_stored_with_a_control_character_before_still_downloads(
        client, org, track, catalogue):
    """Rows saved before the limit: the writers drop what XML cannot hold."""
    services.values_save(user=org.staff_x.user, track=track, entries=[
        ValueEntry(indicator_id=catalogue[0].id, value_text="5", explanation="lama")])
    IndicatorValue.objects.filter(track=track).update(explanation="Baris satu\x0bbaris dua")
    client.force_login(org.staff_x.user)
    for name in ("collection:track_format_download", "collection:track_recap_download"):
        response = client.get(reverse(name, args=[track.round_id, track.id]))
        assert response.status_code == 200, name


# -- one indicator once per save -------------------------------------------------------------

def test_the_same_indicator_twice_in_one_save_is_refused_naming_it(org, track, catalogue):
    with pytest.raises(DomainError) as refused:
        services.values_save(user=org.staff_x.user, track=track, entries=[
            ValueEntry(indicator_id=catalogue[0].id, value_text="5"),
            ValueEntry(indicator_id=catalogue[0].id, value_text="6")])
    assert 400 <= refused.value.status_code < 500
    assert "X1" in refused.value.message
    assert stored_values(track) == []


def test_the_api_answers_a_duplicate_indicator_with_a_4xx_and_saves_nothing(client, org,
                                                                            track, catalogue):
    client.force_login(org.staff_x.user)
    response = client.put(f"/api/v1/rounds/{track.round_id}/tracks/{track.id}/values",
                          [{"indicator_id": catalogue[0].id, "value": "5"},
                           {"indicator_id": catalogue[0].id, "value": "6"}],
                          content_type="application/json")
    assert response.status_code in (400, 422)
    assert "X1" in response.json()["message"]
    assert stored_values(track) == []


# -- reasons, notes, comments, minutes -------------------------------------------------------

def submitted_x(org, round_, catalogue):
    return submitted(round_, org.division_x, org.staff_x, dict.fromkeys(catalogue[:2], "8"))


def test_return_reasons_and_comments_are_limited_and_cleaned(org, entry_round, catalogue):
    track = submitted_x(org, entry_round, catalogue)
    for reason, comments in ((MEGABYTE, {}), ("Cek", {catalogue[0].id: MEGABYTE})):
        with pytest.raises(TextTooLong) as refused:
            services.unit_recap_return(user=org.kabid_x.user, track=track, reason=reason,
                                       comments=comments, expected_version=track.version)
        assert shown(REASON_MAX_LENGTH) in refused.value.message
    assert not ReturnRecord.objects.exists()
    services.unit_recap_return(user=org.kabid_x.user, track=track,
                               reason="Cek\x0blagi\x00", comments={catalogue[0].id: "a\rb"},
                               expected_version=track.version)
    record = ReturnRecord.objects.get()
    assert record.reason == "Cek\nlagi" and record.comments == {str(catalogue[0].id): "a\nb"}
    assert StepExecution.objects.get(status="returned").note == "Cek\nlagi"


def test_approve_note_and_handover_return_reason_are_limited(org, entry_round, catalogue):
    track = submitted_x(org, entry_round, catalogue)
    with pytest.raises(TextTooLong):
        services.unit_recap_approve(user=org.kabid_x.user, track=track, note=MEGABYTE,
                                    expected_version=track.version)
    y = validated(org, entry_round, org.division_y, org.staff_y, org.kabid_y,
                  {catalogue[2]: "5"})
    services.handover_submit(user=org.kabid_y.user, track=y, expected_version=y.version)
    y.refresh_from_db()
    with pytest.raises(TextTooLong):
        services.handover_return(user=org.kasubbid_data.user, track=y, reason=MEGABYTE,
                                 expected_version=y.version)
    assert not ReturnRecord.objects.exists()


def test_finalise_and_reopen_reasons_are_limited(org, finalised_round):
    round_ = finalised_round
    with pytest.raises(TextTooLong):
        services.round_reopen(user=org.head.user, round_=round_, reason=MEGABYTE,
                              expected_version=round_.version)
    services.round_reopen(user=org.head.user, round_=round_, reason="Koreksi\r\ndata",
                          expected_version=round_.version)
    round_ = fresh(round_)
    assert round_.status == "open"
    with pytest.raises(TextTooLong):
        services.round_finalise(user=org.head.user, round_=round_, reason=MEGABYTE,
                                expected_version=round_.version)


def test_meeting_minutes_are_limited_and_cleaned(org, sent_round):
    from django.utils import timezone

    record = dict(user=org.kasubbid_data.user, round_=sent_round, held_at=timezone.now(),
                  place="Ruang\x0brapat", invitees=[org.kabid_x], attendees=[org.kabid_x],
                  decisions="", expected_version=sent_round.version)
    with pytest.raises(TextTooLong) as refused:
        services.meeting_record(minutes="a" * (MINUTES_MAX_LENGTH + 1), **record)
    assert shown(MINUTES_MAX_LENGTH) in refused.value.message
    services.meeting_record(minutes="Format\x0bdibahas.\x07", **record)
    meeting = Meeting.objects.get()
    assert (meeting.minutes, meeting.place) == ("Format\ndibahas.", "Ruang rapat")


def test_the_unit_page_states_the_reason_limit(client, org, entry_round, catalogue):
    track = submitted_x(org, entry_round, catalogue)
    client.force_login(org.kabid_x.user)
    html = client.get(reverse("collection:track_detail",
                              args=[track.round_id, track.id])).content.decode()
    assert re.search(rf'<textarea[^>]*name="reason"[^>]*maxlength="{REASON_MAX_LENGTH}"',
                     html)
    assert re.search(rf'name="note"[^>]*maxlength="{REASON_MAX_LENGTH}"', html)


def test_the_meetings_change_note_is_limited_and_cleaned(org, sent_round, catalogue):
    revise = dict(user=org.kasubbid_data.user, round_=sent_round,
                  indicator_ids=[c.id for c in catalogue[:3]])
    with pytest.raises(TextTooLong) as refused:
        services.format_revise(change_note="a" * (REASON_MAX_LENGTH + 1),
                               expected_version=fresh(sent_round).version, **revise)
    assert shown(REASON_MAX_LENGTH) in refused.value.message
    revised = services.format_revise(change_note="S1\x0btahunan saja.\x07",
                                     expected_version=fresh(sent_round).version, **revise)
    assert revised.change_note.splitlines()[:2] == ["S1", "tahunan saja."]
