"""One number language on every path (issue 10): each row of the README's number table ("##
Numbers") is sent through the unit page, a workbook text cell, the API as a string and the API
as a JSON number, and each path gives the outcome the table states: the value stored, no value,
or a refusal whose message names the readings in backticks. The table is read from the README
itself, so the documentation and the behaviour cannot drift apart.

The indicator is X1 as a number with the row's decimals and no target: no plausibility rule
(docs/domain.md §10) applies, so only the reading of the number decides."""

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from kinerja.collection import services
from kinerja.collection.models import IndicatorValue
from kinerja.collection.tests.test_excel import download, filled, messages_of, upload
from kinerja.core.numbers import parse_number

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]

README = Path(__file__).resolve().parents[3] / "README.md"


@dataclass(frozen=True)
class Outcome:
    kind: str  # "value", "none" (no value), "refused" or "skip" (not sent on this path)
    value: Decimal | None = None
    named: tuple[str, ...] = ()  # what a refusal's message must name

    @classmethod
    def of(cls, cell: str) -> "Outcome":
        if cell in ("—", "-", ""):
            return cls("skip")
        if cell == "no value":
            return cls("none")
        if cell.startswith("refused"):
            return cls("refused", named=tuple(re.findall(r"`([^`]*)`", cell)))
        return cls("value", parse_number(cell))


@dataclass(frozen=True)
class Row:
    typed: str
    decimals: int
    page: Outcome  # also a workbook text cell
    api_string: Outcome
    json_number: Outcome

    def __str__(self) -> str:
        return f"{self.typed or '(empty)'}@{self.decimals}"


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def number_table() -> list[Row]:
    """The rows of the first table under "## Numbers" in the README."""
    section = README.read_text(encoding="utf-8").split("\n## Numbers\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header = _cells(lines[0])
    rows = []
    for line in lines[2:]:
        cell = dict(zip(header, _cells(line), strict=True))
        typed = cell["typed"]
        typed = "" if typed == "(empty)" else typed.strip("`")
        rows.append(Row(typed=typed, decimals=int(cell["decimals"]),
                        page=Outcome.of(cell["on a page, in a workbook text cell"]),
                        api_string=Outcome.of(cell["as an API string"]),
                        json_number=Outcome.of(cell["as a JSON number"])))
    return rows


TABLE = number_table()


def test_the_table_has_the_inputs_the_issue_names():
    typed = {row.typed for row in TABLE}
    assert {"0.262", "12.345", "12.5", "1.234,5", "1234,5", "1.234.567", "12,5 %", "1,234.5",
            "12e3", "-0", "١٢٣", ""} <= typed
    assert any(len(text) == 40 and text.isdigit() for text in typed)
    assert {row.decimals for row in TABLE if row.typed == "12.345"} == {0, 3}


@pytest.fixture
def x1(catalogue, track_ready_to_upload):
    """X1 as a number without a target (no plausibility rule applies); the format asks for no
    value, so that an empty value cell means no value in an upload too."""
    indicator = catalogue[0]
    indicator.targets.all().delete()
    data_format = services.current_format(track_ready_to_upload.round)
    data_format.require_value = False
    data_format.save(update_fields=["require_value"])
    return indicator


def stored(track, indicator):
    found = IndicatorValue.objects.filter(track=track, indicator=indicator).first()
    return "none" if found is None or found.value is None else found.value


def _forget(track, indicator):
    IndicatorValue.objects.filter(track=track, indicator=indicator).delete()


def on_the_page(client, org, track, indicator, typed) -> tuple[bool, str]:
    client.force_login(org.staff_x.user)
    response = client.post(reverse("collection:track_action",
                                   args=[track.round_id, track.id, "values"]),
                           {f"value-{indicator.id}": typed, f"version-{indicator.id}": "0"})
    return response.status_code == 302, response.content.decode()


def in_a_text_cell(client, org, track, indicator, typed) -> tuple[bool, str]:
    content = filled(download(client, org.staff_x, track).content,
                     {indicator.code: (typed, ""), "X2": (3, "")})
    response = upload(client, org.staff_x, track, content)
    return response.status_code == 302, " ".join(messages_of(response))


def _put(client, org, track, body: str) -> tuple[bool, str]:
    client.force_login(org.staff_x.user)
    response = client.put(f"/api/v1/rounds/{track.round_id}/tracks/{track.id}/values", body,
                          content_type="application/json")
    if response.status_code == 200:
        return True, ""
    error = response.json()
    return False, " ".join([error["message"], *error["details"]])


def as_an_api_string(client, org, track, indicator, typed) -> tuple[bool, str]:
    return _put(client, org, track, json.dumps(
        [{"indicator_id": indicator.id, "value": typed, "version": 0}]))


def as_a_json_number(client, org, track, indicator, typed) -> tuple[bool, str]:
    # The literal as the client writes it: the body is not made by Python's float.
    return _put(client, org, track,
                f'[{{"indicator_id": {indicator.id}, "value": {typed}, "version": 0}}]')


def check(outcome: Outcome, accepted: bool, message: str, found, path: str):
    if outcome.kind == "refused":
        assert not accepted, f"{path}: accepted, stored {found}"
        assert found == "none", f"{path}: refused but stored {found}"
        for reading in outcome.named:
            assert reading in message, f"{path}: {reading!r} not named in {message!r}"
    else:
        assert accepted, f"{path}: refused: {message[-600:]}"
        assert found == ("none" if outcome.kind == "none" else outcome.value), path


@pytest.mark.parametrize("row", TABLE, ids=str)
def test_every_path_reads_the_readme_number_table(client, org, track_ready_to_upload, x1, row):
    track = track_ready_to_upload
    x1.decimals = row.decimals
    x1.save(update_fields=["decimals"])
    paths = [("page", on_the_page, row.page), ("workbook text cell", in_a_text_cell, row.page),
             ("API string", as_an_api_string, row.api_string),
             ("JSON number", as_a_json_number, row.json_number)]
    for path, send, outcome in paths:
        if outcome.kind == "skip":
            continue
        _forget(track, x1)
        accepted, message = send(client, org, track, x1, row.typed)
        check(outcome, accepted, message, stored(track, x1), path)


@pytest.mark.parametrize("literal", ["0.262", "0.3", "12345678901.2345", "-0.0001", "1E-4",
                                     "999999999999999.9999", "123456789012.3456"])
def test_a_json_number_reaches_the_service_as_the_number_written(client, org,
                                                                 track_ready_to_upload, x1,
                                                                 monkeypatch, literal):
    """Not a binary fraction: more digits than a float holds stay exact on the way in. (The
    test database, SQLite, stores a decimal in a float; PostgreSQL keeps every digit.)"""
    track = track_ready_to_upload
    received = []
    monkeypatch.setattr(services, "values_save",
                        lambda **arguments: received.extend(arguments["entries"]))
    as_a_json_number(client, org, track, x1, literal)
    [entry] = received
    assert isinstance(entry.value_text, Decimal)
    assert entry.value_text == Decimal(literal)
    assert str(entry.value_text) == str(Decimal(literal))


def test_a_json_number_is_stored_as_written(client, org, track_ready_to_upload, x1):
    track = track_ready_to_upload
    x1.decimals = 4
    x1.save(update_fields=["decimals"])
    for literal in ("0.262", "0.3", "12345678901.2345", "1e-4", "12E3"):
        _forget(track, x1)
        accepted, message = as_a_json_number(client, org, track, x1, literal)
        assert accepted, message
        assert stored(track, x1) == Decimal(literal)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "true", "[1]",
                                     '{"a": 1}'])
def test_what_is_not_a_finite_number_is_refused_by_the_api(client, org, track_ready_to_upload,
                                                            x1, literal):
    track = track_ready_to_upload
    client.force_login(org.staff_x.user)
    response = client.put(f"/api/v1/rounds/{track.round_id}/tracks/{track.id}/values",
                          f'[{{"indicator_id": {x1.id}, "value": {literal}, "version": 0}}]',
                          content_type="application/json")
    assert response.status_code in (400, 422), response.content
    assert stored(track, x1) == "none"


@pytest.mark.parametrize(("cell", "named"), [(True, "yes/no"), (False, "yes/no")])
def test_a_yes_no_in_a_value_cell_is_refused(client, org, track_ready_to_upload, x1, cell,
                                             named):
    track = track_ready_to_upload
    content = filled(download(client, org.staff_x, track).content,
                     {x1.code: (cell, ""), "X2": (3, "")})
    with_english(client)
    response = upload(client, org.staff_x, track, content)
    assert response.status_code == 400
    assert named in " ".join(messages_of(response))
    assert stored(track, x1) == "none"


def test_a_date_in_a_value_cell_is_refused(client, org, track_ready_to_upload, x1):
    from datetime import date

    track = track_ready_to_upload
    content = filled(download(client, org.staff_x, track).content,
                     {x1.code: (date(2026, 11, 24), ""), "X2": (3, "")})
    with_english(client)
    response = upload(client, org.staff_x, track, content)
    assert response.status_code == 400
    assert "a date" in " ".join(messages_of(response))
    assert stored(track, x1) == "none"


def test_number_cells_are_read_as_their_numbers(client, org, track_ready_to_upload, x1):
    """A float cell is the shortest decimal that is that float (0.262, not 0.26200000000000001);
    an integer cell is exact; neither is read again as text (where 12.345 would be
    ambiguous)."""
    track = track_ready_to_upload
    x1.decimals = 3
    x1.save(update_fields=["decimals"])
    for cell, expected in ((0.262, "0.262"), (12.345, "12.345"), (12345, "12345"),
                           (-0.0, "0"), (1234.5, "1234.5")):
        _forget(track, x1)
        accepted, message = in_a_text_cell(client, org, track, x1, cell)
        assert accepted, message
        assert stored(track, x1) == Decimal(expected)


def with_english(client):
    client.cookies["kinerja_language"] = "en"
