"""The catalogue as an Excel workbook: its layout and the reader (`exporter.py` writes it).

The layout, one row per indicator on the sheet "Katalog", headers in row 1:

| column | header | content |
|---|---|---|
| A | Kode Tujuan | goal code; empty: the row above's (merged cells) |
| B | Tujuan | goal text; needed on at least one row of the goal |
| C | Kode Sasaran | objective code, unique in the period; empty: the row above's |
| D | Sasaran | objective text; needed on at least one row of the objective |
| E | Kode Indikator | indicator code, unique in the period: how a row finds its indicator |
| F | Indikator Kinerja | indicator name |
| G | Satuan | unit of measure: %, dokumen, indeks, orang ... |
| H | Tipe Data | angka / persen / indeks / rupiah |
| I | Desimal | 0–4; empty: 2 for persen and indeks, 0 otherwise |
| J | Polaritas | positif / negatif |
| K | Agregasi Triwulan | kumulatif / posisi akhir / rata-rata |
| L | Kode Unit Penanggung Jawab | code of the Sekretariat or a Bidang of the agency |
| M | Baseline | baseline value (optional) |
| N | Tahun Baseline | its year |
| O | IKU | ya / tidak (empty: tidak) |
| P… | Target Renstra YYYY, Target PK YYYY | per year of the period; a range as "3,2–3,5" |
| after the years | Nilai Terendah Wajar, Nilai Tertinggi Wajar | optional: plausible bounds |

English words and headers are accepted too (positive, sum, last, average, yes/no...), columns
may stand in any order, and a column headed "No" is ignored. Quarter targets are not in the
file: the import leaves them as they are (they are kept in the admin). The columns of the
plausible bounds (docs/domain.md §10) are optional: a workbook without them (made before they
existed) leaves the stored bounds as they are; an empty cell in them clears the bound.

Numbers are read as data entry reads them (kinerja/core/numbers.py, the README's "Numbers"):
a number cell is its number; a text cell is Indonesian ("1.234,5", "12,85"), and "12.500" is
12500 for an indicator without decimals and refused, naming both readings, for any other.

Reading is in two stages: `parse_catalogue` turns cells into `CatalogueRow`s (types and words),
`apply_catalogue` writes them with each model's own validation. Both collect every problem with
its row and column instead of stopping at the first; the service rolls everything back when
there is any.

What finalised rounds or stored values depend on is guarded (`guard.py`): a changed or cleared
target of a year a finalised round uses, a changed polarity, year value or data type, decimals
lowered below what a stored value needs are problems of their row and column, naming the
indicator and the round, unless the import is given the reason for the change. Every object
the import creates, changes or deletes gets one AuditEvent (with that reason).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from kinerja.core import limits
from kinerja.core.audit import field_values, record_change
from kinerja.core.numbers import read_typed
from kinerja.core.workbooks import NotAWorkbook, WorkbookRefused, open_workbook_safely
from kinerja.organisation.models import REPORTING_UNIT_KINDS, Unit

from . import guard
from .choices import Aggregation, DataType, Polarity
from .models import Goal, Indicator, IndicatorYearTarget, Objective, RenstraPeriod

SHEET = "Katalog"
INSTRUCTIONS_SHEET = "Petunjuk"
MAX_ROWS = 5000
VALUE_PLACES = 4
RENSTRA, PK = "renstra", "pk"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...]
    width: int
    help: str


FIXED_COLUMNS = (
    Column("goal_code", "Kode Tujuan", ("goal code",), 10,
           "Kode tujuan Renstra. Kosong: sama dengan baris di atasnya."),
    Column("goal_text", "Tujuan", ("goal",), 40,
           "Uraian tujuan; cukup diisi pada satu baris tujuan itu."),
    Column("objective_code", "Kode Sasaran", ("objective code",), 10,
           "Kode sasaran, unik dalam periode. Kosong: sama dengan baris di atasnya."),
    Column("objective_text", "Sasaran", ("objective",), 40,
           "Uraian sasaran; cukup diisi pada satu baris sasaran itu."),
    Column("code", "Kode Indikator", ("indicator code",), 12,
           "Kode indikator, unik dalam periode. Impor ulang memperbarui indikator dengan kode "
           "yang sama."),
    Column("name", "Indikator Kinerja", ("indikator", "indicator", "indicator name",
                                         "nama indikator"), 50, "Nama indikator kinerja."),
    Column("unit_of_measure", "Satuan", ("unit of measure", "satuan ukur"), 10,
           "Satuan ukur: %, dokumen, indeks, orang, ..."),
    Column("data_type", "Tipe Data", ("jenis data", "data type"), 10,
           "angka, persen (0–100), indeks, atau rupiah."),
    Column("decimals", "Desimal", ("jumlah desimal", "decimals"), 8,
           "Jumlah angka di belakang koma, 0–4. Kosong: 2 untuk persen dan indeks, 0 untuk "
           "lainnya."),
    Column("polarity", "Polaritas", ("polarity",), 10,
           "positif (makin tinggi makin baik) atau negatif (makin rendah makin baik)."),
    Column("aggregation", "Agregasi Triwulan", ("agregasi", "aggregation"), 14,
           "Nilai tahunan dari triwulan: kumulatif (dijumlahkan), posisi akhir (triwulan "
           "terakhir), atau rata-rata."),
    Column("unit_code", "Kode Unit Penanggung Jawab", ("kode unit", "unit code",
                                                       "responsible unit code"), 18,
           "Kode Sekretariat atau Bidang yang melaporkan indikator (lihat daftar di bawah)."),
    Column("baseline", "Baseline", ("kondisi awal", "baseline value"), 10,
           "Nilai kondisi awal (boleh kosong)."),
    Column("baseline_year", "Tahun Baseline", ("baseline year",), 10,
           "Tahun nilai baseline."),
    Column("is_iku", "IKU", ("key indicator",), 6, "ya atau tidak (kosong: tidak)."),
)
# Optional columns, written after the year columns; a workbook without them still imports.
OPTIONAL_COLUMNS = (
    Column("minimum", "Nilai Terendah Wajar",
           ("nilai minimum", "minimum", "batas bawah wajar", "lowest plausible value"), 12,
           "Opsional. Nilai di bawahnya hanya disimpan bila staf mengonfirmasi dan "
           "menjelaskannya. Kosong: tanpa batas bawah."),
    Column("maximum", "Nilai Tertinggi Wajar",
           ("nilai maksimum", "maksimum", "maximum", "batas atas wajar",
            "highest plausible value"), 12,
           "Opsional. Nilai di atasnya hanya disimpan bila staf mengonfirmasi dan "
           "menjelaskannya. Persentase selalu antara 0 dan 100."),
)
COLUMN_BY_KEY = {column.key: column for column in FIXED_COLUMNS}
REQUIRED = ("goal_code", "objective_code", "code", "name", "unit_of_measure", "data_type",
            "polarity", "aggregation", "unit_code")
IGNORED_HEADERS = {"no", "no.", "nomor"}
YEAR_HEADER = re.compile(r"^(?:target\s+)?(renstra|pk)(?:\s+target)?\s+(\d{4})$")

DATA_TYPE_WORDS = {
    DataType.NUMBER: ("angka", "bilangan", "number", "numeric"),
    DataType.PERCENT: ("persen", "persentase", "percent", "percentage", "%"),
    DataType.INDEX: ("indeks", "index", "skor", "score", "nilai"),
    DataType.CURRENCY: ("rupiah", "rp", "mata uang", "currency", "uang"),
}
POLARITY_WORDS = {
    Polarity.POSITIVE: ("positif", "positive", "+"),
    Polarity.NEGATIVE: ("negatif", "negative", "-"),
}
AGGREGATION_WORDS = {
    Aggregation.SUM: ("kumulatif", "jumlah", "penjumlahan", "sum", "cumulative", "total"),
    Aggregation.LAST: ("posisi akhir", "nilai akhir", "terakhir", "akhir", "last",
                       "last value", "end position"),
    Aggregation.AVERAGE: ("rata-rata", "rata rata", "rerata", "average", "mean"),
}
YES_WORDS = ("ya", "y", "iya", "yes", "1", "true", "benar", "x", "v", "✓")
NO_WORDS = ("tidak", "t", "no", "n", "0", "false", "bukan", "-")
# The word each value is written as in an exported file (the first of its words).
WRITTEN = {value: words[0] for table in (DATA_TYPE_WORDS, POLARITY_WORDS, AGGREGATION_WORDS)
           for value, words in table.items()}
DEFAULT_DECIMALS = {DataType.PERCENT: 2, DataType.INDEX: 2}


def year_header(kind: str, year: int) -> str:
    return f"Target {'Renstra' if kind == RENSTRA else 'PK'} {year}"


def _normalise(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text or "").replace("\u00a0", " ")).strip().lower()


# --- Rows and problems ----------------------------------------------------------------------

@dataclass(frozen=True)
class ImportProblem:
    """One fault, with the row and column of the cell it concerns where there is one."""

    message: str
    row: int | None = None
    column: str | None = None
    header: str = ""
    # A change that finalised rounds or stored values depend on (guard.py): a reason for the
    # change lets it through.
    guarded: bool = False

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if self.column is None:
            return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}
        return _("Row %(row)d, column %(column)s (%(header)s): %(message)s") % {
            "row": self.row, "column": self.column, "header": self.header,
            "message": self.message}


@dataclass
class YearTargets:
    renstra: Decimal | None = None
    renstra_max: Decimal | None = None
    pk: Decimal | None = None
    pk_max: Decimal | None = None

    @property
    def empty(self) -> bool:
        return self.renstra is None and self.pk is None


@dataclass
class CatalogueRow:
    """One indicator as the workbook holds it. `number` is its row in the sheet (0 when the
    row was not read from a file)."""

    goal_code: str
    goal_text: str
    objective_code: str
    objective_text: str
    code: str
    name: str
    unit_of_measure: str
    data_type: str
    decimals: int
    polarity: str
    aggregation: str
    unit_code: str
    baseline: Decimal | None = None
    baseline_year: int | None = None
    is_iku: bool = False
    targets: dict[int, YearTargets] = field(default_factory=dict)
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    number: int = 0
    # False when a cell of the row was refused: its codes and texts still count (so that one
    # bad cell does not add problems on other rows), its indicator is not written.
    valid: bool = True


@dataclass
class Layout:
    """Where each column stands in the file: key ("code", "renstra:2025"...) → index."""

    index: dict[str, int]
    headers: dict[str, str]

    def problem(self, row: int, key: str, message: str) -> ImportProblem:
        position = self.index.get(key)
        if position is None:
            return ImportProblem(message, row)
        return ImportProblem(message, row, get_column_letter(position + 1), self.headers[key])


@dataclass
class ImportResult:
    """What an import did, counted by kind ("goal", "objective", "indicator", "target")."""

    rows: int = 0
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    deleted: Counter = field(default_factory=Counter)
    not_in_file: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) + sum(self.updated.values())
                    + sum(self.deleted.values()))

    def as_data(self) -> dict:
        return {"rows": self.rows, "created": dict(self.created),
                "updated": dict(self.updated), "deleted": dict(self.deleted),
                "not_in_file": self.not_in_file}


class CellError(Exception):
    """A cell that cannot be read; the message says what was expected."""


# --- Reading cells --------------------------------------------------------------------------

Cell = tuple[Any, str]  # (value, number format)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(value: Any) -> str:
    text = str(value).strip()
    return text if len(text) <= 40 else text[:37] + "..."


def _text(cell: Cell) -> str:
    value = cell[0]
    if _is_blank(value):
        return ""
    if isinstance(value, bool):
        raise CellError(_("Expected text, found a yes/no value."))
    if isinstance(value, (datetime, date, time)):
        raise CellError(_("Expected text, found a date."))
    if isinstance(value, float):
        # A code such as 1.2 typed into Excel arrives as a number.
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else value.normalize()
    return re.sub(r"\s+", " ", str(value)).strip()


def _parse_number_text(text: str, decimals: int | None) -> Decimal:
    """A number typed as text, as data entry reads a value of an indicator with `decimals`
    (kinerja/core/numbers.py): "1.234,5", "12,85", "12.5"; "12.500" is 12500 where there are
    no decimals and refused, naming both readings, otherwise."""
    try:
        number = read_typed(text, decimals=decimals)
    except ValueError as error:
        raise CellError(str(error)) from None
    if number is None:
        raise CellError(_("Expected a number, found “%(value)s”.") % {"value": _shown(text)})
    return number


def _within_places(number: Decimal, original: Any) -> Decimal:
    if number.as_tuple().exponent >= -VALUE_PLACES:
        return number
    rounded = number.quantize(Decimal(1).scaleb(-VALUE_PLACES))
    # A float from Excel carries binary noise (0.1 + 0.2 = 0.30000000000000004); real
    # fifth decimals are refused instead of rounded away.
    if isinstance(original, float) and abs(number - rounded) < Decimal("1e-9"):
        return rounded
    raise CellError(_("At most %(places)d decimal places, found “%(value)s”.") % {
        "places": VALUE_PLACES, "value": _shown(original)})


def _number(cell: Cell, decimals: int | None = None) -> Decimal | None:
    """A number cell as its number; a text cell read the Indonesian way with the indicator's
    `decimals` (None: no indicator, an ambiguous text is refused)."""
    value, number_format = cell
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(_("Expected a number, found a yes/no value."))
    if isinstance(value, (datetime, date, time)):
        raise CellError(_("Expected a number, found a date."))
    if isinstance(value, (int, float)):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if "%" in (number_format or ""):
            # A cell formatted as a percentage holds 0.85 for "85%".
            number *= 100
    else:
        text = str(value).strip()
        if text in ("-", "–", "—"):
            return None
        number = _parse_number_text(text, decimals)
    if not number.is_finite():
        raise CellError(_("Expected a number, found “%(value)s”.") % {"value": _shown(value)})
    return _within_places(number, value)


_RANGE = re.compile(r"^\s*(-?[\d.,\s]+?%?)\s*(?:–|—|s\.?\s*/?\s*d\.?|sampai|to|-)\s*"
                    r"(-?[\d.,\s]+?%?)\s*$", re.IGNORECASE)


def _range(cell: Cell, decimals: int | None = None) -> tuple[Decimal | None, Decimal | None]:
    """A target: one number, or a range written "3,2–3,5" (also "3,2 - 3,5", "3,2 s.d. 3,5")."""
    value = cell[0]
    if isinstance(value, str):
        match = _RANGE.match(value)
        if match:
            low = _number((match.group(1), "General"), decimals)
            high = _number((match.group(2), "General"), decimals)
            if low is not None and high is not None and high < low:
                raise CellError(_("The upper bound of the range is below the lower bound."))
            return low, (high if high != low else None)
    return _number(cell, decimals), None


def _integer(cell: Cell) -> int | None:
    number = _number(cell, 0)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise CellError(_("Expected a whole number, found “%(value)s”.") % {
            "value": _shown(cell[0])})
    return int(number)


def _word(cell: Cell, table: dict[str, tuple[str, ...]]) -> str | None:
    text = _normalise(_text(cell))
    if not text:
        return None
    for value, words in table.items():
        if text in words or text == _normalise(value) or text == _normalise(value.label):
            return value
    raise CellError(_("Unknown value “%(value)s”; use one of: %(words)s.") % {
        "value": _shown(cell[0]), "words": ", ".join(words[0] for words in table.values())})


def _yes_no(cell: Cell) -> bool:
    value = cell[0]
    if isinstance(value, bool):
        return value
    text = _normalise(_text(cell))
    if not text or text in NO_WORDS:
        return False
    if text in YES_WORDS:
        return True
    raise CellError(_("Unknown value “%(value)s”; use ya or tidak.") % {
        "value": _shown(value)})


# --- Parsing the sheet ----------------------------------------------------------------------

def _read_cells(data: bytes) -> list[list[Cell]]:
    """Every row of the catalogue sheet as (value, number format) cells."""
    try:
        # Checked before openpyxl reads it: the read-only reader pads every row to the width
        # the sheet declares, so A1:XFD5000 alone would take gigabytes.
        workbook = open_workbook_safely(data, read_only=True,
                                        **limits.CATALOGUE_WORKBOOK.as_kwargs())
    except NotAWorkbook as error:
        raise CellError(_("The file is not an Excel workbook (.xlsx).")) from error
    except WorkbookRefused as error:
        raise CellError(error.message) from error
    try:
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows():
            rows.append([(cell.value, getattr(cell, "number_format", "General") or "General")
                         for cell in row])
            if len(rows) > MAX_ROWS + 1:
                raise CellError(_("The sheet has more than %(count)d rows.") % {
                    "count": MAX_ROWS})
        return rows
    except (CellError, MemoryError):
        raise
    except Exception as error:  # the read-only reader meets a damaged sheet only now
        raise CellError(_("The file is not an Excel workbook (.xlsx).")) from error
    finally:
        workbook.close()


def _read_layout(header: list[Cell], years: range) -> tuple[Layout, list[ImportProblem]]:
    by_name: dict[str, str] = {}
    for column in (*FIXED_COLUMNS, *OPTIONAL_COLUMNS):
        for name in (column.header, *column.aliases, column.key.replace("_", " ")):
            by_name[_normalise(name)] = column.key
    index: dict[str, int] = {}
    headers: dict[str, str] = {}
    problems: list[ImportProblem] = []

    def at(position: int, message: str) -> ImportProblem:
        return ImportProblem(message, 1, get_column_letter(position + 1),
                             str(header[position][0] or "").strip())

    for position, (value, _format) in enumerate(header):
        name = _normalise(value)
        if not name or name in IGNORED_HEADERS:
            continue
        key = by_name.get(name)
        if key is None:
            match = YEAR_HEADER.match(name)
            if match is None:
                problems.append(at(position, _("Unknown column; the template lists the columns "
                                               "a catalogue has.")))
                continue
            year = int(match.group(2))
            if year not in years:
                problems.append(at(position, _(
                    "The year %(year)d is outside the Renstra period (%(start)d–%(end)d).") % {
                        "year": year, "start": years.start, "end": years.stop - 1}))
                continue
            key = f"{match.group(1)}:{year}"
        if key in index:
            problems.append(at(position, _("This column is given twice (also column "
                                           "%(column)s).") % {
                "column": get_column_letter(index[key] + 1)}))
            continue
        index[key] = position
        headers[key] = str(value).strip()
    for column in FIXED_COLUMNS:
        if column.key not in index:
            problems.append(ImportProblem(_("The column “%(header)s” is missing.") % {
                "header": column.header}, 1))
    for year in years:
        for kind in (RENSTRA, PK):
            if f"{kind}:{year}" not in index:
                problems.append(ImportProblem(_("The column “%(header)s” is missing.") % {
                    "header": year_header(kind, year)}, 1))
    return Layout(index, headers), problems


def parse_catalogue(data: bytes, *, years: range
                    ) -> tuple[list[CatalogueRow], Layout | None, list[ImportProblem]]:
    """Read the workbook into rows, checking types and words (not yet the database).

    Rows with a refused cell come back too, marked not valid, so that `apply_catalogue` can
    still check the other rows; no rows come back when the file or its headers are unusable.
    """
    try:
        cells = _read_cells(data)
    except CellError as error:
        return [], None, [ImportProblem(str(error))]
    if not cells or all(_is_blank(value) for value, _format in cells[0]):
        return [], None, [ImportProblem(_("The first row must hold the column headers."), 1)]
    layout, problems = _read_layout(cells[0], years)
    if problems:
        return [], layout, problems
    rows: list[CatalogueRow] = []
    seen_codes: dict[str, int] = {}
    above: dict[str, str] = {}
    for number, row_cells in enumerate(cells[1:], start=2):
        if all(_is_blank(value) for value, _format in row_cells):
            continue
        row, row_problems = _parse_row(number, row_cells, layout, years, above)
        problems += row_problems
        if row.code in seen_codes:
            problems.append(layout.problem(number, "code", _(
                "The indicator code “%(code)s” is already used in row %(row)d.") % {
                    "code": row.code, "row": seen_codes[row.code]}))
            row.valid = False
        elif row.code:
            seen_codes[row.code] = number
        rows.append(row)
    if not rows and not problems:
        problems.append(ImportProblem(_("The sheet has no indicator rows."), 2))
    return rows, layout, problems


def _parse_row(number: int, row_cells: list[Cell], layout: Layout, years: range,
               above: dict[str, str]) -> tuple[CatalogueRow, list[ImportProblem]]:
    problems: list[ImportProblem] = []

    def cell(key: str) -> Cell:
        position = layout.index.get(key)  # None: an optional column the file does not have
        if position is None or position >= len(row_cells):
            return (None, "General")
        return row_cells[position]

    def read(key: str, reader, default=None):
        try:
            value = reader(cell(key))
        except CellError as error:
            problems.append(layout.problem(number, key, str(error)))
            return default
        if key in REQUIRED and value in (None, ""):
            problems.append(layout.problem(number, key, _("This cell is required.")))
        return value if value is not None else default

    # Empty goal and objective codes repeat the row above (merged cells in the source
    # table), except that a new goal does not inherit the previous goal's objective.
    goal_code = _text_or_none(cell("goal_code"))
    if goal_code is None:
        goal_code = above.get("goal_code", "")
    objective_code = _text_or_none(cell("objective_code"))
    if objective_code is None and goal_code == above.get("goal_code"):
        objective_code = above.get("objective_code", "")
    above.update(goal_code=goal_code, objective_code=objective_code or "")
    if not goal_code:
        problems.append(layout.problem(number, "goal_code", _("This cell is required.")))
    if not objective_code:
        problems.append(layout.problem(number, "objective_code", _("This cell is required.")))
    values = {
        "goal_text": read("goal_text", _text, ""),
        "objective_text": read("objective_text", _text, ""),
        "code": read("code", _text, ""),
        "name": read("name", _text, ""),
        "unit_of_measure": read("unit_of_measure", _text, ""),
        "data_type": read("data_type", lambda c: _word(c, DATA_TYPE_WORDS)),
        "decimals": read("decimals", _integer),
        "polarity": read("polarity", lambda c: _word(c, POLARITY_WORDS)),
        "aggregation": read("aggregation", lambda c: _word(c, AGGREGATION_WORDS)),
        "unit_code": read("unit_code", _text, ""),
        "baseline_year": read("baseline_year", _integer),
        "is_iku": read("is_iku", _yes_no, False),
    }
    if values["decimals"] is None:
        values["decimals"] = DEFAULT_DECIMALS.get(values["data_type"], 0)
    # The indicator's numbers are read as data entry reads its values: with its decimals.
    decimals = values["decimals"] if 0 <= values["decimals"] <= 4 else None

    def a_number(cell_: Cell) -> Decimal | None:
        return _number(cell_, decimals)

    def a_target(cell_: Cell) -> tuple[Decimal | None, Decimal | None]:
        return _range(cell_, decimals)

    values |= {name: read(name, a_number) for name in ("baseline", "minimum", "maximum")}
    targets: dict[int, YearTargets] = {}
    for year in years:
        renstra, renstra_max = read(f"{RENSTRA}:{year}", a_target, (None, None))
        pk, pk_max = read(f"{PK}:{year}", a_target, (None, None))
        if pk is not None and renstra is None:
            problems.append(layout.problem(number, f"{RENSTRA}:{year}", _(
                "A PK target needs the Renstra target of the same year.")))
        targets[year] = YearTargets(renstra, renstra_max, pk, pk_max)
    return CatalogueRow(goal_code=goal_code, objective_code=objective_code or "",
                        targets=targets, number=number, valid=not problems, **values), problems


def _text_or_none(cell: Cell) -> str | None:
    try:
        return _text(cell) or None
    except CellError:
        return str(cell[0])


# --- Writing to the database ----------------------------------------------------------------

GOAL_FIELDS = {"code": "goal_code", "text": "goal_text"}
OBJECTIVE_FIELDS = {"code": "objective_code", "text": "objective_text", "goal": "goal_code"}
INDICATOR_FIELDS = {
    "code": "code", "name": "name", "unit_of_measure": "unit_of_measure",
    "data_type": "data_type", "decimals": "decimals", "polarity": "polarity",
    "aggregation": "aggregation", "responsible_unit": "unit_code", "baseline": "baseline",
    "baseline_year": "baseline_year", "is_iku": "is_iku", "objective": "objective_code",
    "period": "code", "minimum": "minimum", "maximum": "maximum",
}

GUARDED_INDICATOR_FIELDS = (*guard.RULE_FIELDS, "decimals")


def _target_columns(year: int) -> dict[str, str]:
    renstra, pk = f"{RENSTRA}:{year}", f"{PK}:{year}"
    return {"year": renstra, "renstra_target": renstra, "renstra_target_max": renstra,
            "pk_target": pk, "pk_target_max": pk, "q1_target": renstra,
            "q2_target": renstra, "q3_target": renstra, "q4_target": renstra}


def _sync(obj: models.Model, values: dict[str, Any]) -> bool:
    """Set the values on the object; True when any differs from what it held."""
    changed = False
    for name, value in values.items():
        if isinstance(value, models.Model):
            changed |= getattr(obj, f"{name}_id") != value.pk
        else:
            changed |= getattr(obj, name) != value
        setattr(obj, name, value)
    return changed


class _Writer:
    """Applies rows to one period, validating each object as the admin would."""

    def __init__(self, period: RenstraPeriod, layout: Layout | None, *, actor=None,
                 change_reason: str = ""):
        self.period = period
        self.layout = layout
        self.actor = actor
        self.change_reason = change_reason.strip()
        self.result = ImportResult()
        self.problems: list[ImportProblem] = []
        # What finalised rounds and stored values hold (guard.py), loaded for all the
        # period's indicators at once; nothing is loaded when a reason is given.
        self.dependents = guard.Dependents()

    def record(self, obj: models.Model, before: dict | None, after: dict | None) -> None:
        """The one audit event of an object the import created, changed or deleted."""
        record_change(obj, actor=self.actor, agency=self.period.agency, before=before,
                      after=after, reason=self.change_reason)

    def refuse(self, row: int, refusals: list[guard.Refusal], columns: dict[str, str]) -> None:
        for refusal in refusals:
            self.problem(row, columns.get(refusal.field, next(iter(columns.values()))),
                         refusal.message, guarded=True)

    def problem(self, row: int, key: str, message: str, *, guarded: bool = False) -> None:
        if self.layout is None:
            found = ImportProblem(message, row or None)
        else:
            found = self.layout.problem(row, key, message)
        self.problems.append(replace(found, guarded=True) if guarded else found)

    def save(self, kind: str, obj: models.Model, values: dict[str, Any], row: int,
             columns: dict[str, str], *, revalidate: bool = False) -> str | None:
        """Validate and save when something changed: "created", "updated" or "unchanged";
        None when the object is refused (its problems recorded).

        An unchanged row was valid when it was saved, so it is checked again only when
        `revalidate` says that something it depends on changed.
        """
        is_new = obj.pk is None
        before = None if is_new else guard.versioned_values(obj)
        changed = _sync(obj, values)
        if not (is_new or changed or revalidate):
            self.result.unchanged[kind] += 1
            return "unchanged"
        try:
            obj.full_clean()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                key = columns.get(name, next(iter(columns.values())))
                for message in messages:
                    self.problem(row, key, message)
            return None
        status = "created" if is_new else "updated" if changed else "unchanged"
        if status != "unchanged":
            obj.save()
            self.record(obj, before, guard.versioned_values(obj))
        getattr(self.result, status)[kind] += 1
        return status

    def apply(self, rows: list[CatalogueRow]) -> None:
        self.result.rows = len(rows)
        goals = self._goals([row for row in rows if row.goal_code])
        objectives = self._objectives([row for row in rows if row.goal_code
                                       and row.objective_code], goals)
        self._indicators(rows, objectives)

    def _first_texts(self, rows, code_key, text_key, kind_label) -> dict[str, tuple[str, int]]:
        """code → (text, row that gives it), in the order the codes first appear. The text
        may stand on any one row of the code; differing texts are refused."""
        texts: dict[str, tuple[str, int]] = {}
        for row in rows:
            code, text = getattr(row, code_key), getattr(row, text_key)
            known_text, known_row = texts.get(code, ("", 0))
            if code not in texts or (text and not known_text):
                texts[code] = (text, row.number)
            elif text and text != known_text:
                self.problem(row.number, text_key, _(
                    "The %(kind)s “%(code)s” has another text in row %(row)d.") % {
                        "kind": kind_label, "code": code, "row": known_row})
        for code, (text, row_number) in texts.items():
            if not text:
                self.problem(row_number, text_key, _(
                    "Give the text of the %(kind)s “%(code)s” on at least one of its rows.") % {
                        "kind": kind_label, "code": code})
        return texts

    def _goals(self, rows: list[CatalogueRow]) -> dict[str, Goal]:
        texts = self._first_texts(rows, "goal_code", "goal_text", _("goal"))
        existing = {goal.code: goal for goal in self.period.goals.all()}
        saved: dict[str, Goal] = {}
        for order, (code, (text, row)) in enumerate(texts.items(), start=1):
            if not text:
                continue
            goal = existing.get(code) or Goal(period=self.period)
            if self.save("goal", goal, {"code": code, "text": text, "order": order}, row,
                         GOAL_FIELDS):
                saved[code] = goal
        return saved

    def _objectives(self, rows: list[CatalogueRow], goals: dict[str, Goal]
                    ) -> dict[str, Objective]:
        texts = self._first_texts(rows, "objective_code", "objective_text", _("objective"))
        goal_of: dict[str, tuple[str, int]] = {}
        for row in rows:
            known = goal_of.setdefault(row.objective_code, (row.goal_code, row.number))
            if known[0] != row.goal_code:
                self.problem(row.number, "objective_code", _(
                    "The objective “%(code)s” is under the goal “%(goal)s” in row %(row)d.") % {
                        "code": row.objective_code, "goal": known[0], "row": known[1]})
        existing = {objective.code: objective for objective in
                    Objective.objects.filter(goal__period=self.period).select_related("goal")}
        saved: dict[str, Objective] = {}
        orders: Counter = Counter()
        for code, (text, row) in texts.items():
            goal = goals.get(goal_of[code][0])
            if not text or goal is None:
                continue
            orders[goal.code] += 1
            objective = existing.get(code) or Objective()
            if self.save("objective", objective, {"goal": goal, "code": code, "text": text,
                                                  "order": orders[goal.code]},
                         row, OBJECTIVE_FIELDS):
                saved[code] = objective
        return saved

    def _indicators(self, rows: list[CatalogueRow], objectives: dict[str, Objective]) -> None:
        units = {unit.code: unit for unit in Unit.objects.filter(agency=self.period.agency_id)}
        reporting_codes = ", ".join(sorted(
            code for code, unit in units.items() if unit.kind in REPORTING_UNIT_KINDS))
        existing = {indicator.code: indicator for indicator in
                    self.period.indicators.prefetch_related("targets")}
        self._load_dependents(rows, existing)
        for order, row in enumerate(rows, start=1):
            if not row.valid:
                continue
            objective = objectives.get(row.objective_code)
            unit = units.get(row.unit_code)
            if unit is None:
                self.problem(row.number, "unit_code", _(
                    "This agency has no unit with the code “%(code)s”; its reporting units "
                    "are: %(codes)s.") % {"code": row.unit_code, "codes": reporting_codes})
            if objective is None or unit is None:
                continue
            indicator = existing.get(row.code) or Indicator(period=self.period)
            values = {"objective": objective, "code": row.code, "name": row.name,
                      "unit_of_measure": row.unit_of_measure, "data_type": row.data_type,
                      "decimals": row.decimals, "polarity": row.polarity,
                      "aggregation": row.aggregation, "responsible_unit": unit,
                      "baseline": row.baseline, "baseline_year": row.baseline_year,
                      "is_iku": row.is_iku, "order": order}
            # The plausible bounds only where the file has their column: an older workbook
            # leaves them as they are.
            values |= {name: getattr(row, name) for name in ("minimum", "maximum")
                       if self.layout is None or name in self.layout.index}
            if indicator.pk is not None and not self.change_reason:
                self.refuse(row.number, guard.indicator_refusals(
                    field_values(indicator, GUARDED_INDICATOR_FIELDS),
                    _rule_values(row), code=row.code, dependents=self.dependents,
                    indicator_id=indicator.pk), INDICATOR_FIELDS)
            status = self.save("indicator", indicator, values, row.number, INDICATOR_FIELDS)
            if status:
                # A changed data type (say, to percent) must hold for the targets too.
                self._targets(indicator, row, revalidate=status != "unchanged")
        self.result.not_in_file = [code for code in existing
                                   if code not in {row.code for row in rows}]

    def _load_dependents(self, rows: list[CatalogueRow], existing: dict[str, Indicator]
                         ) -> None:
        """The finalised rounds of the file's known indicators (two queries), and the stored
        values of those whose rules or decimals the file changes (one query)."""
        if self.change_reason:
            return
        known = [(row, existing[row.code]) for row in rows
                 if row.valid and row.code in existing]
        if not known:
            return
        values_of = [indicator.pk for row, indicator in known
                     if guard.needs_values(field_values(indicator, GUARDED_INDICATOR_FIELDS),
                                           _rule_values(row))]
        self.dependents = guard.Dependents.load([indicator.pk for _row, indicator in known],
                                                values_of=values_of)

    def _targets(self, indicator: Indicator, row: CatalogueRow, *, revalidate: bool) -> None:
        existing = {target.year: target for target in indicator.targets.all()}
        for year, wanted in row.targets.items():
            target = existing.get(year)
            columns = _target_columns(year)
            if wanted.empty:
                if target is not None:
                    # Both cells cleared: the indicator has no target that year any more.
                    if not self.change_reason:
                        self.refuse(row.number, guard.target_refusals(
                            guard.target_values(target), None, code=indicator.code, year=year,
                            dependents=self.dependents, indicator_id=indicator.pk), columns)
                    self.record(target, guard.versioned_values(target), None)
                    target.delete()
                    self.result.deleted["target"] += 1
                continue
            values = {"renstra_target": wanted.renstra, "renstra_target_max": wanted.renstra_max,
                      "pk_target": wanted.pk, "pk_target_max": wanted.pk_max}
            if not self.change_reason:
                self.refuse(row.number, guard.target_refusals(
                    guard.target_values(target), values, code=indicator.code, year=year,
                    dependents=self.dependents, indicator_id=indicator.pk), columns)
            target = target or IndicatorYearTarget(indicator=indicator, year=year)
            self.save("target", target, values, row.number, columns, revalidate=revalidate)


def _rule_values(row: CatalogueRow) -> dict[str, Any]:
    """The row's values of the fields the guard watches on an indicator."""
    return {"polarity": row.polarity, "aggregation": row.aggregation,
            "data_type": row.data_type, "decimals": row.decimals}


def apply_catalogue(*, period: RenstraPeriod, rows: list[CatalogueRow], layout: Layout | None,
                    actor=None, change_reason: str = ""
                    ) -> tuple[ImportResult, list[ImportProblem]]:
    """Create or update the period's goals, objectives, indicators and targets from the rows,
    found by their codes, each created, changed or deleted object with one audit event.
    Changes that finalised rounds or stored values depend on are problems unless
    `change_reason` is given (guard.py). Saves as it goes: the caller's transaction is what
    makes a refused import leave nothing behind."""
    writer = _Writer(period, layout, actor=actor, change_reason=change_reason)
    writer.apply(rows)
    return writer.result, writer.problems


def sort_problems(problems: list[ImportProblem]) -> list[ImportProblem]:
    """By row, then column (A … Z, AA …), without repeats."""
    def order(problem: ImportProblem) -> tuple:
        column = problem.column or ""
        return (problem.row or 0, len(column), column)

    return sorted(dict.fromkeys(problems), key=order)
