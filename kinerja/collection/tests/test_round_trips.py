"""What goes out comes back in unchanged (issue 10): a value in the unit's workbook, downloaded
and uploaded back, is the same number; an explanation is the same text whichever way it came in
(the page, the API, the workbook) and whichever way it is read (the page, the API, the
workbook), as `core/text.py: clean_text` stores it."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from kinerja.collection import excel, services
from kinerja.collection.excel import _cell_number, _cell_value
from kinerja.collection.models import IndicatorValue
from kinerja.collection.tests.test_excel import download, filled, messages_of, upload
from kinerja.core.cells import text_cell
from kinerja.core.models import AuditEvent
from kinerja.core.text import normalise_text

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


@pytest.fixture
def x1(catalogue, track_ready_to_upload):
    """X1 as a number without a target: no plausibility rule applies to any value."""
    indicator = catalogue[0]
    indicator.targets.all().delete()
    return indicator


def state(track, indicator):
    return (IndicatorValue.objects.filter(track=track, indicator=indicator)
            .values_list("value", "explanation", "version").first())


@st.composite
def values(draw, digits: int = 15):
    """A value with 0–4 decimals below 10^15, of at most `digits` significant digits."""
    decimals = draw(st.integers(min_value=0, max_value=4))
    units = draw(st.integers(min_value=-(10**digits - 1), max_value=10**digits - 1))
    value = Decimal(units).scaleb(-decimals)
    return (value if abs(value) < Decimal("1e15") else value.scaleb(-4)), decimals


# -- numbers ---------------------------------------------------------------------------------

@given(case=values())
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_a_workbook_downloaded_and_uploaded_back_changes_nothing(org, track_ready_to_upload,
                                                                 x1, case):
    """Fifteen significant digits: what the test database (SQLite) keeps exactly."""
    track = track_ready_to_upload
    value, decimals = case
    x1.decimals = decimals
    x1.save(update_fields=["decimals"])
    current = IndicatorValue.objects.filter(track=track, indicator=x1).first()
    services.values_save(user=org.staff_x.user, track=track, entries=[services.ValueEntry(
        indicator_id=x1.id, value_text=value, explanation="Sesuai laporan.",
        expected_version=current.version if current else 0)])
    before = state(track, x1), AuditEvent.objects.count()
    content = excel.format_workbook(track)
    entries = {entry.indicator_id: entry for entry in
               excel.entries_from_workbook(track, content)}
    assert entries[x1.id].value_text == value
    assert excel.values_upload(user=org.staff_x.user, track=track, content=content) == []
    assert (state(track, x1), AuditEvent.objects.count()) == before


@given(case=values(digits=19))
@settings(max_examples=200, deadline=None)
def test_any_stored_value_is_written_so_that_it_reads_back_exactly(case):
    """Beyond the fifteen digits a spreadsheet's number holds, the value is written as text,
    which the upload reads the Indonesian way, exactly."""
    value, _decimals = case
    book = Workbook()
    book.active["A1"] = _cell_number(value)
    output = io.BytesIO()
    book.save(output)
    cell = load_workbook(io.BytesIO(output.getvalue())).active["A1"].value
    read = _cell_value(cell)
    if isinstance(read, str):
        from kinerja.core.numbers import read_typed

        read = read_typed(read, decimals=4)
    assert read == value


# -- explanations ----------------------------------------------------------------------------

# Typed or pasted: Windows line breaks, a tab, Word's line break (vertical tab), NEL, a bell,
# Unicode and emoji, markup, a formula's "=", spaces around.
TYPED = (" =Realisasi turun:\r\n\t• anggaran dipangkas 12,5 %\x0bbaris Word\x85baris NEL\x07 "
         "— ✓ 😀 <b>&amp;</b> \"kutip\" 'satu'\u2028akhir  ")
# What a workbook cell can hold of it (XML has no bell and no vertical tab).
IN_A_CELL = " =Realisasi turun:\r\n\t• anggaran dipangkas 12,5 %\nbaris Word\u0085baris NEL " \
            "— ✓ 😀 <b>&amp;</b> \"kutip\" 'satu'\u2028akhir  "


def _page(client, org, track, x1, text):
    client.force_login(org.staff_x.user)
    return client.post(reverse("collection:track_action",
                               args=[track.round_id, track.id, "values"]),
                       {f"value-{x1.id}": "5", f"explanation-{x1.id}": text,
                        f"version-{x1.id}": str((state(track, x1) or (0, 0, 0))[2])})


def _api(client, org, track, x1, text):
    client.force_login(org.staff_x.user)
    return client.put(f"/api/v1/rounds/{track.round_id}/tracks/{track.id}/values",
                      [{"indicator_id": x1.id, "value": "5", "explanation": text,
                        "version": (state(track, x1) or (0, 0, 0))[2]}],
                      content_type="application/json")


def _workbook(client, org, track, x1, text):
    def as_text(book):  # typed as text, as a spreadsheet keeps a text cell ("=…" too)
        data = book[excel.DATA]
        [line] = [r for r in range(2, data.max_row + 1)
                  if data.cell(row=r, column=1).value == x1.code]
        text_cell(data.cell(row=line, column=7), text)

    content = filled(download(client, org.staff_x, track).content,
                     {x1.code: (5, ""), "X2": (3, "")}, edit=as_text)
    return upload(client, org.staff_x, track, content)


@pytest.mark.parametrize(("way_in", "typed"), [(_page, TYPED), (_api, TYPED),
                                               (_workbook, IN_A_CELL)],
                         ids=["page", "api", "workbook"])
def test_an_explanation_comes_back_the_same_from_the_page_the_api_and_the_workbook(
        client, org, track_ready_to_upload, x1, way_in, typed):
    track = track_ready_to_upload
    expected = normalise_text(typed)
    assert "\n" in expected and "\t" in expected and "😀" in expected and "\x07" not in expected
    response = way_in(client, org, track, x1, typed)
    assert response.status_code in (200, 302), (response.content[-800:],
                                                messages_of(response))
    assert state(track, x1)[1] == expected

    client.force_login(org.staff_x.user)
    [row] = [row for row in client.get(f"/api/v1/rounds/{track.round_id}/tracks/{track.id}")
             .json()["rows"] if row["indicator_id"] == x1.id]
    assert row["explanation"] == expected
    book = load_workbook(io.BytesIO(download(client, org.staff_x, track).content))
    data = book[excel.DATA]
    [line] = [r for r in range(2, data.max_row + 1) if data.cell(row=r, column=1).value == "X1"]
    assert data.cell(row=line, column=7).value == expected
    page = client.get(reverse("collection:track_detail", args=[track.round_id, track.id]))
    assert escape(expected) in page.content.decode()

    # And each way in again with what came out changes nothing.
    before = state(track, x1)
    assert _api(client, org, track, x1, row["explanation"]).status_code == 200
    assert _workbook(client, org, track, x1, expected).status_code == 302
    assert state(track, x1) == before
