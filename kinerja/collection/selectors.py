from dataclasses import replace

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from kinerja.organisation.visibility import Viewer
from kinerja.sops.models import Sop, StepKind
from kinerja.worktime.calendar import Calendar

from . import engine
from .models import Disposition, ExecutionStatus, Round, RoundStatus, StepExecution
from .signing import remember_signatures, signatures_of
from .tasks import TRACK_CODES, Task, tasks_of


def round_list_for_viewer(*, viewer: Viewer):
    return (Round.objects.filter(agency_id=viewer.agency_id)
            .select_related("sop_version").order_by("-year", "-period", "-id"))


def round_get_for_viewer(*, viewer: Viewer, round_id: int) -> Round:
    """A round of the person's agency (404 otherwise), with what its page shows."""
    found = (Round.objects.filter(id=round_id, agency_id=viewer.agency_id)
             .select_related("sop_version", "sop", "agency")
             .prefetch_related(
                 "tracks__unit",
                 Prefetch("executions", queryset=StepExecution.objects.select_related(
                     "step", "track__unit", "completed_by__person").order_by("assigned_at",
                                                                            "id")))
             .first())
    if found is None:
        raise Http404
    return found


def disposition_get_for_viewer(*, viewer: Viewer, disposition_id: int) -> Disposition:
    found = Disposition.objects.filter(id=disposition_id, agency_id=viewer.agency_id).first()
    if found is None:
        raise Http404
    return found


def disposition_readable_by_viewer(*, viewer: Viewer, disposition_id: int) -> Disposition:
    """A disposition of the person's agency (404 otherwise); one not yet signed only for its
    author (403 for anyone else)."""
    from django.core.exceptions import PermissionDenied

    disposition = disposition_get_for_viewer(viewer=viewer, disposition_id=disposition_id)
    if disposition.round_id is None and disposition.created_by_id != viewer.person_id:
        raise PermissionDenied
    return disposition


def draft_dispositions_for_viewer(*, viewer: Viewer):
    return Disposition.objects.filter(agency_id=viewer.agency_id, round__isnull=True,
                                      created_by_id=viewer.person_id)


def sops_viewer_may_start(*, viewer: Viewer) -> list[Sop]:
    """SOPs whose first step (a disposition) this person may do."""
    startable = []
    for sop in Sop.objects.filter(agency_id=viewer.agency_id):
        version = sop.current_version
        step = version.steps.filter(kind=StepKind.DISPOSITION).first() if version else None
        if step is not None and engine.acting_role(viewer, step, None) is not None:
            startable.append(sop)
    return startable


def task_list_for_viewer(*, viewer: Viewer) -> list[Task]:
    """What waits for the person now, across rounds, oldest due first."""
    if not viewer.has_person:
        return []
    executions = list(StepExecution.objects
                      .filter(round__agency_id=viewer.agency_id, status=ExecutionStatus.OPEN,
                              round__status=RoundStatus.OPEN)
                      .select_related("round__sop_version", "step__recorded_by", "step__actor",
                                      "track__unit")
                      .order_by("due_at", "id"))
    dispositions = {d.round_id: d for d in Disposition.objects.filter(
        round__in={e.round_id for e in executions})}
    for disposition in dispositions.values():
        remember_signatures(disposition)
    tasks, seen = [], set()
    for execution in executions:
        for task in tasks_of(viewer, execution, dispositions.get(execution.round_id)):
            # A round's task done on the round page (sending the format to every unit,
            # initialling) is one task, though the step waits once per unit's track.
            key = (execution.round_id, task.code, task.track_id or (
                execution.track_id if task.code in TRACK_CODES else None))
            if key not in seen:
                seen.add(key)
                tasks.append(task)
    if tasks:
        calendar = Calendar.load(tasks[0].execution.round.agency)
        now = timezone.now()
        tasks = [replace(task, minutes_left=calendar.working_minutes_between(
            now, task.execution.due_at)) for task in tasks]
    return tasks


def disposition_signatures(disposition: Disposition):
    return list(signatures_of(disposition))


def agency_recap_for_viewer(*, viewer: Viewer, round_: Round) -> dict:
    """The agency recap with only the units whose data the person may see at their stage."""

    from .recap import agency_recap, group_rows

    recap = agency_recap(round_)
    visible = {track.unit_id for track in round_.tracks.select_related("unit")
               if viewer.can_see_track(track)}
    rows = [row for row in recap.rows if row.unit.id in visible]
    hidden = [c.unit.name for c in recap.completeness if c.unit.id not in visible]
    # Counted over the rows shown: a total over every unit would tell of hidden units' values.
    return {"round": round_, "recap": recap, "groups": group_rows(rows), "hidden_units": hidden,
            "completeness": recap.completeness,
            "implausible_count": sum(bool(row.flag) for row in rows)}


def may_read_track_note(*, viewer: Viewer, track, written_at: int | None = None) -> bool:
    """The one test for a note or event about a unit's track (a return's reason, a
    validation note, a saved value): whoever may see the unit's data at the stage it had
    when the note was written (`written_at`), or at its current stage. A return lowers the
    stage, yet the head who saw the submitted data still reads why it went back; another
    unit never does. Unknown `written_at` (older rows): the current stage alone."""
    from kinerja.organisation.visibility import DataStage

    stage = track.stage if written_at is None else max(track.stage, written_at)
    return viewer.can_see_unit_data(track.unit, DataStage(stage))


def execution_note_for_viewer(*, viewer: Viewer, execution: StepExecution) -> str:
    """A step's note as the person may read it: a unit's note only under its track's rule."""
    if execution.track_id is None or not execution.note:
        return execution.note
    if may_read_track_note(viewer=viewer, track=execution.track,
                           written_at=execution.note_stage):
        return execution.note
    return ""


def round_history_for_viewer(*, viewer: Viewer, round_: Round) -> list:
    """The round's audit events in order; an event about a unit's track (it carries the
    track, and the stage when it happened) only when `may_read_track_note` allows it. The
    page reads them as sentences, filtered and paged: collection/history.py."""
    from .history import visible_events

    return list(visible_events(viewer=viewer, round_=round_).select_related("actor__person"))


def track_get_for_viewer(*, viewer: Viewer, round_id: int, track_id: int):
    """A unit's track if the person may see its data at its stage: 404 for another agency,
    403 for another unit's draft."""
    from django.core.exceptions import PermissionDenied

    from .models import Track

    track = (Track.objects.filter(id=track_id, round_id=round_id,
                                  round__agency_id=viewer.agency_id)
             .select_related("round__sop_version", "round__agency", "unit").first())
    if track is None:
        raise Http404
    if not viewer.can_see_track(track):
        raise PermissionDenied
    return track
