"""At most one round per agency, SOP, year and period (the database's `one_round_per_period`).
A new round for a period that has one is refused before anything is written: a finalised
period points to reopening its round, an open one to that round. The disposition pages and
the API show the refusal (409), never a server error; two heads signing at once get the same
refusal from the database's constraint."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from kinerja.accounts.services import api_token_create
from kinerja.api.tests.support import Caller
from kinerja.collection import services
from kinerja.collection.models import (
    AgendaCounter,
    Disposition,
    Round,
    RoundStatus,
    Signature,
    StepExecution,
)
from kinerja.collection.services import disposition as disposition_service
from kinerja.collection.services.disposition import PeriodTaken
from kinerja.core.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def past_round(sop, period="Q2", status=RoundStatus.FINALISED):
    return Round.objects.create(agency=sop.agency, sop=sop, sop_version=sop.current_version,
                                year=2026, period=period, status=status)


def draft(org, sop, period="Q2"):
    today = timezone.localdate()
    return services.disposition_create(
        user=org.head.user, sop=sop, year=2026, period=period, date=today, speed="biasa",
        security="biasa", subject="Data kinerja", instruction="Kumpulkan.",
        deadline=today + timedelta(days=7))


def written():
    """What opening a round writes: compared before and after a refusal."""
    return (list(Round.objects.order_by("id").values_list("id", "status")),
            list(Disposition.objects.order_by("id").values_list("id", "round_id", "version")),
            list(AgendaCounter.objects.values_list("year", "last_number")),
            Signature.objects.count(), StepExecution.objects.count(),
            AuditEvent.objects.count())


def message_of(round_):
    with translation.override("id"):
        return PeriodTaken(Round.objects.get(pk=round_.pk)).message


# -- the service -----------------------------------------------------------------------------

def test_a_finalised_period_is_refused_with_a_pointer_to_reopening_its_round(org, sop):
    finalised = past_round(sop)
    before = written()
    with pytest.raises(PeriodTaken) as refusal:
        draft(org, sop, "Q2")
    error = refusal.value
    assert error.code == "period_finalised" and error.status_code == 409
    assert error.round_id == finalised.id
    assert error.details == [finalised.get_absolute_url()] == [error.url]
    assert written() == before  # not even an agenda number is taken
    with translation.override("en"):
        assert PeriodTaken(finalised).message.startswith("Quarter II 2026 ")
        assert "Reopen" in PeriodTaken(finalised).message


def test_an_open_period_is_refused_with_a_pointer_to_its_round(org, opened_round, sop):
    before = written()
    with pytest.raises(PeriodTaken) as refusal:
        draft(org, sop, "Q3")
    assert refusal.value.code == "round_exists"
    assert refusal.value.round_id == opened_round.id
    assert refusal.value.details == [opened_round.get_absolute_url()]
    assert written() == before


def test_another_period_or_year_is_not_refused(org, sop, catalogue):
    from kinerja.catalogue.models import IndicatorYearTarget

    # 2025 in the catalogue, so that the year may be collected at all.
    IndicatorYearTarget.objects.create(indicator=catalogue[0], year=2025,
                                       renstra_target=Decimal(5))
    past_round(sop, "Q2")
    assert draft(org, sop, "Q1").period == "Q1"
    today = timezone.localdate()
    services.disposition_create(
        user=org.head.user, sop=sop, year=2025, period="Q2", date=today, speed="biasa",
        security="biasa", subject="Data kinerja", instruction="Kumpulkan.", deadline=today)


def test_a_draft_whose_period_was_taken_since_is_not_signed(org, sop):
    first, second = draft(org, sop), draft(org, sop)
    round_ = services.disposition_sign(user=org.head.user, disposition=second,
                                       expected_version=second.version)
    before = written()
    with pytest.raises(PeriodTaken) as refusal:
        services.disposition_sign(user=org.head.user, disposition=first,
                                  expected_version=first.version)
    assert refusal.value.round_id == round_.id
    assert written() == before


def test_a_draft_cannot_be_moved_to_a_taken_period(org, sop):
    past_round(sop, "Q2")
    disposition = draft(org, sop, "Q1")
    before = written()
    with pytest.raises(PeriodTaken):
        services.disposition_update(user=org.head.user, disposition=disposition,
                                    expected_version=disposition.version, period="Q2")
    assert written() == before
    services.disposition_update(user=org.head.user, disposition=disposition,
                                expected_version=disposition.version, subject="Lain")


def test_two_heads_signing_at_once_get_the_refusal_not_an_integrity_error(org, sop,
                                                                         monkeypatch):
    """The second signature passed the check before the first committed: the constraint
    stops it, and the service answers as the check would have."""
    first, second = draft(org, sop), draft(org, sop)
    round_ = services.disposition_sign(user=org.head.user, disposition=second,
                                       expected_version=second.version)
    monkeypatch.setattr(disposition_service, "_refuse_second_round",
                        lambda *args, **kwargs: None)
    before = written()
    with pytest.raises(PeriodTaken) as refusal:
        services.disposition_sign(user=org.head.user, disposition=first,
                                  expected_version=first.version)
    assert refusal.value.round_id == round_.id
    assert written() == before


def test_reopening_is_the_way_back_into_a_finalised_period(org, finalised_round, sop):
    with pytest.raises(PeriodTaken) as refusal:
        draft(org, sop, "Q3")
    assert refusal.value.code == "period_finalised"
    assert refusal.value.round_id == finalised_round.id
    round_ = services.round_reopen(user=org.head.user, round_=finalised_round,
                                   reason="Data X1 dikoreksi.",
                                   expected_version=finalised_round.version)
    assert round_.status == RoundStatus.OPEN
    with pytest.raises(PeriodTaken) as refusal:
        draft(org, sop, "Q3")
    assert refusal.value.code == "round_exists"
    assert Round.objects.filter(year=2026, period="Q3").count() == 1


# -- the pages -------------------------------------------------------------------------------

def test_the_disposition_form_shows_the_refusal(client, org, sop):
    finalised = past_round(sop)
    client.force_login(org.head.user)
    today = timezone.localdate()
    before = written()
    response = client.post(reverse("collection:disposition_new"), {
        "sop": sop.id, "year_period": "2026-Q2", "date": today.isoformat(),
        "speed": "biasa", "security": "biasa", "subject": "Data kinerja TW II",
        "instruction": "Kumpulkan.", "deadline": (today + timedelta(days=7)).isoformat()})
    assert response.status_code == 200
    # Not offered, and the page says why.
    assert "year_period" in response.context["form"].errors
    assert message_of(finalised) in response.content.decode()
    assert written() == before


def test_signing_on_the_page_shows_the_refusal(client, org, sop):
    first, second = draft(org, sop), draft(org, sop)
    round_ = services.disposition_sign(user=org.head.user, disposition=second,
                                       expected_version=second.version)
    client.force_login(org.head.user)
    before = written()
    response = client.post(reverse("collection:disposition_sign", args=[first.id]),
                           {"version": first.version})
    assert response.status_code == 409
    assert [str(m) for m in get_messages(response.wsgi_request)] == [message_of(round_)]
    assert written() == before


# -- the API ---------------------------------------------------------------------------------

@pytest.fixture
def head_api(org):
    return Caller(api_token_create(user=org.head.user, name="t")[1])


def test_the_api_refuses_a_disposition_for_a_finalised_period(org, sop, head_api):
    finalised = past_round(sop)
    before = written()
    today = timezone.localdate()
    response = head_api.post("/dispositions", {
        "sop_id": sop.id, "year": 2026, "period": "Q2",
        "date": str(today), "subject": "Data kinerja TW II", "instruction": "Kumpulkan.",
        "deadline": str(today + timedelta(days=7))})
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "period_finalised"
    assert body["details"] == [finalised.get_absolute_url()]
    assert body["message"] == message_of(finalised)
    assert written() == before


def test_the_api_refuses_to_sign_into_a_taken_period(org, sop, head_api):
    first, second = draft(org, sop), draft(org, sop)
    round_ = services.disposition_sign(user=org.head.user, disposition=second,
                                       expected_version=second.version)
    before = written()
    response = head_api.post(f"/dispositions/{first.id}/sign", {"version": first.version})
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "round_exists"
    assert response.json()["details"] == [round_.get_absolute_url()]
    assert written() == before


# -- the year round, pre-filled from the rounds of its quarters --------------------------------

def year_round_sent(org, sop, catalogue):
    """Three finalised quarter rounds of 2026 acknowledged for Bidang X, then the year round
    opened and its format sent (which pre-fills it)."""
    from kinerja.collection.models import IndicatorValue, Track
    from kinerja.conftest import fresh

    x1, x2 = catalogue[0], catalogue[1]
    x1.aggregation, x2.aggregation = "sum", "last"
    x1.save()
    x2.save()
    for number, (a, b) in enumerate([("2", "50"), ("3", "60"), ("4", "70")], start=1):
        quarter = past_round(sop, f"Q{number}")
        track = Track.objects.create(round=quarter, unit=org.division_x, stage=3)
        IndicatorValue.objects.create(track=track, indicator=x1, value=a)
        IndicatorValue.objects.create(track=track, indicator=x2, value=b)
    disposition = draft(org, sop, "Y")
    round_ = services.disposition_sign(user=org.head.user, disposition=disposition,
                                       expected_version=disposition.version)
    services.disposition_forward(user=org.secretary.user, round_=round_, instruction="x",
                                 expected_version=fresh(round_).version)
    services.disposition_initial(user=org.kasubbag_planning.user, round_=round_,
                                 expected_version=fresh(round_).version)
    services.format_create(user=org.kasubbid_data.user, round_=round_,
                           due_date=timezone.localdate() + timedelta(days=5),
                           expected_version=fresh(round_).version)
    services.format_finalise(user=org.kasubbid_data.user, round_=round_,
                             expected_version=fresh(round_).version)
    services.format_send(user=org.kasubbid_data.user, round_=round_,
                         expected_version=fresh(round_).version)
    return fresh(round_)


def test_each_pre_filled_value_of_a_year_round_is_one_audit_event(org, sop, catalogue):
    from kinerja.collection.models import IndicatorValue

    x1, x2 = catalogue[0], catalogue[1]
    round_ = year_round_sent(org, sop, catalogue)
    track = round_.tracks.get(unit=org.division_x)
    values = {value.indicator_id: value for value in track.values.all()}
    assert (values[x1.id].value, values[x2.id].value) == (9, 70)
    events = AuditEvent.objects.filter(action="value.prefilled").order_by("id")
    assert len(events) == IndicatorValue.objects.filter(track__round=round_).count() == 2
    by_code = {event.data["indicator"]: event for event in events}
    assert set(by_code) == {"X1", "X2"}
    for code, value, quarters in (("X1", values[x1.id], {"Q1": 2, "Q2": 3, "Q3": 4}),
                                  ("X2", values[x2.id], {"Q1": 50, "Q2": 60, "Q3": 70})):
        event = by_code[code]
        assert (event.round_id, event.track_id, event.stage) == (round_.id, track.id, 0)
        assert (event.object_type, event.object_id) == ("collection.indicatorvalue",
                                                        str(value.id))
        assert event.agency_id == round_.agency_id
        assert event.data["old"] == {"value": None}
        assert event.data["new"] == {"value": str(value.value)}
        assert {key: Decimal(text) for key, text in event.data["quarters"].items()} == quarters
    # Nothing was pre-filled twice: a second run writes neither values nor events.
    from kinerja.collection.services.data_entry import prefill_year_round

    assert prefill_year_round(round_, user=org.kasubbid_data.user) == 0
    assert AuditEvent.objects.filter(action="value.prefilled").count() == 2


def test_the_pre_fill_records_who_sent_the_format(org, sop, catalogue):
    from kinerja.collection.models import IndicatorValue
    from kinerja.collection.services.data_entry import prefill_year_round

    round_ = year_round_sent(org, sop, catalogue)
    IndicatorValue.objects.filter(track__round=round_).delete()
    AuditEvent.objects.filter(action="value.prefilled").delete()
    assert prefill_year_round(round_, user=org.kasubbid_data.user) == 2
    events = AuditEvent.objects.filter(action="value.prefilled")
    assert [event.actor for event in events] == [org.kasubbid_data.user] * 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="needs PostgreSQL's unique index waits; CI runs it there")
def test_two_signatures_at_the_same_moment_open_one_round(org, sop, monkeypatch):
    """Really at once, on PostgreSQL, both past the check (as when both read before either
    wrote): the second insert waits on the unique index until the first commits, then is
    refused as the check would have refused it."""
    from kinerja.collection.tests.test_concurrency import race

    drafts = [draft(org, sop), draft(org, sop)]
    monkeypatch.setattr(disposition_service, "_refuse_second_round",
                        lambda *args, **kwargs: None)
    outcomes = race(*[
        (lambda d=d: services.disposition_sign(user=org.head.user, disposition=d,
                                               expected_version=d.version))
        for d in drafts])
    [opened] = [outcome for outcome in outcomes if isinstance(outcome, Round)]
    [refused] = [outcome for outcome in outcomes if not isinstance(outcome, Round)]
    assert isinstance(refused, PeriodTaken), refused
    assert refused.round_id == opened.id and refused.code == "round_exists"
    assert Round.objects.filter(year=2026, period="Q2").count() == 1
    assert Disposition.objects.filter(round__isnull=False).count() == 1
