"""The second demo agency's catalogue (Diskominfo): small, through the same workbook import as
Bappeda's, into an agency with only Diskominfo's two reporting units (no demo build)."""

from decimal import Decimal

import pytest

from kinerja.catalogue import demo
from kinerja.catalogue.exporter import catalogue_export
from kinerja.catalogue.models import Goal, Indicator, IndicatorYearTarget, Objective
from kinerja.core.errors import DomainError
from kinerja.core.models import AuditEvent
from kinerja.organisation.models import Agency, Unit

pytestmark = pytest.mark.django_db


def kominfo_agency(unit_codes=("sekretariat", "bidang-statistik")) -> Agency:
    agency = Agency.objects.create(
        code="diskominfo-uji", name="Dinas Komunikasi, Informatika, Statistik dan Persandian",
        short_name="Diskominfo", government_name="Pemerintah Kabupaten Banggai")
    top = Unit.objects.create(agency=agency, code="diskominfo", kind="agency", order=0,
                              name="Dinas Komunikasi, Informatika, Statistik dan Persandian")
    kinds = {"sekretariat": ("Sekretariat", "secretariat"),
             "bidang-statistik": ("Bidang Statistik dan Persandian", "division")}
    for order, code in enumerate(unit_codes, start=1):
        name, kind = kinds[code]
        Unit.objects.create(agency=agency, code=code, name=name, kind=kind, parent=top,
                            order=order)
    return agency


def test_the_kominfo_catalogue_goes_in_through_the_import():
    agency = kominfo_agency()
    period = demo.demo_catalogue(agency=agency, catalogue=demo.KOMINFO)

    assert (period.start_year, period.end_year) == (2021, 2026)
    assert period.name == "Renstra Diskominfo 2021–2026"
    indicators = {i.code: i for i in Indicator.objects.filter(period=period)
                  .select_related("responsible_unit", "objective__goal")}
    assert sorted(indicators) == ["I1.1.1", "I1.2.1", "I1.2.2", "I2.1.1", "I2.2.1", "I2.2.2"]
    assert indicators["I1.1.1"].name == "Persentase perangkat daerah yang menerapkan SPBE"
    assert indicators["I2.1.1"].name == ("Jumlah data sektoral yang dipublikasikan di portal "
                                         "Satu Data")
    units = [indicator.responsible_unit.code for indicator in indicators.values()]
    assert (units.count("sekretariat"), units.count("bidang-statistik")) == (3, 3)
    assert Goal.objects.filter(period=period).count() == 2
    assert Objective.objects.filter(goal__period=period).count() == 4
    assert indicators["I2.2.1"].objective.goal.code == "T2"
    assert sorted(code for code, i in indicators.items() if i.is_iku) == [
        "I1.1.1", "I1.2.1", "I2.1.1"]
    # Lower is better only for the days a complaint waits; its year is the quarters' average.
    waiting = indicators["I1.2.2"]
    assert (waiting.polarity, waiting.aggregation, waiting.decimals) == ("negative",
                                                                         "average", 1)
    datasets = indicators["I2.1.1"]
    assert (datasets.data_type, datasets.aggregation, datasets.decimals) == ("number", "sum",
                                                                             0)
    assert indicators["I2.2.1"].baseline == Decimal("310")

    targets = {(t.indicator.code, t.year): t for t in IndicatorYearTarget.objects.filter(
        indicator__period=period).select_related("indicator")}
    assert len(targets) == 6 * 6  # every indicator, every year 2021–2026
    assert targets["I1.1.1", 2021].renstra_target == Decimal("50")
    assert targets["I1.1.1", 2026].renstra_target == Decimal("100")
    assert targets["I2.2.1", 2026].pk_target == Decimal("500")  # the head's stretch target
    assert targets["I2.2.1", 2025].pk_target == Decimal("450")
    assert all(targets[code, 2024].pk_target is None for code in indicators)
    datasets_2025 = targets["I2.1.1", 2025]
    assert [datasets_2025.q1_target, datasets_2025.q2_target, datasets_2025.q3_target,
            datasets_2025.q4_target] == [Decimal(v) for v in ("60", "150", "250", "350")]
    assert AuditEvent.objects.filter(agency=agency, action="catalogue.imported").count() == 1


def test_the_kominfo_catalogue_again_changes_nothing():
    agency = kominfo_agency()
    period = demo.demo_catalogue(agency=agency, catalogue=demo.KOMINFO)
    before = (catalogue_export(period), AuditEvent.objects.count())
    assert demo.demo_catalogue(agency=agency, catalogue=demo.KOMINFO) == period
    after = (catalogue_export(period), AuditEvent.objects.count())
    assert after == before


def test_the_kominfo_catalogue_needs_its_reporting_units():
    agency = kominfo_agency(unit_codes=("sekretariat",))
    with pytest.raises(DomainError) as refused:
        demo.demo_catalogue(agency=agency, catalogue=demo.KOMINFO)
    assert refused.value.code == "demo_units_missing"
    assert "bidang-statistik" in refused.value.message
    assert not Indicator.objects.filter(period__agency=agency).exists()
