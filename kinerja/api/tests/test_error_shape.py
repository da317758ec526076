"""Every error of the API is `{"code", "message", "details"}` in the caller's language
(Indonesian unless the user chose English), declared in the OpenAPI document; ids beyond 64
bits are refused (422 in a body or a path) instead of overflowing the database driver."""

import json
import logging

import pytest
from django.conf import settings
from django.test import Client

from kinerja.accounts.services import api_token_create
from kinerja.api.api import api
from kinerja.core.converters import MAX_ID

from .support import PASSWORD, Caller, database_state

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]

TOO_BIG = 2**64
ERROR_KEYS = {"code", "message", "details"}


def error_of(response, status: int, code: str | None = None) -> dict:
    """The error body, after checking the status, the JSON type and the shape."""
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == ERROR_KEYS, body
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["details"], list)
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture
def as_(org):
    """as_("staff_x") -> a Bearer caller; as_("staff_x", "en") for a user who chose English."""
    def caller(persona, language=""):
        user = getattr(org, persona).user
        if language:
            user.language = language
            user.save(update_fields=["language"])
        return Caller(api_token_create(user=user, name="t")[1])
    return caller


@pytest.fixture
def track_x(org, entry_round):
    return entry_round.tracks.get(unit=org.division_x)


# -- ids beyond 64 bits ---------------------------------------------------------------------

def test_a_huge_id_in_a_path_is_refused_not_a_server_error(org, track_x, as_):
    caller = as_("staff_x")
    round_id = track_x.round_id
    for path in [f"/rounds/{TOO_BIG}/tracks/{track_x.id}", f"/rounds/{round_id}/tracks/{TOO_BIG}",
                 f"/units/{TOO_BIG}", f"/sops/{TOO_BIG}", f"/sops/1/versions/{TOO_BIG}",
                 f"/rounds/{TOO_BIG}", f"/rounds/{TOO_BIG}/recap",
                 f"/rounds/{TOO_BIG}/documents"]:
        error_of(caller.get(path), 422, "invalid_input")
    assert caller.get(f"/rounds/{MAX_ID}").status_code == 404  # the largest id is an id


@pytest.mark.parametrize("body", [
    [{"indicator_id": TOO_BIG, "value": "1", "version": 0}],
    [{"indicator_id": 1, "value": "1", "version": TOO_BIG}],
    [{"indicator_id": 0, "value": "1", "version": 0}],
])
def test_a_huge_id_in_a_body_is_422(track_x, as_, body):
    caller = as_("staff_x")
    before = database_state()
    response = caller.put(f"/rounds/{track_x.round_id}/tracks/{track_x.id}/values", body)
    error = error_of(response, 422, "invalid_input")
    assert error["details"], error
    assert database_state() == before


def test_huge_ids_in_the_round_bodies_are_422(org, sent_round, as_):
    huge = {"version": TOO_BIG}
    caller = as_("kasubbid_data")
    for path, body in [
        (f"/rounds/{sent_round.id}/meeting",
         {"version": sent_round.version, "held_at": "2026-11-20T10:00:00+08:00", "place": "R",
          "invitee_ids": [TOO_BIG], "minutes": "m"}),
        (f"/rounds/{sent_round.id}/format/revise",
         {"version": sent_round.version, "indicator_ids": [TOO_BIG], "change_note": "x"}),
        (f"/rounds/{sent_round.id}/finalise", {**huge, "reason": "x"}),
        ("/dispositions", {"sop_id": TOO_BIG, "year": 2026, "period": "Q3",
                           "date": "2026-11-20", "subject": "s", "instruction": "i",
                           "deadline": "2026-12-01"}),
    ]:
        error_of(caller.post(path, body), 422, "invalid_input")
    error_of(as_("kabid_x").post(f"/rounds/{sent_round.id}/tracks/1/return",
                                 {"version": 1, "reason": "r", "comments": {str(TOO_BIG): "x"}}),
             422, "invalid_input")


# -- every status in the same shape, in the user's language ---------------------------------

def test_errors_are_indonesian_by_default_and_english_for_who_chose_it(org, as_):
    english = as_("staff_x", "en")
    forbidden = f"/units/{org.division_x.id}"  # staff_y may not see Bidang X's people
    id_403 = error_of(as_("staff_y").get(forbidden), 403, "forbidden")
    en_403 = error_of(as_("kabid_y", "en").get(forbidden), 403, "forbidden")
    assert en_403["message"] == "Not allowed for your position."
    assert id_403["message"] != en_403["message"]

    en_404 = error_of(english.get("/units/999999"), 404, "not_found")
    id_404 = error_of(as_("staff_data").get("/units/999999"), 404, "not_found")
    assert en_404["message"] == "Not found." and id_404["message"] != en_404["message"]

    en_422 = error_of(english.put("/rounds/1/tracks/1/values", {"not": "a list"}), 422,
                      "invalid_input")
    id_422 = error_of(as_("staff_data").put("/rounds/1/tracks/1/values", {"not": "a list"}),
                      422, "invalid_input")
    assert en_422["message"] != id_422["message"]
    assert any("body" in detail for detail in en_422["details"]), en_422


def test_401_is_in_the_language_cookie_or_indonesian(org):
    anonymous = error_of(Caller().get("/me"), 401, "not_authenticated")
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = error_of(client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}), 401,
                       "not_authenticated")
    assert anonymous["message"] != english["message"]
    assert english["message"].startswith("Send a Bearer token")


def test_a_wrong_method_is_405_in_the_shape(org, as_):
    response = as_("staff_x").post("/me", {})
    error_of(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_an_unknown_api_path_is_404_in_the_shape(org, as_):
    error_of(as_("staff_x").get("/no-such-route"), 404, "not_found")
    error_of(Caller().get("/no-such-route"), 404, "not_found")


def test_the_token_lock_out_is_429_in_the_shape(org):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/v1/auth/token", {"username": "staff_x", "password": "wrong",
                                           "name": "s"},
                    content_type="application/json", REMOTE_ADDR="10.1.2.3")
    response = client.post("/api/v1/auth/token", {"username": "staff_x", "password": PASSWORD,
                                                  "name": "s"},
                           content_type="application/json", REMOTE_ADDR="10.1.2.3")
    error = error_of(response, 429, "locked_out")
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"{minutes} menit" in error["message"]  # in words, not PT15M
    assert response["Retry-After"] == str(minutes * 60)


def test_an_unexpected_error_is_500_in_the_shape_and_logged(org, as_, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("kinerja.api.api.unit_list_for_viewer", broken)
    with caplog.at_level(logging.ERROR):
        response = as_("staff_x", "en").get("/units")
    error = error_of(response, 500, "server_error")
    assert "a bug" not in error["message"] and error["details"] == []
    assert any(record.exc_info and "a bug" in str(record.exc_info[1])
               for record in caplog.records)


def test_a_session_write_without_csrf_is_403_in_the_shape(org, opened_round):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.secretary.user)
    response = client.post(f"/api/v1/rounds/{opened_round.id}/forward",
                           {"version": opened_round.version, "instruction": "x"},
                           content_type="application/json")
    error_of(response, 403)


# -- the contract ---------------------------------------------------------------------------

def test_a_token_holder_reads_the_openapi_document(org, as_):
    response = as_("staff_x").get("/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Kinerja API"
    error_of(Caller("not-a-token").get("/openapi.json"), 401, "not_authenticated")


def test_every_operation_declares_its_errors_with_the_error_schema():
    schema = json.loads(json.dumps(api.get_openapi_schema()))  # status keys as served
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == ERROR_KEYS
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            expected = {"500", "503"}
            if operation.get("security"):
                expected |= {"401", "403"}
            if "{" in path or "requestBody" in operation:
                expected |= {"404", "422"}
            if method != "get":
                expected |= {"400", "409", "422"}
            assert expected <= set(responses), (method, path, sorted(responses))
            for status in expected:
                content = responses[status]["content"]["application/json"]["schema"]
                assert content == {"$ref": "#/components/schemas/Error"}, (method, path, status)
    token = schema["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert {"401", "429"} <= set(token)
