"""The unit and agency recaps as .xlsx workbooks a reader can check.

Every achievement cell is an Excel formula over the target and realisation cells of its row,
written after the rules of `kinerja.catalogue.achievement.achievement` (positive:
realisation ÷ target × 100; negative: (2 × target − realisation) ÷ target × 100; a range
target gives 100 inside the range and measures against the nearer bound outside it; a target
of 0 cannot be computed, except a negative indicator with realisation 0: 100; a target below 0
cannot be computed). The category cell is a formula over the achievement cell with the bands
of `recap.SCALE`. The workbook's wording is Indonesian, like the data-request format.

Sheets:

- "Rekap": title rows (the fourth counts the values stored with a plausibility flag,
  docs/domain.md §10), a header, then the rows grouped by goal and objective; the last column
  says which plausibility rule a confirmed value broke;
- "LKjIP" (agency recap only): the table of chapter III of the LKjIP (objective, indicator,
  target, realisation, achievement, the previous year's realisation for a year round, and the
  Renstra end target: the Renstra target of the period's last year).

The rows given are the ones the person may see (`selectors.agency_recap_for_viewer`); this
module reads nothing about visibility itself.

For a quarter round of a sum indicator the realisation written is the year to date
(`RecapRow.realisation`), which is what the achievement measures.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal

from django.utils import translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kinerja.catalogue.choices import Polarity
from kinerja.core.cells import text_cell, value_cell

from . import recap
from .models import Period, Round, Track
from .recap import RecapRow

RECAP = "Rekap"
LKJIP = "LKjIP"
NOT_COMPUTABLE = "tidak dapat dihitung"
PERCENT_FORMAT = "#,##0.00"

PERIOD_NAMES = {Period.Q1: "Triwulan I", Period.Q2: "Triwulan II", Period.Q3: "Triwulan III",
                Period.Q4: "Triwulan IV", Period.YEAR: "Tahunan"}

# Rekap sheet: title rows 1–3, header on row 5, data from row 6.
RECAP_HEADER_ROW = 5
RECAP_COLUMNS = (("Kode", 10), ("Indikator", 48), ("Unit", 24), ("Satuan", 14),
                 ("Target", 14), ("Target (batas atas)", 14), ("Realisasi", 14),
                 ("Capaian (%)", 14), ("Kategori", 16), ("Tidak wajar", 28))
# Column letters of the Rekap sheet's cells the formulas read, and of the plausibility flag.
R_TARGET, R_TARGET_MAX, R_REALISATION, R_ACHIEVEMENT, R_CATEGORY = "E", "F", "G", "H", "I"
R_FLAG = "J"

LKJIP_HEADER_ROW = 4
LKJIP_COLUMNS = (("No", 6), ("Sasaran Strategis", 36), ("Indikator Kinerja", 44),
                 ("Satuan", 14), ("Target", 14), ("Realisasi", 14), ("Capaian (%)", 14),
                 ("Realisasi tahun lalu", 16), ("Target akhir Renstra", 16),
                 ("Batas atas target", 14))
L_TARGET, L_REALISATION, L_ACHIEVEMENT, L_TARGET_MAX = "E", "F", "G", "J"

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
GOAL_FILL = PatternFill("solid", fgColor="EDEDED")
WRAP = Alignment(wrap_text=True, vertical="top")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- formulas --------------------------------------------------------------------------------

def _measured(target: str, realisation: str, polarity: str) -> str:
    """The achievement against one target cell, with the rules for targets of 0 and below."""
    if polarity == Polarity.NEGATIVE:
        ratio = f"(2*{target}-{realisation})/{target}*100"
        at_zero = f'IF({realisation}=0,100,"{NOT_COMPUTABLE}")'
    else:
        ratio = f"{realisation}/{target}*100"
        at_zero = f'"{NOT_COMPUTABLE}"'
    return f'IF({target}=0,{at_zero},IF({target}<0,"{NOT_COMPUTABLE}",{ratio}))'


def achievement_formula(row: int, polarity: str, *, ranged: bool, target: str = R_TARGET,
                        target_max: str = R_TARGET_MAX,
                        realisation: str = R_REALISATION) -> str:
    """The formula of the achievement cell of `row`, e.g.
    `=IF(OR(E6="",G6=""),"tidak dapat dihitung",IF(E6=0,…,IF(E6<0,…,G6/E6*100)))`."""
    low, high, real = f"{target}{row}", f"{target_max}{row}", f"{realisation}{row}"
    if ranged:
        body = (f"IF(AND({real}>={low},{real}<={high}),100,"
                f"IF({real}>{high},{_measured(high, real, polarity)},"
                f"{_measured(low, real, polarity)}))")
    else:
        body = _measured(low, real, polarity)
    return f'=IF(OR({low}="",{real}=""),"{NOT_COMPUTABLE}",{body})'


def category_formula(cell: str) -> str:
    """`=IF(ISNUMBER(H6),IF(H6>=91,"Sangat Tinggi",IF(H6>=76,…,"Sangat Rendah")),"")`."""
    bands = recap.SCALE.bands
    chain = f'"{bands[-1].label}"'
    for band in reversed(bands[:-1]):
        chain = f'IF({cell}>={band.minimum},"{band.label}",{chain})'
    return f'=IF(ISNUMBER({cell}),{chain},"")'


# -- helpers ---------------------------------------------------------------------------------

def number_format(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _number(value: Decimal | None) -> float | int | None:
    """A cell value: whole numbers as int, others as float (Excel has no decimals)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _header(sheet: Worksheet, row: int, columns: Sequence[tuple[str, int]]) -> None:
    for number, (title, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=row, column=number, value=title)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[get_column_letter(number)].width = width


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def round_title(round_: Round) -> str:
    return f"Tahun {round_.year} · {PERIOD_NAMES.get(round_.period, round_.period)}"


def agency_filename(round_: Round) -> str:
    return f"rekap-opd-{round_.year}-{round_.period}.xlsx"


def lkjip_filename(round_: Round) -> str:
    return f"lkjip-{round_.year}-{round_.period}.xlsx"


def unit_filename(track: Track) -> str:
    return f"rekap-{track.unit.code}-{track.round.year}-{track.round.period}.xlsx"


# -- the Rekap sheet -------------------------------------------------------------------------

def _recap_sheet(sheet: Worksheet, rows: list[RecapRow], round_: Round, subtitle: str) -> None:
    sheet.title = RECAP
    # Every text from the database is written as data (`text_cell`), never as a formula;
    # the achievement and category cells are the only formulas.
    text_cell(sheet["A1"], f"Rekapitulasi capaian kinerja · {round_.agency.name}")
    sheet["A1"].font = TITLE
    sheet["A2"] = round_title(round_)
    text_cell(sheet["A3"], subtitle)
    flagged = sum(bool(row.flag) for row in rows)
    sheet["A4"] = f"Nilai tidak wajar yang dikonfirmasi: {flagged}"
    _header(sheet, RECAP_HEADER_ROW, RECAP_COLUMNS)
    width = len(RECAP_COLUMNS)
    line = RECAP_HEADER_ROW + 1
    for goal, objectives in recap.group_rows(rows):
        text_cell(sheet.cell(row=line, column=1), goal.code)
        text_cell(sheet.cell(row=line, column=2), goal.text)
        for column in range(1, width + 1):
            sheet.cell(row=line, column=column).fill = GOAL_FILL
            sheet.cell(row=line, column=column).font = BOLD
        line += 1
        for objective, objective_rows in objectives:
            text_cell(sheet.cell(row=line, column=1), objective.code).font = BOLD
            text_cell(sheet.cell(row=line, column=2), objective.text).font = BOLD
            line += 1
            for item in objective_rows:
                _recap_line(sheet, line, item)
                line += 1
    sheet.freeze_panes = f"C{RECAP_HEADER_ROW + 1}"


def _recap_line(sheet: Worksheet, line: int, row: RecapRow) -> None:
    indicator = row.indicator
    target = row.target
    values = (indicator.code, indicator.name, row.unit.name, indicator.unit_of_measure,
              _number(target.value) if target else None,
              _number(target.value_max) if target else None,
              _number(row.realisation))
    for number, value in enumerate(values, start=1):
        value_cell(sheet.cell(row=line, column=number), value).alignment = WRAP
    for column in (R_TARGET, R_TARGET_MAX, R_REALISATION):
        sheet[f"{column}{line}"].number_format = number_format(indicator.decimals)
    ranged = target is not None and target.value_max is not None
    sheet[f"{R_ACHIEVEMENT}{line}"] = achievement_formula(line, indicator.polarity,
                                                          ranged=ranged)
    sheet[f"{R_ACHIEVEMENT}{line}"].number_format = PERCENT_FORMAT
    sheet[f"{R_CATEGORY}{line}"] = category_formula(f"{R_ACHIEVEMENT}{line}")
    if row.flag:
        # The rule's own words, as data (never a formula), in the workbook's language.
        with translation.override("id"):
            label = row.flag_label
        text_cell(sheet[f"{R_FLAG}{line}"], label).alignment = WRAP


# -- the LKjIP sheet -------------------------------------------------------------------------

def _lkjip_sheet(sheet: Worksheet, rows: list[RecapRow], round_: Round) -> None:
    sheet.title = LKJIP
    text_cell(sheet["A1"], f"Pengukuran kinerja · {round_.agency.name}")
    sheet["A1"].font = TITLE
    sheet["A2"] = round_title(round_)
    _header(sheet, LKJIP_HEADER_ROW, LKJIP_COLUMNS)
    sheet.column_dimensions[L_TARGET_MAX].hidden = True
    end_targets = recap.renstra_end_targets(rows)
    year_round = round_.period == Period.YEAR
    line = LKJIP_HEADER_ROW + 1
    number = 0
    for _goal, objectives in recap.group_rows(rows):
        for objective, objective_rows in objectives:
            number += 1
            first = line
            for row in objective_rows:
                indicator = row.indicator
                target = row.target
                end_target = end_targets.get(indicator.id)
                values = {
                    "C": indicator.name, "D": indicator.unit_of_measure,
                    L_TARGET: _number(target.value) if target else None,
                    L_REALISATION: _number(row.realisation),
                    "H": _number(row.previous) if year_round else None,
                    "I": _number(end_target),
                    L_TARGET_MAX: _number(target.value_max) if target else None,
                }
                for column, value in values.items():
                    cell = value_cell(sheet[f"{column}{line}"], value)
                    cell.alignment = WRAP
                    if column not in ("C", "D"):
                        cell.number_format = number_format(indicator.decimals)
                sheet[f"{L_ACHIEVEMENT}{line}"] = achievement_formula(
                    line, indicator.polarity,
                    ranged=target is not None and target.value_max is not None,
                    target=L_TARGET, target_max=L_TARGET_MAX, realisation=L_REALISATION)
                sheet[f"{L_ACHIEVEMENT}{line}"].number_format = PERCENT_FORMAT
                line += 1
            sheet[f"A{first}"] = number
            text_cell(sheet[f"B{first}"], f"{objective.code} {objective.text}")
            sheet[f"A{first}"].alignment = sheet[f"B{first}"].alignment = WRAP
            if line - 1 > first:
                sheet.merge_cells(f"A{first}:A{line - 1}")
                sheet.merge_cells(f"B{first}:B{line - 1}")
    sheet.freeze_panes = f"A{LKJIP_HEADER_ROW + 1}"


# -- the workbooks ---------------------------------------------------------------------------

def agency_recap_workbook(rows: list[RecapRow], round_: Round) -> bytes:
    """The agency recap of the rows given (the ones the person may see): "Rekap" and
    "LKjIP"."""
    book = Workbook()
    _recap_sheet(book.active, rows, round_, "Seluruh unit yang datanya dapat dilihat")
    _lkjip_sheet(book.create_sheet(), rows, round_)
    return _save(book)


def lkjip_workbook(rows: list[RecapRow], round_: Round) -> bytes:
    """The LKjIP chapter III table alone."""
    book = Workbook()
    _lkjip_sheet(book.active, rows, round_)
    return _save(book)


def unit_recap_workbook(track: Track) -> bytes:
    """One unit's recap of its round: the "Rekap" sheet of its rows."""
    book = Workbook()
    rows = recap.unit_recap(track)
    _recap_sheet(book.active, rows, track.round, f"Unit: {recap.unit_name(rows, track)}")
    return _save(book)
