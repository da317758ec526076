"""The catalogue workbook writes people's text as data, never as a formula (issue 9, finding 5),
and an export with such text imports back unchanged."""

import dataclasses
import io

import pytest
from openpyxl import load_workbook

from kinerja.catalogue.exporter import SUMMARY_SHEET, catalogue_export
from kinerja.catalogue.models import Indicator
from kinerja.catalogue.services import catalogue_import
from kinerja.core.models import AuditEvent
from kinerja.organisation.tests.factories import UnitFactory

from .factories import make_period, sample_rows, sample_workbook, sheet_values, snapshot

pytestmark = pytest.mark.django_db

FORMULA_TEXTS = {"goal_text": "=2+2", "objective_text": "@SUM(A1)", "name": "=1+1",
                 "unit_of_measure": "+1", "code": "-I1"}


@pytest.fixture
def period(org):
    return make_period(org.agency)


@pytest.fixture
def hostile(org, period):
    """The sample catalogue with the first row's texts written as formulas."""
    rows = sample_rows()
    rows[0] = dataclasses.replace(rows[0], **FORMULA_TEXTS)
    # I2 shares I1's goal and objective, so their texts too
    rows[1] = dataclasses.replace(rows[1], goal_text=FORMULA_TEXTS["goal_text"],
                                  objective_text=FORMULA_TEXTS["objective_text"])
    catalogue_import(agency=org.agency, period=period, file=sample_workbook(period, rows))
    return period


def test_a_file_with_formula_texts_imports_them_as_text(hostile):
    indicator = Indicator.objects.get(period=hostile, code="-I1")
    assert (indicator.name, indicator.unit_of_measure, indicator.objective.text,
            indicator.objective.goal.text) == ("=1+1", "+1", "@SUM(A1)", "=2+2")


def test_the_export_writes_them_as_string_cells(org, hostile):
    org.division_x.name = "=HYPERLINK(\"http://x\";\"klik\")"
    org.division_x.save()
    book = load_workbook(io.BytesIO(catalogue_export(hostile)))
    texts = {*FORMULA_TEXTS.values(), org.division_x.name}
    found = {cell.value: cell.data_type for sheet in book.worksheets
             for row in sheet.iter_rows() for cell in row if cell.value in texts}
    assert found == dict.fromkeys(texts, "s")
    # The summary's counts are the only formulas of the workbook.
    formulas = {sheet.title for sheet in book.worksheets for row in sheet.iter_rows()
                for cell in row if cell.data_type == "f"}
    assert formulas == {SUMMARY_SHEET}


def test_export_then_import_changes_nothing_with_formula_texts(org, hostile):
    before = snapshot(hostile), AuditEvent.objects.count()
    exported = catalogue_export(hostile)
    result = catalogue_import(agency=org.agency, period=hostile, file=exported)
    assert not result.changed
    assert (snapshot(hostile), AuditEvent.objects.count()) == before
    # and into another agency with the same unit codes: the same sheet comes out
    for code, kind in (("sek", "secretariat"), ("bidang-x", "division"),
                       ("bidang-y", "division")):
        UnitFactory(agency=org.other_agency, kind=kind, parent=org.other_root, code=code,
                    name=code)
    period_b = make_period(org.other_agency)
    catalogue_import(agency=org.other_agency, period=period_b, file=exported)
    assert sheet_values(catalogue_export(period_b)) == sheet_values(exported)
