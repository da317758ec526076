"""`open_workbook_safely` reads the zip and the sheets' XML before openpyxl does, and refuses
with a message naming the limit."""

import io
import zipfile

import pytest
from django.utils import translation
from openpyxl import Workbook

from kinerja.core import limits
from kinerja.core.workbooks import NotAWorkbook, WorkbookRefused, open_workbook_safely

from .hostile import declaring_workbook, replace_entry

LIMITS = {"max_bytes": 1024 * 1024, "max_uncompressed": 4 * 1024 * 1024, "max_cells": 1000,
          "max_rows": 100, "max_columns": 20}
SHEET = "xl/worksheets/sheet1.xml"
HEAD = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
        b'.org/spreadsheetml/2006/main">')


def workbook(cells: int = 10) -> bytes:
    book = Workbook()
    book.active.title = "Katalog"
    for number in range(1, cells + 1):
        book.active.cell(row=number, column=1, value=number)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def refusal(content: bytes, **overrides) -> str:
    with translation.override("en"), pytest.raises(WorkbookRefused) as caught:
        open_workbook_safely(content, **{**LIMITS, **overrides})
    return caught.value.message


def sheet_xml(rows: bytes) -> bytes:
    return HEAD + b"<sheetData>" + rows + b"</sheetData></worksheet>"


def test_a_workbook_within_the_limits_opens():
    book = open_workbook_safely(workbook(), **LIMITS)
    assert book["Katalog"]["A10"].value == 10
    book = open_workbook_safely(workbook(), read_only=True, **LIMITS)
    assert [row[0] for row in book["Katalog"].iter_rows(values_only=True)][-1] == 10


def test_the_file_size():
    assert refusal(workbook(), max_bytes=100) == (
        "The file is larger than 100 B, the limit for this upload.")


def test_the_inflated_size():
    content = replace_entry(workbook(), SHEET, sheet_xml(b"<row/>" * 1_000_000))
    assert refusal(content) == ("The workbook inflates to more than 4 MB when unpacked, the "
                                "limit for this upload.")


def test_the_compression_ratio_of_one_entry():
    content = replace_entry(workbook(), SHEET, sheet_xml(b" " * 3_000_000))
    assert refusal(content, max_uncompressed=10 * 1024 * 1024) == (
        f"Sheet “Katalog” is compressed more than {limits.WORKBOOK_MAX_COMPRESSION_RATIO} "
        "times, the limit for this upload.")


def test_the_number_of_entries():
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        for number in range(limits.WORKBOOK_MAX_ENTRIES + 1):
            archive.writestr(f"part{number}.xml", "")
    assert refusal(output.getvalue()) == (
        f"The workbook has more than {limits.WORKBOOK_MAX_ENTRIES} parts, the limit for this "
        "upload.")


def test_the_number_of_cells_in_all_sheets():
    book = Workbook()
    for sheet in (book.active, book.create_sheet("Dua")):
        for number in range(1, 31):
            sheet.cell(row=number, column=1, value=number)
    output = io.BytesIO()
    book.save(output)
    assert refusal(output.getvalue(), max_cells=50) == (
        "The workbook holds more than 50 cells, the limit for this upload.")


def test_the_declared_dimension():
    content = declaring_workbook(workbook(), SHEET, "A1:XFD5000")
    assert refusal(content) == (
        "Sheet “Katalog” declares the range A1:XFD5000 (5.000 rows, 16.384 columns); a sheet "
        "may have 100 rows and 20 columns at most, the limit for this upload.")
    content = declaring_workbook(workbook(), SHEET, "A1:T90")
    assert refusal(content) == (
        "Sheet “Katalog” declares the range A1:T90, 1.800 cells; a workbook may hold 1.000 "
        "cells at most, the limit for this upload.")


@pytest.mark.parametrize("rows, expected", [
    (b'<row r="1"><c r="A5000"><v>1</v></c></row>', "a cell is written in row 5.000"),
    (b'<row r="7000"><c><v>1</v></c></row>', "a cell is written in row 7.000"),
    (b'<row r="1"><c r="ZZ1"><v>1</v></c></row>', "a cell is written in column ZZ1"),
    (b"<row>" + b"<c><v>1</v></c>" * 21 + b"</row>", "a cell is written in column 21"),
])
def test_cells_written_beyond_the_rows_and_columns(rows, expected):
    message = refusal(replace_entry(workbook(), SHEET, sheet_xml(rows)))
    assert message.startswith(f"Sheet “Katalog”: {expected}")


def test_a_doctype_is_refused():
    xml = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
           + HEAD[21:] + b"<sheetData/></worksheet>")
    assert refusal(replace_entry(workbook(), SHEET, xml)) == (
        "Sheet “Katalog” holds a document type declaration (DOCTYPE), which no workbook needs.")


@pytest.mark.parametrize("content", [
    b"", b"not a zip", b"PK\x03\x04 broken",
    replace_entry(workbook(), SHEET, HEAD + b'<dimension ref="nonsense"/></worksheet>'),
    replace_entry(workbook(), SHEET, sheet_xml(b'<row><c r="A-1"/></row>')),
])
def test_what_is_no_workbook(content):
    with pytest.raises(NotAWorkbook):
        open_workbook_safely(content, **LIMITS)
