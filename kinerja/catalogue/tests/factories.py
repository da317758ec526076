"""Catalogue test helpers: a period, a small catalogue as workbook rows, workbook editing, and a
snapshot of everything the catalogue holds (to prove a refused import saved nothing)."""

import io
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook

from kinerja.catalogue.choices import Aggregation, DataType, Polarity
from kinerja.catalogue.exporter import write_workbook
from kinerja.catalogue.importer import CatalogueRow, YearTargets
from kinerja.catalogue.models import (
    Goal,
    Indicator,
    IndicatorYearTarget,
    Objective,
    RenstraPeriod,
)
from kinerja.catalogue.services import renstra_period_create
from kinerja.core.models import AuditEvent

YEARS = range(2021, 2027)


def make_period(agency, start_year: int = 2021, end_year: int = 2026) -> RenstraPeriod:
    return renstra_period_create(agency=agency, start_year=start_year, end_year=end_year)


def _targets(values: list[str], pk: dict[int, str] | None = None) -> dict[int, YearTargets]:
    targets = {}
    for year, text in zip(YEARS, values, strict=True):
        low, _, high = text.partition("–")
        pk_text = (pk or {}).get(year)
        pk_low, _, pk_high = (pk_text or "").partition("–")
        targets[year] = YearTargets(
            Decimal(low), Decimal(high) if high else None,
            Decimal(pk_low) if pk_text else None, Decimal(pk_high) if pk_high else None)
    return targets


def sample_rows() -> list[CatalogueRow]:
    """Four indicators of agency A (units "sek", "bidang-x", "bidang-y" of the `org` fixture):
    both polarities, all three aggregations, a percent, a range and PK targets.

    In the written workbook they are rows 2–5; columns P, R, T, V, X, Z hold the Renstra
    targets 2021–2026 and Q, S, U, W, Y, AA the PK targets."""
    common = {"goal_code": "T1", "goal_text": "Meningkatnya kualitas perencanaan"}
    return [
        CatalogueRow(**common, objective_code="S1.1",
                     objective_text="Meningkatnya ketepatan waktu dokumen perencanaan",
                     code="I1", name="Persentase dokumen perencanaan yang tepat waktu",
                     unit_of_measure="%", data_type=DataType.PERCENT, decimals=2,
                     polarity=Polarity.POSITIVE, aggregation=Aggregation.LAST,
                     unit_code="bidang-x", baseline=Decimal("80"), baseline_year=2020,
                     is_iku=True,
                     targets=_targets(["85", "87.5", "90", "92.5", "95", "100"],
                                      {2025: "96", 2026: "100"})),
        CatalogueRow(**common, objective_code="S1.1",
                     objective_text="Meningkatnya ketepatan waktu dokumen perencanaan",
                     code="I2", name="Jumlah dokumen perencanaan yang disusun",
                     unit_of_measure="dokumen", data_type=DataType.NUMBER, decimals=0,
                     polarity=Polarity.POSITIVE, aggregation=Aggregation.SUM,
                     unit_code="bidang-x", targets=_targets(["5", "5", "6", "5", "6", "7"])),
        CatalogueRow(goal_code="T2", goal_text="Menurunnya kemiskinan",
                     objective_code="S2.1", objective_text="Menurunnya penduduk miskin",
                     code="I3", name="Tingkat pengangguran terbuka", unit_of_measure="%",
                     data_type=DataType.PERCENT, decimals=2, polarity=Polarity.NEGATIVE,
                     aggregation=Aggregation.LAST, unit_code="bidang-y",
                     baseline=Decimal("4.12"), baseline_year=2020,
                     targets=_targets(["4", "3.9", "3.8", "3.7", "3.4–3.6", "3.2–3.5"],
                                      {2025: "3.4–3.6"})),
        CatalogueRow(goal_code="T2", goal_text="Menurunnya kemiskinan",
                     objective_code="S2.2", objective_text="Meningkatnya kepuasan layanan",
                     code="I4", name="Indeks kepuasan layanan perencanaan",
                     unit_of_measure="indeks", data_type=DataType.INDEX, decimals=2,
                     polarity=Polarity.POSITIVE, aggregation=Aggregation.AVERAGE,
                     unit_code="sek", targets=_targets(["77", "78", "79", "80", "81", "82"])),
    ]


def sample_workbook(period: RenstraPeriod, rows: list[CatalogueRow] | None = None) -> bytes:
    return write_workbook(period, sample_rows() if rows is None else rows)


def edit_workbook(data: bytes, cells: dict[str, Any], *, delete_rows: int | None = None
                  ) -> bytes:
    """The workbook with some cells of the "Katalog" sheet set ("J2": "naik")."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["Katalog"]
    for address, value in cells.items():
        sheet[address] = value
    if delete_rows:
        sheet.delete_rows(delete_rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_values(data: bytes) -> list[list[Any]]:
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [list(row) for row in workbook["Katalog"].iter_rows(values_only=True)]
    finally:
        workbook.close()


def snapshot(period: RenstraPeriod) -> dict:
    """Every stored value of the period's catalogue, and the counts of its audit events."""
    return {
        "goals": list(Goal.objects.filter(period=period).values()),
        "objectives": list(Objective.objects.filter(goal__period=period).values()),
        "indicators": list(Indicator.objects.filter(period=period).values()),
        "targets": list(IndicatorYearTarget.objects.filter(indicator__period=period)
                        .order_by("indicator__code", "year").values()),
        "history": [AuditEvent.objects.filter(object_type=model._meta.label_lower).count()
                    for model in (Goal, Objective, Indicator, IndicatorYearTarget)],
    }
