"""The head reopens a finalised round for chosen units back to a chosen step (issue 12,
item 4): those units go through the SOP again from there, the agency recap waits for them,
and the round is finalised again with a second snapshot; through the service, the page and
the API, in the audit trail."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from kinerja.accounts.services import api_token_create
from kinerja.api.tests.support import Caller
from kinerja.collection import services
from kinerja.collection.models import (
    ExecutionStatus,
    FinalisedRecap,
    IndicatorValue,
    RoundStatus,
    StepExecution,
    TrackStage,
)
from kinerja.collection.services import ValueEntry
from kinerja.collection.snapshot import current_snapshot
from kinerja.conftest import fresh, hand_over_and_acknowledge
from kinerja.core.errors import OutOfTurn, PermissionDenied
from kinerja.core.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.built_once("finalised_round")]


def open_steps(round_) -> list[tuple[str, int]]:
    return sorted((e.track.unit.code if e.track else "-", e.step.number)
                  for e in StepExecution.objects.filter(round=round_,
                                                        status=ExecutionStatus.OPEN)
                  .select_related("track__unit", "step"))


def reopen(org, round_, units, step, reason="Koreksi data Bidang X"):
    round_ = fresh(round_)
    return services.round_reopen(
        user=org.head.user, round_=round_, reason=reason, step_number=step,
        track_ids=[round_.tracks.get(unit=unit).pk for unit in units],
        expected_version=round_.version)


def test_a_unit_reopened_to_data_entry_corrects_its_value_and_the_round_is_finalised_again(
        org, finalised_round, catalogue):
    x1 = catalogue[0]
    first = current_snapshot(finalised_round)
    reopen(org, finalised_round, [org.division_x], 5)
    round_ = fresh(finalised_round)
    assert round_.status == RoundStatus.OPEN
    # Only Bidang X waits, at data entry, as a draft its staff may change; the others stay
    # final, and the agency recap waits for Bidang X.
    assert open_steps(round_) == [("bidang-x", 5)]
    x = round_.tracks.get(unit=org.division_x)
    assert x.stage == TrackStage.DRAFT
    assert {t.unit_id: t.stage for t in round_.tracks.exclude(pk=x.pk)} == {
        org.division_y.id: TrackStage.FINAL, org.secretariat.id: TrackStage.FINAL}
    stored = IndicatorValue.objects.get(track=x, indicator=x1)
    services.values_save(user=org.staff_x.user, track=x, entries=[ValueEntry(
        indicator_id=x1.id, value_text="9", explanation="Dikoreksi",
        change_reason="Koreksi data Bidang X", expected_version=stored.version)])
    x.refresh_from_db()
    services.data_entry_complete(user=org.staff_x.user, track=x, expected_version=x.version)
    x.refresh_from_db()
    services.unit_recap_submit(user=org.staff_x.user, track=x, expected_version=x.version)
    x.refresh_from_db()
    assert open_steps(round_) == [("bidang-x", 7)]
    services.unit_recap_approve(user=org.kabid_x.user, track=x, expected_version=x.version)
    x.refresh_from_db()
    hand_over_and_acknowledge(org, x)
    # Every unit through: the agency recap waits again, and the data staff finalise.
    assert open_steps(round_) == [("-", 9)]
    round_ = fresh(round_)
    services.round_finalise(user=org.staff_data.user, round_=round_,
                            expected_version=round_.version)
    round_ = fresh(round_)
    assert round_.status == RoundStatus.FINALISED
    second = current_snapshot(round_)
    assert (first.number, second.number) == (1, 2)
    assert FinalisedRecap.objects.get(pk=first.pk).superseded_at is not None
    assert second.rows.get(indicator=x1).value == Decimal("9")
    assert first.rows.get(indicator=x1).value == Decimal("8")


def test_a_unit_reopened_to_validation_is_locked_and_goes_through_the_unit_head(
        org, finalised_round):
    reopen(org, finalised_round, [org.division_x, org.division_y], 7)
    round_ = fresh(finalised_round)
    assert open_steps(round_) == [("bidang-x", 7), ("bidang-y", 7)]
    x = round_.tracks.get(unit=org.division_x)
    assert x.stage == TrackStage.SUBMITTED
    with pytest.raises(OutOfTurn):
        services.values_save(user=org.staff_x.user, track=x, entries=[ValueEntry(
            indicator_id=IndicatorValue.objects.filter(track=x).first().indicator_id,
            value_text="1", expected_version=1)])
    services.unit_recap_approve(user=org.kabid_x.user, track=x, expected_version=x.version)
    x.refresh_from_db()
    hand_over_and_acknowledge(org, x)
    # Bidang Y is still at its validation: the agency recap does not open for X alone.
    assert open_steps(round_) == [("bidang-y", 7)]


def test_reopening_without_units_only_opens_the_agency_recap(org, finalised_round):
    reopen(org, finalised_round, [], None, reason="Koreksi catatan")
    assert open_steps(finalised_round) == [("-", 9)]


@pytest.mark.parametrize("units, step, code", [
    (["division_x"], None, "invalid_step"),
    (["division_x"], 9, "invalid_step"),   # the agency recap is no unit's step
    (["division_x"], 3, "invalid_step"),   # nor is the sending
    (["division_x"], 8, "invalid_step"),   # nor the hand-over: the validation is
    ([], 5, "units_required"),
])
def test_reopening_to_a_step_a_unit_cannot_go_back_to_is_refused_and_changes_nothing(
        org, finalised_round, units, step, code):
    with pytest.raises(OutOfTurn) as error:
        reopen(org, finalised_round, [getattr(org, unit) for unit in units], step)
    assert error.value.code == code
    assert fresh(finalised_round).status == RoundStatus.FINALISED
    assert open_steps(finalised_round) == []


def test_the_refusal_names_the_steps_a_unit_may_go_back_to(org, finalised_round):
    with pytest.raises(OutOfTurn) as error:
        reopen(org, finalised_round, [org.division_x], 9)
    assert all(str(number) in error.value.message for number in (5, 6, 7))


def test_a_track_of_another_round_is_refused(org, finalised_round):
    round_ = fresh(finalised_round)
    with pytest.raises(OutOfTurn) as error:
        services.round_reopen(user=org.head.user, round_=round_, reason="x", step_number=5,
                              track_ids=[10**9], expected_version=round_.version)
    assert error.value.code == "invalid_units"


@pytest.mark.parametrize("persona", ["secretary", "kabid_x", "staff_data", "outsider"])
def test_only_the_head_of_the_agency_reopens(org, finalised_round, persona):
    round_ = fresh(finalised_round)
    with pytest.raises(PermissionDenied):
        services.round_reopen(user=getattr(org, persona).user, round_=round_, reason="x",
                              step_number=5,
                              track_ids=[round_.tracks.get(unit=org.division_x).pk],
                              expected_version=round_.version)
    assert fresh(round_).status == RoundStatus.FINALISED


def test_the_reopening_is_in_the_audit_trail_with_its_units_and_step(org, finalised_round):
    reopen(org, finalised_round, [org.division_x], 5)
    event = AuditEvent.objects.get(action="round.reopened")
    assert event.data["units"] == [org.division_x.name]
    assert event.step == 5
    assert event.data["reason"] == "Koreksi data Bidang X"
    assert "back to step 5" in event.summary


def test_the_page_reopens_chosen_units_to_the_chosen_step(client, org, finalised_round):
    round_ = fresh(finalised_round)
    x = round_.tracks.get(unit=org.division_x)
    client.force_login(org.head.user)
    page = client.get(reverse("collection:round_detail", args=[round_.id]))
    form = page.context["forms"]["reopen"]
    assert [choice for choice, _label in form.fields["step"].choices] == ["", 5, 6, 7]
    assert set(form.fields["tracks"].queryset) == set(round_.tracks.all())
    response = client.post(reverse("collection:round_action", args=[round_.id, "reopen"]),
                           {"version": round_.version, "reason": "Koreksi data Bidang X",
                            "tracks": [x.pk], "step": "5"})
    assert response.status_code == 302
    assert open_steps(round_) == [("bidang-x", 5)]


def test_the_page_refuses_units_without_a_step_with_a_message(client, org, finalised_round):
    round_ = fresh(finalised_round)
    x = round_.tracks.get(unit=org.division_x)
    client.force_login(org.head.user)
    response = client.post(reverse("collection:round_action", args=[round_.id, "reopen"]),
                           {"version": round_.version, "reason": "Koreksi",
                            "tracks": [x.pk], "step": ""})
    assert response.status_code == 409
    assert fresh(round_).status == RoundStatus.FINALISED


def test_the_page_refuses_another_role(client, org, finalised_round):
    round_ = fresh(finalised_round)
    client.force_login(org.kabid_x.user)
    response = client.post(reverse("collection:round_action", args=[round_.id, "reopen"]),
                           {"version": round_.version, "reason": "Koreksi",
                            "tracks": [round_.tracks.get(unit=org.division_x).pk],
                            "step": "5"})
    assert response.status_code == 403
    assert fresh(round_).status == RoundStatus.FINALISED


def test_the_api_reopens_chosen_units_to_the_chosen_step(org, finalised_round):
    round_ = fresh(finalised_round)
    caller = Caller(api_token_create(user=org.head.user, name="t")[1])
    y = round_.tracks.get(unit=org.division_y)
    state = caller.ok("POST", f"/rounds/{round_.id}/reopen", {
        "version": round_.version, "reason": "Koreksi Bidang Y", "track_ids": [y.pk],
        "step": 6})
    assert state["status"] == "open"
    assert open_steps(round_) == [("bidang-y", 6)]


def test_the_api_refuses_a_wrong_step_and_another_role(org, finalised_round):
    round_ = fresh(finalised_round)
    y = round_.tracks.get(unit=org.division_y)
    body = {"version": round_.version, "reason": "Koreksi", "track_ids": [y.pk], "step": 9}
    head = Caller(api_token_create(user=org.head.user, name="t")[1])
    answer = head.ok("POST", f"/rounds/{round_.id}/reopen", body, status=409)
    assert answer["code"] == "invalid_step"
    kabid = Caller(api_token_create(user=org.kabid_y.user, name="t")[1])
    kabid.ok("POST", f"/rounds/{round_.id}/reopen", {**body, "step": 6}, status=403)
    assert fresh(round_).status == RoundStatus.FINALISED
