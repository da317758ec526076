"""A number typed on the unit page, sent through the API or written in the workbook is stored
as the official meant it, or refused with both readings: never 1,000 times off (issue 10).

The Gini index (target 0,305, three decimals) typed as "0.262" was stored as 262."""

from decimal import Decimal

import pytest
from django.urls import reverse

from kinerja.collection import services
from kinerja.collection.models import IndicatorValue
from kinerja.collection.tests.test_excel import download, filled, messages_of, upload

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


@pytest.fixture
def gini(catalogue):
    """X1 as an index with three decimals, as the Gini index is; without a target, so that no
    plausibility rule (docs/domain.md §10) applies to the readings tried here."""
    indicator = catalogue[0]
    indicator.decimals = 3
    indicator.unit_of_measure = "indeks"
    indicator.save()
    indicator.targets.all().delete()
    return indicator


def stored(track, indicator):
    found = IndicatorValue.objects.filter(track=track, indicator=indicator).first()
    return found.value if found else None


def on_the_page(client, org, track, indicator, text):
    client.force_login(org.staff_x.user)
    return client.post(reverse("collection:track_action",
                               args=[track.round_id, track.id, "values"]),
                       {f"value-{indicator.id}": text, f"version-{indicator.id}": "0"})


def through_the_api(client, org, track, indicator, value):
    client.force_login(org.staff_x.user)
    return client.put(f"/api/v1/rounds/{track.round_id}/tracks/{track.id}/values",
                      [{"indicator_id": indicator.id, "value": value, "version": 0}],
                      content_type="application/json")


def in_the_workbook(client, org, track, indicator, cell):
    """The format downloaded and uploaded with the value cell set (X2 is filled: an upload
    needs every value of the format)."""
    content = filled(download(client, org.staff_x, track).content,
                     {indicator.code: (cell, ""), "X2": (3, "")})
    return upload(client, org.staff_x, track, content)


# (typed, stored): the same outcome on the page, in a workbook text cell and in an API string
# in the page's form; None: refused.
READINGS = [
    ("0.262", "0.262"), ("0,262", "0.262"), ("12.5", "12.5"), ("1.234,5", "1234.5"),
    ("12.345", None), ("1,234.5", None), ("12e3", None), ("٣", None),
    ("1" * 40, None),
]


@pytest.mark.parametrize(("typed", "expected"), READINGS)
def test_the_page_and_the_workbook_read_a_number_alike(client, org, track_ready_to_upload, gini,
                                                        typed, expected):
    track = track_ready_to_upload
    page = on_the_page(client, org, track, gini, typed)
    from_page = stored(track, gini)
    IndicatorValue.objects.filter(track=track, indicator=gini).delete()
    workbook = in_the_workbook(client, org, track, gini, typed)
    from_workbook = stored(track, gini)
    expected = Decimal(expected) if expected is not None else None
    assert (from_page, from_workbook) == (expected, expected), (page.status_code,
                                                               messages_of(workbook))


def test_an_ambiguous_number_is_refused_naming_both_readings(client, org, track, gini):
    response = on_the_page(client, org, track, gini, "12.345")
    page = response.content.decode()
    assert "12345" in page and "12,345" in page
    assert stored(track, gini) is None


def test_an_ambiguous_number_is_the_whole_number_where_no_decimals_are_allowed(org, track,
                                                                              catalogue):
    catalogue[0].decimals = 0
    catalogue[0].save()
    catalogue[0].targets.all().delete()  # 12345 against a target of 10: implausible
    services.values_save(user=org.staff_x.user, track=track, entries=[
        services.ValueEntry(indicator_id=catalogue[0].id, value_text="12.345")])
    assert stored(track, catalogue[0]) == Decimal("12345")


@pytest.mark.parametrize(("value", "expected"), [
    (0.262, "0.262"), ("0.262", "0.262"), ("12.345", "12.345"), (12.345, "12.345"),
])
def test_the_api_reads_numbers_and_its_own_strings_as_decimals(client, org, track, gini, value,
                                                               expected):
    response = through_the_api(client, org, track, gini, value)
    assert response.status_code == 200, response.content
    assert stored(track, gini) == Decimal(expected)


@pytest.mark.parametrize("value", ["1.234,5", "0,262"])
def test_the_api_refuses_a_locale_string_naming_the_machine_form(client, org, track, gini,
                                                                value):
    response = through_the_api(client, org, track, gini, value)
    assert response.status_code == 422
    assert value in response.json()["details"][0]
    assert stored(track, gini) is None


def test_a_value_read_from_the_api_and_sent_back_is_unchanged(client, org, track, gini):
    through_the_api(client, org, track, gini, "12.345")
    client.force_login(org.staff_x.user)
    url = f"/api/v1/rounds/{track.round_id}/tracks/{track.id}"
    [row] = [row for row in client.get(url).json()["rows"] if row["code"] == gini.code]
    assert row["value"] == "12.345"
    response = through_the_api(client, org, track, gini, row["value"])
    assert response.status_code == 409  # version 0 is stale now: sent again with its version
    response = client.put(f"{url}/values", [{"indicator_id": gini.id, "value": row["value"],
                                             "version": row["version"]}],
                          content_type="application/json")
    assert response.status_code == 200, response.content
    assert stored(track, gini) == Decimal("12.345")
