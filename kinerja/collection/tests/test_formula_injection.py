"""Every text Kinerja writes into a workbook is data, never a formula (issue 9, finding 5):
people's text (explanations, indicator names, goals, units...) is a string cell even when it
starts with "=", "+", "-" or "@"; only the formulas Kinerja itself writes (achievement,
category) are formulas. A downloaded format uploaded back unchanged changes nothing."""

import csv
import io
import shutil
import subprocess

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kinerja.collection import excel, exports, recap, services
from kinerja.collection.models import IndicatorValue
from kinerja.collection.tests.test_excel import download, messages_of, site_text, snapshot, upload

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://x";"klik")'
# Text people may type, each starting with a character a spreadsheet reads as a formula.
HOSTILE = {"name": "=1+1", "unit_of_measure": "+1", "goal": "=2+2", "objective": "@SUM(A1)",
           "objective_code": "-S1", "unit": "=cmd|' /C calc'!A0"}


@pytest.fixture
def track(track_ready_to_upload):
    return track_ready_to_upload


@pytest.fixture
def hostile_catalogue(org, catalogue):
    """X1 and its goal, objective and unit named with formulas."""
    x1 = catalogue[0]
    x1.name, x1.unit_of_measure = HOSTILE["name"], HOSTILE["unit_of_measure"]
    x1.save()
    objective = x1.objective
    objective.code, objective.text = HOSTILE["objective_code"], HOSTILE["objective"]
    objective.save()
    objective.goal.text = HOSTILE["goal"]
    objective.goal.save()
    org.division_x.name = HOSTILE["unit"]
    org.division_x.save()
    return catalogue


def book_of(content: bytes):
    return load_workbook(io.BytesIO(content))


def cells_holding(book, text: str) -> list:
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if cell.value == text]


def formulas(book) -> list[tuple[str, str]]:
    """(sheet, column) of every formula cell."""
    return [(sheet.title, cell.column_letter) for sheet in book.worksheets
            for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]


def assert_data(book, texts) -> None:
    for text in texts:
        found = cells_holding(book, text)
        assert found, text
        assert {cell.data_type for cell in found} == {"s"}, text


def test_an_explanation_written_as_a_formula_stays_text_and_survives_the_round_trip(
        client, org, track, catalogue):
    services.values_save(user=org.staff_x.user, track=track, entries=[
        services.ValueEntry(indicator_id=catalogue[0].id, value_text="5",
                            explanation=HYPERLINK)])
    content = download(client, org.staff_x, track).content
    cell = book_of(content)[excel.DATA]["G2"]
    assert (cell.value, cell.data_type) == (HYPERLINK, "s")
    assert cell.quotePrefix  # Excel and LibreOffice keep it text when the cell is edited
    assert not formulas(book_of(content))

    before = snapshot(track)
    response = upload(client, org.staff_x, track, content)
    assert response.status_code == 302
    assert site_text("The file holds no change: nothing was saved.") in messages_of(response)
    assert snapshot(track) == before
    assert IndicatorValue.objects.get(track=track, indicator=catalogue[0]).explanation == (
        HYPERLINK)


def test_names_written_as_formulas_are_text_in_the_format(client, org, track,
                                                          hostile_catalogue):
    services.values_save(user=org.staff_x.user, track=track, entries=[
        services.ValueEntry(indicator_id=hostile_catalogue[0].id, value_text="4")])
    content = download(client, org.staff_x, track).content
    book = book_of(content)
    assert_data(book, [HOSTILE["name"], HOSTILE["unit_of_measure"]])
    assert not formulas(book)
    # and the file still goes back in: nothing to change
    before = snapshot(track)
    assert excel.values_upload(user=org.staff_x.user, track=track, content=content) == []
    assert snapshot(track) == before


def test_names_written_as_formulas_are_text_in_the_recaps_and_the_lkjip(org, track,
                                                                       hostile_catalogue):
    rows = recap.unit_recap(track)
    texts = [HOSTILE["name"], HOSTILE["unit_of_measure"], HOSTILE["goal"],
             HOSTILE["objective"], HOSTILE["objective_code"], HOSTILE["unit"]]
    unit_book = book_of(exports.unit_recap_workbook(track))
    assert_data(unit_book, texts)
    agency_book = book_of(exports.agency_recap_workbook(rows, track.round))
    assert_data(agency_book, texts)
    lkjip_book = book_of(exports.lkjip_workbook(rows, track.round))
    assert_data(lkjip_book, [HOSTILE["name"], HOSTILE["unit_of_measure"],
                             f"{HOSTILE['objective_code']} {HOSTILE['objective']}"])
    # Kinerja's own formulas stay formulas: achievement and category, nothing else.
    recap_columns = {(exports.RECAP, exports.R_ACHIEVEMENT), (exports.RECAP, exports.R_CATEGORY)}
    lkjip_columns = {(exports.LKJIP, exports.L_ACHIEVEMENT)}
    assert set(formulas(unit_book)) == recap_columns
    assert set(formulas(agency_book)) == recap_columns | lkjip_columns
    assert set(formulas(lkjip_book)) == lkjip_columns


def test_the_agency_recap_download_has_no_formula_from_a_name(client, org, track,
                                                             hostile_catalogue):
    client.force_login(org.staff_x.user)  # who sees Bidang X's draft
    response = client.get(reverse("collection:agency_recap_download", args=[track.round_id]))
    assert response.status_code == 200
    book = book_of(response.content)
    assert {cell.data_type for cell in cells_holding(book, HOSTILE["name"])} == {"s"}


def test_a_stored_control_character_does_not_break_the_download(client, org, track,
                                                                catalogue):
    """Explanations stored before control characters were refused (a vertical tab is Word's
    line break) must not make the unit's workbook fail for everyone."""
    IndicatorValue.objects.create(track=track, indicator=catalogue[0], version=1,
                                  explanation="baris satu\x0bbaris dua\x1f\ufffe")
    response = download(client, org.staff_x, track)
    assert response.status_code == 200
    assert book_of(response.content)[excel.DATA]["G2"].value == "baris satubaris dua"
    assert exports.unit_recap_workbook(track)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_reads_the_hostile_texts_as_text(org, track, hostile_catalogue, tmp_path):
    """What a spreadsheet program makes of the format: each text exactly as typed, no
    formula evaluated (a live =HYPERLINK would show "klik", =1+1 would show 2)."""
    services.values_save(user=org.staff_x.user, track=track, entries=[
        services.ValueEntry(indicator_id=hostile_catalogue[0].id, value_text="5",
                            explanation=HYPERLINK)])
    source = tmp_path / "format.xlsx"
    source.write_bytes(excel.format_workbook(track))
    # CSV of every sheet, as LibreOffice shows the cells (formulas as their results).
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                    "--outdir", str(tmp_path / "out"), str(source)],
                   check=True, capture_output=True, timeout=120)
    shown = [row for path in sorted((tmp_path / "out").glob("*.csv"))
             for row in csv.reader(path.read_text(encoding="utf-8").splitlines())]
    x1 = [row for row in shown if hostile_catalogue[0].code in row and HOSTILE["name"] in row]
    assert x1, shown
    assert HYPERLINK in x1[0] and HOSTILE["unit_of_measure"] in x1[0]
    assert "klik" not in [cell.strip() for row in shown for cell in row]
