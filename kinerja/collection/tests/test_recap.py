"""The round's recap: realisation, target, achievement, previous period and the explanation
rule, read with a fixed number of queries."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone, translation

from kinerja.catalogue.achievement import NotComputable, TargetSource
from kinerja.catalogue.models import Goal, Indicator, IndicatorYearTarget, Objective
from kinerja.collection import recap
from kinerja.collection.models import (
    CollectionSettings,
    DataRequestFormat,
    Evidence,
    FormatItem,
    IndicatorValue,
    Round,
    RoundStatus,
    Track,
    TrackStage,
)
from kinerja.collection.services import current_format

pytestmark = pytest.mark.django_db

# unit_recap: the track's round, the settings, the format, its items, this round's values, the
# targets, and the looked-back year's rounds and values. agency_recap: the tracks instead of
# the round.
MAX_QUERIES = 8


# -- helpers ---------------------------------------------------------------------------------

def other_round(model_round, period, year=2026):
    """A finalised round of another period, on the same SOP version."""
    return Round.objects.create(agency=model_round.agency, sop=model_round.sop,
                                sop_version=model_round.sop_version, year=year, period=period,
                                status=RoundStatus.FINALISED)


def track(round_, unit):
    return Track.objects.get_or_create(round=round_, unit=unit)[0]


def put(round_, indicator, value, explanation="", unit=None):
    value = None if value is None else D(value)
    return IndicatorValue.objects.update_or_create(
        track=track(round_, unit or indicator.responsible_unit), indicator=indicator,
        defaults={"value": value, "explanation": explanation})[0]


def set_indicator(indicator, **changes):
    Indicator.objects.filter(pk=indicator.pk).update(**changes)
    indicator.refresh_from_db()


def set_target(indicator, value, year=2026, **quarters):
    IndicatorYearTarget.objects.update_or_create(
        indicator=indicator, year=year,
        defaults={"renstra_target": D(value), **{k: D(v) for k, v in quarters.items()}})


def give_format(org, round_, indicators, **flags):
    data_format = DataRequestFormat.objects.create(
        round=round_, number=1, due_date=timezone.localdate() + timedelta(days=7),
        created_by=org.kasubbid_data, finalised_at=timezone.now(), **flags)
    FormatItem.objects.bulk_create(
        FormatItem(format=data_format, unit_id=i.responsible_unit_id, indicator=i)
        for i in indicators)
    return data_format


def set_format(round_, **flags):
    DataRequestFormat.objects.filter(pk=current_format(round_).pk).update(**flags)


def rows_by_code(track_):
    return {row.indicator.code: row for row in recap.unit_recap(fresh_track(track_))}


def fresh_track(track_):
    return Track.objects.get(pk=track_.pk)


@pytest.fixture
def x1(catalogue):
    return catalogue[0]


@pytest.fixture
def x2(catalogue):
    return catalogue[1]


@pytest.fixture
def y1(catalogue):
    return catalogue[2]


@pytest.fixture
def s1(catalogue):
    return catalogue[3]


@pytest.fixture
def q1(sent_round):
    return other_round(sent_round, "Q1")


@pytest.fixture
def q2(sent_round):
    return other_round(sent_round, "Q2")


# -- realisation and target ------------------------------------------------------------------

def test_sum_indicator_measures_the_year_to_date_against_three_quarters_of_the_target(
        org, sent_round, q1, q2, x1):
    set_indicator(x1, aggregation="sum")
    set_target(x1, "100")
    put(q1, x1, "20")
    put(q2, x1, "30")
    put(sent_round, x1, "25")
    row = rows_by_code(track(sent_round, org.division_x))["X1"]
    assert row.value == D(25)
    assert row.realisation == D(75)
    assert row.target.value == D(75) and row.target.source == TargetSource.RENSTRA_PRO_RATA
    assert row.achievement.percent == D(100)
    assert row.category.code == "very_high"
    assert row.achievement_display == "100,00 %"
    # Q2: 50 year to date against 2/4 of 100.
    assert row.previous == D(30)
    assert row.previous_achievement.percent == D(100)
    assert row.missing_value is False
    assert (row.goal.code, row.objective.code, row.unit) == ("T1", "S1", org.division_x)


def test_a_quarter_target_of_a_sum_indicator_is_year_to_date(org, sent_round, q1, q2, x1):
    set_indicator(x1, aggregation="sum")
    set_target(x1, "100", q3_target="60")
    put(q1, x1, "10")
    put(q2, x1, "20")
    put(sent_round, x1, "15")
    row = rows_by_code(track(sent_round, org.division_x))["X1"]
    assert row.target.source == TargetSource.QUARTER
    assert row.achievement.percent == D(75)  # 45 of 60
    assert row.category.code == "medium"


def test_last_value_indicator_uses_the_quarter_s_own_value(org, sent_round, q1, q2, x2):
    set_indicator(x2, aggregation="last")
    put(q1, x2, "9")
    put(q2, x2, "4")
    put(sent_round, x2, "8")
    row = rows_by_code(track(sent_round, org.division_x))["X2"]
    assert row.realisation == D(8)
    assert row.target.value == D(10) and row.target.source == TargetSource.RENSTRA
    assert row.achievement.percent == D(80)
    assert row.category.code == "high"
    assert row.previous == D(4)
    assert row.previous_achievement.percent == D(40)


def test_average_indicator_uses_the_quarter_s_own_value(org, sent_round, q2, x2):
    set_indicator(x2, aggregation="average")
    put(q2, x2, "2")
    put(sent_round, x2, "9")
    assert rows_by_code(track(sent_round, org.division_x))["X2"].realisation == D(9)


def test_negative_polarity(org, sent_round, y1):
    set_indicator(y1, polarity="negative")
    put(sent_round, y1, "12")
    row = rows_by_code(track(sent_round, org.division_y))["Y1"]
    assert row.achievement.percent == D(80)  # (2 × 10 − 12) ÷ 10
    put(sent_round, y1, "25")
    row = rows_by_code(track(sent_round, org.division_y))["Y1"]
    assert row.achievement.percent == D(-50)
    assert row.category.code == "very_low"
    assert recap.LOW_ACHIEVEMENT in row.explanation_reasons


def test_target_zero_cannot_be_computed_and_asks_no_explanation_for_it(org, sent_round, s1,
                                                                       y1):
    set_target(s1, "0")
    put(sent_round, s1, "3")
    row = rows_by_code(track(sent_round, org.secretariat))["S1"]
    assert row.achievement.percent is None
    assert row.achievement.reason == NotComputable.TARGET_ZERO
    assert row.category is None
    assert row.explanation_reasons == [] and row.needs_explanation is False
    # A negative indicator with target 0 and realisation 0 reached its target.
    set_indicator(y1, polarity="negative")
    set_target(y1, "0")
    put(sent_round, y1, "0")
    assert rows_by_code(track(sent_round, org.division_y))["Y1"].achievement.percent == D(100)


def test_indicator_without_a_target_of_the_year(org, sent_round, x1):
    IndicatorYearTarget.objects.filter(indicator=x1).delete()
    put(sent_round, x1, "5")
    row = rows_by_code(track(sent_round, org.division_x))["X1"]
    assert row.target is None
    assert row.achievement.reason == NotComputable.NO_TARGET


def test_a_value_not_entered_gives_a_missing_row(org, sent_round, x1, x2):
    put(sent_round, x1, None, explanation="Data belum tersedia")
    rows = rows_by_code(track(sent_round, org.division_x))
    assert set(rows) == {"X1", "X2"}
    for row in rows.values():
        assert row.missing_value and row.value is None and row.realisation is None
        assert row.achievement.reason == NotComputable.NO_REALISATION
        assert row.category is None
    assert rows["X1"].explanation == "Data belum tersedia"
    assert rows["X2"].explanation == ""


def test_a_sum_quarter_without_its_own_value_has_no_realisation(org, sent_round, q1, q2, x1):
    """The earlier quarters alone do not make a Q3 realisation."""
    set_indicator(x1, aggregation="sum")
    put(q1, x1, "4")
    put(q2, x1, "4")
    row = rows_by_code(track(sent_round, org.division_x))["X1"]
    assert row.realisation is None and row.missing_value


# -- the previous period ---------------------------------------------------------------------

def test_previous_period_and_change(org, sent_round, q2, x1, x2):
    put(q2, x1, "8")
    put(sent_round, x1, "10")
    put(sent_round, x2, "7")
    rows = rows_by_code(track(sent_round, org.division_x))
    assert rows["X1"].previous == D(8)
    assert rows["X1"].change_percent == D(25)
    assert rows["X1"].change_display == "25,00 %"
    # Q2 not reported: no previous, no change.
    assert rows["X2"].previous is None
    assert rows["X2"].previous_achievement is None
    assert rows["X2"].change_percent is None


def test_change_is_the_size_of_the_move_and_none_from_zero(org, sent_round, q2, x1, x2):
    put(q2, x1, "10")
    put(sent_round, x1, "4")
    put(q2, x2, "0")
    put(sent_round, x2, "5")
    rows = rows_by_code(track(sent_round, org.division_x))
    assert rows["X1"].change_percent == D(60)
    assert rows["X2"].previous == D(0)
    assert rows["X2"].change_percent is None
    assert recap.change_percent(D(-5), D(-10)) == D(50)
    assert recap.change_percent(None, D(1)) is None


def test_q1_looks_back_to_q4_of_the_previous_year(org, sent_round, x1):
    set_indicator(x1, aggregation="sum")
    set_target(x1, "40", year=2025)
    q1 = other_round(sent_round, "Q1")
    give_format(org, q1, [x1])
    for period, value in (("Q1", "10"), ("Q2", "10"), ("Q3", "10"), ("Q4", "6")):
        put(other_round(sent_round, period, year=2025), x1, value)
    put(q1, x1, "3")
    row = rows_by_code(track(q1, org.division_x))["X1"]
    assert row.realisation == D(3)  # a new year starts the sum again
    assert row.target.value == D("2.5")  # 10 × 1/4
    assert row.previous == D(6)
    assert row.previous_achievement.percent == D(90)  # 36 of 40
    assert row.change_percent == D(50)


def test_year_round_uses_its_own_value_and_the_previous_year_round(org, sent_round, x1, x2):
    set_indicator(x1, aggregation="sum")
    set_target(x1, "100", pk_target="80")
    set_target(x1, "50", year=2025)
    year_round = other_round(sent_round, "Y")
    give_format(org, year_round, [x1, x2])
    put(other_round(sent_round, "Y", year=2025), x1, "40")
    put(other_round(sent_round, "Q4", year=2025), x1, "999")  # not the year round
    put(year_round, x1, "60")
    put(sent_round, x1, "1")  # a quarter of the same year does not count either
    rows = rows_by_code(track(year_round, org.division_x))
    row = rows["X1"]
    assert row.realisation == D(60)
    assert row.target.value == D(80) and row.target.source == TargetSource.PK
    assert row.achievement.percent == D(75)
    assert row.previous == D(40)
    assert row.previous_achievement.percent == D(80)
    assert row.change_percent == D(50)
    assert rows["X2"].previous is None and rows["X2"].missing_value


def test_values_by_period_reads_the_finalised_round_of_each_period(org, sent_round, q1, x1,
                                                                   y1):
    put(q1, x1, "1")
    open_q2 = other_round(sent_round, "Q2")
    Round.objects.filter(pk=open_q2.pk).update(status=RoundStatus.OPEN)
    put(open_q2, x1, "2")  # an open round's figures are not final: not counted
    put(sent_round, x1, "3")  # open too
    put(sent_round, y1, None)
    put(other_round(sent_round, "Q2", year=2025), x1, "9")
    found = recap.values_by_period(agency=org.agency, year=2026,
                                   indicator_ids=[x1.id, y1.id])
    assert found == {(org.division_x.id, x1.id): {"Q1": D(1)}}
    Round.objects.filter(pk=sent_round.pk).update(status=RoundStatus.FINALISED)
    found = recap.values_by_period(agency=org.agency, year=2026,
                                   indicator_ids=[x1.id, y1.id])
    assert found == {(org.division_x.id, x1.id): {"Q1": D(1), "Q3": D(3)}}
    assert recap.values_by_period(agency=org.other_agency, year=2026,
                                  indicator_ids=[x1.id]) == {}
    assert recap.values_by_period(agency=org.agency, year=2026, indicator_ids=[]) == {}


def test_an_open_round_of_the_previous_period_does_not_count_until_finalised(
        org, sent_round, q2, x1):
    """Opening or reopening a round for a period never changes another round's figures."""
    Round.objects.filter(pk=q2.pk).update(status=RoundStatus.OPEN)
    put(q2, x1, "4")
    put(sent_round, x1, "5")
    row = rows_by_code(track(sent_round, org.division_x))["X1"]
    assert (row.value, row.previous, row.previous_achievement) == (D(5), None, None)
    Round.objects.filter(pk=q2.pk).update(status=RoundStatus.FINALISED)
    row = rows_by_code(track(sent_round, org.division_x))["X1"]
    assert (row.value, row.previous) == (D(5), D(4))


# -- the explanation rule --------------------------------------------------------------------

def test_explanation_reasons_with_the_default_settings(org, sent_round, q2, x1, x2, y1):
    put(q2, x1, "4")
    put(sent_round, x1, "8")  # 80 %, moved 100 %
    put(q2, x2, "9")
    put(sent_round, x2, "9.5")  # 95 %, moved 5,56 %
    put(q2, y1, "12")
    put(sent_round, y1, "19")  # 190 %, moved 58,33 %
    rows = rows_by_code(track(sent_round, org.division_x))
    assert rows["X1"].explanation_reasons == [recap.LOW_ACHIEVEMENT, recap.LARGE_CHANGE]
    assert rows["X1"].needs_explanation
    assert rows["X2"].explanation_reasons == []
    assert not rows["X2"].needs_explanation
    y_row = rows_by_code(track(sent_round, org.division_y))["Y1"]
    assert y_row.explanation_reasons == [recap.LARGE_CHANGE]
    settings = CollectionSettings.objects.get(agency=org.agency)
    assert (settings.explain_below_achievement, settings.explain_change_above) == (91, 50)


def test_explanation_reasons_follow_the_agency_s_settings(org, sent_round, q2, x1, x2):
    put(q2, x1, "4")
    put(sent_round, x1, "8")  # 80 %, moved 100 %
    put(q2, x2, "9")
    put(sent_round, x2, "7")  # 70 %, moved 22,2 %
    settings = recap.settings_for(org.agency)
    settings.explain_below_achievement = D(75)
    settings.explain_change_above = D(100)
    settings.save()
    rows = rows_by_code(track(sent_round, org.division_x))
    assert rows["X1"].explanation_reasons == []  # 100 % is not above 100 %
    assert rows["X2"].explanation_reasons == [recap.LOW_ACHIEVEMENT]
    settings.explain_change_above = D(20)
    assert recap.explanation_required(rows["X2"], settings) == [recap.LOW_ACHIEVEMENT,
                                                                recap.LARGE_CHANGE]
    # Exactly at the threshold is not below it.
    settings.explain_below_achievement = D(70)
    assert recap.explanation_required(rows["X2"], settings) == [recap.LARGE_CHANGE]


def test_settings_for_creates_the_defaults_once(org):
    first = recap.settings_for(org.agency)
    assert recap.settings_for(org.agency) == first == recap.settings_for(org.agency.id)
    assert CollectionSettings.objects.filter(agency=org.agency).count() == 1
    assert first.explain_below_achievement == 91


def test_the_format_may_require_an_explanation_of_every_value(org, sent_round, x2):
    put(sent_round, x2, "10")
    assert not rows_by_code(track(sent_round, org.division_x))["X2"].needs_explanation
    set_format(sent_round, require_explanation=True)
    row = rows_by_code(track(sent_round, org.division_x))["X2"]
    assert row.needs_explanation and row.explanation_reasons == []


# -- what blocks the submission --------------------------------------------------------------

def test_missing_for_submission_lists_exactly_what_is_missing(org, sent_round, q2, x1, x2):
    x_track = track(sent_round, org.division_x)
    with translation.override("en"):
        assert recap.missing_for_submission(fresh_track(x_track)) == [
            "X1 Indikator X1: value missing", "X2 Indikator X2: value missing"]
        put(sent_round, x1, "5")  # 50 %
        put(sent_round, x2, "10")
        assert recap.missing_for_submission(fresh_track(x_track)) == [
            "X1 Indikator X1: explanation missing (achievement 50,00 % below 91 %)"]
        put(q2, x2, "4")  # X2 moved 150 %
        put(sent_round, x1, "5", explanation="Kegiatan tertunda")
        assert recap.missing_for_submission(fresh_track(x_track)) == [
            "X2 Indikator X2: explanation missing (change 150,00 % above 50 %)"]
        put(q2, x1, "20")  # X1: 50 % and moved 75 %; its explanation covers both
        put(sent_round, x2, "10", explanation="Naik karena kegiatan baru")
        assert recap.missing_for_submission(fresh_track(x_track)) == []


def test_missing_for_submission_with_the_format_s_requirements(org, sent_round, x1, x2):
    set_format(sent_round, require_explanation=True, require_evidence=True)
    value = put(sent_round, x1, "10", explanation="   ")
    Evidence.objects.create(value=value, file="evidence/2026/07/bukti.pdf",
                            original_name="bukti.pdf", content_type="application/pdf",
                            size=100, sha256="0" * 64, uploaded_by=org.staff_x.user)
    put(sent_round, x2, "10", explanation="Sesuai target")
    x_track = track(sent_round, org.division_x)
    with translation.override("en"):
        assert recap.missing_for_submission(fresh_track(x_track)) == [
            "X1 Indikator X1: explanation missing (the format requires one)",
            "X2 Indikator X2: evidence missing"]
        settings = recap.settings_for(org.agency)
        settings.explain_below_achievement = D("100.5")
        settings.save()
        assert recap.missing_for_submission(fresh_track(x_track))[0] == (
            "X1 Indikator X1: explanation missing (achievement 100,00 % below 100,50 %)")
    row = rows_by_code(x_track)["X1"]
    assert row.evidence_count == 1 and row.record == value


def test_an_empty_value_is_one_problem_even_when_the_format_requires_everything(
        org, sent_round, x1, x2):
    set_format(sent_round, require_explanation=True, require_evidence=True)
    put(sent_round, x2, "10", explanation="Sesuai target")
    x_track = track(sent_round, org.division_x)
    with translation.override("en"):
        assert recap.missing_for_submission(fresh_track(x_track)) == [
            "X1 Indikator X1: value missing", "X2 Indikator X2: evidence missing"]
    rows = rows_by_code(x_track)
    assert not rows["X1"].needs_explanation and rows["X2"].needs_explanation


def test_a_value_the_format_does_not_require_may_stay_empty(org, sent_round, x1, x2):
    set_format(sent_round, require_value=False, require_evidence=True)
    put(sent_round, x2, "10")
    with translation.override("en"):
        assert recap.missing_for_submission(fresh_track(track(sent_round, org.division_x))) == [
            "X2 Indikator X2: evidence missing"]


def test_missing_for_submission_without_a_format(org, opened_round, catalogue):
    unit_track = Track.objects.create(round=opened_round, unit=org.division_x)
    with translation.override("en"):
        assert recap.missing_for_submission(unit_track) == [
            "The round has no data-request format yet."]
    assert recap.unit_recap(unit_track) == []
    assert recap.agency_recap(opened_round).rows == []


# -- the agency's recap ----------------------------------------------------------------------

def test_agency_recap_groups_and_completeness(org, sent_round, catalogue, x1, x2, y1, s1):
    period = x1.period
    goal_1 = x1.objective.goal
    earlier_objective = Objective.objects.create(goal=goal_1, code="S0", text="Sasaran 0")
    goal_2 = Goal.objects.create(period=period, code="T2", text="Tujuan 2", order=1)
    objective_2 = Objective.objects.create(goal=goal_2, code="S2", text="Sasaran 2")
    set_indicator(x2, objective=earlier_objective)
    set_indicator(y1, objective=objective_2)
    put(sent_round, x1, "5")  # 50 %, no explanation
    put(sent_round, x2, "9.5")
    put(sent_round, s1, "4", explanation="Anggaran terlambat")
    Track.objects.filter(round=sent_round, unit=org.secretariat).update(
        stage=TrackStage.SUBMITTED)

    result = recap.agency_recap(sent_round)
    assert result.format == current_format(sent_round)
    assert [row.indicator.code for row in result.rows] == ["X2", "X1", "S1", "Y1"]
    assert [(goal.code, [(objective.code, [row.indicator.code for row in rows])
                         for objective, rows in objectives])
            for goal, objectives in result.groups] == [
        ("T1", [("S0", ["X2"]), ("S1", ["X1", "S1"])]),
        ("T2", [("S2", ["Y1"])])]
    assert {c.unit.code: (c.indicators, c.with_value, c.explanations_missing, c.stage)
            for c in result.completeness} == {
        "bidang-x": (2, 2, 1, TrackStage.DRAFT),
        "bidang-y": (1, 0, 0, TrackStage.DRAFT),
        "sek": (1, 1, 0, TrackStage.SUBMITTED)}
    by_unit = {c.unit.code: c for c in result.completeness}
    assert by_unit["bidang-y"].values_missing == 1 and not by_unit["bidang-y"].complete
    assert by_unit["sek"].complete and not by_unit["bidang-x"].complete
    assert by_unit["sek"].track.round_id == sent_round.id
    # The unit's own recap keeps the catalogue order too.
    assert [row.indicator.code for row in recap.unit_recap(track(sent_round, org.division_x))
            ] == ["X2", "X1"]


def test_agency_recap_follows_the_latest_format(org, sent_round, x1, x2):
    revised = DataRequestFormat.objects.create(
        round=sent_round, number=2, due_date=timezone.localdate(),
        created_by=org.kasubbid_data, change_note="X2 saja")
    FormatItem.objects.create(format=revised, unit=org.division_x, indicator=x2)
    result = recap.agency_recap(sent_round)
    assert [row.indicator.code for row in result.rows] == ["X2"]
    assert {c.unit.code: c.indicators for c in result.completeness} == {
        "bidang-x": 1, "bidang-y": 0, "sek": 0}


# -- bounded queries -------------------------------------------------------------------------

def add_indicators(org, sent_round, q2, count):
    """`count` more indicators of Bidang X in the format, with a target and Q2 and Q3
    values."""
    objective = Objective.objects.get(code="S1")
    first = Indicator.objects.count()
    indicators = Indicator.objects.bulk_create(
        Indicator(period=objective.goal.period, objective=objective, code=f"N{n}",
                  name=f"Indikator N{n}", unit_of_measure="dokumen",
                  responsible_unit=org.division_x, order=first + n,
                  aggregation="sum" if n % 2 else "last")
        for n in range(count))
    IndicatorYearTarget.objects.bulk_create(
        IndicatorYearTarget(indicator=i, year=year, renstra_target=D(10))
        for i in indicators for year in (2025, 2026))
    FormatItem.objects.bulk_create(
        FormatItem(format=current_format(sent_round), unit=org.division_x, indicator=i)
        for i in indicators)
    for round_ in (q2, sent_round):
        IndicatorValue.objects.bulk_create(
            IndicatorValue(track=track(round_, org.division_x), indicator=i, value=D(n))
            for n, i in enumerate(indicators))


@pytest.mark.parametrize("period", ["Q3", "Q1", "Y"])
def test_queries_do_not_grow_with_the_indicators(org, sent_round, q2, catalogue, period,
                                                 django_assert_max_num_queries):
    round_ = sent_round
    if period != "Q3":
        round_ = other_round(sent_round, period)
        # Read while open, computed live (a finalised round reads its snapshot).
        Round.objects.filter(pk=round_.pk).update(status=RoundStatus.OPEN)
        give_format(org, round_, catalogue)
        q2 = other_round(sent_round, "Q4", year=2025)
    for indicator in catalogue:
        put(q2, indicator, "4")
        put(round_, indicator, "5")
    recap.settings_for(org.agency)
    x_track = track(round_, org.division_x)

    def measure():
        """The queries of each read, each given freshly loaded objects."""
        counts, results = [], []
        for function, argument in ((recap.unit_recap, fresh_track(x_track)),
                                   (recap.missing_for_submission, fresh_track(x_track)),
                                   (recap.agency_recap, Round.objects.get(pk=round_.pk))):
            with django_assert_max_num_queries(MAX_QUERIES) as captured:
                results.append(function(argument))
            counts.append(len(captured))
        return counts, len(results[0]), len(results[2].rows)

    few, unit_rows, all_rows = measure()
    assert (unit_rows, all_rows) == (2, 4)
    add_indicators(org, round_, q2, 36)
    many, unit_rows, all_rows = measure()
    assert (unit_rows, all_rows) == (38, 40)
    assert many == few
