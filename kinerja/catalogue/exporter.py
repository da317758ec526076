"""The catalogue written as a workbook in the import layout (see `importer.py`): the export,
which `catalogue_import` reads back unchanged, and the empty template."""

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from kinerja.core.cells import text_cell
from kinerja.organisation.models import REPORTING_UNIT_KINDS, Unit

from .importer import (
    AGGREGATION_WORDS,
    COLUMN_BY_KEY,
    DATA_TYPE_WORDS,
    FIXED_COLUMNS,
    INSTRUCTIONS_SHEET,
    MAX_ROWS,
    OPTIONAL_COLUMNS,
    PK,
    POLARITY_WORDS,
    RENSTRA,
    SHEET,
    WRITTEN,
    CatalogueRow,
    YearTargets,
    year_header,
)
from .models import RenstraPeriod

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def rows_of_period(period: RenstraPeriod) -> list[CatalogueRow]:
    """The period's catalogue as workbook rows, in the order of goals, objectives and
    indicators."""
    indicators = (period.indicators
                  .select_related("objective__goal", "responsible_unit")
                  .prefetch_related("targets")
                  .order_by("objective__goal__order", "objective__goal__code",
                            "objective__order", "objective__code", "order", "code"))
    rows = []
    for indicator in indicators:
        objective = indicator.objective
        targets = {target.year: YearTargets(target.renstra_target, target.renstra_target_max,
                                            target.pk_target, target.pk_target_max)
                   for target in indicator.targets.all()}
        rows.append(CatalogueRow(
            goal_code=objective.goal.code, goal_text=objective.goal.text,
            objective_code=objective.code, objective_text=objective.text,
            code=indicator.code, name=indicator.name,
            unit_of_measure=indicator.unit_of_measure, data_type=indicator.data_type,
            decimals=indicator.decimals, polarity=indicator.polarity,
            aggregation=indicator.aggregation, unit_code=indicator.responsible_unit.code,
            baseline=indicator.baseline, baseline_year=indicator.baseline_year,
            is_iku=indicator.is_iku, targets=targets, minimum=indicator.minimum,
            maximum=indicator.maximum))
    return rows


def _excel_number(value: Decimal | None) -> int | Decimal | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else value.normalize()


def _written_number(value: Decimal) -> str:
    # format(int, "f") would write 3 as "3.000000", which the import then refuses.
    text = (format(value.normalize(), "f") if value != value.to_integral_value()
            else str(int(value)))
    return text.replace(".", ",")


def _target_cell(low: Decimal | None, high: Decimal | None) -> int | Decimal | str | None:
    if high is not None and high != low:
        return f"{_written_number(low)}–{_written_number(high)}"
    return _excel_number(low)


def write_workbook(period: RenstraPeriod, rows: list[CatalogueRow]) -> bytes:
    """The workbook in the import layout: the rows on "Katalog", the instructions and the
    agency's reporting units on "Petunjuk"."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    year_columns = [(kind, year) for year in period.years for kind in (RENSTRA, PK)]
    # The plausible bounds come after the years: older workbooks (and the letters people
    # know: targets from column P) keep their place.
    headers = [column.header for column in FIXED_COLUMNS] + [
        year_header(kind, year) for kind, year in year_columns] + [
        column.header for column in OPTIONAL_COLUMNS]
    sheet.append(headers)
    for position, column in enumerate(FIXED_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = column.width
    for position in range(len(FIXED_COLUMNS) + 1, len(headers) + 1):
        sheet.column_dimensions[get_column_letter(position)].width = 12
    for offset, column in enumerate(OPTIONAL_COLUMNS, start=len(headers) - len(OPTIONAL_COLUMNS)
                                    + 1):
        sheet.column_dimensions[get_column_letter(offset)].width = column.width
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "G2"
    first_value = _position("baseline")
    number_format = {places: "0" if places == 0 else "0." + "0" * places for places in range(5)}
    for row in rows:
        by_key = {
            "goal_code": row.goal_code, "goal_text": row.goal_text,
            "objective_code": row.objective_code, "objective_text": row.objective_text,
            "code": row.code, "name": row.name, "unit_of_measure": row.unit_of_measure,
            "data_type": WRITTEN[row.data_type], "decimals": row.decimals,
            "polarity": WRITTEN[row.polarity], "aggregation": WRITTEN[row.aggregation],
            "unit_code": row.unit_code, "baseline": _excel_number(row.baseline),
            "baseline_year": row.baseline_year, "is_iku": "ya" if row.is_iku else "tidak",
        }
        values = [by_key[column.key] for column in FIXED_COLUMNS]
        for kind, year in year_columns:
            wanted = row.targets.get(year, YearTargets())
            values.append(_target_cell(wanted.renstra, wanted.renstra_max) if kind == RENSTRA
                          else _target_cell(wanted.pk, wanted.pk_max))
        values += [_excel_number(getattr(row, column.key)) for column in OPTIONAL_COLUMNS]
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                # Text as data, never a formula (a name typed "=…" stays that text).
                text_cell(cell, cell.value)
                cell.number_format = "@"  # codes such as "1.1" stay text
            elif isinstance(cell.value, (int, Decimal)) and cell.column >= first_value:
                cell.number_format = number_format[min(row.decimals, 4)]
        sheet.cell(sheet.max_row, _position("baseline_year")).number_format = "0"
    units = _add_instructions(workbook, period)
    _add_validations(sheet, units)
    _add_summary(workbook, period, year_columns, len(FIXED_COLUMNS))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _add_instructions(workbook: Workbook, period: RenstraPeriod) -> int:
    sheet = workbook.create_sheet(INSTRUCTIONS_SHEET)
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 90
    text_cell(sheet["A1"], f"Katalog indikator: {period.name} "
                           f"({period.start_year}–{period.end_year})")
    sheet["A1"].font = Font(bold=True)
    sheet.append(["Isi lembar “Katalog”: satu baris per indikator, judul kolom di baris 1. "
                  "Impor ulang file yang sama tidak mengubah apa pun; baris dengan kode yang "
                  "sama diperbarui."])
    sheet.append([])
    sheet.append(["Kolom", "Isi"])
    for column in FIXED_COLUMNS:
        sheet.append([column.header, column.help])
    sheet.append(["Target Renstra / PK <tahun>",
                  "Target tiap tahun periode. Rentang ditulis “3,2–3,5”. Target PK boleh "
                  "kosong; bila diisi, target PK yang dipakai untuk capaian tahun itu. "
                  "Kedua sel kosong: indikator tidak bertarget pada tahun itu."])
    for column in OPTIONAL_COLUMNS:
        sheet.append([column.header, column.help])
    sheet.append(["Angka",
                  "Sel angka dibaca sebagai angka. Angka yang ditulis sebagai teks memakai "
                  "format Indonesia: koma untuk desimal (12,85), titik untuk ribuan "
                  "(1.234.567). “12.500” dibaca 12500 bila indikator tanpa desimal; bila "
                  "indikator berdesimal, tulis 12500 atau 12,5."])
    sheet.append([])
    sheet.append(["Kode unit", "Unit penanggung jawab"])
    first = sheet.max_row + 1
    units = Unit.objects.filter(agency=period.agency_id, kind__in=REPORTING_UNIT_KINDS)
    for unit in units.order_by("order", "name"):
        line = sheet.max_row + 1
        text_cell(sheet.cell(line, 1), unit.code)
        text_cell(sheet.cell(line, 2), unit.name)
    for row in sheet.iter_rows(min_row=4, max_row=4):
        for cell in row:
            cell.font = Font(bold=True)
    return first if sheet.max_row >= first else 0


SUMMARY_SHEET = "Ringkasan"


def _add_summary(workbook: Workbook, period: RenstraPeriod, year_columns, fixed: int) -> None:
    """Counts per responsible unit as COUNTIFS over "Katalog": a reader sees how each figure
    is made, and they follow any row added or changed on "Katalog" (the importer reads only
    "Katalog")."""
    sheet = workbook.create_sheet(SUMMARY_SHEET)
    unit_column = f"{SHEET}!${get_column_letter(_position('unit_code'))}$2:" \
                  f"${get_column_letter(_position('unit_code'))}${MAX_ROWS}"
    iku_column = f"{SHEET}!${get_column_letter(_position('is_iku'))}$2:" \
                 f"${get_column_letter(_position('is_iku'))}${MAX_ROWS}"
    years = [(year, fixed + position) for position, (kind, year) in
             enumerate(year_columns, start=1) if kind == RENSTRA]
    sheet.append(["Kode unit", "Unit", "Jumlah indikator", "IKU"]
                 + [f"Bertarget Renstra {year}" for year, _ in years])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["B"].width = 50
    units = Unit.objects.filter(agency=period.agency_id, kind__in=REPORTING_UNIT_KINDS)
    for unit in units.order_by("order", "name"):
        line = sheet.max_row + 1
        targets = []
        for _year, position in years:
            letter = get_column_letter(position)
            targets.append(f'=COUNTIFS({unit_column},$A{line},'
                           f'{SHEET}!${letter}$2:${letter}${MAX_ROWS},"<>")')
        sheet.append([None, None, f"=COUNTIF({unit_column},$A{line})",
                      f'=COUNTIFS({unit_column},$A{line},{iku_column},"ya")', *targets])
        text_cell(sheet.cell(line, 1), unit.code)  # data; the counts are the formulas
        text_cell(sheet.cell(line, 2), unit.name)
    last = sheet.max_row
    total = ["", "Jumlah"] + [
        f"=SUM({get_column_letter(position)}2:{get_column_letter(position)}{last})"
        for position in range(3, 5 + len(years))]
    sheet.append(total)
    sheet.cell(sheet.max_row, 2).font = Font(bold=True)


def _position(key: str) -> int:
    """The 1-based column of a fixed column in the written layout."""
    return list(COLUMN_BY_KEY).index(key) + 1


def _add_validations(sheet, units_first_row: int) -> None:
    """Drop-down lists for the word columns; only a warning, since other words are read too."""
    lists = {"data_type": DATA_TYPE_WORDS, "polarity": POLARITY_WORDS,
             "aggregation": AGGREGATION_WORDS}
    for key, table in lists.items():
        letter = get_column_letter(_position(key))
        words = ",".join(words[0] for words in table.values())
        validation = DataValidation(type="list", formula1=f'"{words}"', allow_blank=True,
                                    errorStyle="warning")
        validation.add(f"{letter}2:{letter}{MAX_ROWS}")
        sheet.add_data_validation(validation)
    letter = get_column_letter(_position("is_iku"))
    validation = DataValidation(type="list", formula1='"ya,tidak"', allow_blank=True,
                                errorStyle="warning")
    validation.add(f"{letter}2:{letter}{MAX_ROWS}")
    sheet.add_data_validation(validation)
    if units_first_row:
        letter = get_column_letter(_position("unit_code"))
        validation = DataValidation(
            type="list", allow_blank=True, errorStyle="warning",
            formula1=f"{INSTRUCTIONS_SHEET}!$A${units_first_row}:$A${units_first_row + 50}")
        validation.add(f"{letter}2:{letter}{MAX_ROWS}")
        sheet.add_data_validation(validation)


def catalogue_export(period: RenstraPeriod) -> bytes:
    """The period's catalogue as a workbook that `catalogue_import` reads back unchanged."""
    return write_workbook(period, rows_of_period(period))


def catalogue_template(period: RenstraPeriod) -> bytes:
    """An empty workbook in the import layout, with the period's year columns."""
    return write_workbook(period, [])
