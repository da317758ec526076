"""List routes read a fixed number of queries, however many rows they return.

GET /tasks is not pinned: its selector (collection.selectors.task_list_for_viewer, shared
with the "My tasks" page) reads one more query per waiting forwarding step."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kinerja.accounts.services import api_token_create
from kinerja.collection import services

from .support import Caller

pytestmark = pytest.mark.django_db


def open_round(org, sop, period):
    today = timezone.localdate()
    draft = services.disposition_create(
        user=org.head.user, sop=sop, year=2026, period=period, date=today, speed="biasa",
        security="biasa", subject="Data", instruction="Kumpulkan.",
        deadline=today + timedelta(days=7))
    return services.disposition_sign(user=org.head.user, disposition=draft,
                                     expected_version=draft.version)


def queries(caller, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert caller.get(path).status_code == 200
    return len(captured)


def test_the_round_list_does_not_grow_with_the_rounds(org, sop):
    caller = Caller(api_token_create(user=org.secretary.user, name="t")[1])
    open_round(org, sop, "Q1")
    queries(caller, "/rounds")  # the first call marks the token as used
    one = queries(caller, "/rounds")
    open_round(org, sop, "Q2")
    open_round(org, sop, "Q3")
    assert queries(caller, "/rounds") == one
    assert len(caller.get("/rounds").json()) == 3


def test_the_catalogue_of_a_period_does_not_grow_with_its_indicators(org, catalogue):
    """A period's goals, objectives, indicators and their targets: prefetched, so that the
    number of queries is the same for 4 indicators and for 24."""
    from decimal import Decimal

    from kinerja.catalogue.models import Goal, Indicator, IndicatorYearTarget, Objective

    caller = Caller(api_token_create(user=org.staff_x.user, name="t")[1])
    period = catalogue[0].period
    path = f"/renstra-periods/{period.id}"
    queries(caller, path)  # the first call marks the token as used
    four = queries(caller, path)
    one = queries(caller, f"/indicators/{catalogue[0].id}")
    for number in range(2, 7):
        goal = Goal.objects.create(period=period, code=f"T{number}", text="Tujuan")
        objective = Objective.objects.create(goal=goal, code=f"S{number}", text="Sasaran")
        for letter in "ABCD":
            indicator = Indicator.objects.create(
                period=period, objective=objective, code=f"{letter}{number}", name="Indikator",
                unit_of_measure="%", responsible_unit=org.division_y)
            for year in (2025, 2026):
                IndicatorYearTarget.objects.create(indicator=indicator, year=year,
                                                   renstra_target=Decimal(year - 2020))
    assert queries(caller, path) == four
    assert len(caller.get(path).json()["indicators"]) == 24
    assert queries(caller, f"/indicators/{indicator.id}") == one
