"""The uploaded format's hidden keys and size are not trusted: a row number that is no row of
the Data sheet, or a file over a limit, is a message naming the cell or the limit, never a 500,
and nothing is saved."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from kinerja.collection import excel
from kinerja.collection.models import IndicatorValue
from kinerja.core import limits

from .test_excel import download, filled, messages_of, site_text, snapshot, upload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("row", [0, -1, 10**12, 1_048_577, 999, "2.5"])
def test_a_hidden_row_number_that_is_no_data_row_is_refused_naming_its_cell(
        client, org, track, row):
    def edit(book):
        book[excel.KEYS][f"A{excel.ROWS_START}"] = row

    content = filled(download(client, org.staff_x, track).content,
                     {"X1": (1, ""), "X2": (2, "")}, edit)
    before = snapshot(track)
    response = upload(client, org.staff_x, track, content)
    assert response.status_code == 400
    assert any(message.startswith(f"{excel.KEYS}!A{excel.ROWS_START}: ")
               for message in messages_of(response)), messages_of(response)
    assert snapshot(track) == before


def test_a_hidden_row_pointing_at_the_header_is_refused(client, org, track):
    def edit(book):
        book[excel.KEYS][f"A{excel.ROWS_START}"] = 1

    content = filled(download(client, org.staff_x, track).content,
                     {"X1": (1, ""), "X2": (2, "")}, edit)
    response = upload(client, org.staff_x, track, content)
    assert response.status_code == 400
    assert not IndicatorValue.objects.exists()


def test_a_format_with_more_cells_than_the_limit_is_refused_naming_it(client, org, track):
    def edit(book):
        # Spread over sheets that each stay well inside their declared size.
        for number in range(limits.UNIT_WORKBOOK.max_cells // 10_000 + 1):
            sheet = book.create_sheet(f"Lain {number}")
            for row in range(1, 1001):
                for column in range(1, 11):
                    sheet.cell(row=row, column=column, value=1)

    content = filled(download(client, org.staff_x, track).content,
                     {"X1": (1, ""), "X2": (2, "")}, edit)
    assert len(content) < limits.UNIT_WORKBOOK.max_bytes
    response = upload(client, org.staff_x, track, content)
    assert response.status_code == 400
    assert messages_of(response) == [site_text(
        "The workbook holds more than %(count)s cells, the limit for this upload.",
        count="50.000")]
    assert not IndicatorValue.objects.exists()


def test_a_format_declaring_a_huge_sheet_is_refused_naming_it(client, org, track):
    from kinerja.core.tests.hostile import declaring_workbook

    content = declaring_workbook(download(client, org.staff_x, track).content,
                                 "xl/worksheets/sheet2.xml", "A1:XFD5000")
    response = upload(client, org.staff_x, track, content)
    assert response.status_code == 400
    (message,) = messages_of(response)
    assert message.startswith(site_text("Sheet “%(name)s”", name="Data"))
    assert "A1:XFD5000" in message
    assert not IndicatorValue.objects.exists()


def test_the_format_as_downloaded_still_fits_every_limit(client, org, track):
    content = filled(download(client, org.staff_x, track).content,
                     {"X1": (1, "satu"), "X2": (2, "")})
    response = upload(client, org.staff_x, track, content)
    assert response.status_code == 302
    assert IndicatorValue.objects.count() == 2
    book = load_workbook(io.BytesIO(content))
    assert book[excel.DATA].max_row == 3


def test_a_web_upload_names_the_size_limit(client, org, track):
    client.force_login(org.staff_x.user)
    response = client.post(
        reverse("collection:track_action", args=[track.round_id, track.id, "upload"]),
        {"file": SimpleUploadedFile("format.xlsx", b"PK" + b"0" * limits.UNIT_WORKBOOK.max_bytes)})
    assert response.status_code == 400
    assert not IndicatorValue.objects.exists()
