"""The catalogue workbook: a good file goes in and comes back out the same; the same file twice
changes nothing; every bad cell is refused with its row and column, and nothing is saved."""

import io
from decimal import Decimal as D

import pytest
from django.utils import translation
from openpyxl import load_workbook

from kinerja.catalogue.choices import Aggregation, DataType, Polarity
from kinerja.catalogue.exporter import catalogue_export, catalogue_template
from kinerja.catalogue.models import Goal, Indicator, IndicatorYearTarget, Objective
from kinerja.catalogue.services import CatalogueFileError, catalogue_import
from kinerja.core.errors import DomainError
from kinerja.core.models import AuditEvent
from kinerja.organisation.tests.factories import UnitFactory

from .factories import edit_workbook, make_period, sample_workbook, sheet_values, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def period(org):
    return make_period(org.agency)


@pytest.fixture
def imported(org, period):
    """The period with the sample catalogue already in it."""
    catalogue_import(agency=org.agency, period=period, file=sample_workbook(period))
    return period


def run(org, period, data: bytes):
    return catalogue_import(agency=org.agency, period=period, file=data,
                            actor=org.staff_secretariat.user, source_name="katalog.xlsx")


def refused(org, period, data: bytes) -> list:
    """The problems of a refused import, after checking that it changed nothing."""
    before = snapshot(period), AuditEvent.objects.count()
    with pytest.raises(CatalogueFileError) as caught:
        run(org, period, data)
    assert (snapshot(period), AuditEvent.objects.count()) == before
    return caught.value.problems


def where(problem) -> tuple:
    return problem.row, problem.column


# --- good files -----------------------------------------------------------------------------

def test_a_good_file_creates_the_catalogue(org, period):
    result = run(org, period, sample_workbook(period))
    assert result.created == {"goal": 2, "objective": 3, "indicator": 4, "target": 24}
    i1 = Indicator.objects.get(period=period, code="I1")
    assert (i1.data_type, i1.polarity, i1.aggregation, i1.decimals) == (
        DataType.PERCENT, Polarity.POSITIVE, Aggregation.LAST, 2)
    assert (i1.responsible_unit, i1.baseline, i1.baseline_year, i1.is_iku) == (
        org.division_x, D(80), 2020, True)
    assert i1.objective.code == "S1.1" and i1.objective.goal.code == "T1"
    target = i1.targets.get(year=2025)
    assert (target.renstra_target, target.pk_target) == (D(95), D(96))
    unemployment = IndicatorYearTarget.objects.get(indicator__code="I3", year=2025)
    assert (unemployment.renstra_target, unemployment.renstra_target_max,
            unemployment.pk_target, unemployment.pk_target_max) == (
        D("3.4"), D("3.6"), D("3.4"), D("3.6"))
    event = AuditEvent.objects.get(action="catalogue.imported")
    assert event.agency == org.agency and event.actor == org.staff_secretariat.user
    assert event.data["created"]["indicator"] == 4


def test_export_then_import_gives_the_same_catalogue(org, imported):
    """Round trip: the export of agency A's catalogue, imported into agency B (with the same
    unit codes), exports to the same sheet."""
    exported = catalogue_export(imported)
    root_b = org.other_root
    for code, kind in (("sek", "secretariat"), ("bidang-x", "division"),
                       ("bidang-y", "division")):
        UnitFactory(agency=org.other_agency, kind=kind, parent=root_b, code=code, name=code)
    period_b = make_period(org.other_agency)
    catalogue_import(agency=org.other_agency, period=period_b, file=exported)
    assert sheet_values(catalogue_export(period_b)) == sheet_values(exported)
    assert sheet_values(exported)[3][14:] == [  # I3's IKU cell, targets 2021-2026, bounds
        "tidak", 4, None, 3.9, None, 3.8, None, 3.7, None, "3,4–3,6", "3,4–3,6", "3,2–3,5",
        None, None, None]


def test_the_same_file_twice_changes_nothing(org, imported):
    before = snapshot(imported), AuditEvent.objects.count()
    result = run(org, imported, catalogue_export(imported))
    assert not result.changed
    assert result.unchanged == {"goal": 2, "objective": 3, "indicator": 4, "target": 24}
    assert (snapshot(imported), AuditEvent.objects.count()) == before
    # and the original file too
    assert not run(org, imported, sample_workbook(imported)).changed


def test_a_changed_file_updates_the_rows_by_their_codes(org, imported):
    i1 = Indicator.objects.get(code="I1")
    changed = edit_workbook(catalogue_export(imported), {
        "F2": "Persentase dokumen perencanaan yang ditetapkan tepat waktu",
        "X2": 94,  # Renstra 2025
        "B4": "Menurunnya kemiskinan dan pengangguran",  # goal T2, given on one row only
        "B5": None,
    })
    result = run(org, imported, changed)
    assert result.updated == {"indicator": 1, "target": 1, "goal": 1}
    i1.refresh_from_db()
    assert i1.name == "Persentase dokumen perencanaan yang ditetapkan tepat waktu"
    assert i1.targets.get(year=2025).renstra_target == D(94)
    assert Goal.objects.get(code="T2").text == "Menurunnya kemiskinan dan pengangguran"
    assert Indicator.objects.count() == 4
    # One event for each object created, then one for each changed (no reason needed:
    # nothing finalised depends on the catalogue).
    events = AuditEvent.objects.filter(object_type="catalogue.indicator",
                                       object_id=str(i1.pk)).order_by("id")
    assert [event.action for event in events] == ["catalogue.indicator.created",
                                                  "catalogue.indicator.changed"]
    assert events[1].data["old"] == {"name": "Persentase dokumen perencanaan yang tepat waktu"}
    assert events[1].data["new"] == {
        "name": "Persentase dokumen perencanaan yang ditetapkan tepat waktu"}
    assert "reason" not in events[1].data
    target = i1.targets.get(year=2025)
    assert AuditEvent.objects.get(object_type="catalogue.indicatoryeartarget",
                                  object_id=str(target.pk), action__endswith=".changed"
                                  ).data["new"] == {"renstra_target": "94.0000"}


def test_cleared_target_cells_remove_that_years_target(org, imported):
    result = run(org, imported, edit_workbook(catalogue_export(imported),
                                              {"P3": None, "Q3": None}))
    assert result.deleted == {"target": 1}
    assert not IndicatorYearTarget.objects.filter(indicator__code="I2", year=2021).exists()


def test_indicators_missing_from_the_file_are_kept_and_reported(org, imported):
    result = run(org, imported, edit_workbook(catalogue_export(imported), {}, delete_rows=5))
    assert result.not_in_file == ["I4"]
    assert Indicator.objects.filter(code="I4").exists()


def test_indonesian_and_english_words_are_read(org, period):
    data = edit_workbook(sample_workbook(period), {
        "H2": "Persentase", "J2": "Positif", "K2": "Posisi Akhir", "O2": "Ya",
        "H3": "number", "J3": "positive", "K3": "Kumulatif", "O3": "no",
        "J4": "negatif", "K4": "last value", "O4": None,
        "J5": "+", "K5": "rata-rata", "O5": True,
    })
    run(org, period, data)
    values = {i.code: (i.data_type, i.polarity, i.aggregation, i.is_iku)
              for i in Indicator.objects.all()}
    assert values == {
        "I1": ("percent", "positive", "last", True), "I2": ("number", "positive", "sum", False),
        "I3": ("percent", "negative", "last", False),
        "I4": ("index", "positive", "average", True)}


def test_cells_as_people_type_them(org, period):
    data = edit_workbook(sample_workbook(period), {
        "M2": "80,5",  # Indonesian decimal comma in a text cell
        "P2": "85%",
        "R2": "87,5",
        "P4": "3,8 - 4,0",  # a range with a hyphen
        "R4": "3,6 s.d. 3,9",  # "sampai dengan"
        "I3": None,  # decimals left empty: 0 for a number
        "A3": None, "C3": None,  # merged cells: the goal and objective of the row above
        "E2": 7,  # a code typed as a number
    })
    run(org, period, data)
    i1 = Indicator.objects.get(code="7")
    assert i1.baseline == D("80.5")
    assert [t.renstra_target for t in i1.targets.order_by("year")][:2] == [D(85), D("87.5")]
    i3 = IndicatorYearTarget.objects.get(indicator__code="I3", year=2021)
    assert (i3.renstra_target, i3.renstra_target_max) == (D("3.8"), D("4.0"))
    assert IndicatorYearTarget.objects.get(indicator__code="I3", year=2022).renstra_target_max \
        == D("3.9")
    assert Indicator.objects.get(code="I2").objective.code == "S1.1"


def test_a_percent_formatted_cell_is_read_as_percent(org, period):
    workbook = load_workbook(io.BytesIO(sample_workbook(period)))
    cell = workbook["Katalog"]["P2"]
    cell.value, cell.number_format = 0.85, "0%"
    buffer = io.BytesIO()
    workbook.save(buffer)
    run(org, period, buffer.getvalue())
    assert IndicatorYearTarget.objects.get(indicator__code="I1", year=2021).renstra_target == 85


def test_the_template_has_the_headers_and_the_units(org, period):
    values = sheet_values(catalogue_template(period))
    assert len(values) == 1
    assert values[0][:6] == ["Kode Tujuan", "Tujuan", "Kode Sasaran", "Sasaran",
                             "Kode Indikator", "Indikator Kinerja"]
    assert values[0][15:17] == ["Target Renstra 2021", "Target PK 2021"]
    assert values[0][-3:] == ["Target PK 2026", "Nilai Terendah Wajar", "Nilai Tertinggi Wajar"]
    instructions = load_workbook(io.BytesIO(catalogue_template(period)))["Petunjuk"]
    codes = {row[0] for row in instructions.iter_rows(values_only=True)}
    assert {"sek", "bidang-x", "bidang-y"} <= codes and "renc" not in codes


def test_a_period_of_another_agency_is_refused(org, period):
    with pytest.raises(DomainError):
        catalogue_import(agency=org.other_agency, period=period, file=sample_workbook(period))


# --- bad files: every problem with its row and column, nothing saved ------------------------

@pytest.mark.parametrize(("cells", "expected"), [
    ({"M2": "banyak"}, (2, "M")),  # text in a number cell
    ({"I3": 2.5}, (3, "I")),  # decimals must be whole
    ({"N2": "tahun lalu"}, (2, "N")),
    ({"J2": "naik"}, (2, "J")),  # unknown polarity
    ({"K3": "sekali"}, (3, "K")),
    ({"H4": "teks"}, (4, "H")),
    ({"O2": "mungkin"}, (2, "O")),
    ({"L2": "bidang-z"}, (2, "L")),  # unknown unit
    ({"L2": "renc"}, (2, "L")),  # a subsection does not report
    ({"P2": 120}, (2, "P")),  # a percent target above 100
    ({"Q2": -1}, (2, "Q")),
    ({"M2": 101}, (2, "M")),  # a percent baseline above 100
    ({"X3": "5–4"}, (3, "X")),  # a range upside down
    ({"X3": "5,12345"}, (3, "X")),  # a fifth decimal
    ({"F2": None}, (2, "F")),  # missing required cells
    ({"G3": None}, (3, "G")),
    ({"L4": None}, (4, "L")),
    ({"E5": None}, (5, "E")),
    ({"E3": "I1"}, (3, "E")),  # duplicate indicator code
    ({"P3": None}, (3, "P")),  # a PK target without its Renstra target
    ({"I2": 5}, (2, "I")),  # at most 4 decimals
    ({"N2": 2027}, (2, "N")),  # baseline year after the period
    ({"B3": "Tujuan lain"}, (3, "B")),  # the same goal with another text
    ({"C4": "S1.1", "D4": None}, (4, "C")),  # an objective under two goals
])
def test_bad_cells_are_refused_with_their_row_and_column(org, imported, cells, expected):
    if "P3" in cells:
        cells = {**cells, "Q3": 5}
    problems = refused(org, imported, edit_workbook(catalogue_export(imported), cells))
    assert [where(problem) for problem in problems] == [expected], problems


def test_the_same_refusals_on_an_empty_period(org, period):
    problems = refused(org, period, edit_workbook(sample_workbook(period), {"J2": "naik"}))
    assert [where(problem) for problem in problems] == [(2, "J")]
    assert not Goal.objects.exists() and not Objective.objects.exists()


def test_a_unit_of_another_agency_is_refused(org, imported):
    UnitFactory(agency=org.other_agency, kind="division", parent=org.other_root,
                code="bidang-b")
    problems = refused(org, imported, edit_workbook(catalogue_export(imported),
                                                    {"L3": "bidang-b"}))
    assert [where(problem) for problem in problems] == [(3, "L")]
    assert "bidang-b" in problems[0].message and "bidang-x" in problems[0].message


def test_a_year_outside_the_period_is_refused(org, imported):
    problems = refused(org, imported, edit_workbook(catalogue_export(imported), {
        "AB1": "Target Renstra 2027", "AB2": 100}))
    assert [where(problem) for problem in problems] == [(1, "AB")]
    assert "2027" in problems[0].message


def test_missing_and_unknown_columns_are_refused(org, period):
    problems = refused(org, period, edit_workbook(sample_workbook(period), {
        "J1": "Arah", "Y1": None}))
    assert {where(problem) for problem in problems} == {(1, "J"), (1, None)}
    assert len(problems) == 3  # unknown "Arah"; Polaritas and Target PK 2025 missing


def test_every_problem_is_collected(org, imported):
    problems = refused(org, imported, edit_workbook(catalogue_export(imported), {
        "J2": "naik", "L3": "bidang-z", "P4": 250, "F5": None}))
    assert [where(problem) for problem in problems] == [(2, "J"), (3, "L"), (4, "P"),
                                                        (5, "F")]


ROW_7 = {"J7": "naik", "E7": "I9", "F7": "Baru", "G7": "%", "H7": "persen", "K7": "akhir",
         "L7": "sek", "A7": "T1", "C7": "S1.1"}


def test_problems_name_row_column_and_header(org, imported):
    with translation.override("en"):
        problems = refused(org, imported, edit_workbook(catalogue_export(imported), ROW_7))
        assert str(problems[0]) == ("Row 7, column J (Polaritas): Unknown value “naik”; use "
                                    "one of: positif, negatif.")


def test_problems_in_indonesian(org, imported):
    with translation.override("id"):
        problems = refused(org, imported, edit_workbook(catalogue_export(imported), ROW_7))
        assert str(problems[0]) == ("Baris 7, kolom J (Polaritas): Nilai “naik” tidak dikenal; "
                                    "gunakan salah satu dari: positif, negatif.")


@pytest.mark.parametrize("data", [
    b"not a workbook",
    b"Kode Tujuan;Tujuan\nT1;Meningkatnya\n",
    b"PK\x03\x04 broken zip",
    b"",
])
def test_a_file_that_is_not_xlsx_is_refused(org, imported, data):
    with translation.override("en"):
        problems = refused(org, imported, data)
        assert str(problems[0]) == "The file is not an Excel workbook (.xlsx)."
    assert len(problems) == 1 and problems[0].row is None


def test_a_workbook_without_rows_is_refused(org, period):
    problems = refused(org, period, catalogue_template(period))
    assert [where(problem) for problem in problems] == [(2, None)]


def test_a_file_object_is_read_too(org, period):
    result = catalogue_import(agency=org.agency, period=period,
                              file=io.BytesIO(sample_workbook(period)))
    assert result.created["indicator"] == 4


def test_a_new_data_type_is_checked_against_unchanged_targets(org, imported):
    run(org, imported, edit_workbook(catalogue_export(imported), {"P3": 150}))
    problems = refused(org, imported, edit_workbook(catalogue_export(imported),
                                                    {"H3": "persen"}))
    assert [where(problem) for problem in problems] == [(3, "P")]


def _evaluate(book, formula: str):
    """The summary's COUNTIF, COUNTIFS and SUM over the written cells, to check the formulas
    themselves without a spreadsheet program."""
    import re

    def cells(reference):
        sheet_name, columns = reference.split("!") if "!" in reference else (SUMMARY, reference)
        start, end = columns.replace("$", "").split(":")
        sheet = book[sheet_name]
        return [cell.value for row in sheet[start:end] for cell in row]

    def matches(value, criterion):
        if criterion == '"<>"':
            return value not in (None, "")
        if criterion.startswith('"'):
            return value == criterion.strip('"')
        return value == book[SUMMARY][criterion.replace("$", "")].value

    name, arguments = re.fullmatch(r"=(\w+)\((.*)\)", formula).groups()
    parts = arguments.split(",")
    if name == "SUM":
        return sum(_evaluate(book, value) if isinstance(value, str) else value
                   for value in cells(parts[0]))
    pairs = list(zip(parts[::2], parts[1::2], strict=True))
    columns = [(cells(reference), criterion) for reference, criterion in pairs]
    return sum(all(matches(values[i], criterion) for values, criterion in columns)
               for i in range(len(columns[0][0])))


SUMMARY = "Ringkasan"


def test_the_export_counts_each_units_indicators_with_formulas(org, imported):
    book = load_workbook(io.BytesIO(catalogue_export(imported)))
    summary = book[SUMMARY]
    header = [cell.value for cell in summary[1]]
    assert header[:4] == ["Kode unit", "Unit", "Jumlah indikator", "IKU"]
    by_unit = {}
    for row in summary.iter_rows(min_row=2):
        if row[0].value:
            by_unit[row[0].value] = [_evaluate(book, cell.value) for cell in row[2:]]
    expected = {}
    for indicator in Indicator.objects.filter(period=imported):
        counts = expected.setdefault(indicator.responsible_unit.code, [0, 0] + [0] * 6)
        counts[0] += 1
        counts[1] += indicator.is_iku
        for position, year in enumerate(range(2021, 2027)):
            counts[2 + position] += indicator.targets.filter(
                year=year, renstra_target__isnull=False).exists()
    assert {code: counts for code, counts in by_unit.items() if counts[0]} == expected
    total = [cell.value for cell in summary[summary.max_row]]
    assert total[1] == "Jumlah"
    assert _evaluate(book, total[2]) == Indicator.objects.filter(period=imported).count()
    # The importer reads "Katalog" only: the summary sheet does not disturb a re-import.
    assert not run(org, imported, catalogue_export(imported)).changed


def test_a_range_of_whole_numbers_is_exported_as_the_import_reads_it():
    """3–4 was written "3,000000–4,000000" (format(int, "f")), which the import refuses."""
    from kinerja.catalogue.exporter import _target_cell
    from kinerja.catalogue.importer import _parse_number_text

    cell = _target_cell(D("3.0000"), D("4.0000"))
    assert cell == "3–4"
    assert _target_cell(D("2.5000"), D("10.0000")) == "2,5–10"
    assert [_parse_number_text(part, 2) for part in cell.split("–")] == [3, 4]
