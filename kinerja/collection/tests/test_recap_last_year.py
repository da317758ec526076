"""The recap's look back: the previous period and the same period one year earlier, read with
the same fixed number of queries."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kinerja.collection import recap
from kinerja.collection.models import FormatItem, IndicatorValue, Round, RoundStatus, Track
from kinerja.collection.services import current_format

pytestmark = pytest.mark.django_db

MAX_QUERIES = 8  # as test_recap.py: the look-back years are read together


def other_round(model_round, period, year=2026):
    return Round.objects.create(agency=model_round.agency, sop=model_round.sop,
                                sop_version=model_round.sop_version, year=year, period=period,
                                status=RoundStatus.FINALISED)


def put(round_, indicator, value):
    track = Track.objects.get_or_create(round=round_, unit=indicator.responsible_unit)[0]
    IndicatorValue.objects.update_or_create(track=track, indicator=indicator,
                                            defaults={"value": D(value)})


def with_format_of(model_round, round_):
    """`round_` with the items of `model_round`'s format, open: the round whose recap is read
    is computed live (a finalised one reads its snapshot)."""
    Round.objects.filter(pk=round_.pk).update(status=RoundStatus.OPEN)
    round_.status = RoundStatus.OPEN
    source = current_format(model_round)
    copy = type(source).objects.create(round=round_, number=1, due_date=source.due_date,
                                       created_by=source.created_by,
                                       finalised_at=source.finalised_at)
    FormatItem.objects.bulk_create(FormatItem(format=copy, unit=item.unit,
                                              indicator=item.indicator)
                                   for item in source.items.all())
    return round_


def unit_rows(round_, unit):
    track = Track.objects.get_or_create(round=round_, unit=unit)[0]
    recap.settings_for(round_.agency_id)  # created on first use
    track = Track.objects.get(pk=track.pk)
    with CaptureQueriesContext(connection) as captured:
        rows = recap.unit_recap(track)
    assert len(captured) <= MAX_QUERIES, [query["sql"] for query in captured]
    return {row.indicator.code: row for row in rows}


def test_a_quarter_shows_the_previous_quarter_and_the_same_quarter_last_year(
        org, sent_round, catalogue):
    x1 = catalogue[0]
    put(other_round(sent_round, "Q2"), x1, "6")
    put(other_round(sent_round, "Q3", year=2025), x1, "4")
    put(other_round(sent_round, "Q4", year=2025), x1, "5")  # not the same quarter
    put(sent_round, x1, "7")
    rows = unit_rows(sent_round, org.division_x)
    assert (rows["X1"].previous, rows["X1"].last_year) == (D(6), D(4))
    assert (rows["X2"].previous, rows["X2"].last_year) == (None, None)


def test_only_a_finalised_round_of_last_years_period_counts(org, sent_round, catalogue):
    x1 = catalogue[0]
    last_year = other_round(sent_round, "Q3", year=2025)
    put(last_year, x1, "4.5")
    Round.objects.filter(pk=last_year.pk).update(status=RoundStatus.OPEN)  # reopened
    assert unit_rows(sent_round, org.division_x)["X1"].last_year is None
    Round.objects.filter(pk=last_year.pk).update(status=RoundStatus.FINALISED)
    assert unit_rows(sent_round, org.division_x)["X1"].last_year == D("4.5")


def test_the_first_quarter_looks_back_to_last_years_fourth_and_first(org, sent_round,
                                                                      catalogue):
    x1 = catalogue[0]
    q1 = with_format_of(sent_round, other_round(sent_round, "Q1"))
    put(other_round(sent_round, "Q1", year=2025), x1, "3")
    put(other_round(sent_round, "Q4", year=2025), x1, "8")
    put(q1, x1, "9")
    row = unit_rows(q1, org.division_x)["X1"]
    assert (row.value, row.previous, row.last_year) == (D(9), D(8), D(3))


def test_a_year_round_looks_back_to_last_years_round(org, sent_round, catalogue):
    x1 = catalogue[0]
    year = with_format_of(sent_round, other_round(sent_round, "Y"))
    put(other_round(sent_round, "Y", year=2025), x1, "12")
    put(other_round(sent_round, "Q4", year=2025), x1, "5")
    row = unit_rows(year, org.division_x)["X1"]
    assert (row.previous, row.last_year) == (D(12), D(12))


def test_the_agency_recap_carries_last_year_too(org, sent_round, catalogue):
    put(other_round(sent_round, "Q3", year=2025), catalogue[2], "2")
    recap.settings_for(sent_round.agency_id)
    round_ = Round.objects.get(pk=sent_round.pk)
    with CaptureQueriesContext(connection) as captured:
        result = recap.agency_recap(round_)
    assert len(captured) <= MAX_QUERIES
    rows = {row.indicator.code: row for row in result.rows}
    assert rows["Y1"].last_year == D(2)
    assert result.implausible_count == 0
