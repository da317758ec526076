"""A disposition is written only for a period the catalogue covers (a Renstra period holding
the year, with indicators that have targets for it) and that has no round; the form offers
those periods and says why the others are missing (issue 12, item 4). The service refuses the
others with the reason, on the pages and over the API."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from kinerja.accounts.services import api_token_create
from kinerja.api.tests.support import Caller, database_state
from kinerja.catalogue.models import (
    Goal,
    Indicator,
    IndicatorYearTarget,
    Objective,
    RenstraPeriod,
)
from kinerja.collection import services
from kinerja.collection.models import Disposition, Round, RoundStatus
from kinerja.collection.services.disposition import PeriodTaken
from kinerja.core.errors import OutOfTurn

pytestmark = pytest.mark.django_db
TODAY = date(2026, 5, 4)


def _round(sop, period, status):
    return Round.objects.create(agency=sop.agency, sop=sop, sop_version=sop.current_version,
                                year=2026, period=period, status=status)


def _draft(org, sop, year=2026, period="Q2"):
    today = timezone.localdate()
    return services.disposition_create(
        user=org.head.user, sop=sop, year=year, period=period, date=today, speed="biasa",
        security="biasa", subject="Data kinerja", instruction="Kumpulkan.",
        deadline=today + timedelta(days=7))


def _pairs(choices):
    return [(choice.year, choice.period) for choice in choices]


# -- the offer -------------------------------------------------------------------------------

def test_the_offer_holds_the_covered_years_free_periods(org, sop, catalogue):
    finalised = _round(sop, "Q1", RoundStatus.FINALISED)
    open_ = _round(sop, "Q2", RoundStatus.OPEN)
    _round(sop, "Q3", RoundStatus.CANCELLED)
    offer = services.period_offer(sop, today=TODAY)
    assert _pairs(offer.offered) == [(2026, "Q3"), (2026, "Q4"), (2026, "Y")]
    missing = {(c.year, c.period): c for c in offer.missing}
    assert set(missing) == {(2027, ""), (2026, "Q1"), (2026, "Q2"), (2025, "")}
    assert missing[(2026, "Q1")].round_id == finalised.id
    assert missing[(2026, "Q1")].reason == PeriodTaken(finalised).message
    assert missing[(2026, "Q2")].reason == PeriodTaken(open_).message
    with translation.override("id"):
        assert "2027" in services.period_offer(sop, today=TODAY).refusal(2027, "Q1")
    assert offer.refusal(2026, "Q3") == ""


def test_a_year_without_targets_or_of_another_agency_is_not_covered(org, sop, catalogue):
    """A Renstra period holding 2027 with an indicator but no 2027 target, and another
    agency's targets for 2028, cover nothing."""
    period = RenstraPeriod.objects.create(agency=org.agency, name="Renstra 2027–2031",
                                          start_year=2027, end_year=2031)
    objective = Objective.objects.create(
        goal=Goal.objects.create(period=period, code="T1", text="Tujuan"), code="S1",
        text="Sasaran")
    Indicator.objects.create(period=period, objective=objective, code="Z1", name="Z",
                             unit_of_measure="dokumen", responsible_unit=org.division_x)
    other = RenstraPeriod.objects.create(agency=org.other_agency, name="Renstra B",
                                         start_year=2026, end_year=2030)
    other_objective = Objective.objects.create(
        goal=Goal.objects.create(period=other, code="T1", text="Tujuan"), code="S1",
        text="Sasaran")
    other_indicator = Indicator.objects.create(
        period=other, objective=other_objective, code="B1", name="B",
        unit_of_measure="dokumen", responsible_unit=org.other_root)
    IndicatorYearTarget.objects.create(indicator=other_indicator, year=2028,
                                       renstra_target=Decimal("1"))
    assert services.covered_years(org.agency.id) == {2026}
    IndicatorYearTarget.objects.create(indicator=Indicator.objects.get(code="Z1"), year=2027,
                                       renstra_target=Decimal("1"))
    assert services.covered_years(org.agency.id) == {2026, 2027}


# -- the services refuse -----------------------------------------------------------------

def test_a_disposition_for_a_year_the_catalogue_lacks_is_refused(org, sop, catalogue):
    before = database_state()
    with pytest.raises(OutOfTurn) as refusal:
        _draft(org, sop, year=2027, period="Q1")
    assert refusal.value.code == "period_not_in_catalogue"
    assert database_state() == before


def test_without_any_catalogue_no_disposition_is_written(org, sop):
    IndicatorYearTarget.objects.all().delete()  # the fixture's catalogue, emptied
    with pytest.raises(OutOfTurn) as refusal:
        _draft(org, sop)
    assert refusal.value.code == "period_not_in_catalogue"
    assert not Disposition.objects.exists()


def test_a_draft_is_not_moved_to_an_uncovered_year_nor_signed_once_its_year_is_gone(
        org, sop, catalogue):
    draft = _draft(org, sop)
    before = database_state()
    with pytest.raises(OutOfTurn) as refusal:
        services.disposition_update(user=org.head.user, disposition=draft,
                                    expected_version=draft.version, year=2025)
    assert refusal.value.code == "period_not_in_catalogue"
    IndicatorYearTarget.objects.filter(year=2026).delete()
    with pytest.raises(OutOfTurn) as refusal:
        services.disposition_sign(user=org.head.user, disposition=draft,
                                  expected_version=draft.version)
    assert refusal.value.code == "period_not_in_catalogue"
    assert database_state() == before


# -- the page --------------------------------------------------------------------------------

def test_the_form_offers_the_free_periods_and_says_why_others_are_missing(client, org, sop,
                                                                         catalogue):
    finalised = _round(sop, "Q1", RoundStatus.FINALISED)
    client.force_login(org.head.user)
    page = client.get(reverse("collection:disposition_new"))
    choices = [value for value, _label in page.context["form"].fields["year_period"].choices]
    assert choices == ["", "2026-Q2", "2026-Q3", "2026-Q4", "2026-Y"]
    content = page.content.decode()
    assert 'data-year="2026" data-period="Q1"' in content
    assert reverse("collection:round_detail", args=[finalised.id]) in content
    next_year = timezone.localdate().year + 1
    if next_year != 2026:
        assert f'data-year="{next_year}" data-period=""' in content


@pytest.mark.parametrize("pair", ["2026-Q1", "2027-Q3", "2026-Q9", "zz"])
def test_the_form_refuses_a_period_not_offered_with_the_reason(client, org, sop, catalogue,
                                                               pair):
    finalised = _round(sop, "Q1", RoundStatus.FINALISED)
    client.force_login(org.head.user)
    today = timezone.localdate()
    before = database_state()
    response = client.post(reverse("collection:disposition_new"), {
        "sop": sop.id, "year_period": pair, "date": today.isoformat(), "speed": "biasa",
        "security": "biasa", "subject": "Data", "instruction": "Kumpulkan.",
        "deadline": today.isoformat()})
    assert response.status_code == 200
    errors = response.context["form"].errors["year_period"]
    if pair == "2026-Q1":
        with translation.override("id"):
            assert errors == [PeriodTaken(finalised).message]
    assert database_state() == before


def test_the_form_writes_a_draft_for_an_offered_period(client, org, sop, catalogue):
    client.force_login(org.head.user)
    today = timezone.localdate()
    response = client.post(reverse("collection:disposition_new"), {
        "sop": sop.id, "year_period": "2026-Y", "date": today.isoformat(), "speed": "biasa",
        "security": "biasa", "subject": "Data", "instruction": "Kumpulkan.",
        "deadline": today.isoformat()})
    assert response.status_code == 302
    assert Disposition.objects.get().period == "Y"


# -- the API ---------------------------------------------------------------------------------

def test_the_api_gives_the_offer_and_refuses_an_uncovered_year(org, sop, catalogue):
    _round(sop, "Q1", RoundStatus.FINALISED)
    head = Caller(api_token_create(user=org.head.user, name="t")[1])
    body = head.ok("GET", f"/sops/{sop.id}/periods")
    assert [(c["year"], c["period"]) for c in body["offered"]] == [
        (2026, "Q2"), (2026, "Q3"), (2026, "Q4"), (2026, "Y")]
    assert (2026, "Q1") in [(c["year"], c["period"]) for c in body["missing"]]
    outsider = Caller(api_token_create(user=org.outsider.user, name="t")[1])
    assert outsider.get(f"/sops/{sop.id}/periods").status_code == 404
    today = timezone.localdate()
    before = database_state()
    response = head.post("/dispositions", {
        "sop_id": sop.id, "year": 2027, "period": "Q1", "date": str(today),
        "subject": "Data", "instruction": "Kumpulkan.", "deadline": str(today)})
    assert response.status_code == 409
    assert response.json()["code"] == "period_not_in_catalogue"
    assert database_state() == before
