"""Plausible values (docs/domain.md §10): a value far from its target, its previous period or
the indicator's bounds is saved only when the person confirms and explains it, and keeps its
flag; a refused save saves nothing and says, per row, what was refused and why."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kinerja.catalogue.models import Indicator, IndicatorYearTarget
from kinerja.collection import plausibility, recap, services
from kinerja.collection.models import (
    IndicatorValue,
    PlausibilityFlag,
    Round,
    RoundStatus,
    Track,
)
from kinerja.collection.services import InvalidValues, ValueEntry
from kinerja.core.errors import OutOfTurn
from kinerja.core.models import AuditEvent

pytestmark = pytest.mark.django_db


# -- helpers ---------------------------------------------------------------------------------

def entry(indicator, text, explanation="", version=0, confirm=False):
    return ValueEntry(indicator_id=indicator.id, value_text=text, explanation=explanation,
                      expected_version=version, confirm_implausible=confirm)


def save(person, track, *entries):
    return services.values_save(user=person.user, track=Track.objects.get(pk=track.pk),
                                entries=list(entries))


def refused(person, track, *entries) -> InvalidValues:
    with pytest.raises(InvalidValues) as error:
        save(person, track, *entries)
    return error.value


def set_indicator(indicator, **changes):
    Indicator.objects.filter(pk=indicator.pk).update(**changes)
    indicator.refresh_from_db()


def set_target(indicator, value, year=2026, **more):
    IndicatorYearTarget.objects.update_or_create(
        indicator=indicator, year=year,
        defaults={"renstra_target": D(value), **{k: D(v) for k, v in more.items()}})


def other_round(model_round, period, year=2026):
    return Round.objects.create(agency=model_round.agency, sop=model_round.sop,
                                sop_version=model_round.sop_version, year=year, period=period,
                                status=RoundStatus.FINALISED)


def put(round_, indicator, value):
    track = Track.objects.get_or_create(round=round_, unit=indicator.responsible_unit)[0]
    return IndicatorValue.objects.update_or_create(track=track, indicator=indicator,
                                                   defaults={"value": D(value)})[0]


@pytest.fixture
def x1(catalogue):
    return catalogue[0]


@pytest.fixture
def x2(catalogue):
    return catalogue[1]


@pytest.fixture
def gini(x1):
    """X1 as the Gini index: three decimals, lower is better, target 0,305."""
    set_indicator(x1, data_type="index", decimals=3, polarity="negative", aggregation="last")
    set_target(x1, "0.305")
    return x1


# -- the finding ---------------------------------------------------------------------

def test_the_gini_slip_is_refused_until_confirmed_and_explained(org, track, gini, x2):
    # 262 against a target of 0,305: the slip of the issue, now refused with the rule's words.
    error = refused(org.staff_x, track, entry(gini, "262"), entry(x2, "7"))
    assert error.code == "invalid_values" and isinstance(error, OutOfTurn)
    assert set(error.implausible) == {gini.id}
    assert "0,305" in error.implausible[gini.id]
    assert error.by_indicator[gini.id][0].startswith(error.implausible[gini.id])
    assert error.details == [f"X1: {error.by_indicator[gini.id][0]}"]
    assert error.stale == {}
    assert not IndicatorValue.objects.exists()  # not even X2, which was fine

    # Confirmed but not explained: still refused.
    error = refused(org.staff_x, track, entry(gini, "262", confirm=True))
    assert set(error.implausible) == {gini.id}
    # Explained but not confirmed: still refused.
    refused(org.staff_x, track, entry(gini, "262", "Angka BPS"))
    assert not IndicatorValue.objects.exists()

    (saved,) = save(org.staff_x, track,
                    entry(gini, "262", "Angka sementara BPS, dikonfirmasi.", confirm=True))
    assert (saved.value, saved.plausibility) == (D(262), PlausibilityFlag.FAR_FROM_TARGET)
    event = AuditEvent.objects.filter(action="value.saved").latest("id")
    assert event.data["new"]["plausibility"] == PlausibilityFlag.FAR_FROM_TARGET
    assert event.data["old"]["plausibility"] == ""

    # The person corrects the slip: 0.262 is 0,262, plausible, and the flag goes.
    (saved,) = save(org.staff_x, track, entry(gini, "0.262", "Angka BPS", version=1))
    assert (saved.value, saved.plausibility) == (D("0.262"), "")


def test_a_plausible_value_needs_no_confirmation_and_stores_no_flag(org, track, x1):
    (saved,) = save(org.staff_x, track, entry(x1, "9"))
    assert saved.plausibility == ""


def test_an_unchanged_flagged_value_is_saved_again_without_a_new_confirmation(org, track, x1,
                                                                             x2):
    save(org.staff_x, track, entry(x1, "500", "Benar, ada kegiatan tambahan", confirm=True))
    # The page sends every row again: X1 unchanged, its explanation edited, X2 new.
    x1_saved, x2_saved = save(org.staff_x, track,
                              entry(x1, "500", "Benar: kegiatan tambahan", version=1),
                              entry(x2, "8"))
    assert (x1_saved.version, x1_saved.plausibility) == (2, PlausibilityFlag.FAR_FROM_TARGET)
    assert x2_saved.plausibility == ""
    # Another implausible value needs its own confirmation again.
    error = refused(org.staff_x, track, entry(x1, "600", "Benar", version=2))
    assert set(error.implausible) == {x1.id}


# -- the rules -------------------------------------------------------------------------------

@pytest.mark.parametrize(("bounds", "text", "flag"), [
    ({"maximum": D(1)}, "1,5", PlausibilityFlag.ABOVE_MAXIMUM),
    ({"minimum": D(5)}, "4", PlausibilityFlag.BELOW_MINIMUM),
    ({"minimum": D(5), "maximum": D(12)}, "12", None),
    ({"minimum": D(5), "maximum": D(12)}, "5", None),
])
def test_the_indicators_lowest_and_highest_plausible_values(org, track, x1, bounds, text,
                                                            flag):
    set_indicator(x1, decimals=2, **bounds)
    if flag is None:
        (saved,) = save(org.staff_x, track, entry(x1, text))
        assert saved.plausibility == ""
        return
    error = refused(org.staff_x, track, entry(x1, text))
    assert set(error.implausible) == {x1.id}
    (saved,) = save(org.staff_x, track, entry(x1, text, "Benar", confirm=True))
    assert saved.plausibility == flag


def test_a_value_far_from_the_previous_period_is_implausible(org, track, entry_round, x1):
    put(other_round(entry_round, "Q2"), x1, "2")
    # 30 is within ten times the target (10) but fifteen times the previous quarter's 2.
    error = refused(org.staff_x, track, entry(x1, "30"))
    assert "(2,00)" in error.implausible[x1.id]
    (saved,) = save(org.staff_x, track, entry(x1, "20"))  # exactly ten times: plausible
    assert saved.plausibility == ""
    (saved,) = save(org.staff_x, track, entry(x1, "30", "Benar", version=1, confirm=True))
    assert saved.plausibility == PlausibilityFlag.FAR_FROM_PREVIOUS


def test_the_factor_is_the_agencys_setting(org, track, x1):
    settings = recap.settings_for(org.agency)
    settings.outlier_factor = D(2)
    settings.save()
    error = refused(org.staff_x, track, entry(x1, "25"))  # 2,5 × the target of 10
    assert set(error.implausible) == {x1.id}
    (saved,) = save(org.staff_x, track, entry(x1, "20"))
    assert saved.plausibility == ""


def test_a_range_target_measures_against_the_nearer_bound(org, track, x1):
    set_target(x1, "10", renstra_target_max="20")
    # 150 is fifteen times the lower bound but less than ten times the upper one.
    (saved,) = save(org.staff_x, track, entry(x1, "150"))
    assert saved.plausibility == ""
    error = refused(org.staff_x, track, entry(x1, "250", version=1))  # > 10 × 20
    assert "20" in error.implausible[x1.id]
    error = refused(org.staff_x, track, entry(x1, "0,9", version=1))  # < 10 ÷ 10
    assert "10" in error.implausible[x1.id]


def test_a_reference_of_zero_gives_no_measure(org, track, entry_round, x1, x2):
    set_target(x1, "0")
    put(other_round(entry_round, "Q2"), x2, "0")
    saved = save(org.staff_x, track, entry(x1, "1000"), entry(x2, "9"))
    assert [value.plausibility for value in saved] == ["", ""]


def test_a_sum_indicator_compares_the_year_to_date_with_the_target(org, track, entry_round,
                                                                    x1):
    set_indicator(x1, aggregation="sum")
    set_target(x1, "100")
    q1, q2 = other_round(entry_round, "Q1"), other_round(entry_round, "Q2")
    put(q1, x1, "30")
    put(q2, x1, "30")
    # 8 alone is a tenth of the 75 due by Q3, but the year to date (68) is not.
    (saved,) = save(org.staff_x, track, entry(x1, "8"))
    assert saved.plausibility == ""


def test_check_row_agrees_with_what_the_save_refused(org, track, gini):
    row = recap.rows_with_values(track, {gini.id: D(262)})[gini.id]
    finding = plausibility.check_row(row, D(10))
    assert finding.flag == PlausibilityFlag.FAR_FROM_TARGET
    error = refused(org.staff_x, track, entry(gini, "262"))
    assert error.implausible[gini.id] == finding.message


# -- stale rows ------------------------------------------------------------------------------

def test_a_stale_row_is_reported_with_the_stored_value_and_nothing_is_saved(org, track, x1,
                                                                            x2):
    save(org.staff_x, track, entry(x1, "5"), entry(x2, "6"))
    # Two people opened the page at version 1; the Subbidang's staff saves X1 first.
    save(org.staff_data, track, entry(x1, "7", version=1))
    error = refused(org.staff_x, track, entry(x1, "8", version=1),
                    entry(x2, "abc", version=1))
    assert set(error.stale) == {x1.id}
    stored = error.stale[x1.id]
    assert (stored.value, stored.version, stored.updated_by) == (D(7), 2, org.staff_data.user)
    assert stored.updated_at is not None
    assert set(error.by_indicator) == {x1.id, x2.id}  # every row's problem at once
    assert org.staff_data.full_name in error.by_indicator[x1.id][0]
    assert "7" in error.by_indicator[x1.id][0]
    assert error.details[0].startswith("X1: ") and error.details[1].startswith("X2: ")
    assert error.implausible == {}
    assert {v.indicator_id: (v.value, v.version) for v in IndicatorValue.objects.all()} == {
        x1.id: (D(7), 2), x2.id: (D(6), 1)}
    # Choosing the stored value's version saves.
    (saved,) = save(org.staff_x, track, entry(x1, "8", version=2))
    assert (saved.value, saved.version) == (D(8), 3)


def test_a_stale_row_and_an_implausible_row_are_both_reported(org, track, x1, x2):
    save(org.staff_x, track, entry(x1, "5"))
    save(org.staff_data, track, entry(x1, "6", version=1))
    error = refused(org.staff_x, track, entry(x1, "7", version=1), entry(x2, "900"))
    assert set(error.stale) == {x1.id}
    assert set(error.implausible) == {x2.id}
    assert len(error.details) == 2


# -- queries ---------------------------------------------------------------------------------

def test_the_check_reads_a_fixed_number_of_queries(org, track, x1, x2):
    def queries(*entries):
        with CaptureQueriesContext(connection) as captured, pytest.raises(InvalidValues):
            save(org.staff_x, track, *entries)
        return len(captured)

    one = queries(entry(x1, "900"))
    two = queries(entry(x1, "900"), entry(x2, "900"))
    assert one == two


# -- the recap -------------------------------------------------------------------------------

def test_the_recap_shows_the_flag_and_counts_the_flagged_values(org, track, entry_round, x1,
                                                                x2):
    save(org.staff_x, track, entry(x1, "500", "Benar", confirm=True), entry(x2, "9"))
    result = recap.agency_recap(Round.objects.get(pk=entry_round.pk))
    rows = {row.indicator.code: row for row in result.rows}
    assert rows["X1"].flag == PlausibilityFlag.FAR_FROM_TARGET
    assert rows["X1"].flag_label == str(PlausibilityFlag.FAR_FROM_TARGET.label)
    assert (rows["X2"].flag, rows["X2"].flag_label) == ("", "")
    assert rows["Y1"].flag == ""  # no value stored
    assert result.implausible_count == 1


# -- the workbooks ---------------------------------------------------------------------------

def test_the_recap_workbooks_carry_the_flag_and_the_count(org, track, entry_round, x1, x2):
    import io

    from openpyxl import load_workbook

    from kinerja.collection import exports

    save(org.staff_x, track, entry(x1, "500", "Benar", confirm=True), entry(x2, "9"))
    result = recap.agency_recap(Round.objects.get(pk=entry_round.pk))
    for content in (exports.agency_recap_workbook(result.rows, result.round),
                    exports.unit_recap_workbook(Track.objects.get(pk=track.pk))):
        sheet = load_workbook(io.BytesIO(content))[exports.RECAP]
        assert sheet["A4"].value == "Nilai tidak wajar yang dikonfirmasi: 1"
        assert sheet[f"{exports.R_FLAG}{exports.RECAP_HEADER_ROW}"].value == "Tidak wajar"
        lines = {sheet[f"A{line}"].value: line
                 for line in range(exports.RECAP_HEADER_ROW + 1, sheet.max_row + 1)}
        flag = sheet[f"{exports.R_FLAG}{lines['X1']}"]
        assert flag.data_type == "s" and flag.value  # the rule's label, as text
        assert sheet[f"{exports.R_FLAG}{lines['X2']}"].value is None
