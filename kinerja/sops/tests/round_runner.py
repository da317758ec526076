"""Runs a round of any SOP the loader accepts, to the end, by the kind of each waiting step:
the tests of the loader's contract and of the variant SOPs share it."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from kinerja.collection import services
from kinerja.collection.models import IndicatorValue, RoundStatus, TrackStage
from kinerja.conftest import open_round

PER_UNIT_KINDS = {"data_entry", "unit_recap", "validation", "handover"}


def run_round(org, sop, catalogue, *, until=None) -> tuple[object, list[str]]:
    """Do whatever the round waits for, by the waiting step's kind, until it is finalised.
    Bidang X's data is returned once by the first validation, Bidang Y's once by a second
    validation level (the Sekretaris's, when the SOP has one) and once by the hand-over
    (when it has one). Returns the round and "number:kind" of each step done, in order;
    with `until`, stops before the first waiting execution it holds true for."""
    today = timezone.localdate()
    round_ = open_round(org, sop)
    x1, x2, y1, s1 = catalogue
    people = {org.division_x.id: (org.staff_x, org.kabid_x, {x1: "8", x2: "12"}),
              org.division_y.id: (org.staff_y, org.kabid_y, {y1: "5"}),
              org.secretariat.id: (org.staff_secretariat, org.secretary, {s1: "10"})}
    has_format_step = sop.current_version.steps.filter(kind="data_request_format").exists()
    returned: list[str] = []
    done: list[str] = []

    def build_format():
        round_.refresh_from_db()
        services.format_create(user=org.kasubbid_data.user, round_=round_,
                               due_date=today + timedelta(days=10),
                               expected_version=round_.version)
        round_.refresh_from_db()
        services.format_finalise(user=org.kasubbid_data.user, round_=round_,
                                 expected_version=round_.version)

    for _turn in range(80):
        round_.refresh_from_db()
        if round_.status == RoundStatus.FINALISED:
            return round_, done
        execution = services.waiting_executions(round_).order_by("step__number", "id").first()
        assert execution is not None, f"the round stopped after {done}"
        if until is not None and until(execution):
            return round_, done
        step, track = execution.step, execution.track
        kind = step.kind
        done.append(f"{step.number}:{kind}")
        if kind == "forwarding":
            services.disposition_forward(user=org.secretary.user, round_=round_,
                                         instruction="Siapkan format.",
                                         expected_version=round_.version)
            if round_.sop_version.further_initials():
                round_.refresh_from_db()
                services.disposition_initial(user=org.kasubbag_planning.user, round_=round_,
                                             expected_version=round_.version)
            if not has_format_step:
                build_format()
        elif kind == "data_request_format":
            build_format()
        elif kind == "sending":
            services.format_send(user=org.kasubbid_data.user, round_=round_,
                                 expected_version=round_.version)
        elif kind == "meeting":
            services.meeting_record(
                user=org.kasubbid_data.user, round_=round_, held_at=timezone.now(),
                place="Ruang rapat", invitees=[org.kabid_x, org.kabid_y],
                attendees=[org.kabid_x], minutes="Format dibahas.", decisions="",
                expected_version=round_.version)
        elif kind == "agency_recap":
            services.round_finalise(user=org.staff_data.user, round_=round_,
                                    expected_version=round_.version)
        elif track is None or kind not in PER_UNIT_KINDS:
            raise AssertionError(f"no service runs step {step.number} ({kind})")
        else:
            staff, head, values = people[track.unit_id]
            second_level = step.actor_position == "secretary"
            validator = org.secretary if second_level else head
            if kind == "data_entry":
                if not IndicatorValue.objects.filter(track=track).exists():
                    services.values_save(user=staff.user, track=track, entries=[
                        services.ValueEntry(indicator_id=indicator.id, value_text=text,
                                            explanation="Penjelasan")
                        for indicator, text in values.items()])
                services.data_entry_complete(user=staff.user, track=track,
                                             expected_version=track.version)
            elif kind == "unit_recap":
                services.unit_recap_submit(user=staff.user, track=track,
                                           expected_version=track.version)
            elif kind == "validation" and _returns_once(
                    returned, f"validation:{step.number}",
                    track.unit_id == (org.division_y.id if second_level
                                      else org.division_x.id)):
                services.unit_recap_return(user=validator.user, track=track,
                                           reason="Periksa lagi.", comments={},
                                           expected_version=track.version)
            elif kind == "validation":
                services.unit_recap_approve(user=validator.user, track=track,
                                            expected_version=track.version)
            elif kind == "handover" and track.stage < TrackStage.HANDED_OVER:
                services.handover_submit(user=head.user, track=track,
                                         expected_version=track.version)
            elif kind == "handover" and _returns_once(returned, "handover",
                                                      track.unit_id == org.division_y.id):
                services.handover_return(user=org.kasubbid_data.user, track=track,
                                         reason="Lampiran kurang.",
                                         expected_version=track.version)
            else:
                services.handover_acknowledge(user=org.kasubbid_data.user, track=track,
                                              expected_version=track.version)
    raise AssertionError(f"the round did not end: {done}")


def _returns_once(returned: list[str], key: str, chosen: bool) -> bool:
    if chosen and key not in returned:
        returned.append(key)
        return True
    return False
