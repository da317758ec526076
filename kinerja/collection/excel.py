"""The data-request format of one unit as an .xlsx workbook, and its upload back.

The workbook has three sheets:

- "Petunjuk": how to fill it in (Indonesian);
- "Data": one row per indicator of the unit in the round's current format (code, indicator,
  unit of measure, target, previous period, then the input columns value and explanation).
  Only the input cells are unlocked; the sheet is protected (no password: the protection
  guards against slips, not against intent). Excel's data validation checks the value column
  with the rules of `parse_value` (0–100 for percentages, ≥ 0 where negatives are refused);
- "Kunci" (hidden, protected): the template version and the natural keys of the track
  (agency code, SOP number, year, period, unit code), then per data row the indicator code and
  the version of the stored value the file was made from. Database ids are never keys, so a
  file stays valid across databases holding the same data (tests/files/ keeps one saved by
  LibreOffice).

Upload (`values_upload`) validates every cell, reports every problem as "Sheet!Cell: message"
and saves nothing unless the whole file is good; the save itself is `services.values_save`
(one transaction, same rules, same audit events as the form).

Numbers (the README's "Numbers"): a number cell is a number, read as the cell's value (an
integer exactly, a float as the shortest decimal that is that float: 0.262, not
0.26200000000000001) and handed to the service as that exact Decimal, never turned into text
and read again. A text cell is read as on the page (`core/numbers.py`: "1.234,5", "12.345"
refused for an indicator with decimals). A yes/no or a date in a value cell is refused. A
stored value that a spreadsheet's number (15 significant digits) cannot hold exactly is
written as Indonesian text, which reads back exactly.

Choices:

- An upload is a filled format: when the format requires values (`require_value`), an empty
  value cell is refused (stricter than the form's draft save, which keeps empty values).
- Rows whose value and explanation equal what is stored are left out of the save, whatever
  version the file carries. Uploading the same file twice therefore changes nothing the second
  time and is not refused as stale; a row that differs from what is stored keeps the file's
  version, so a file made before someone else saved that value is refused as stale.
- The reason for a change from a year round's prefilled total is not in the workbook: the
  stored reason is kept, and a missing one is refused as on the form (enter it on the page).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from kinerja.catalogue.choices import Aggregation, DataType
from kinerja.catalogue.models import Indicator
from kinerja.core import limits
from kinerja.core.cells import text_cell, value_cell
from kinerja.core.errors import OutOfTurn
from kinerja.core.numbers import shown
from kinerja.core.text import normalise_text
from kinerja.core.workbooks import NotAWorkbook, WorkbookRefused, open_workbook_safely

from . import recap, services
from .models import IndicatorValue, Track
from .services.data_entry import LARGEST_VALUE, editing_role, locked_track, parse_value

TEMPLATE_VERSION = 1
MAX_UPLOAD_BYTES = limits.UNIT_WORKBOOK.max_bytes

INSTRUCTIONS = "Petunjuk"
DATA = "Data"
KEYS = "Kunci"

# Data sheet: header on row 1, one indicator per row from row 2.
HEADER_ROW = 1
FIRST_ROW = 2
COLUMNS = ("Kode", "Indikator", "Satuan", "Target", "Periode sebelumnya", "Realisasi",
           "Penjelasan")
VALUE_COLUMN = "F"
EXPLANATION_COLUMN = "G"
CODE_COLUMN = "A"

# Kunci sheet: key names in column A, values in column B; rows from ROWS_START: Data row number,
# indicator code, version of the stored value.
KEY_NAMES = ("template_version", "agency", "sop", "year", "period", "unit")
ROWS_START = len(KEY_NAMES) + 2

INSTRUCTION_LINES = (
    "Format permintaan data kinerja",
    "",
    "1. Isi kolom Realisasi (F) dan Penjelasan (G) pada lembar Data. Sel lain dikunci.",
    "2. Tulis angka sebagai angka, atau sebagai teks dengan format Indonesia, misalnya 1.234,5.",
    "3. Persentase berada antara 0 dan 100. Jumlah desimal paling banyak sesuai indikator.",
    "4. Jangan mengubah nama lembar, urutan baris, atau lembar tersembunyi Kunci.",
    "5. Unggah kembali berkas ini pada halaman unit. Bila ada kesalahan, setiap sel yang salah",
    "   disebutkan dan tidak ada data yang disimpan; perbaiki lalu unggah lagi.",
    "6. Bila data sudah diubah orang lain setelah berkas diunduh, unduh format yang baru.",
    "7. Berkas boleh disimpan dengan Microsoft Excel atau LibreOffice (format .xlsx).",
)


class WorkbookError(OutOfTurn):
    """The uploaded workbook is refused; `details` names each cell ("Data!F5: …")."""

    status_code = 400

    def __init__(self, details: list[str]):
        super().__init__(details[0], code="invalid_workbook", details=details)


@dataclass(frozen=True)
class TrackKeys:
    agency: str
    sop: str
    year: int
    period: str
    unit: str

    @classmethod
    def of(cls, track: Track) -> TrackKeys:
        round_ = track.round
        return cls(agency=round_.agency.code, sop=round_.sop.number, year=round_.year,
                   period=round_.period, unit=track.unit.code)

    def as_dict(self) -> dict:
        return {"agency": self.agency, "sop": self.sop, "year": self.year,
                "period": self.period, "unit": self.unit}


def filename_for(track: Track) -> str:
    return f"format-{track.unit.code}-{track.round.year}-{track.round.period}.xlsx"


def _number_format(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _validation_for(indicator: Indicator) -> DataValidation:
    """Excel's check of a value cell, mirroring `parse_value` (decimals are not checked)."""
    limit = str(LARGEST_VALUE - 1)
    if indicator.data_type == DataType.PERCENT:
        low, high, message = "0", "100", "Persentase berada antara 0 dan 100."
    elif (indicator.data_type != DataType.NUMBER
          or indicator.aggregation == Aggregation.SUM):
        low, high, message = "0", limit, "Nilai indikator ini tidak boleh negatif."
    else:
        low, high, message = f"-{limit}", limit, "Isi dengan angka."
    return DataValidation(type="decimal", operator="between", formula1=low, formula2=high,
                          allow_blank=True, showErrorMessage=True, errorTitle="Nilai salah",
                          error=message)


def format_workbook(track: Track) -> bytes:
    """The track's data-request format as an .xlsx file, with the stored values filled in."""
    rows = recap.unit_recap(track)
    stored = {value.indicator_id: value for value in IndicatorValue.objects.filter(track=track)}
    keys = TrackKeys.of(track)
    book = Workbook()

    guide = book.active
    guide.title = INSTRUCTIONS
    guide["A1"].font = Font(bold=True, size=13)
    for number, line in enumerate(INSTRUCTION_LINES, start=1):
        guide.cell(row=number, column=1, value=line)
    text_cell(guide.cell(row=len(INSTRUCTION_LINES) + 2, column=1),
              f"Unit: {track.unit.name} · {track.round.sop.number} · "
              f"{track.round.period} {track.round.year}")
    guide.column_dimensions["A"].width = 100
    guide.protection.sheet = True

    data = book.create_sheet(DATA)
    for column, title in enumerate(COLUMNS, start=1):
        cell = data.cell(row=HEADER_ROW, column=column, value=title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
    for letter, width in zip("ABCDEFG", (10, 60, 14, 14, 18, 16, 50), strict=True):
        data.column_dimensions[letter].width = width
    data.freeze_panes = f"A{FIRST_ROW}"
    input_fill = PatternFill("solid", fgColor="FFF9DB")
    validations: dict[str, DataValidation] = {}
    for number, row in enumerate(rows, start=FIRST_ROW):
        indicator = row.indicator
        number_format = _number_format(indicator.decimals)
        # People's text (codes, names, explanations) is written as data, never a formula.
        text_cell(data.cell(row=number, column=1), indicator.code)
        text_cell(data.cell(row=number, column=2), indicator.name).alignment = Alignment(
            wrap_text=True, vertical="top")
        text_cell(data.cell(row=number, column=3), indicator.unit_of_measure)
        target = data.cell(row=number, column=4,
                           value=_cell_number(row.target.value if row.target else None))
        previous = data.cell(row=number, column=5, value=_cell_number(row.previous))
        value = data.cell(row=number, column=6, value=_cell_number(row.value))
        explanation = text_cell(data.cell(row=number, column=7), row.explanation or None)
        for cell in (target, previous, value):
            cell.number_format = number_format
        for cell in (value, explanation):
            cell.protection = Protection(locked=False)
            cell.fill = input_fill
        explanation.alignment = Alignment(wrap_text=True, vertical="top")
        validation = _validation_for(indicator)
        key = f"{validation.formula1}|{validation.formula2}"
        validations.setdefault(key, validation).add(f"{VALUE_COLUMN}{number}")
    for validation in validations.values():
        data.add_data_validation(validation)
    data.protection.sheet = True

    hidden = book.create_sheet(KEYS)
    values = [TEMPLATE_VERSION, keys.agency, keys.sop, keys.year, keys.period, keys.unit]
    for number, (name, value) in enumerate(zip(KEY_NAMES, values, strict=True), start=1):
        hidden.cell(row=number, column=1, value=name)
        value_cell(hidden.cell(row=number, column=2), value)
    for offset, row in enumerate(rows):
        current = stored.get(row.indicator.id)
        line = ROWS_START + offset
        hidden.cell(row=line, column=1, value=FIRST_ROW + offset)
        text_cell(hidden.cell(row=line, column=2), row.indicator.code)
        hidden.cell(row=line, column=3, value=current.version if current else 0)
    hidden.sheet_state = "hidden"
    hidden.protection.sheet = True

    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _cell_number(value: Decimal | None) -> Decimal | str | None:
    """A stored number for a cell: the number itself when the cell reads back as that number
    (openpyxl writes the float's 16 significant digits; `_cell_value` reads the float's shortest
    decimal), otherwise Indonesian text, which the upload reads exactly (a value with more
    digits than a spreadsheet's float holds)."""
    if value is None:
        return None
    if Decimal(repr(float(format(float(value), ".16g")))) == value:
        return value
    return shown(value, grouping=False)


class CellRefused(ValueError):
    """A value cell that holds no number (a yes/no, a date); the message says what it holds."""


def _cell_value(value) -> str | Decimal:
    """A value cell as `ValueEntry.value_text` takes it: a number cell as its exact Decimal,
    a text cell as its text (read by the service as on the page), an empty cell as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise CellRefused(_("Expected a number, found a yes/no value."))
    if isinstance(value, (datetime, date, time)):
        raise CellRefused(_("Expected a number, found a date."))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # repr is the shortest text that reads back as the same float: 12.34, not
        # 12.339999…; Decimal(repr) keeps it exactly, exponent and all.
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    return str(value)


def _explanation(value) -> str:
    """An explanation cell as text (a number typed there is its text)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value)


def _open_upload(content: bytes):
    """The uploaded workbook, loaded only once it fits the unit workbook's limits."""
    try:
        return open_workbook_safely(content, **limits.UNIT_WORKBOOK.as_kwargs())
    except NotAWorkbook:
        raise WorkbookError([_("The file is not an .xlsx workbook.")]) from None
    except WorkbookRefused as error:
        raise WorkbookError([error.message]) from None


def _int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def entries_from_workbook(track: Track, content: bytes) -> list[services.ValueEntry]:
    """The value entries of an uploaded workbook, or WorkbookError naming every bad cell.
    Every row of the file gives an entry, carrying the version the file was made from."""
    book = _open_upload(content)
    missing = [name for name in (DATA, KEYS) if name not in book.sheetnames]
    if missing:
        raise WorkbookError([_("The workbook has no sheet “%(name)s”: download the format "
                               "again.") % {"name": name} for name in missing])
    hidden, data = book[KEYS], book[DATA]

    found = {hidden.cell(row=number, column=1).value: (number, hidden.cell(row=number,
                                                                          column=2).value)
             for number in range(1, len(KEY_NAMES) + 1)}
    version_row, version = found.get("template_version", (1, None))
    if _int(version) != TEMPLATE_VERSION:
        raise WorkbookError([_("%(cell)s: this is an old or unknown template version "
                               "(%(found)s); download the format again.")
                             % {"cell": f"{KEYS}!B{version_row}", "found": version}])
    expected = TrackKeys.of(track).as_dict()
    problems = []
    for name, wanted in expected.items():
        number, value = found.get(name, (KEY_NAMES.index(name) + 1, None))
        value = _int(value) if name == "year" else ("" if value is None else str(value))
        if value != wanted:
            problems.append(_("%(cell)s: the file belongs to %(key)s “%(found)s”, not "
                              "“%(wanted)s”: download this unit's format for this round.")
                            % {"cell": f"{KEYS}!B{number}", "key": name, "found": value,
                               "wanted": wanted})
    if problems:
        raise WorkbookError(problems)

    data_format = services.current_format(track.round)
    allowed = {item.indicator.code: item.indicator for item in
               data_format.items.filter(unit=track.unit).select_related("indicator")}
    require_value = data_format.require_value
    stored_values = dict(IndicatorValue.objects.filter(track=track)
                         .values_list("indicator_id", "value"))
    entries, seen = [], set()
    line = ROWS_START
    while hidden.cell(row=line, column=2).value not in (None, ""):
        row_cell = hidden.cell(row=line, column=1).value
        data_row = _int(row_cell)
        code = str(hidden.cell(row=line, column=2).value)
        version = _int(hidden.cell(row=line, column=3).value)
        line += 1
        indicator = allowed.get(code)
        if indicator is None or version is None or code in seen:
            problems.append(_("%(cell)s: indicator %(code)s is not in this unit's format; "
                              "download the format again.")
                            % {"cell": f"{KEYS}!B{line - 1}", "code": code})
            continue
        seen.add(code)
        # The row number comes from the file: only a row of the Data sheet is looked at.
        if data_row is None or not FIRST_ROW <= data_row <= max(data.max_row, FIRST_ROW):
            problems.append(_("%(cell)s: “%(found)s” is not a row of the Data sheet (%(first)d–"
                              "%(last)d); download the format again.")
                            % {"cell": f"{KEYS}!A{line - 1}", "found": row_cell,
                               "first": FIRST_ROW, "last": max(data.max_row, FIRST_ROW)})
            continue
        if str(data.cell(row=data_row, column=1).value or "") != code:
            problems.append(_("%(cell)s: expected indicator %(code)s here; do not move rows.")
                            % {"cell": f"{DATA}!{CODE_COLUMN}{data_row}", "code": code})
            continue
        cell = f"{DATA}!{VALUE_COLUMN}{data_row}"
        explanation = _explanation(data[f"{EXPLANATION_COLUMN}{data_row}"].value)
        try:
            value_text = _cell_value(data[f"{VALUE_COLUMN}{data_row}"].value)
            value = parse_value(indicator, value_text, stored=stored_values.get(indicator.id))
        except ValueError as error:
            problems.append(f"{cell}: {error}")
            continue
        if value is None and require_value:
            problems.append(_("%(cell)s: %(code)s: a value is required.")
                            % {"cell": cell, "code": code})
            continue
        entries.append(services.ValueEntry(indicator_id=indicator.id, value_text=value_text,
                                           explanation=explanation, expected_version=version))
    for code in sorted(set(allowed) - seen):
        problems.append(_("%(cell)s: indicator %(code)s is missing; download the format again.")
                        % {"cell": f"{KEYS}!B{ROWS_START}", "code": code})
    if problems:
        raise WorkbookError(problems)
    return entries


@transaction.atomic
def values_upload(*, user, track: Track, content: bytes) -> list[IndicatorValue]:
    """Save an uploaded workbook's values, all or nothing; returns the values that changed.
    Rows equal to what is stored are left out (see the module's docstring)."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise WorkbookError([_("The file is larger than %(size)d MB.")
                             % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}])
    track = locked_track(track)
    editing_role(user, track)  # refuses before the file is read
    entries = entries_from_workbook(track, content)
    stored = {value.indicator_id: value for value in IndicatorValue.objects.filter(track=track)}
    indicators = {indicator.id: indicator for indicator in
                  Indicator.objects.filter(id__in=[entry.indicator_id for entry in entries])}
    changed = []
    for entry in entries:
        current = stored.get(entry.indicator_id)
        value = parse_value(indicators[entry.indicator_id], entry.value_text,
                            stored=current.value if current is not None else None)
        # Compared as the service would store it (core/text.py: clean_text).
        explanation = normalise_text(entry.explanation)
        if current is None and value is None and not explanation:
            continue
        if current is not None and (current.value, current.explanation) == (value, explanation):
            continue
        changed.append(services.ValueEntry(
            indicator_id=entry.indicator_id, value_text=entry.value_text,
            explanation=entry.explanation, expected_version=entry.expected_version,
            change_reason=current.change_reason if current else ""))
    if not changed:
        return []
    try:
        return services.values_save(user=user, track=track, entries=changed)
    except OutOfTurn as error:
        if error.code != "invalid_values":
            raise
        rows = _rows_by_code(content)
        raise WorkbookError([_cell_of(detail, rows) for detail in error.details]) from None


def _rows_by_code(content: bytes) -> dict[str, int]:
    hidden = _open_upload(content)[KEYS]
    rows, line = {}, ROWS_START
    while hidden.cell(row=line, column=2).value not in (None, ""):
        rows[str(hidden.cell(row=line, column=2).value)] = _int(
            hidden.cell(row=line, column=1).value)
        line += 1
    return rows


def _cell_of(detail: str, rows: dict[str, int]) -> str:
    """values_save's "X1: message" as "Data!F2: X1: message"."""
    code = detail.split(":", 1)[0]
    if code in rows:
        return f"{DATA}!{VALUE_COLUMN}{rows[code]}: {detail}"
    return detail
