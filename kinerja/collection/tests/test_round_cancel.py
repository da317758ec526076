"""The head cancels a round before it is finalised, with a reason (issue 12, item 4): its
waiting steps close through the engine, nobody has tasks in it, its filed documents are
marked cancelled, every later write is refused as "cancelled", and its period is free for a
new round. Through the service, the round page and the API."""

import csv
import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from kinerja.accounts.services import api_token_create
from kinerja.api.tests.support import Caller, database_state
from kinerja.collection import selectors, services
from kinerja.collection.models import ExecutionStatus, Round, RoundStatus, StepExecution
from kinerja.collection.tests.conftest import fresh
from kinerja.core.errors import OutOfTurn, PermissionDenied, StaleEdit
from kinerja.core.models import AuditEvent
from kinerja.documents.models import Document, DocumentKind
from kinerja.documents.services import round_archive
from kinerja.organisation.visibility import Viewer

pytestmark = pytest.mark.django_db


def _document(round_, execution, kind=DocumentKind.DISPOSITION):
    """A filed document as a row with a stand-in file (what is tested is its mark)."""
    return Document.objects.create(
        agency=round_.agency, round=round_, track=execution.track, execution=execution,
        kind=kind, title=kind, size=13, sha256="0" * 64,
        file=ContentFile(b"%PDF-1.4 test", name=f"{kind}.pdf"))


def _tasks(person):
    return selectors.task_list_for_viewer(viewer=Viewer.for_user(person.user))


def _cancel(org, round_, reason="Tahun salah dipilih.", person=None):
    return services.round_cancel(user=(person or org.head).user, round_=round_,
                                 reason=reason, expected_version=fresh(round_).version)


@pytest.fixture
def signed_round(org, sop, catalogue):
    """A round waiting at step 2 (the secretary forwards)."""
    today = timezone.localdate()
    draft = services.disposition_create(
        user=org.head.user, sop=sop, year=2026, period="Q3", date=today, speed="biasa",
        security="biasa", subject="Data kinerja TW III", instruction="Kumpulkan.",
        deadline=today + timedelta(days=7))
    return services.disposition_sign(user=org.head.user, disposition=draft,
                                     expected_version=draft.version)


# -- the service -----------------------------------------------------------------------------

def test_the_head_cancels_a_round_waiting_at_step_2(org, signed_round):
    round_ = signed_round
    document = _document(round_, round_.executions.get(step__number=1))
    assert [task.code for task in _tasks(org.secretary)] == ["forward"]
    waiting = list(round_.executions.filter(status=ExecutionStatus.OPEN)
                   .values_list("id", flat=True))
    version = fresh(round_).version

    _cancel(org, round_, reason="  Tahun salah dipilih.\r\n")

    round_ = fresh(round_)
    assert round_.status == RoundStatus.CANCELLED
    assert round_.cancelled_at is not None
    assert round_.cancel_reason == "Tahun salah dipilih."
    assert round_.version == version + 1
    assert not round_.executions.filter(status=ExecutionStatus.OPEN).exists()
    assert set(StepExecution.objects.filter(id__in=waiting).values_list(
        "status", flat=True)) == {ExecutionStatus.CLOSED}
    assert _tasks(org.secretary) == []
    document.refresh_from_db()
    assert document.cancelled_at == round_.cancelled_at
    event = AuditEvent.objects.get(action="round.cancelled")
    assert event.round_id == round_.id and event.actor == org.head.user
    assert event.data["reason"] == "Tahun salah dipilih."
    assert event.data["closed_executions"] == waiting
    assert event.data["cancelled_documents"] == [document.id]


def test_cancelling_a_round_in_data_entry_closes_every_unit_and_their_tasks(org, catalogue,
                                                                            entry_round):
    round_ = entry_round
    assert _tasks(org.staff_x) and _tasks(org.staff_y)
    _cancel(org, round_)
    assert _tasks(org.staff_x) == [] and _tasks(org.staff_y) == []
    assert not StepExecution.objects.filter(round=round_, status=ExecutionStatus.OPEN).exists()
    assert StepExecution.objects.filter(round=round_, status=ExecutionStatus.CLOSED,
                                        track__isnull=False).count() == 3


@pytest.mark.parametrize("persona", ["secretary", "kabid_x", "staff_data", "kasubbid_data",
                                     "outsider"])
def test_only_the_head_of_the_agency_cancels(org, signed_round, persona):
    before = database_state()
    with pytest.raises(PermissionDenied):
        _cancel(org, signed_round, person=getattr(org, persona))
    assert database_state() == before
    assert fresh(signed_round).status == RoundStatus.OPEN


def test_a_reason_is_required_and_a_stale_page_is_refused(org, signed_round):
    before = database_state()
    with pytest.raises(OutOfTurn) as refusal:
        _cancel(org, signed_round, reason=" \n ")
    assert refusal.value.code == "reason_required"
    with pytest.raises(StaleEdit):
        services.round_cancel(user=org.head.user, round_=signed_round, reason="Salah",
                              expected_version=fresh(signed_round).version - 1)
    assert database_state() == before


def test_a_finalised_round_is_not_cancelled(org, catalogue, finalised_round):
    before = database_state()
    with pytest.raises(OutOfTurn) as refusal:
        _cancel(org, finalised_round)
    assert refusal.value.code == "round_finalised"
    assert database_state() == before


def test_every_write_on_a_cancelled_round_is_refused_as_cancelled(org, catalogue,
                                                                  entry_round):
    round_ = entry_round
    track = round_.tracks.get(unit=org.division_x)
    _cancel(org, round_)
    before = database_state()
    attempts = [
        lambda: services.values_save(user=org.staff_x.user, track=track, entries=[
            services.ValueEntry(indicator_id=catalogue[0].id, value_text="5")]),
        lambda: services.data_entry_complete(user=org.staff_x.user, track=track,
                                             expected_version=track.version),
        lambda: services.format_revise(user=org.kasubbid_data.user, round_=round_,
                                       indicator_ids=[catalogue[0].id], change_note="x",
                                       due_date=None, expected_version=fresh(round_).version),
        lambda: services.round_finalise(user=org.head.user, round_=round_, reason="x",
                                        expected_version=fresh(round_).version),
    ]
    for attempt in attempts:
        with pytest.raises(OutOfTurn) as refusal:
            attempt()
        assert refusal.value.code == "round_cancelled"
    with pytest.raises(OutOfTurn) as refusal:
        _cancel(org, round_)
    assert refusal.value.code == "round_cancelled"
    with pytest.raises(OutOfTurn):
        services.round_reopen(user=org.head.user, round_=round_, reason="x",
                              expected_version=fresh(round_).version)
    assert database_state() == before


def test_the_period_of_a_cancelled_round_is_started_again(org, sop, signed_round):
    _cancel(org, signed_round)
    offer = services.period_offer(sop)
    assert offer.find(2026, "Q3") is not None
    today = timezone.localdate()
    draft = services.disposition_create(
        user=org.head.user, sop=sop, year=2026, period="Q3", date=today, speed="biasa",
        security="biasa", subject="Data kinerja TW III", instruction="Kumpulkan lagi.",
        deadline=today + timedelta(days=7))
    again = services.disposition_sign(user=org.head.user, disposition=draft,
                                      expected_version=draft.version)
    assert again.id != signed_round.id
    assert sorted(Round.objects.filter(year=2026, period="Q3").values_list("status", flat=True)
                  ) == [RoundStatus.CANCELLED, RoundStatus.OPEN]
    assert [task.execution.round_id for task in _tasks(org.secretary)] == [again.id]
    assert services.period_offer(sop).find(2026, "Q3") is None


def test_finalising_without_units_closes_through_the_engine(org, catalogue, entry_round,
                                                            monkeypatch):
    """The head's finalising asks the engine to close the waiting steps, as cancelling does."""
    from kinerja.collection import engine

    calls = []
    original = engine.close_open
    monkeypatch.setattr(engine, "close_open",
                        lambda round_, **kw: calls.append(round_.id) or original(round_, **kw))
    services.round_finalise(user=org.head.user, round_=entry_round, reason="Batas LKjIP",
                            expected_version=fresh(entry_round).version)
    assert calls == [entry_round.id]
    assert not StepExecution.objects.filter(round=entry_round,
                                            status=ExecutionStatus.OPEN).exists()


# -- the pages -------------------------------------------------------------------------------

def _post_cancel(client, person, round_, **data):
    client.force_login(person.user)
    return client.post(reverse("collection:round_action", args=[round_.id, "cancel"]),
                       {"version": fresh(round_).version, **data})


def test_the_round_page_offers_the_cancel_form_to_the_head_only(client, org, signed_round):
    url = reverse("collection:round_detail", args=[signed_round.id])
    client.force_login(org.head.user)
    page = client.get(url)
    assert page.context["cancel_form"] is not None
    assert b'id="form-cancel"' in page.content
    for persona in (org.secretary, org.kabid_x, org.staff_data):
        client.force_login(persona.user)
        page = client.get(url)
        assert page.context["cancel_form"] is None
        assert b'id="form-cancel"' not in page.content


def test_the_head_cancels_on_the_page_after_confirming(client, org, signed_round):
    round_ = signed_round
    before = database_state()
    response = _post_cancel(client, org.head, round_, reason="Tahun salah.")
    assert response.status_code == 400  # not confirmed
    assert "confirm" in response.context["cancel_form"].errors
    assert database_state() == before

    response = _post_cancel(client, org.head, round_, reason="Tahun salah.", confirm="on")
    assert response.status_code == 302
    assert fresh(round_).status == RoundStatus.CANCELLED

    page = client.get(reverse("collection:round_detail", args=[round_.id]))
    assert b'id="round-cancelled"' in page.content
    assert b"Tahun salah." in page.content
    assert page.context["cancel_form"] is None and page.context["forms"] == {}
    listing = client.get(reverse("collection:round_list"))
    assert f'data-round="{round_.id}" data-status="cancelled"'.encode() in listing.content


@pytest.mark.parametrize("persona, status", [("secretary", 403), ("kabid_x", 403),
                                             ("outsider", 404)])
def test_others_cannot_cancel_on_the_page(client, org, signed_round, persona, status):
    before = database_state()
    response = _post_cancel(client, getattr(org, persona), signed_round, reason="Salah",
                            confirm="on")
    assert response.status_code == status
    assert database_state() == before


def test_the_documents_of_a_cancelled_round_are_marked_on_its_page_and_in_the_archive(
        client, org, signed_round):
    round_ = signed_round
    document = _document(round_, round_.executions.get(step__number=1))
    _post_cancel(client, org.head, round_, reason="Tahun salah.", confirm="on")
    page = client.get(reverse("collection:round_detail", args=[round_.id]))
    assert f'data-document="{document.identifier}"'.encode() in page.content
    assert b"data-cancelled=" in page.content
    archive = zipfile.ZipFile(io.BytesIO(round_archive(Viewer.for_user(org.head.user),
                                                       fresh(round_))))
    [row] = list(csv.DictReader(io.StringIO(archive.read("index.csv").decode())))
    assert row["cancelled"].startswith(str(timezone.localdate().year))


def test_the_round_list_never_shows_a_cancelled_round_as_in_progress(client, org, sop,
                                                                     signed_round):
    _cancel(org, signed_round)
    client.force_login(org.staff_x.user)
    content = client.get(reverse("collection:round_list")).content.decode()
    row = content[content.index(f'data-round="{signed_round.id}"'):]
    row = row[:row.index("</tr>")]
    assert 'data-status="cancelled"' in row
    assert str(RoundStatus.OPEN.label) not in row


# -- the API ---------------------------------------------------------------------------------

def _caller(person):
    return Caller(api_token_create(user=person.user, name="t")[1])


def test_the_api_cancels_and_shows_the_cancelled_round(org, signed_round):
    round_ = signed_round
    head = _caller(org.head)
    body = head.ok("POST", f"/rounds/{round_.id}/cancel",
                   {"version": fresh(round_).version, "reason": "Tahun salah."})
    assert body["status"] == "cancelled"
    [summary] = head.ok("GET", "/rounds")
    assert summary["status"] == "cancelled" and summary["cancel_reason"] == "Tahun salah."
    assert summary["cancelled_at"]
    detail = head.ok("GET", f"/rounds/{round_.id}")
    assert all(e["status"] != "open" for step in detail["steps"] for e in step["executions"])
    assert _caller(org.secretary).ok("GET", "/tasks") == []


def test_the_api_refuses_others_and_an_empty_reason(org, signed_round):
    round_ = signed_round
    path, body = f"/rounds/{round_.id}/cancel", {"version": fresh(round_).version,
                                                 "reason": "Salah"}
    callers = {persona: _caller(getattr(org, persona))
               for persona in ("secretary", "kabid_x", "outsider", "head")}
    before = database_state()
    for persona, status in (("secretary", 403), ("kabid_x", 403), ("outsider", 404)):
        response = callers[persona].post(path, body)
        assert response.status_code == status, persona
    response = callers["head"].post(path, {**body, "reason": ""})
    assert response.status_code == 409 and response.json()["code"] == "reason_required"
    assert database_state() == before
