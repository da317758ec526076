"""The data-request format as an .xlsx: download, fill in, upload back (all or nothing)."""

import io
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from kinerja.catalogue.choices import DataType
from kinerja.collection import excel, services
from kinerja.collection.models import CollectionSettings, IndicatorValue
from kinerja.core.models import AuditEvent

pytestmark = pytest.mark.django_db

FILES = Path(__file__).parent / "files"
LIBREOFFICE_FILE = FILES / "format-libreoffice.xlsx"


@pytest.fixture
def reading_only(track):
    """X1's 1.234,5 against a target of 10 breaks the plausibility rule (docs/domain.md §10);
    these tests are about reading the file, so the agency's factor is as wide as it goes."""
    rules = CollectionSettings.objects.get_or_create(agency=track.round.agency)[0]
    rules.outlier_factor = Decimal("9999.99")
    rules.save()


def download(client, person, track):
    client.force_login(person.user)
    return client.get(reverse("collection:track_format_download",
                              args=[track.round_id, track.id]))


def upload(client, person, track, content, name="format.xlsx"):
    client.force_login(person.user)
    return client.post(reverse("collection:track_action",
                               args=[track.round_id, track.id, "upload"]),
                       {"file": SimpleUploadedFile(name, content)})


def filled(content: bytes, values: dict, edit=None) -> bytes:
    """The workbook with Data's value/explanation cells of the given codes set."""
    book = load_workbook(io.BytesIO(content))
    data = book[excel.DATA]
    rows = {data.cell(row=r, column=1).value: r for r in range(2, data.max_row + 1)}
    for code, (value, explanation) in values.items():
        data[f"F{rows[code]}"] = value
        data[f"G{rows[code]}"] = explanation
    if edit:
        edit(book)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def site_text(msgid: str, **params) -> str:
    """A message as the site shows it (in its default language, once translated)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(msgid) % params if params else _(msgid)


def snapshot(track):
    return (sorted(IndicatorValue.objects.filter(track=track)
                   .values_list("indicator__code", "value", "explanation", "version")),
            AuditEvent.objects.count())


def test_download_is_protected_with_inputs_unlocked_validation_and_keys(client, org, track):
    response = download(client, org.staff_x, track)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="format-bidang-x-2026-Q3.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Petunjuk", "Data", "Kunci"]
    data, keys = book["Data"], book["Kunci"]
    assert [data.cell(row=r, column=1).value for r in (2, 3)] == ["X1", "X2"]
    assert data["C2"].value == "dokumen" and data["D2"].value == 10
    assert data["D2"].number_format == "#,##0.00"
    assert data.protection.sheet and keys.protection.sheet
    assert keys.sheet_state == "hidden"
    assert not data["F2"].protection.locked and not data["G3"].protection.locked
    assert data["A2"].protection.locked and data["D2"].protection.locked
    assert data["F1"].protection.locked
    validated = {str(cells) for rule in data.data_validations.dataValidation
                 for cells in rule.sqref.ranges if rule.type == "decimal"}
    assert {"F2", "F3"} <= validated or "F2:F3" in validated
    assert [keys[f"B{r}"].value for r in range(1, 7)] == [
        excel.TEMPLATE_VERSION, "agency-a", track.round.sop.number, 2026, "Q3", "bidang-x"]
    assert [[c.value for c in row] for row in keys.iter_rows(min_row=excel.ROWS_START)] == [
        [2, "X1", 0], [3, "X2", 0]]


def test_percent_validation_mirrors_parse_value(client, org, track, catalogue):
    catalogue[0].data_type = DataType.PERCENT
    catalogue[0].save()
    book = load_workbook(io.BytesIO(download(client, org.staff_x, track).content))
    rules = {str(rule.sqref): (rule.formula1, rule.formula2)
             for rule in book["Data"].data_validations.dataValidation}
    assert rules["F2"] == ("0", "100")
    assert rules["F3"][0].startswith("-")  # a plain number may be negative


def test_fill_upload_and_the_same_file_twice_changes_nothing(client, org, track, reading_only):
    content = filled(download(client, org.staff_x, track).content,
                     {"X1": (1234.5, "Sesuai target"), "X2": ("1.234,5", "Naik")})
    response = upload(client, org.staff_x, track, content)
    assert response.status_code == 302
    assert site_text("Changed: %(codes)s.", codes="X1, X2") in messages_of(response)
    stored, events = snapshot(track)
    assert stored == [("X1", Decimal("1234.5"), "Sesuai target", 1),
                      ("X2", Decimal("1234.5"), "Naik", 1)]

    again = upload(client, org.staff_x, track, content)
    assert again.status_code == 302
    assert site_text("The file holds no change: nothing was saved.") in messages_of(again)
    assert snapshot(track) == (stored, events)

    # A fresh download carries the new versions; changing one row saves only that row.
    content = filled(download(client, org.staff_x, track).content, {"X2": (7, "Naik")})
    response = upload(client, org.staff_x, track, content)
    assert response.status_code == 302
    assert site_text("Changed: %(codes)s.", codes="X2") in messages_of(response)
    assert snapshot(track)[0][1] == ("X2", Decimal("7"), "Naik", 2)
    assert snapshot(track)[1] == events + 1


def test_a_file_older_than_someone_elses_save_is_refused_as_stale(client, org, track,
                                                                  catalogue):
    content = filled(download(client, org.staff_x, track).content,
                     {"X1": (3, ""), "X2": (4, "")})
    services.values_save(user=org.staff_x.user, track=track, entries=[
        services.ValueEntry(indicator_id=catalogue[0].id, value_text="9")])
    before = snapshot(track)
    response = upload(client, org.staff_x, track, content)
    assert response.status_code == 400
    assert [m[:12] for m in messages_of(response)] == ["Data!F2: X1:"]  # someone else saved
    assert snapshot(track) == before


def _set(sheet, cell, value):
    def edit(book):
        book[sheet][cell] = value
    return edit


def _drop_data(book):
    del book["Data"]


# case -> (make the bad file from a fresh download, what a message must contain: the cell,
# and where no cell applies a word that survives translation)
BAD = {
    "not a workbook": (lambda c: b"%PDF-1.4 not a workbook", ".xlsx"),
    "a zip, not a workbook": (lambda c: _zip(), ".xlsx"),
    "no Data sheet": (lambda c: filled(c, {}, _drop_data), "“Data”"),
    "another round": (lambda c: filled(c, {"X1": (1, ""), "X2": (2, "")},
                                       _set("Kunci", "B5", "Q2")), "Kunci!B5: "),
    "another agency": (lambda c: filled(c, {"X1": (1, ""), "X2": (2, "")},
                                        _set("Kunci", "B2", "agency-b")), "Kunci!B2: "),
    "an old template version": (lambda c: filled(c, {"X1": (1, ""), "X2": (2, "")},
                                                 _set("Kunci", "B1", 0)),
                                "Kunci!B1: "),
    "an unknown indicator": (lambda c: filled(c, {"X1": (1, ""), "X2": (2, "")},
                                              _set("Kunci", "B9", "Z9")), "Kunci!B9: "),
    "text in a number cell": (lambda c: filled(c, {"X1": ("banyak", ""), "X2": (2, "")}),
                              "Data!F2: “banyak”"),
    "too many decimals": (lambda c: filled(c, {"X1": (1, ""), "X2": ("2,125", "")}),
                          "Data!F3: "),
    # A number cell, not text: 2.125 must not be read as 2.125 thousand (2125).
    "too many decimals in a number cell": (
        lambda c: filled(c, {"X1": (1, ""), "X2": (2.125, "")}), "Data!F3: "),
    "a missing required value": (lambda c: filled(c, {"X1": (1, "")}),
                                 "Data!F3: X2: "),
}


def _zip() -> bytes:
    import zipfile

    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("hello.txt", "hello")
    return output.getvalue()


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_files_are_refused_per_cell_and_nothing_is_saved(client, org, track, case):
    make, expected = BAD[case]
    content = make(download(client, org.staff_x, track).content)
    before = snapshot(track)
    response = upload(client, org.staff_x, track, content)
    assert response.status_code == 400
    assert any(expected in message for message in messages_of(response)), \
        messages_of(response)
    assert snapshot(track) == before


def test_a_percent_above_100_is_refused_as_on_the_form(client, org, track, catalogue):
    catalogue[0].data_type = DataType.PERCENT
    catalogue[0].save()
    content = filled(download(client, org.staff_x, track).content,
                     {"X1": (150, ""), "X2": (2, "")})
    response = upload(client, org.staff_x, track, content)
    assert response.status_code == 400
    expected = site_text("A percentage lies between 0 and 100.")
    assert messages_of(response) == [f"Data!F2: {expected}"]
    assert not IndicatorValue.objects.exists()


def test_another_units_file_is_refused(client, org, track, entry_round):
    other = entry_round.tracks.get(unit=org.division_y)
    content = filled(download(client, org.staff_y, other).content, {"Y1": (1, "")})
    response = upload(client, org.staff_x, track, content)
    assert response.status_code == 400
    assert [m[:10] for m in messages_of(response)] == ["Kunci!B6: "]
    assert "bidang-y" in messages_of(response)[0]
    assert not IndicatorValue.objects.exists()


def test_a_file_over_2_mb_is_refused(client, org, track):
    response = upload(client, org.staff_x, track, b"x" * (excel.MAX_UPLOAD_BYTES + 1))
    assert response.status_code == 400
    assert not IndicatorValue.objects.exists()


def test_only_people_entering_data_may_upload(client, org, track):
    content = filled(download(client, org.staff_x, track).content,
                     {"X1": (1, ""), "X2": (2, "")})
    assert upload(client, org.kabid_x, track, content).status_code == 403
    assert upload(client, org.staff_y, track, content).status_code == 403
    assert not IndicatorValue.objects.exists()


def test_page_shows_download_to_viewers_and_upload_to_editors(client, org, track):
    url = reverse("collection:track_detail", args=[track.round_id, track.id])
    client.force_login(org.staff_x.user)
    page = client.get(url).content.decode()
    assert 'id="format-download"' in page and 'id="upload-form"' in page
    client.force_login(org.kabid_x.user)
    page = client.get(url).content.decode()
    assert 'id="format-download"' in page and 'id="upload-form"' not in page
    assert download(client, org.kabid_x, track).status_code == 200


LIBREOFFICE_VALUES = {"X1": (1234.5, "Sesuai target"), "X2": ("12,5", "Di bawah target")}


@pytest.mark.skipif(not os.environ.get("KINERJA_WRITE_FILLED_FORMAT"),
                    reason="writes the input of files/make_libreoffice_file.sh")
def test_write_filled_format(client, org, track):
    content = filled(download(client, org.staff_x, track).content, LIBREOFFICE_VALUES)
    Path(os.environ["KINERJA_WRITE_FILLED_FORMAT"]).write_bytes(content)


def test_a_file_saved_by_libreoffice_is_accepted(client, org, track, reading_only):
    content = LIBREOFFICE_FILE.read_bytes()
    assert b"openpyxl" not in content  # really re-written by LibreOffice
    response = upload(client, org.staff_x, track, content)
    assert response.status_code == 302, messages_of(response)
    assert snapshot(track)[0] == [("X1", Decimal("1234.5"), "Sesuai target", 1),
                                  ("X2", Decimal("12.5"), "Di bawah target", 1)]
    assert upload(client, org.staff_x, track, content).status_code == 302
    assert [v for *_, v in snapshot(track)[0]] == [1, 1]


def test_an_implausible_value_in_a_file_is_refused_and_pointed_to_the_page(client, org, track):
    """The workbook has no place to confirm a value that breaks a plausibility rule: the
    upload changes nothing and says where to confirm it."""
    content = filled(download(client, org.staff_x, track).content,
                     {"X1": (1234.5, "Sesuai target"), "X2": ("9", "Naik")})
    response = upload(client, org.staff_x, track, content)
    assert response.status_code == 400
    assert not IndicatorValue.objects.filter(track=track).exists()
    text = " ".join(messages_of(response))
    assert "X1" in text and "1.234,5" in text
