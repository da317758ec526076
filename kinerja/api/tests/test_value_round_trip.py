"""A value read from the API and sent back changes nothing (issue 10): GET answers each value in
the machine form, which PUT reads as the same number; and the API's value fields (plausibility
flag, confirmation) are as the OpenAPI document states."""

import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinerja.api.api import api
from kinerja.collection import services
from kinerja.collection.models import IndicatorValue, PlausibilityFlag
from kinerja.core.numbers import parse_machine

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


@pytest.fixture
def track(org, entry_round):
    return entry_round.tracks.get(unit=org.division_x)


@pytest.fixture
def x1(catalogue):
    """X1 as a number without a target: no plausibility rule applies to any value."""
    indicator = catalogue[0]
    indicator.targets.all().delete()
    return indicator


def url(track) -> str:
    return f"/api/v1/rounds/{track.round_id}/tracks/{track.id}"


def row_of(client, track, indicator) -> dict:
    [row] = [row for row in client.get(url(track)).json()["rows"]
             if row["indicator_id"] == indicator.id]
    return row


def state(track, indicator):
    return (IndicatorValue.objects.filter(track=track, indicator=indicator)
            .values_list("value", "explanation", "version", "updated_at").first())


@st.composite
def values(draw):
    decimals = draw(st.integers(min_value=0, max_value=4))
    # Fifteen significant digits at most: what the test database (SQLite, which stores a
    # decimal in a float) keeps exactly; below 10^15 whatever the decimals.
    units = draw(st.integers(min_value=-(10**15 - 1), max_value=10**15 - 1))
    return Decimal(units).scaleb(-decimals), decimals


@given(case=values(), as_number=st.booleans())
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_a_value_read_and_sent_back_changes_nothing(client, org, track, x1, case, as_number):
    value, decimals = case
    x1.decimals = decimals
    x1.save(update_fields=["decimals"])
    current = IndicatorValue.objects.filter(track=track, indicator=x1).first()
    services.values_save(user=org.staff_x.user, track=track, entries=[services.ValueEntry(
        indicator_id=x1.id, value_text=value, explanation="Sesuai laporan.",
        expected_version=current.version if current else 0)])
    client.force_login(org.staff_x.user)
    row = row_of(client, track, x1)
    assert parse_machine(row["value"]) == value
    before = state(track, x1)
    # Sent back as the string GET answered, or as a JSON number written with those digits.
    sent = row["value"] if not as_number else "@NUMBER@"
    body = json.dumps([{"indicator_id": x1.id, "value": sent,
                        "explanation": row["explanation"], "version": row["version"]}])
    body = body.replace('"@NUMBER@"', row["value"])
    response = client.put(f"{url(track)}/values", body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert state(track, x1) == before
    assert row_of(client, track, x1) == row


def test_the_plausibility_flag_is_answered(client, org, track, x1):
    services.values_save(user=org.staff_x.user, track=track, entries=[
        services.ValueEntry(indicator_id=x1.id, value_text=Decimal(5))])
    client.force_login(org.staff_x.user)
    assert row_of(client, track, x1)["plausibility"] == ""
    IndicatorValue.objects.filter(track=track, indicator=x1).update(
        plausibility=PlausibilityFlag.FAR_FROM_TARGET)
    assert row_of(client, track, x1)["plausibility"] == PlausibilityFlag.FAR_FROM_TARGET.value


def test_the_confirmation_reaches_the_service(client, org, track, x1, monkeypatch):
    received = []
    monkeypatch.setattr(services, "values_save",
                        lambda **arguments: received.extend(arguments["entries"]))
    client.force_login(org.staff_x.user)
    client.put(f"{url(track)}/values",
               [{"indicator_id": x1.id, "value": 262, "explanation": "Benar.",
                 "confirm_implausible": True, "version": 0},
                {"indicator_id": catalogue_x2(x1).id, "value": "3"}],
               content_type="application/json")
    assert [(entry.value_text, entry.confirm_implausible) for entry in received] == [
        (Decimal(262), True), (Decimal(3), False)]


def catalogue_x2(x1):
    return x1.period.indicators.get(code="X2")


@pytest.mark.parametrize(("value", "meant"), [("1.234,5", "1234.5"), ("0,262", "0.262"),
                                              ("12,5 %", "12.5"), ("1.234.567", "1234567")])
def test_a_locale_string_is_refused_naming_the_machine_form(client, org, track, x1, value,
                                                            meant):
    client.force_login(org.staff_x.user)
    response = client.put(f"{url(track)}/values",
                          [{"indicator_id": x1.id, "value": value, "version": 0}],
                          content_type="application/json")
    assert response.status_code == 422
    error = response.json()
    assert error["code"] == "invalid_input"
    [detail] = error["details"]
    assert ".0.value: " in detail
    # In the user's language ("write 1234.5 (digits…" / "tulis 1234.5 (angka…").
    assert f" {meant} (" in detail and value in detail
    assert not IndicatorValue.objects.filter(track=track, indicator=x1).exists()


def test_the_openapi_document_states_the_machine_form():
    schema = api.get_openapi_schema()["components"]["schemas"]
    value = schema["ValueIn"]["properties"]["value"]
    kinds = {option["type"]: option for option in value["anyOf"]}
    assert set(kinds) == {"number", "string", "null"}
    assert kinds["string"]["pattern"] == "^([+-]?[0-9]+(\\.[0-9]+)?)?$"
    assert schema["ValueIn"]["properties"]["confirm_implausible"]["type"] == "boolean"
    assert "plausibility" in schema["RecapRowOut"]["required"]
