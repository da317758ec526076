"""The demo catalogue: a realistic Renstra for the demo Bappeda, built through the import."""

import pytest

from kinerja.catalogue.choices import Aggregation, Polarity
from kinerja.catalogue.demo import demo_catalogue
from kinerja.catalogue.exporter import catalogue_export
from kinerja.catalogue.models import Indicator, IndicatorYearTarget
from kinerja.conftest import demo_for_module
from kinerja.core.models import AuditEvent
from kinerja.organisation.models import Agency

pytestmark = [pytest.mark.django_db, pytest.mark.demo]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with demo_for_module(django_db_blocker, KINERJA_ISSUE_DOCUMENTS=False):
        yield


@pytest.fixture
def bappeda(demo):
    return Agency.objects.get(code="bappeda-banggai")


def test_demo_catalogue_is_large_and_varied(bappeda):
    period = demo_catalogue(agency=bappeda)
    indicators = Indicator.objects.filter(period=period)
    assert (period.start_year, period.end_year) == (2021, 2026)
    assert indicators.count() >= 30
    assert set(indicators.values_list("polarity", flat=True)) == set(Polarity.values)
    assert set(indicators.values_list("aggregation", flat=True)) == set(Aggregation.values)
    units = set(indicators.values_list("responsible_unit__code", flat=True))
    assert units == {"sekretariat", "bidang-p2ep", "bidang-ppm", "bidang-ekonomi",
                     "bidang-litbang"}
    for indicator in indicators.prefetch_related("targets"):
        targets = {target.year: target for target in indicator.targets.all()}
        assert sorted(targets) == list(range(2021, 2027)), indicator.code
        assert all(targets[year].pk_target is not None for year in (2025, 2026))
        assert all(targets[year].pk_target is None for year in range(2021, 2025))
    assert IndicatorYearTarget.objects.filter(indicator__period=period,
                                              q1_target__isnull=False).count() >= 3
    assert indicators.filter(is_iku=True).count() >= 5


def test_demo_catalogue_again_changes_nothing(bappeda):
    period = demo_catalogue(agency=bappeda)
    before = (catalogue_export(period), AuditEvent.objects.count(), versions())
    assert demo_catalogue(agency=bappeda) == period
    after = (catalogue_export(period), AuditEvent.objects.count(), versions())
    assert after[1:] == before[1:]


def versions() -> list[int]:
    return [AuditEvent.objects.filter(object_type=model._meta.label_lower).count()
            for model in (Indicator, IndicatorYearTarget)]
