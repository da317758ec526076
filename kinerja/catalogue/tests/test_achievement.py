"""Achievement, year values, effective targets and categories (docs/domain.md §1–3); pure functions,
so only one test touches the database."""

from dataclasses import dataclass
from decimal import Decimal as D

import pytest
from django.utils import translation

from kinerja.catalogue.achievement import (
    DEFAULT_SCALE,
    AchievementResult,
    Band,
    NotComputable,
    QuarterTargetRule,
    ReportingPeriod,
    Scale,
    TargetSource,
    achievement,
    category,
    effective_target,
    format_achievement,
    format_percent,
    quarter_value,
    year_value,
)
from kinerja.catalogue.choices import Aggregation, Polarity
from kinerja.catalogue.models import IndicatorYearTarget
from kinerja.catalogue.services import catalogue_import

from .factories import make_period, sample_workbook

POS, NEG = Polarity.POSITIVE, Polarity.NEGATIVE


# --- achievement ----------------------------------------------------------------------------

@pytest.mark.parametrize(("realisation", "target", "expected"), [
    (D("90"), D("80"), D("112.5")),
    (D("40"), D("80"), D("50")),
    (D("0"), D("80"), D("0")),
    (D("-2"), D("5"), D("-40")),  # growth below zero against a positive target
])
def test_positive_polarity_is_realisation_over_target(realisation, target, expected):
    assert achievement(realisation, target, POS) == AchievementResult(expected)


@pytest.mark.parametrize(("realisation", "target", "expected"), [
    (D("7"), D("8"), D("112.5")),  # poverty 7 % against a target of 8 %: better than planned
    (D("8"), D("8"), D("100")),
    (D("9"), D("8"), D("87.5")),
    (D("16"), D("8"), D("0")),
])
def test_negative_polarity_is_twice_target_minus_realisation(realisation, target, expected):
    assert achievement(realisation, target, NEG).percent == expected


def test_negative_polarity_can_fall_below_zero():
    result = achievement(D("20"), D("8"), NEG)
    assert result.percent == D("-50")
    assert category(result.percent).code == "very_low"


def test_target_zero_cannot_be_computed():
    result = achievement(D("3"), D("0"), POS)
    assert result.percent is None and not result.computable
    assert result.reason == NotComputable.TARGET_ZERO
    assert achievement(D("0"), D("0"), POS).reason == NotComputable.TARGET_ZERO
    assert achievement(D("1"), D("0"), NEG).reason == NotComputable.TARGET_ZERO
    assert category(result.percent) is None


def test_negative_target_zero_and_realisation_zero_is_one_hundred():
    assert achievement(D("0"), D("0"), NEG) == AchievementResult(D("100"))


def test_missing_values_cannot_be_computed():
    assert achievement(None, D("5"), POS).reason == NotComputable.NO_REALISATION
    assert achievement(D("5"), None, POS).reason == NotComputable.NO_TARGET
    assert achievement(D("5"), D("-1"), POS).reason == NotComputable.TARGET_NEGATIVE


def test_the_reason_is_shown_instead_of_a_percentage():
    with translation.override("en"):
        assert format_achievement(achievement(D("3"), D("0"), POS)) == (
            "Cannot be computed: the target is 0")


@pytest.mark.parametrize(("polarity", "realisation", "expected"), [
    (POS, D("3.5"), D("100")),  # inside the range
    (POS, D("3.2"), D("100")),  # on a bound
    (POS, D("3.6"), D("100")),
    (POS, D("4.5"), D("125")),  # above: against the upper bound 3.6
    (POS, D("1.6"), D("50")),  # below: against the lower bound 3.2
    (NEG, D("3.3"), D("100")),
    (NEG, D("4.5"), D("75")),  # (2 × 3.6 − 4.5) ÷ 3.6
    (NEG, D("2.4"), D("125")),  # (2 × 3.2 − 2.4) ÷ 3.2
])
def test_range_targets(polarity, realisation, expected):
    assert achievement(realisation, D("3.2"), polarity, target_max=D("3.6")).percent == expected


def test_range_with_equal_bounds_is_a_single_target():
    assert achievement(D("9"), D("10"), POS, target_max=D("10")).percent == D("90")


def test_range_upside_down_is_a_programming_error():
    with pytest.raises(ValueError, match="upper bound"):
        achievement(D("1"), D("5"), POS, target_max=D("4"))


def test_nothing_is_rounded_while_computing():
    percent = achievement(D("2"), D("3"), POS).percent
    assert percent == D(2) / D(3) * 100
    assert percent != D("66.67")
    assert format_percent(percent) == "66,67 %"


def test_floats_are_refused():
    with pytest.raises(TypeError):
        achievement(0.1, D("1"), POS)


# --- year and quarter values ----------------------------------------------------------------

@pytest.mark.parametrize(("aggregation", "values", "expected"), [
    (Aggregation.SUM, [D(1), D(2), D(3), D(4)], D(10)),
    (Aggregation.SUM, [D(1), None, D(3), None], D(4)),
    (Aggregation.LAST, [D(70), D(75), D(80), D(85)], D(85)),
    (Aggregation.LAST, [D(70), D(75), None, None], D(75)),  # the latest reported
    (Aggregation.LAST, [D(70), None, D(72), None], D(72)),
    (Aggregation.AVERAGE, [D(3), D(4), D(5), D(4)], D(4)),
    (Aggregation.AVERAGE, [D(3), None, D(4), None], D("3.5")),  # unreported is not 0
    (Aggregation.SUM, [None, None, None, None], None),
    (Aggregation.AVERAGE, [], None),
])
def test_year_value(aggregation, values, expected):
    assert year_value(values, aggregation) == expected


def test_year_value_accepts_a_mapping_by_quarter():
    assert year_value({4: D(9), 1: D(5)}, Aggregation.LAST) == D(9)
    assert year_value({1: D(5), 2: D(7)}, "sum") == D(12)
    with pytest.raises(ValueError):
        year_value({5: D(1)}, Aggregation.SUM)


def test_average_is_not_rounded():
    assert year_value([D(1), D(1), D(2)], Aggregation.AVERAGE) == D(4) / D(3)


def test_quarter_value_is_year_to_date_for_sums_and_the_quarter_otherwise():
    values = [D(1), D(2), D(3), None]
    assert quarter_value(values, Aggregation.SUM, 3) == D(6)
    assert quarter_value(values, Aggregation.LAST, 2) == D(2)
    assert quarter_value(values, Aggregation.AVERAGE, 3) == D(3)
    assert quarter_value(values, Aggregation.SUM, 4) is None  # Q4 not reported yet


# --- effective target -----------------------------------------------------------------------

@dataclass
class Target:
    renstra_target: D
    renstra_target_max: D | None = None
    pk_target: D | None = None
    pk_target_max: D | None = None
    q1_target: D | None = None
    q2_target: D | None = None
    q3_target: D | None = None
    q4_target: D | None = None


def test_year_target_is_pk_before_renstra():
    assert effective_target(Target(D(90)), ReportingPeriod.YEAR, aggregation="last") == (
        effective_target(Target(D(90)), 0, aggregation="last"))
    renstra = effective_target(Target(D(90)), 0, aggregation="last")
    assert (renstra.value, renstra.source) == (D(90), TargetSource.RENSTRA)
    pk = effective_target(Target(D(90), pk_target=D(95)), 0, aggregation="last")
    assert (pk.value, pk.source) == (D(95), TargetSource.PK)


def test_year_target_keeps_the_range_of_its_source():
    target = Target(D("3.2"), D("3.6"), pk_target=D("3.3"), pk_target_max=D("3.5"))
    assert effective_target(target, 0, aggregation="last").value_max == D("3.5")
    assert effective_target(Target(D("3.2"), D("3.6")), 0, aggregation="last").value_max == (
        D("3.6"))
    assert effective_target(None, 0) is None


@pytest.mark.parametrize(("quarter", "expected"), [(1, D(5)), (2, D(10)), (3, D(15)),
                                                   (4, D(20))])
def test_sum_quarters_without_targets_take_the_year_pro_rata(quarter, expected):
    result = effective_target(Target(D(20)), quarter, aggregation=Aggregation.SUM)
    assert result.value == expected
    assert result.source == TargetSource.RENSTRA_PRO_RATA


def test_pro_rata_takes_the_pk_target_and_ranges():
    result = effective_target(Target(D(20), pk_target=D(24), pk_target_max=D(28)), 2,
                              aggregation=Aggregation.SUM)
    assert (result.value, result.value_max, result.source) == (
        D(12), D(14), TargetSource.PK_PRO_RATA)


def test_pro_rata_is_not_rounded():
    assert effective_target(Target(D(7)), 1, aggregation="sum").value == D("1.75")


@pytest.mark.parametrize("aggregation", [Aggregation.LAST, Aggregation.AVERAGE])
def test_other_quarters_without_targets_take_the_year_target(aggregation):
    result = effective_target(Target(D(90), pk_target=D(92)), 1, aggregation=aggregation)
    assert (result.value, result.source) == (D(92), TargetSource.PK)


def test_a_quarter_target_wins():
    target = Target(D(20), pk_target=D(24), q1_target=D(3), q2_target=D(9))
    assert effective_target(target, 1, aggregation="sum") == effective_target(
        target, 1, aggregation="last")
    result = effective_target(target, 2, aggregation="sum")
    assert (result.value, result.value_max, result.source) == (D(9), None, TargetSource.QUARTER)
    assert effective_target(target, 3, aggregation="sum").value == D(18)


def test_quarter_rules_are_a_setting():
    target = Target(D(20), q2_target=D(9))
    year_rule = QuarterTargetRule.YEAR_TARGET
    assert effective_target(target, 1, aggregation="sum", quarter_rule=year_rule).value == D(20)
    only = QuarterTargetRule.QUARTER_TARGET_ONLY
    assert effective_target(target, 1, aggregation="sum", quarter_rule=only) is None
    assert effective_target(target, 2, aggregation="sum", quarter_rule=only).value == D(9)


@pytest.mark.django_db
def test_effective_target_reads_the_aggregation_of_a_stored_target(org):
    period = make_period(org.agency)
    catalogue_import(agency=org.agency, period=period, file=sample_workbook(period))
    stored = IndicatorYearTarget.objects.select_related("indicator").get(
        indicator__code="I2", year=2025)  # a sum indicator, Renstra 6
    assert effective_target(stored, 2).value == D(3)


# --- category -------------------------------------------------------------------------------

@pytest.mark.parametrize(("percent", "code", "label"), [
    (D("150"), "very_high", "Sangat Tinggi"),
    (D("91"), "very_high", "Sangat Tinggi"),
    (D("90.99"), "high", "Tinggi"),
    (D("90.999999"), "high", "Tinggi"),
    (D("76"), "high", "Tinggi"),
    (D("75.99"), "medium", "Sedang"),
    (D("66"), "medium", "Sedang"),
    (D("65.99"), "low", "Rendah"),
    (D("51"), "low", "Rendah"),
    (D("50.99"), "very_low", "Sangat Rendah"),
    (D("0"), "very_low", "Sangat Rendah"),
    (D("-40"), "very_low", "Sangat Rendah"),
])
def test_category_boundaries(percent, code, label):
    band = category(percent)
    assert (band.code, band.label) == (code, label)


def test_category_of_not_computable_is_none():
    assert category(None) is None


def test_another_scale_is_data():
    data = {"code": "lkjip-6", "name": "Six bands", "bands": [
        {"code": "memuaskan", "label": "Memuaskan", "minimum": "100"},
        {"code": "sangat_baik", "label": "Sangat Baik", "minimum": "85"},
        {"code": "baik", "label": "Baik", "minimum": "70"},
        {"code": "cukup", "label": "Cukup", "minimum": "55"},
        {"code": "kurang", "label": "Kurang", "minimum": "40"},
        {"code": "sangat_kurang", "label": "Sangat Kurang", "minimum": None},
    ]}
    scale = Scale.from_data(data)
    assert category(D("100"), scale).label == "Memuaskan"
    assert category(D("84.9"), scale).label == "Baik"
    assert category(D("10"), scale).label == "Sangat Kurang"
    assert Scale.from_data(scale.to_data()) == scale
    assert Scale.from_data(DEFAULT_SCALE.to_data()) == DEFAULT_SCALE


@pytest.mark.parametrize("bands", [
    (Band("a", "A", D(50)),),  # no open lowest band
    (Band("a", "A", D(50)), Band("b", "B", D(60)), Band("c", "C", None)),  # not falling
    (Band("a", "A", None), Band("b", "B", None)),
    (Band("a", "A", D(50)), Band("a", "B", None)),  # codes repeat
])
def test_malformed_scales_are_refused(bands):
    with pytest.raises(ValueError):
        Scale(code="x", name="x", bands=bands)


# --- display --------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "shown"), [
    (D("112.5"), "112,50 %"),
    (D("112.505"), "112,51 %"),  # half up, as a spreadsheet shows it
    (D("100"), "100,00 %"),
    (D("1234.5"), "1.234,50 %"),
    (D("-50"), "-50,00 %"),
    (D("-0.001"), "0,00 %"),
])
def test_percent_is_shown_the_indonesian_way(value, shown):
    with translation.override("id"):
        assert format_percent(value) == shown


def test_english_pages_keep_the_agencys_number_style():
    with translation.override("en"):
        assert format_percent(D("112.5")) == "112,50 %"


def test_display_settings_floor_and_cap_only_the_shown_value():
    with translation.override("id"):
        assert format_percent(D("-50"), floor_at_zero=True) == "0,00 %"
        assert format_percent(D("135"), cap=D(120)) == "120,00 %"
        assert format_percent(None) == ""
