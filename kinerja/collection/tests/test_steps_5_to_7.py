from decimal import Decimal

import pytest

from kinerja.collection import services
from kinerja.collection.models import (
    ExecutionStatus,
    IndicatorValue,
    ReturnRecord,
    TrackStage,
)
from kinerja.collection.services import ValueEntry
from kinerja.core.errors import OutOfTurn, PermissionDenied
from kinerja.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def track_of(round_, unit):
    return round_.tracks.get(unit=unit)


def entry(indicator, text, explanation="", version=0):
    return ValueEntry(indicator_id=indicator.id, value_text=text, explanation=explanation,
                      expected_version=version)


def open_steps(track):
    return sorted(e.step.number for e in track.executions.filter(status=ExecutionStatus.OPEN))


def test_staff_enter_indonesian_numbers_as_a_draft(org, entry_round, catalogue):
    track = track_of(entry_round, org.division_x)
    x1, x2 = catalogue[0], catalogue[1]
    # 1.234,5 against a target of 10 is far from it (docs/domain.md §10): confirmed here.
    saved = services.values_save(user=org.staff_x.user, track=track, entries=[
        services.ValueEntry(indicator_id=x1.id, value_text="1.234,5", explanation="Benar",
                            confirm_implausible=True), entry(x2, "7")])
    assert [v.value for v in saved] == [Decimal("1234.5"), Decimal("7")]
    assert AuditEvent.objects.filter(action="value.saved").count() == 2
    # Staff of the Subbidang work on their Bidang's data too.
    services.values_save(user=org.staff_data.user, track=track,
                         entries=[entry(x2, "8", version=1)])
    assert IndicatorValue.objects.get(indicator=x2).value == 8


def test_values_of_another_unit_or_by_the_wrong_role_are_refused(org, entry_round,
                                                                  catalogue):
    track = track_of(entry_round, org.division_x)
    for person in (org.staff_y, org.kabid_y, org.head, org.outsider):
        with pytest.raises(PermissionDenied):
            services.values_save(user=person.user, track=track,
                                 entries=[entry(catalogue[0], "1")])
    with pytest.raises(OutOfTurn):  # an indicator of another unit
        services.values_save(user=org.staff_x.user, track=track,
                             entries=[entry(catalogue[2], "1")])
    assert not IndicatorValue.objects.exists()


@pytest.mark.parametrize(("text", "data_type", "aggregation", "decimals"), [
    ("sepuluh", "number", "last", 2),
    ("101", "percent", "last", 2),
    ("-1", "number", "sum", 2),
    ("-1", "index", "average", 2),
    ("1,234", "number", "last", 2),
])
def test_bad_values_are_refused_and_nothing_is_saved(org, entry_round, catalogue, text,
                                                     data_type, aggregation, decimals):
    x1, x2 = catalogue[0], catalogue[1]
    x1.data_type, x1.aggregation, x1.decimals = data_type, aggregation, decimals
    x1.save()
    track = track_of(entry_round, org.division_x)
    with pytest.raises(OutOfTurn) as error:
        services.values_save(user=org.staff_x.user, track=track,
                             entries=[entry(x2, "5"), entry(x1, text)])
    assert error.value.details[0].startswith("X1:")
    assert not IndicatorValue.objects.exists()


def test_negative_growth_rates_are_allowed(org, entry_round, catalogue):
    x1 = catalogue[0]
    x1.data_type, x1.aggregation = "number", "last"
    x1.save()
    track = track_of(entry_round, org.division_x)
    (saved,) = services.values_save(user=org.staff_x.user, track=track,
                                    entries=[entry(x1, "-2,5")])
    assert saved.value == Decimal("-2.5")


def test_a_stale_value_edit_is_refused(org, entry_round, catalogue):
    track = track_of(entry_round, org.division_x)
    services.values_save(user=org.staff_x.user, track=track, entries=[entry(catalogue[0], "1")])
    services.values_save(user=org.staff_data.user, track=track,
                         entries=[entry(catalogue[0], "2", version=1)])
    with pytest.raises(OutOfTurn) as error:
        services.values_save(user=org.staff_x.user, track=track,
                             entries=[entry(catalogue[0], "3", version=1)])
    assert "first" in error.value.details[0] or "lebih dahulu" in error.value.details[0]
    assert IndicatorValue.objects.get().value == 2


def test_two_units_working_at_once_never_refuse_each_other(org, entry_round, catalogue):
    x_track, y_track = track_of(entry_round, org.division_x), track_of(entry_round,
                                                                        org.division_y)
    services.values_save(user=org.staff_x.user, track=x_track,
                         entries=[entry(catalogue[0], "1")])
    services.values_save(user=org.staff_y.user, track=y_track,
                         entries=[entry(catalogue[2], "1")])
    services.values_save(user=org.staff_x.user, track=x_track,
                         entries=[entry(catalogue[1], "1")])
    assert IndicatorValue.objects.count() == 3


def fill_and_submit(org, track, catalogue, x1="10", x2="10"):
    services.values_save(user=org.staff_x.user, track=track,
                         entries=[entry(catalogue[0], x1, "Sesuai target"),
                                  entry(catalogue[1], x2, "Sesuai target")])
    services.data_entry_complete(user=org.staff_x.user, track=track,
                                 expected_version=track.version)
    track.refresh_from_db()
    services.unit_recap_submit(user=org.staff_x.user, track=track,
                               expected_version=track.version)
    track.refresh_from_db()
    return track


def test_submission_lists_what_is_missing(org, entry_round, catalogue):
    track = track_of(entry_round, org.division_x)
    services.values_save(user=org.staff_x.user, track=track,
                         entries=[entry(catalogue[0], "10")])
    with pytest.raises(OutOfTurn) as error:
        services.data_entry_complete(user=org.staff_x.user, track=track,
                                     expected_version=track.version)
    assert error.value.code == "incomplete"
    assert any("X2" in detail for detail in error.value.details)
    assert open_steps(track) == [5]


def test_submitted_recap_is_locked_and_goes_to_the_unit_head(org, entry_round, catalogue):
    track = fill_and_submit(org, track_of(entry_round, org.division_x), catalogue)
    assert track.stage == TrackStage.SUBMITTED
    assert open_steps(track) == [7]
    with pytest.raises(OutOfTurn):
        services.values_save(user=org.staff_x.user, track=track,
                             entries=[entry(catalogue[0], "11", version=1)])
    for person in (org.staff_x, org.kabid_y, org.secretary):
        with pytest.raises(PermissionDenied):
            services.unit_recap_approve(user=person.user, track=track,
                                        expected_version=track.version)


def test_return_with_reason_then_resubmit_shows_what_changed(org, entry_round, catalogue):
    track = fill_and_submit(org, track_of(entry_round, org.division_x), catalogue)
    with pytest.raises(OutOfTurn):
        services.unit_recap_return(user=org.kabid_x.user, track=track, reason=" ",
                                   comments={}, expected_version=track.version)
    services.unit_recap_return(user=org.kabid_x.user, track=track,
                               reason="Nilai X1 belum sesuai laporan.",
                               comments={catalogue[0].id: "Periksa lagi"},
                               expected_version=track.version)
    track.refresh_from_db()
    assert track.stage == TrackStage.DRAFT
    assert open_steps(track) == [5]
    record = ReturnRecord.objects.get()
    assert record.comments == {str(catalogue[0].id): "Periksa lagi"}
    value = IndicatorValue.objects.get(indicator=catalogue[0])
    services.values_save(user=org.staff_x.user, track=track,
                         entries=[entry(catalogue[0], "12", "Dikoreksi", version=value.version)])
    services.data_entry_complete(user=org.staff_x.user, track=track,
                                 expected_version=track.version)
    track.refresh_from_db()
    services.unit_recap_submit(user=org.staff_x.user, track=track,
                               expected_version=track.version)
    [change] = services.changes_since_return(track)
    assert change.indicator_id == catalogue[0].id
    assert (change.before_value, change.after_value) == (10, 12)
    assert (change.before["explanation"], change.after["explanation"]) == ("Sesuai target",
                                                                           "Dikoreksi")
    assert change.value_changed and change.explanation_changed
    assert change.evidence_added == change.evidence_removed == ()
    track.refresh_from_db()
    services.unit_recap_approve(user=org.kabid_x.user, track=track,
                                expected_version=track.version)
    steps = list(track.executions.order_by("id").values_list("step__number", "status"))
    assert steps[-1] == (8, "open")
    assert (7, "returned") in steps and (7, "done") in steps
    assert [s for s in steps if s[0] == 5] == [(5, "done"), (5, "done")]


def test_the_secretary_validates_the_sekretariat(org, entry_round, catalogue):
    track = track_of(entry_round, org.secretariat)
    services.values_save(user=org.staff_secretariat.user, track=track,
                         entries=[entry(catalogue[3], "9", "Hampir tercapai")])
    services.data_entry_complete(user=org.staff_secretariat.user, track=track,
                                 expected_version=track.version)
    track.refresh_from_db()
    services.unit_recap_submit(user=org.staff_secretariat.user, track=track,
                               expected_version=track.version)
    track.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.unit_recap_approve(user=org.kabid_x.user, track=track,
                                    expected_version=track.version)
    services.unit_recap_approve(user=org.secretary.user, track=track,
                                expected_version=track.version)
    assert open_steps(track) == [8]


def test_a_year_round_starts_from_the_quarters_and_a_change_needs_a_reason(org, sop,
                                                                          catalogue):
    from datetime import timedelta

    from django.utils import timezone

    from kinerja.collection.models import Round, Track
    from kinerja.conftest import fresh

    x1, x2 = catalogue[0], catalogue[1]
    x1.aggregation, x2.aggregation = "sum", "last"
    x1.save()
    x2.save()
    for number, (a, b) in enumerate([("2", "50"), ("3", "60"), ("4", "70")], start=1):
        quarter = Round.objects.create(agency=org.agency, sop=sop,
                                       sop_version=sop.current_version, year=2026,
                                       period=f"Q{number}", status="finalised")
        track = Track.objects.create(round=quarter, unit=org.division_x, stage=3)
        IndicatorValue.objects.create(track=track, indicator=x1, value=Decimal(a))
        IndicatorValue.objects.create(track=track, indicator=x2, value=Decimal(b))
    today = timezone.localdate()
    draft = services.disposition_create(
        user=org.head.user, sop=sop, year=2026, period="Y", date=today, speed="biasa",
        security="biasa", subject="Data tahunan", instruction="x",
        deadline=today + timedelta(days=9))
    round_ = services.disposition_sign(user=org.head.user, disposition=draft,
                                       expected_version=draft.version)
    services.disposition_forward(user=org.secretary.user, round_=round_, instruction="x",
                                 expected_version=fresh(round_).version)
    services.disposition_initial(user=org.kasubbag_planning.user, round_=round_,
                                 expected_version=fresh(round_).version)
    services.format_create(user=org.kasubbid_data.user, round_=round_,
                           due_date=today + timedelta(days=5),
                           expected_version=fresh(round_).version)
    services.format_finalise(user=org.kasubbid_data.user, round_=round_,
                             expected_version=fresh(round_).version)
    services.format_send(user=org.kasubbid_data.user, round_=round_,
                         expected_version=fresh(round_).version)
    track = round_.tracks.get(unit=org.division_x)
    values = {v.indicator_id: v for v in track.values.all()}
    assert values[x1.id].value == 9  # sum of the quarters: 2 + 3 + 4
    assert values[x2.id].value == 70  # last reported quarter
    services.meeting_record(user=org.kasubbid_data.user, round_=round_,
                            held_at=timezone.now(), place="Aula", invitees=[org.kabid_x],
                            attendees=[], minutes="x", decisions="",
                            expected_version=fresh(round_).version)
    with pytest.raises(OutOfTurn) as error:
        services.values_save(user=org.staff_x.user, track=track,
                             entries=[entry(x1, "10", version=1)])
    assert error.value.details[0].startswith("X1:")
    services.values_save(user=org.staff_x.user, track=track, entries=[ValueEntry(
        indicator_id=x1.id, value_text="10", change_reason="Koreksi laporan TW IV",
        expected_version=1)])
    assert IndicatorValue.objects.get(track=track, indicator=x1).value == 10
    # Keeping the quarters' total needs no reason.
    services.values_save(user=org.staff_x.user, track=track,
                         entries=[entry(x2, "70", "ok", version=1)])


def test_validating_before_submission_is_out_of_turn(org, entry_round, catalogue):
    track = track_of(entry_round, org.division_x)
    with pytest.raises(OutOfTurn) as error:
        services.unit_recap_approve(user=org.kabid_x.user, track=track,
                                    expected_version=track.version)
    assert "7" in error.value.message
    with pytest.raises(OutOfTurn):
        services.unit_recap_submit(user=org.staff_x.user, track=track,
                                   expected_version=track.version)
    assert open_steps(track) == [5]
