"""A client recomputes every achievement of a recap from the API alone: the catalogue routes
(targets per year and quarter, range bounds, polarity, aggregation) and the recap rows (the
target used, its source and year, the realisation). The formula is written here from
docs/domain.md §1 and §2, not imported from the application, so the test checks that the API
carries all a client needs and that the application applies the rules it documents.

The round is built through the services (the shared fixtures); everything afterwards is HTTP
with a Bearer token, as a script calling the API does."""

from decimal import ROUND_HALF_UP, Decimal

import pytest

from kinerja.catalogue.models import (
    Goal,
    Indicator,
    IndicatorYearTarget,
    Objective,
    RenstraPeriod,
)
from kinerja.collection import services
from kinerja.conftest import fresh, hand_over_and_acknowledge, validated
from kinerja.organisation.tests.factories import PersonFactory

from .support import Caller, issue_token

pytestmark = pytest.mark.django_db

HUNDRED = Decimal(100)


@pytest.fixture
def catalogue(catalogue, org):
    """The shared catalogue (X1, X2, Y1, S1: Renstra 2026 target 10, positive, "last"), made
    to cover every kind of target a Q3 round can measure against."""
    x1, x2, y1, s1 = catalogue
    objective = x1.objective
    IndicatorYearTarget.objects.create(indicator=x1, year=2025, renstra_target=Decimal(99))
    IndicatorYearTarget.objects.filter(indicator=x2, year=2026).update(
        renstra_target_max=Decimal(12))
    Indicator.objects.filter(id=y1.id).update(polarity="negative")
    Indicator.objects.filter(id=s1.id).update(aggregation="sum")

    def add(code, unit, target=None, **fields):
        indicator = Indicator.objects.create(
            period=x1.period, objective=objective, code=code, name=f"Indikator {code}",
            unit_of_measure="dokumen", responsible_unit=unit, order=10 + len(extra), **fields)
        if target is not None:
            IndicatorYearTarget.objects.create(
                indicator=indicator, year=2026,
                **{name: Decimal(value) for name, value in target.items()})
        extra.append(indicator)

    extra: list[Indicator] = []
    add("X3", org.division_x, {"renstra_target": "10", "q3_target": "4"}, decimals=3,
        minimum=Decimal("0"), maximum=Decimal("1000.5"), baseline=Decimal("3.2500"),
        baseline_year=2020, is_iku=True, data_type="index")
    add("X4", org.division_x, {"renstra_target": "7", "pk_target": "8", "pk_target_max": "12"},
        aggregation="sum")
    add("X5", org.division_x, {"renstra_target": "5", "pk_target": "6", "pk_target_max": "7"})
    add("X6", org.division_x, {"renstra_target": "5", "pk_target": "8", "pk_target_max": "9"})
    add("Y2", org.division_y, {"renstra_target": "5", "renstra_target_max": "7"},
        polarity="negative")
    add("Y3", org.division_y)  # no target for 2026
    add("S2", org.secretariat, {"renstra_target": "0"}, polarity="negative")
    add("S3", org.secretariat, {"renstra_target": "8", "pk_target": "9"}, polarity="negative",
        aggregation="sum")
    return [x1, x2, y1, s1, *extra]


# What the Q3 round measures each indicator against (docs/domain.md §2: the quarter's own
# target first; else the year's PK target, else its Renstra target; pro rata, × 3/4, for sum
# indicators only), and the achievement the rules give (§1), for reading the test.
VALUES = {"X1": "9,5", "X2": "13", "X3": "5,25", "X4": "10", "X5": "6,5", "X6": "7",
          "Y1": "12", "Y2": "8", "Y3": "3", "S1": "6", "S2": "0", "S3": "5"}
EXPECTED = {
    "X1": ("renstra", "95.00"),  # 9,5 ÷ 10
    "X2": ("renstra", "108.33"),  # range 10–12, above it: 13 ÷ 12
    "X3": ("quarter", "131.25"),  # the quarter's own target 4
    "X4": ("pk_pro_rata", "111.11"),  # sum, PK range 8–12 × 3/4 = 6–9, above: 10 ÷ 9
    "X5": ("pk", "100.00"),  # PK range 6–7, inside it
    "X6": ("pk", "87.50"),  # PK range 8–9, below it: 7 ÷ 8
    "Y1": ("renstra", "80.00"),  # negative: (2 × 10 − 12) ÷ 10
    "Y2": ("renstra", "85.71"),  # negative, range 5–7, above it: (2 × 7 − 8) ÷ 7
    "Y3": (None, None),  # no target for 2026
    "S1": ("renstra_pro_rata", "80.00"),  # sum: 10 × 3/4 = 7,5; 6 ÷ 7,5
    "S2": ("renstra", "100.00"),  # negative, target 0 and realisation 0
    "S3": ("pk_pro_rata", "125.93"),  # negative sum: 9 × 3/4 = 6,75; (13,5 − 5) ÷ 6,75
}


@pytest.fixture
def recap_round(org, entry_round, catalogue):
    """The Q3 2026 round with every unit's values entered, submitted and approved."""
    by_code = {indicator.code: indicator for indicator in catalogue}
    heads = [(org.division_x, org.staff_x, org.kabid_x), (org.division_y, org.staff_y,
                                                         org.kabid_y),
             (org.secretariat, org.staff_secretariat, org.secretary)]
    for unit, staff, head in heads:
        validated(org, entry_round, unit, staff, head, {
            by_code[code]: text for code, text in VALUES.items()
            if by_code[code].responsible_unit_id == unit.id})
    return fresh(entry_round)


# -- the client's side: only what the API answered ------------------------------------------

def number(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def target_from_catalogue(indicator: dict, year: int, source: str,
                          quarter: int) -> tuple[Decimal, Decimal | None]:
    """The target (lower bound, upper bound or None) a row's source names, read from the
    catalogue route's targets of that year."""
    [targets] = [t for t in indicator["targets"] if t["year"] == year]
    share = Decimal(quarter) / 4
    if source == "quarter":
        return number(targets[f"q{quarter}_target"]), None
    kind, _sep, pro_rata = source.partition("_")
    low, high = number(targets[f"{kind}_target"]), number(targets[f"{kind}_target_max"])
    if pro_rata:
        low, high = low * share, (high * share if high is not None else None)
    return low, high


def achievement(realisation: Decimal | None, low: Decimal | None, high: Decimal | None,
                polarity: str) -> tuple[str | None, str | None]:
    """(percent as the API writes it, or None; why not). docs/domain.md §1."""
    if low is None:
        return None, "no_target"
    if realisation is None:
        return None, "no_realisation"
    target = low
    if high is not None:
        if low <= realisation <= high:
            return "100.00", None
        target = high if realisation > high else low
    if target == 0:
        if polarity == "negative" and realisation == 0:
            return "100.00", None
        return None, "target_zero"
    if target < 0:
        return None, "target_negative"
    if polarity == "positive":
        percent = realisation / target * HUNDRED
    else:
        percent = (2 * target - realisation) / target * HUNDRED
    return str(percent.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)), None


def recompute(caller: Caller, round_id: int) -> dict[str, str | None]:
    """Every row of the round's recap recomputed from the catalogue and recap routes; each
    is checked against what the API answered. Returns {code: achievement_percent}."""
    round_ = caller.ok("GET", f"/rounds/{round_id}")
    quarter = int(round_["period"][1])
    [period] = [p for p in caller.ok("GET", "/renstra-periods")
                if p["start_year"] <= round_["year"] <= p["end_year"]]
    catalogue = {i["id"]: i for i in
                 caller.ok("GET", f"/renstra-periods/{period['id']}")["indicators"]}
    rows = caller.ok("GET", f"/rounds/{round_id}/recap")["rows"]
    assert rows
    got = {}
    for row in rows:
        indicator = catalogue[row["indicator_id"]]
        assert caller.ok("GET", f"/indicators/{indicator['id']}") == indicator
        assert (row["polarity"], row["aggregation"], row["decimals"]) == (
            indicator["polarity"], indicator["aggregation"], indicator["decimals"])
        if row["target_source"] is None:
            assert row["target"] is row["target_low"] is row["target_high"] is None
            low = high = None
        else:
            assert row["target_year"] == round_["year"]
            low, high = target_from_catalogue(indicator, row["target_year"],
                                              row["target_source"], quarter)
            # The row states the same target: `target` is the lower bound, as it always was.
            assert number(row["target"]) == low
            assert (number(row["target_low"]), number(row["target_high"])) == (
                (low, high) if high is not None else (None, None))
        percent, reason = achievement(number(row["realisation"]), low, high,
                                      indicator["polarity"])
        assert (row["achievement_percent"], row["achievement_reason"]) == (percent, reason), (
            row["code"])
        got[row["code"]] = (row["target_source"], row["achievement_percent"])
    return got


def test_every_achievement_is_recomputed_from_the_api_alone(org, recap_round):
    head = Caller(issue_token("head"))
    assert recompute(head, recap_round.id) == EXPECTED


def test_a_finalised_round_is_recomputed_from_the_api_alone(org, recap_round):
    """The same once the round is finalised (its recap then read from what was frozen)."""
    for track in recap_round.tracks.all():
        hand_over_and_acknowledge(org, track)
    round_ = fresh(recap_round)
    services.round_finalise(user=org.staff_data.user, round_=round_,
                            expected_version=round_.version)
    staff_data = Caller(issue_token("staff_data"))
    assert recompute(staff_data, recap_round.id) == EXPECTED
    # Frozen: a later change to the catalogue (here behind the admin's guard) moves no row.
    frozen = staff_data.ok("GET", f"/rounds/{recap_round.id}/recap")["rows"]
    IndicatorYearTarget.objects.filter(year=2026).update(
        renstra_target=Decimal(1), renstra_target_max=None, pk_target=None, pk_target_max=None,
        q3_target=None)
    Indicator.objects.update(polarity="positive", aggregation="last", decimals=0)
    assert staff_data.ok("GET", f"/rounds/{recap_round.id}/recap")["rows"] == frozen


# -- the catalogue's visibility --------------------------------------------------------------

def other_agency_catalogue(org):
    period = RenstraPeriod.objects.create(agency=org.other_agency, name="Renstra B",
                                          start_year=2021, end_year=2026)
    goal = Goal.objects.create(period=period, code="T1", text="Tujuan B")
    objective = Objective.objects.create(goal=goal, code="S1", text="Sasaran B")
    indicator = Indicator.objects.create(
        period=period, objective=objective, code="B1", name="Indikator B",
        unit_of_measure="dokumen", responsible_unit=org.other_root)
    IndicatorYearTarget.objects.create(indicator=indicator, year=2026,
                                       renstra_target=Decimal(5))
    return period, indicator


def test_another_agencys_catalogue_is_not_found(org, catalogue):
    period, indicator = other_agency_catalogue(org)
    head = Caller(issue_token("head"))
    assert [p["id"] for p in head.ok("GET", "/renstra-periods")] == [catalogue[0].period_id]
    missing = head.get(f"/renstra-periods/{2**63 - 1}")
    for path in (f"/renstra-periods/{period.id}", f"/indicators/{indicator.id}"):
        response = head.get(path)
        # The same answer as for an id that does not exist: nothing says it exists elsewhere.
        assert response.status_code == 404
        assert response.json() == missing.json()
    outsider = Caller(issue_token("outsider"))
    assert [p["id"] for p in outsider.ok("GET", "/renstra-periods")] == [period.id]
    assert outsider.get(f"/indicators/{catalogue[0].id}").status_code == 404


def test_every_person_of_the_agency_reads_its_catalogue(org, catalogue):
    """Master data of the whole agency: a person who holds no position reads it too."""
    PersonFactory(agency=org.agency, user__username="newcomer", name="newcomer")
    newcomer = Caller(issue_token("newcomer"))
    [period] = newcomer.ok("GET", "/renstra-periods")
    detail = newcomer.ok("GET", f"/renstra-periods/{period['id']}")
    assert [i["code"] for i in detail["indicators"]] == [i.code for i in catalogue]
    [goal] = detail["goals"]
    assert [o["code"] for o in goal["objectives"]] == ["S1"]
    x1 = newcomer.ok("GET", f"/indicators/{catalogue[0].id}")
    empty = {"renstra_target_max": None, "pk_target": None, "pk_target_max": None,
             "q1_target": None, "q2_target": None, "q3_target": None, "q4_target": None}
    assert x1["targets"] == [{"year": 2025, "renstra_target": "99", **empty},
                             {"year": 2026, "renstra_target": "10", **empty}]
    x3 = newcomer.ok("GET", f"/indicators/{catalogue[4].id}")
    assert {name: x3[name] for name in ("code", "decimals", "minimum", "maximum", "baseline",
                                        "baseline_year", "is_iku", "data_type")} == {
        "code": "X3", "decimals": 3, "minimum": "0", "maximum": "1000.5", "baseline": "3.25",
        "baseline_year": 2020, "is_iku": True, "data_type": "index"}
    assert x3["targets"] == [{**empty, "year": 2026, "renstra_target": "10",
                              "q3_target": "4"}]
    x4 = newcomer.ok("GET", f"/indicators/{catalogue[5].id}")
    assert (x4["code"], x4["aggregation"], x4["polarity"]) == ("X4", "sum", "positive")
    assert x4["targets"] == [{**empty, "year": 2026, "renstra_target": "7", "pk_target": "8",
                              "pk_target_max": "12"}]
    assert (x1["responsible_unit_id"], x1["objective_id"], x1["goal_id"], x1["period_id"]) == (
        org.division_x.id, goal["objectives"][0]["id"], goal["id"], period["id"])
