"""Three SOPs in the suite: the seed and two variant files shipped beside it
(kinerja/sops/data/), each run through a whole round with returns on the way, on SQLite and
PostgreSQL. The engine reads every difference from the file: no meeting, no unit recap and no
hand-over in the short procedure; a second validation level, by the Sekretaris, returning to
data entry, in the other."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from kinerja.collection.models import (
    ExecutionStatus,
    ReturnRecord,
    RoundStatus,
    StepExecution,
    TrackStage,
)
from kinerja.organisation.visibility import DataStage, Viewer
from kinerja.sops.services import sop_load

from .round_runner import run_round

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]

DATA = Path(__file__).resolve().parents[1] / "data"
SEED = DATA / "sop-mekanisme-pengumpulan-data-kinerja.yaml"
SHORT = DATA / "sop-pengumpulan-data-ringkas.yaml"
TWO_LEVELS = DATA / "sop-pengumpulan-data-verifikasi-sekretaris.yaml"


def load(org, path: Path):
    return sop_load(agency=org.agency, text=path.read_text(encoding="utf-8"),
                    source_name=path.name).version.sop


def kinds_done(done: list[str]) -> list[str]:
    return [entry.split(":")[1] for entry in done]


def test_the_seed_runs_a_whole_round_with_a_return_at_each_level(org, catalogue):
    round_, done = run_round(org, load(org, SEED), catalogue)
    assert round_.status == RoundStatus.FINALISED
    kinds = kinds_done(done)
    # 3 units. Bidang X validated twice (returned once); Bidang Y's hand-over returned to
    # its validation, so Y is validated twice and handed over twice.
    assert kinds.count("validation") == 5
    assert kinds.count("handover") == 8  # hand over and acknowledge: two turns each
    assert kinds.count("meeting") == 1
    assert ReturnRecord.objects.filter(track__round=round_).count() == 2


def test_the_short_procedure_runs_without_meeting_unit_recap_or_hand_over(org, catalogue):
    sop = load(org, SHORT)
    assert [step.kind for step in sop.current_version.steps.order_by("number")] == [
        "disposition", "forwarding", "sending", "data_entry", "validation", "agency_recap"]
    round_, done = run_round(org, sop, catalogue)
    assert round_.status == RoundStatus.FINALISED
    kinds = kinds_done(done)
    assert {"meeting", "unit_recap", "handover"}.isdisjoint(kinds)
    # Bidang X returned once from validation (step 5) to data entry (step 4).
    x = round_.tracks.get(unit=org.division_x)
    steps_of_x = list(StepExecution.objects.filter(track=x).order_by("id")
                      .values_list("step__number", "status"))
    assert steps_of_x == [(3, "done"), (4, "done"), (5, "returned"), (4, "done"), (5, "done")]
    # Validated data is final without a hand-over: the data subsection, which compiles the
    # agency recap, may read it, and the data staff finalised without the head.
    assert all(track.stage == TrackStage.FINAL for track in round_.tracks.all())
    data_staff = Viewer.for_user(org.staff_data.user)
    assert data_staff.can_see_unit_data(org.division_y, DataStage(x.stage))
    last = round_.executions.get(step__kind="agency_recap")
    assert (last.outcome, last.completed_by) == ("finalised", org.staff_data.user)
    # No further initials: the short SOP's recording names only the head and the secretary.
    assert round_.sop_version.further_initials() == []


def test_the_second_level_returns_to_data_entry_and_is_passed_again(org, catalogue):
    sop = load(org, TWO_LEVELS)
    validations = list(sop.current_version.steps.filter(kind="validation").order_by("number"))
    assert [(step.number, step.actor.key, step.returns_to.number) for step in validations] == [
        (7, "kabid", 5), (8, "secretary", 5)]
    round_, _done = run_round(org, sop, catalogue)
    assert round_.status == RoundStatus.FINALISED
    y = round_.tracks.get(unit=org.division_y)
    steps_of_y = list(StepExecution.objects.filter(track=y).order_by("id")
                      .values_list("step__number", "status", "completed_by"))
    secretary, kabid_y = org.secretary.user.pk, org.kabid_y.user.pk
    # Kabid Y validates, the Sekretaris returns it to data entry, it comes back through both
    # levels, and the hand-over is returned once to the Kabid's validation (step 7).
    assert [(number, status) for number, status, _by in steps_of_y] == [
        (3, "done"), (5, "done"), (6, "done"), (7, "done"), (8, "returned"),
        (5, "done"), (6, "done"), (7, "done"), (8, "done"), (9, "returned"),
        (7, "done"), (8, "done"), (9, "done")]
    assert steps_of_y[4][2] == secretary and steps_of_y[3][2] == kabid_y
    record = ReturnRecord.objects.get(track=y, execution__step__number=8)
    assert record.returned_by == org.secretary
    assert not StepExecution.objects.filter(round=round_, status=ExecutionStatus.OPEN).exists()


def test_a_return_by_the_second_level_makes_the_data_a_draft_again(org, catalogue):
    """The stage follows the step that waits (engine.STAGE_WHILE_OPEN): data entry reopened by
    the Sekretaris's return is a draft its staff may change, hidden from the leadership."""
    from kinerja.collection import services

    sop = load(org, TWO_LEVELS)
    round_, _done = run_round(org, sop, catalogue)
    y = round_.tracks.get(unit=org.division_y)
    returned = StepExecution.objects.get(track=y, step__number=8, status="returned")
    # The note was written while the data was submitted, and is read at that stage.
    assert returned.note_stage == TrackStage.SUBMITTED
    reopened = StepExecution.objects.filter(track=y, step__number=5).order_by("id")[1]
    assert reopened.assigned_at >= returned.completed_at
    assert services.waiting_executions(round_).count() == 0


def _tasks(client, person) -> list[tuple[str, int | None]]:
    client.force_login(person.user)
    return [(task.code, task.execution.step.number)
            for task in client.get(reverse("core:my_tasks")).context["tasks"]]


def test_the_sekretaris_finds_the_second_level_in_my_tasks_and_validates_on_the_page(
        client, org, catalogue):
    """The pages read the SOP too: the second validation level is the Sekretaris's task on
    each Bidang's page, and the page's "validate" and "return" run it."""
    sop = load(org, TWO_LEVELS)
    round_, _done = run_round(org, sop, catalogue,
                              until=lambda execution: execution.step.number == 8)
    y = round_.tracks.get(unit=org.division_y)
    assert ("validate", 8) in _tasks(client, org.secretary)
    assert ("validate", 8) not in _tasks(client, org.kabid_y)
    client.force_login(org.secretary.user)
    page = client.get(reverse("collection:track_detail", args=[round_.id, y.id]))
    assert page.status_code == 200 and "validate" in page.context["codes"]
    response = client.post(
        reverse("collection:track_action", args=[round_.id, y.id, "return"]),
        {"version": y.version, "reason": "Data Bidang Y belum lengkap."})
    assert response.status_code == 302
    y.refresh_from_db()
    assert y.stage == TrackStage.DRAFT
    assert [e.step.number for e in StepExecution.objects.filter(
        track=y, status=ExecutionStatus.OPEN)] == [5]
    # Back at data entry: the Bidang's staff may change their values again.
    assert ("enter", 5) in _tasks(client, org.staff_y)


def test_in_the_short_procedure_the_kabid_validates_right_after_data_entry(
        client, org, catalogue):
    sop = load(org, SHORT)
    round_, _done = run_round(org, sop, catalogue,
                              until=lambda execution: execution.step.kind == "validation")
    x = round_.tracks.get(unit=org.division_x)
    assert x.stage == TrackStage.SUBMITTED
    assert ("validate", 5) in _tasks(client, org.kabid_x)
    response = client.post(
        reverse("collection:track_action", args=[round_.id, x.id, "approve"]),
        {"version": x.version})
    assert response.status_code == 302
    x.refresh_from_db()
    # Its last per-unit step: the data is final, with no hand-over.
    assert x.stage == TrackStage.FINAL
