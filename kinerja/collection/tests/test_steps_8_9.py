import pytest
from django.urls import reverse

from kinerja.collection import services
from kinerja.collection.models import ExecutionStatus, RoundStatus, TrackStage
from kinerja.collection.services import ValueEntry
from kinerja.conftest import fresh, hand_over_and_acknowledge
from kinerja.core.errors import OutOfTurn, PermissionDenied
from kinerja.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_handover_then_acknowledgement(org, validated_round):
    track = validated_round.tracks.get(unit=org.division_y)
    with pytest.raises(OutOfTurn):  # nothing handed over yet
        services.handover_acknowledge(user=org.kasubbid_data.user, track=track,
                                      expected_version=track.version)
    with pytest.raises(PermissionDenied):
        services.handover_submit(user=org.kabid_x.user, track=track,
                                 expected_version=track.version)
    services.handover_submit(user=org.kabid_y.user, track=track, expected_version=track.version)
    track.refresh_from_db()
    assert track.stage == TrackStage.HANDED_OVER
    with pytest.raises(PermissionDenied):
        services.handover_acknowledge(user=org.kabid_y.user, track=track,
                                      expected_version=track.version)
    services.handover_acknowledge(user=org.kasubbid_data.user, track=track,
                                  expected_version=track.version)
    track.refresh_from_db()
    assert track.stage == TrackStage.FINAL
    assert not validated_round.executions.filter(step__number=9).exists()  # others missing


def test_data_subsection_returns_a_handover_to_the_unit_head(org, validated_round):
    track = validated_round.tracks.get(unit=org.division_y)
    services.handover_submit(user=org.kabid_y.user, track=track, expected_version=track.version)
    track.refresh_from_db()
    with pytest.raises(OutOfTurn):
        services.handover_return(user=org.kasubbid_data.user, track=track, reason="",
                                 expected_version=track.version)
    services.handover_return(user=org.kasubbid_data.user, track=track,
                             reason="Lampiran tidak lengkap", expected_version=track.version)
    track.refresh_from_db()
    assert track.stage == TrackStage.SUBMITTED
    open_steps = [e.step.number for e in track.executions.filter(status=ExecutionStatus.OPEN)]
    assert open_steps == [7]


def test_agency_recap_waits_for_every_track_then_the_data_staff_finalise(org, validated_round):
    for track in validated_round.tracks.all():
        hand_over_and_acknowledge(org, track)
    round_ = fresh(validated_round)
    step_9 = round_.executions.get(step__number=9)
    assert step_9.status == ExecutionStatus.OPEN
    with pytest.raises(PermissionDenied):
        services.round_finalise(user=org.kabid_x.user, round_=round_,
                                expected_version=round_.version)
    services.round_finalise(user=org.staff_data.user, round_=round_,
                            expected_version=round_.version)
    round_ = fresh(round_)
    assert round_.status == RoundStatus.FINALISED
    assert not round_.executions.filter(status=ExecutionStatus.OPEN).exists()
    with pytest.raises(OutOfTurn):  # locked as report material
        track = round_.tracks.first()
        services.values_save(user=org.staff_x.user, track=track, entries=[])


def test_head_finalises_without_missing_units_only_with_a_reason(org, validated_round):
    hand_over_and_acknowledge(org, validated_round.tracks.get(unit=org.division_x))
    round_ = fresh(validated_round)
    with pytest.raises(PermissionDenied):
        services.round_finalise(user=org.staff_data.user, round_=round_,
                                expected_version=round_.version)
    with pytest.raises(OutOfTurn) as error:
        services.round_finalise(user=org.head.user, round_=round_,
                                expected_version=round_.version)
    assert "Bidang Y" in error.value.message and "Sekretariat" in error.value.message
    services.round_finalise(user=org.head.user, round_=round_, reason="Batas waktu LKjIP",
                            expected_version=round_.version)
    round_ = fresh(round_)
    assert round_.status == RoundStatus.FINALISED
    step_9 = round_.executions.get(step__number=9)
    assert "Bidang Y" in step_9.note and "Batas waktu LKjIP" in step_9.note
    assert round_.executions.filter(status=ExecutionStatus.CLOSED).exists()


def test_reopening_needs_the_head_and_a_reason_and_is_audited(org, validated_round):
    for track in validated_round.tracks.all():
        hand_over_and_acknowledge(org, track)
    round_ = fresh(validated_round)
    services.round_finalise(user=org.staff_data.user, round_=round_,
                            expected_version=round_.version)
    round_ = fresh(round_)
    with pytest.raises(PermissionDenied):
        services.round_reopen(user=org.secretary.user, round_=round_, reason="x",
                              expected_version=round_.version)
    with pytest.raises(OutOfTurn):
        services.round_reopen(user=org.head.user, round_=round_, reason=" ",
                              expected_version=round_.version)
    services.round_reopen(user=org.head.user, round_=round_, reason="Koreksi data Bidang X",
                          expected_version=round_.version)
    round_ = fresh(round_)
    assert round_.status == RoundStatus.OPEN
    assert AuditEvent.objects.filter(action="round.reopened").get().data["reason"] == (
        "Koreksi data Bidang X")


def test_agency_recap_page_shows_only_units_the_viewer_may_see(client, org, validated_round):
    hand_over_and_acknowledge(org, validated_round.tracks.get(unit=org.division_y))
    url = reverse("collection:agency_recap", args=[validated_round.id])
    client.force_login(org.kasubbid_data.user)
    page = client.get(url)
    codes = {row.indicator.code for _goal, objectives in page.context["groups"]
             for _objective, rows in objectives for row in rows}
    # The data subsection sees Bidang Y (handed over) and its own Bidang X, not the
    # Sekretariat's validated-but-not-handed-over data.
    assert codes == {"X1", "X2", "Y1"}
    client.force_login(org.head.user)
    codes = {row.indicator.code for _goal, objectives in client.get(url).context["groups"]
             for _objective, rows in objectives for row in rows}
    assert codes == {"X1", "X2", "Y1", "S1"}
    client.force_login(org.staff_y.user)
    codes = {row.indicator.code for _goal, objectives in client.get(url).context["groups"]
             for _objective, rows in objectives for row in rows}
    assert codes == {"Y1"}


def test_history_page_lists_the_round_in_order_without_other_units_drafts(client, org,
                                                                          entry_round,
                                                                          catalogue):
    track = entry_round.tracks.get(unit=org.division_x)
    services.values_save(user=org.staff_x.user, track=track, entries=[
        ValueEntry(indicator_id=catalogue[0].id, value_text="7")])
    url = reverse("collection:round_history", args=[entry_round.id])
    client.force_login(org.staff_x.user)
    actions = [event.action for event in client.get(url).context["events"]]
    assert actions[:2] == ["round.opened", "disposition.forwarded"]
    assert "value.saved" in actions and actions.index("value.saved") > actions.index(
        "meeting.recorded")
    client.force_login(org.staff_y.user)
    actions = [event.action for event in client.get(url).context["events"]]
    assert "value.saved" not in actions and "meeting.recorded" in actions


def test_a_unit_the_head_finalised_without_can_be_reopened_and_then_is_waited_for(
        org, validated_round):
    """Finalised without Bidang Y (its hand-over never done), reopened for Y at its
    validation: the data staff may finalise once Y is through, without the head."""
    for unit in (org.division_x, org.secretariat):
        hand_over_and_acknowledge(org, validated_round.tracks.get(unit=unit))
    round_ = fresh(validated_round)
    services.round_finalise(user=org.head.user, round_=round_, reason="Batas waktu LKjIP",
                            expected_version=round_.version)
    round_ = fresh(round_)
    services.round_reopen(user=org.head.user, round_=round_, reason="Bidang Y menyusul",
                          track_ids=[round_.tracks.get(unit=org.division_y).pk],
                          step_number=7, expected_version=round_.version)
    round_ = fresh(round_)
    y = round_.tracks.get(unit=org.division_y)
    services.unit_recap_approve(user=org.kabid_y.user, track=y, expected_version=y.version)
    y.refresh_from_db()
    hand_over_and_acknowledge(org, y)
    round_ = fresh(round_)
    services.round_finalise(user=org.staff_data.user, round_=round_,
                            expected_version=round_.version)
    assert fresh(round_).status == RoundStatus.FINALISED
    assert services.missing_units(round_) == []
