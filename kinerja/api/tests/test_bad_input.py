"""Bad input changes nothing: a wrong type is 422 "invalid_input" (before any service runs), a
stale version 409 "stale", a step out of turn 409, another unit's track 403, another agency
404."""

import pytest
from django.utils import timezone

from kinerja.accounts.services import api_token_create
from kinerja.collection import services

from .support import Caller, database_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_(org):
    """as_("staff_x") -> a Bearer caller for that persona."""
    tokens = {}

    def caller(persona):
        if persona not in tokens:
            tokens[persona] = api_token_create(user=getattr(org, persona).user, name="t")[1]
        return Caller(tokens[persona])

    return caller


@pytest.fixture
def track_x(org, entry_round, catalogue):
    """Bidang X's track in data entry, X1 saved once (version 1)."""
    track = entry_round.tracks.get(unit=org.division_x)
    services.values_save(user=org.staff_x.user, track=track, entries=[
        services.ValueEntry(indicator_id=catalogue[0].id, value_text="5")])
    return track


@pytest.fixture
def signed(org, sop):
    """A round of its own (Q4) whose step 2 waits for the secretary."""
    today = timezone.localdate()
    draft = services.disposition_create(
        user=org.head.user, sop=sop, year=2026, period="Q4", date=today, speed="biasa",
        security="biasa", subject="Data kinerja Q4", instruction="Kumpulkan.", deadline=today)
    return services.disposition_sign(user=org.head.user, disposition=draft,
                                     expected_version=draft.version)


def url(track, action=""):
    return f"/rounds/{track.round_id}/tracks/{track.id}" + (f"/{action}" if action else "")


def refused(caller, method, path, body, status, code=None):
    """Send the request; check its status (and error code) and that nothing changed."""
    before = database_state()
    response = caller.request(method, path, body)
    assert response.status_code == status, response.content
    if code is not None:
        assert response.json()["code"] == code, response.json()
    assert database_state() == before
    return response.json()


@pytest.mark.parametrize("body", [
    {"version": "abc", "instruction": "Siapkan."},
    {"version": None, "instruction": "Siapkan."},
    {"version": 0, "instruction": "Siapkan."},
    {"instruction": "Siapkan."},
    {"version": 1, "instruction": ["a", "list"]},
    ["not", "an", "object"],
])
def test_a_wrong_type_is_422(org, signed, as_, body):
    error = refused(as_("secretary"), "POST", f"/rounds/{signed.id}/forward", body, 422,
                    "invalid_input")
    assert error["details"]


@pytest.mark.parametrize("body", [
    {"indicator_id": 1, "value": "5", "version": "abc"},
    {"indicator_id": "X1", "value": "5", "version": 1},
    {"indicator_id": 1, "value": ["5"], "version": 1},
    {"indicator_id": 1, "value": "5", "version": -1},
])
def test_a_wrong_type_in_the_values_is_422(track_x, as_, body):
    refused(as_("staff_x"), "PUT", url(track_x, "values"), [body], 422)
    refused(as_("staff_x"), "PUT", url(track_x, "values"), body, 422)  # not a list


@pytest.mark.parametrize("change", [{"period": "Q5"}, {"year": 1999}, {"date": "31/12/2026"},
                                    {"speed": "kilat"}, {"subject": ""}])
def test_a_disposition_with_a_bad_field_is_422(org, sop, as_, change):
    body = {"sop_id": sop.id, "year": 2026, "period": "Q3", "date": "2026-11-20",
            "subject": "Data kinerja", "instruction": "Kumpulkan.", "deadline": "2026-12-01",
            **change}
    refused(as_("head"), "POST", "/dispositions", body, 422)


def test_a_stale_version_is_409_stale(org, signed, track_x, as_):
    seen = signed.version
    services.disposition_forward(user=org.secretary.user, round_=signed, instruction="Siapkan.",
                                 expected_version=seen)  # the round moves on meanwhile
    refused(as_("kasubbag_planning"), "POST", f"/rounds/{signed.id}/initial",
            {"version": seen}, 409, "stale")
    refused(as_("staff_x"), "POST", url(track_x, "complete"),
            {"version": track_x.version + 1}, 409, "stale")


def test_a_value_saved_by_someone_else_first_is_refused(org, track_x, catalogue, as_):
    x1, x2 = catalogue[:2]
    body = [{"indicator_id": x2.id, "value": "8", "version": 0},
            {"indicator_id": x1.id, "value": "6", "version": 0}]  # X1 is at version 1
    error = refused(as_("staff_x"), "PUT", url(track_x, "values"), body, 409,
                    "invalid_values")
    assert "X1" in error["details"][0]  # and X2, valid, was not saved either


def test_a_value_that_is_not_a_number_is_refused_naming_the_form(track_x, catalogue, as_):
    error = refused(as_("staff_x"), "PUT", url(track_x, "values"),
                    [{"indicator_id": catalogue[0].id, "value": "lima", "version": 1}], 422,
                    "invalid_input")
    assert "lima" in error["details"][0] and "1234.5" in error["details"][0]


def test_a_value_the_indicator_cannot_hold_is_refused_by_the_service(track_x, catalogue, as_):
    error = refused(as_("staff_x"), "PUT", url(track_x, "values"),
                    [{"indicator_id": catalogue[0].id, "value": "0.12345", "version": 1}],
                    409, "invalid_values")
    assert "X1" in error["details"][0]


def test_out_of_turn_is_409(org, signed, track_x, as_):
    # Initials before the secretary has forwarded the disposition.
    refused(as_("kasubbag_planning"), "POST", f"/rounds/{signed.id}/initial",
            {"version": signed.version}, 409, "not_forwarded")
    # Validation while the unit is still entering data.
    refused(as_("kabid_x"), "POST", url(track_x, "approve"), {"version": track_x.version},
            409, "out_of_turn")
    # Submitting the unit recap before the format is filled in (step 6 is not open).
    refused(as_("staff_x"), "POST", url(track_x, "submit"), {"version": track_x.version},
            409, "out_of_turn")


def test_another_units_track_is_403(org, track_x, catalogue, as_):
    refused(as_("staff_y"), "GET", url(track_x), None, 403, "forbidden")
    refused(as_("staff_y"), "PUT", url(track_x, "values"),
            [{"indicator_id": catalogue[0].id, "value": "1", "version": 1}], 403, "forbidden")
    refused(as_("kabid_y"), "POST", url(track_x, "complete"), {"version": track_x.version},
            403, "forbidden")


def test_another_agency_is_404(org, track_x, catalogue, as_):
    outsider = as_("outsider")
    refused(outsider, "GET", f"/rounds/{track_x.round_id}", None, 404, "not_found")
    refused(outsider, "GET", url(track_x), None, 404, "not_found")
    refused(outsider, "PUT", url(track_x, "values"),
            [{"indicator_id": catalogue[0].id, "value": "1", "version": 1}], 404, "not_found")
    refused(outsider, "POST", f"/rounds/{track_x.round_id}/finalise",
            {"version": track_x.round.version, "reason": "x"}, 404, "not_found")


def test_a_track_named_under_another_round_is_404(org, track_x, signed, as_):
    refused(as_("staff_x"), "GET", f"/rounds/{signed.id}/tracks/{track_x.id}", None, 404)


def test_meeting_people_must_be_of_the_agency(org, sent_round, as_):
    error = refused(as_("kasubbid_data"), "POST", f"/rounds/{sent_round.id}/meeting", {
        "version": sent_round.version, "held_at": timezone.now().isoformat(),
        "place": "Ruang rapat", "invitee_ids": [org.kabid_x.id, org.outsider.id],
        "minutes": "Dibahas."}, 422, "invalid_choice")
    assert error["details"] == [f"invitee_ids: {org.outsider.id}"]
