from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kinerja.catalogue.models import Goal, Indicator, IndicatorYearTarget, Objective, RenstraPeriod
from kinerja.collection import services
from kinerja.sops.services import sop_load


@pytest.fixture
def sop(org, seed_sop_text):
    return sop_load(agency=org.agency, text=seed_sop_text).version.sop


@pytest.fixture
def catalogue(org):
    """Four indicators: two of Bidang X, one of Bidang Y, one of the Sekretariat."""
    period = RenstraPeriod.objects.create(agency=org.agency, name="Renstra 2021–2026",
                                          start_year=2021, end_year=2026)
    goal = Goal.objects.create(period=period, code="T1", text="Tujuan 1")
    objective = Objective.objects.create(goal=goal, code="S1", text="Sasaran 1")
    indicators = []
    for order, (code, unit) in enumerate([("X1", org.division_x), ("X2", org.division_x),
                                          ("Y1", org.division_y), ("S1", org.secretariat)]):
        indicator = Indicator.objects.create(
            period=period, objective=objective, code=code, name=f"Indikator {code}",
            unit_of_measure="dokumen", responsible_unit=unit, order=order)
        IndicatorYearTarget.objects.create(indicator=indicator, year=2026,
                                           renstra_target=Decimal("10"))
        indicators.append(indicator)
    return indicators


def fresh(round_):
    round_.refresh_from_db()
    return round_


@pytest.fixture
def opened_round(org, sop):
    """A round whose disposition the head has signed (step 1 done, step 2 waiting)."""
    today = timezone.localdate()
    disposition = services.disposition_create(
        user=org.head.user, sop=sop, year=2026, period="Q3", date=today, speed="segera",
        security="biasa", subject="Pengumpulan data kinerja triwulan III",
        instruction="Kumpulkan data kinerja triwulan III.", deadline=today + timedelta(days=14))
    return services.disposition_sign(user=org.head.user, disposition=disposition,
                                     expected_version=disposition.version)


@pytest.fixture
def sent_round(org, opened_round, catalogue):
    """Steps 1–3 done: the tracks have started and the meeting waits."""
    round_ = opened_round
    services.disposition_forward(user=org.secretary.user, round_=round_,
                                 instruction="Siapkan format.",
                                 expected_version=fresh(round_).version)
    services.disposition_initial(user=org.kasubbag_planning.user, round_=round_,
                                 expected_version=fresh(round_).version)
    services.format_create(user=org.kasubbid_data.user, round_=round_,
                           due_date=timezone.localdate() + timedelta(days=10),
                           expected_version=fresh(round_).version)
    services.format_finalise(user=org.kasubbid_data.user, round_=round_,
                             expected_version=fresh(round_).version)
    services.format_send(user=org.kasubbid_data.user, round_=round_,
                         expected_version=fresh(round_).version)
    return fresh(round_)


__all__ = ["date", "fresh"]
