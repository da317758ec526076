"""The collection cycle over the API: the same selectors and services as the round and unit
pages (collection/views.py, collection/track_views.py), with the same visibility rule.

Each handler parses its schema, calls one selector or service, and answers a schema. Refusals
are the services' DomainErrors, answered by the API's exception handler."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from ninja import Router, Status

from kinerja.catalogue.achievement import TargetSource
from kinerja.collection import recap, selectors, services
from kinerja.collection.models import Track, TrackStage
from kinerja.collection.round_page import round_page_context
from kinerja.collection.tasks import track_tasks
from kinerja.core.errors import DomainError
from kinerja.core.numbers import machine_text
from kinerja.organisation.models import Person
from kinerja.organisation.visibility import Viewer
from kinerja.sops.selectors import sop_version_get_for_viewer

from .auth import viewer_of
from .schemas import (
    AgencyRecapOut,
    ApproveIn,
    DispositionIn,
    DispositionOut,
    DispositionUpdateIn,
    FormatCreateIn,
    FormatReviseIn,
    ForwardIn,
    Id,
    IndicatorsIn,
    MeetingIn,
    PeriodOfferOut,
    ReasonIn,
    ReopenIn,
    ReturnIn,
    RoundOut,
    RoundStateOut,
    RoundSummaryOut,
    TaskOut,
    TrackOut,
    TrackStateOut,
    ValueIn,
    VersionIn,
)

router = Router(tags=["collection"])
CENT = Decimal("0.01")


class InvalidInput(DomainError):
    """A well-formed request that names something the caller may not choose (a person of
    another agency, say): what a form's invalid choice is on the pages."""

    status_code = 422


# -- formatting only -------------------------------------------------------------------------

def _number(value: Decimal | None) -> str | None:
    """"12.5", "10", "0.3215": the machine form (core/numbers.py), which a PUT reads back as
    the same number."""
    return machine_text(value)


def percent_text(value: Decimal | None) -> str | None:
    """A percentage as the API gives it: two decimals, rounded half up, as text ("87.50")."""
    if value is None:
        return None
    shown = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return str(abs(shown) if shown == 0 else shown)


def _person(user) -> str | None:
    if user is None:
        return None
    person = getattr(user, "person", None)
    return person.full_name if person is not None else user.get_username()


def _round_summary(round_) -> dict:
    return {"id": round_.id, "sop_id": round_.sop_id,
            "sop_version": round_.sop_version.version, "year": round_.year,
            "period": round_.period, "status": round_.status, "version": round_.version,
            "opened_at": round_.opened_at, "finalised_at": round_.finalised_at,
            "cancelled_at": round_.cancelled_at, "cancel_reason": round_.cancel_reason}


def _track_summary(track) -> dict:
    return {"id": track.id, "unit_id": track.unit_id, "unit": track.unit.name,
            "stage": track.stage, "stage_label": str(TrackStage(track.stage).label),
            "version": track.version}


def _disposition_out(disposition, signatures) -> dict:
    fields = ("id", "agenda", "sop_id", "year", "period", "date", "deadline", "subject",
              "instruction", "addressed_to", "forward_instruction", "forwarded_to", "version",
              "round_id")
    return {**{name: getattr(disposition, name) for name in fields},
            "signatures": [{"kind": s.kind, "role": s.role, "person": s.person.full_name,
                            "position_title": s.position_title, "signed_at": s.signed_at}
                           for s in signatures]}


def _row_out(row, round_year: int) -> dict:
    """A recap row, live or frozen at finalising (collection/snapshot.py: then `record` is
    None and `flag`, `target_year` and the indicator's fields are as they were frozen). It
    carries the target used with its source, year and range bounds, and how the indicator
    counts, so that a client recomputes the achievement from the API alone."""
    indicator, target = row.indicator, row.target
    ranged = target is not None and target.value_max is not None
    target_year = getattr(row, "target_year", None)
    if target_year is None and target is not None:
        # A live row measures the targets of its round's year (recap.py).
        target_year = round_year
    return {
        "indicator_id": indicator.id, "code": indicator.code, "name": indicator.name,
        "unit_id": row.unit.id, "unit_of_measure": indicator.unit_of_measure,
        "polarity": indicator.polarity, "aggregation": indicator.aggregation,
        "decimals": indicator.decimals,
        "target": _number(target.value) if target else None,
        "target_low": _number(target.value) if ranged else None,
        "target_high": _number(target.value_max) if ranged else None,
        "target_source": TargetSource(target.source).value if target else None,
        "target_year": target_year if target else None,
        "value": _number(row.value), "realisation": _number(row.realisation),
        "achievement_percent": percent_text(row.achievement.percent),
        "achievement_reason": row.achievement.reason.value if row.achievement.reason else None,
        "category": row.category.code if row.category else None,
        "category_label": row.category.label if row.category else None,
        "previous": _number(row.previous), "explanation": row.explanation,
        "needs_explanation": row.needs_explanation,
        "explanation_reasons": row.explanation_reasons,
        "version": row.record.version if row.record is not None else 0,
        "plausibility": getattr(row, "flag", "") or "",
    }


# -- reads -----------------------------------------------------------------------------------

@router.get("/tasks", response=list[TaskOut])
def tasks(request):
    """What waits for you now, across rounds, oldest due first."""
    return [{"step": task.execution.step.number, "kind": task.execution.step.kind,
             "action": task.action, "code": task.code, "round_id": task.execution.round_id,
             "track_id": task.execution.track_id,
             "unit_id": task.execution.track.unit_id if task.execution.track else None,
             "unit": task.execution.track.unit.name if task.execution.track else None,
             "due_at": task.execution.due_at, "minutes_left": task.minutes_left}
            for task in selectors.task_list_for_viewer(viewer=viewer_of(request))]


@router.get("/rounds", response=list[RoundSummaryOut])
def rounds(request):
    return [_round_summary(round_)
            for round_ in selectors.round_list_for_viewer(viewer=viewer_of(request))]


@router.get("/rounds/{round_id}", response=RoundOut)
def round_detail(request, round_id: Id):
    """The round as its page shows it: steps with their executions, tracks, documents."""
    viewer = viewer_of(request)
    round_ = selectors.round_get_for_viewer(viewer=viewer, round_id=round_id)
    page = round_page_context(request, round_)
    data_format, meeting = page["format"], page["meeting"]
    return {
        **_round_summary(round_),
        "steps": [{
            "number": row.step.number, "kind": row.step.kind,
            "description": row.step.description, "actor": row.step.actor.label,
            "standard_minutes": row.step.time_standard_minutes,
            "executions": [{
                "id": e.execution.id, "track_id": e.execution.track_id,
                "unit": e.execution.track.unit.name if e.execution.track else None,
                "status": e.execution.status, "assigned_at": e.execution.assigned_at,
                "due_at": e.execution.due_at, "started_at": e.execution.started_at,
                "completed_at": e.execution.completed_at,
                "completed_by": _person(e.execution.completed_by),
                "acting_as": e.execution.acting_as, "outcome": e.execution.outcome,
                "note": selectors.execution_note_for_viewer(viewer=viewer,
                                                            execution=e.execution),
                "working_minutes": e.execution.working_minutes,
                "standard_minutes": row.step.time_standard_minutes,
                "minutes_left": e.minutes_left, "late": e.late,
            } for e in row.rows],
        } for row in page["steps"]],
        "tracks": [_track_summary(entry["track"]) for entry in page["tracks"]],
        "disposition": (_disposition_out(page["disposition"], page["signatures"])
                        if page["disposition"] else None),
        "format": None if data_format is None else {
            "number": data_format.number, "due_date": data_format.due_date,
            "require_value": data_format.require_value,
            "require_explanation": data_format.require_explanation,
            "require_evidence": data_format.require_evidence,
            "change_note": data_format.change_note, "finalised_at": data_format.finalised_at,
            "items": [{"indicator_id": item.indicator_id, "code": item.indicator.code,
                       "unit_id": item.unit_id} for item in page["format_items"]],
        },
        "meeting": None if meeting is None else {
            "held_at": meeting.held_at, "place": meeting.place, "minutes": meeting.minutes,
            "decisions": meeting.decisions,
            "invitee_ids": sorted(p.id for p in meeting.invitees.all()),
            "attendee_ids": sorted(p.id for p in meeting.attendees.all()),
        },
        "missing_units": page["missing_units"],
        "my_tasks": sorted({task.code for task in page["my_tasks"]}),
    }


@router.get("/rounds/{round_id}/recap", response=AgencyRecapOut)
def agency_recap(request, round_id: Id):
    """The agency recap: only the units whose data you may see at their stage."""
    viewer = viewer_of(request)
    round_ = selectors.round_get_for_viewer(viewer=viewer, round_id=round_id)
    found = selectors.agency_recap_for_viewer(viewer=viewer, round_=round_)
    rows = [row for _goal, objectives in found["groups"] for _objective, rows in objectives
            for row in rows]
    return {"round_id": round_.id, "rows": [_row_out(row, round_.year) for row in rows],
            "hidden_units": found["hidden_units"],
            "completeness": [{"track_id": c.track.id, "unit_id": c.unit.id, "unit": c.unit.name,
                              "stage": c.stage, "indicators": c.indicators,
                              "with_value": c.with_value,
                              "explanations_missing": c.explanations_missing,
                              "complete": c.complete} for c in found["completeness"]]}


def _track_for(viewer: Viewer, round_id: int, track_id: int) -> Track:
    return selectors.track_get_for_viewer(viewer=viewer, round_id=round_id, track_id=track_id)


def _track_out(viewer: Viewer, track: Track) -> dict:
    return {
        **_track_summary(track), "round_id": track.round_id,
        "round_version": track.round.version,
        "rows": [_row_out(row, track.round.year)
                 for row in recap.unit_recap(track)],
        "missing": recap.missing_for_submission(track),
        "returns": [{"reason": r.reason, "comments": r.comments,
                     "returned_by": r.returned_by.full_name, "returned_at": r.returned_at}
                    for r in track.returns.select_related("returned_by").order_by(
                        "returned_at", "id")],
        "my_tasks": sorted({task.code for task in track_tasks(viewer, track)}),
    }


@router.get("/rounds/{round_id}/tracks/{track_id}", response=TrackOut)
def track_detail(request, round_id: Id, track_id: Id):
    """A unit's recap rows: target, value, achievement and category per indicator."""
    viewer = viewer_of(request)
    return _track_out(viewer, _track_for(viewer, round_id, track_id))


# -- step 1: the disposition -----------------------------------------------------------------

@router.post("/dispositions", response={201: DispositionOut})
def disposition_create(request, payload: DispositionIn):
    viewer = viewer_of(request)
    sop = sop_version_get_for_viewer(viewer=viewer, sop_id=payload.sop_id).sop
    data = payload.model_dump(exclude={"sop_id"})
    disposition = services.disposition_create(user=request.user, sop=sop, **data)
    return Status(201, _disposition_out(disposition,
                                        selectors.disposition_signatures(disposition)))


@router.get("/sops/{sop_id}/periods", response=PeriodOfferOut)
def period_offer(request, sop_id: Id):
    """The periods a disposition of the SOP may be written for, and why the others are not
    offered (a year the catalogue lacks, a period with its round)."""
    sop = sop_version_get_for_viewer(viewer=viewer_of(request), sop_id=sop_id).sop
    offer = services.period_offer(sop)

    def out(choice):
        return {"year": choice.year, "period": choice.period, "label": choice.label,
                "reason": choice.reason, "round_id": choice.round_id}

    return {"sop_id": sop.id, "offered": [out(c) for c in offer.offered],
            "missing": [out(c) for c in offer.missing]}


@router.patch("/dispositions/{disposition_id}", response=DispositionOut)
def disposition_update(request, disposition_id: Id, payload: DispositionUpdateIn):
    """Its author changes a draft (before signing): only the fields sent."""
    disposition = selectors.disposition_readable_by_viewer(viewer=viewer_of(request),
                                                           disposition_id=disposition_id)
    changes = payload.model_dump(exclude={"version"}, exclude_none=True)
    disposition = services.disposition_update(user=request.user, disposition=disposition,
                                              expected_version=payload.version, **changes)
    return _disposition_out(disposition, selectors.disposition_signatures(disposition))


@router.delete("/dispositions/{disposition_id}", response={204: None})
def disposition_delete(request, disposition_id: Id, payload: VersionIn):
    """Its author deletes a draft (before signing)."""
    disposition = selectors.disposition_readable_by_viewer(viewer=viewer_of(request),
                                                           disposition_id=disposition_id)
    services.disposition_delete(user=request.user, disposition=disposition,
                                expected_version=payload.version)
    return Status(204, None)


@router.post("/dispositions/{disposition_id}/sign", response=RoundStateOut)
def disposition_sign(request, disposition_id: Id, payload: VersionIn):
    """The head signs the draft; the round opens (answered with the new round)."""
    disposition = selectors.disposition_get_for_viewer(viewer=viewer_of(request),
                                                       disposition_id=disposition_id)
    round_ = services.disposition_sign(user=request.user, disposition=disposition,
                                       expected_version=payload.version)
    return round_


# -- steps 2–4 and 9: actions on the round ---------------------------------------------------

def _round_action(request, round_id: int, call, **arguments):
    round_ = selectors.round_get_for_viewer(viewer=viewer_of(request), round_id=round_id)
    call(user=request.user, round_=round_, **arguments)
    round_.refresh_from_db(fields=["status", "version"])
    return round_


@router.post("/rounds/{round_id}/forward", response=RoundStateOut)
def forward(request, round_id: Id, payload: ForwardIn):
    return _round_action(request, round_id, services.disposition_forward,
                         instruction=payload.instruction, expected_version=payload.version)


@router.post("/rounds/{round_id}/initial", response=RoundStateOut)
def initial(request, round_id: Id, payload: VersionIn):
    return _round_action(request, round_id, services.disposition_initial,
                         expected_version=payload.version)


@router.post("/rounds/{round_id}/format", response=RoundStateOut)
def format_create(request, round_id: Id, payload: FormatCreateIn):
    return _round_action(request, round_id, services.format_create,
                         due_date=payload.due_date, require_value=payload.require_value,
                         require_explanation=payload.require_explanation,
                         require_evidence=payload.require_evidence,
                         expected_version=payload.version)


@router.post("/rounds/{round_id}/format/indicators", response=RoundStateOut)
def format_indicators(request, round_id: Id, payload: IndicatorsIn):
    return _round_action(request, round_id, services.format_set_indicators,
                         indicator_ids=payload.indicator_ids, expected_version=payload.version)


@router.post("/rounds/{round_id}/format/finalise", response=RoundStateOut)
def format_finalise(request, round_id: Id, payload: VersionIn):
    return _round_action(request, round_id, services.format_finalise,
                         expected_version=payload.version)


@router.post("/rounds/{round_id}/format/send", response=RoundStateOut)
def format_send(request, round_id: Id, payload: VersionIn):
    return _round_action(request, round_id, services.format_send,
                         expected_version=payload.version)


@router.post("/rounds/{round_id}/format/revise", response=RoundStateOut)
def format_revise(request, round_id: Id, payload: FormatReviseIn):
    return _round_action(request, round_id, services.format_revise,
                         indicator_ids=payload.indicator_ids, change_note=payload.change_note,
                         due_date=payload.due_date, expected_version=payload.version)


def _people(round_, ids: list[int], label: str) -> list[Person]:
    """People of the round's agency with a log-in, as the meeting form offers them."""
    found = list(Person.objects.filter(id__in=ids, agency_id=round_.agency_id,
                                       user__isnull=False))
    unknown = sorted(set(ids) - {person.id for person in found})
    if unknown:
        raise InvalidInput(_("Choose people of this agency who have a log-in."),
                           code="invalid_choice",
                           details=[f"{label}: {person_id}" for person_id in unknown])
    return found


@router.post("/rounds/{round_id}/meeting", response=RoundStateOut)
def meeting(request, round_id: Id, payload: MeetingIn):
    round_ = selectors.round_get_for_viewer(viewer=viewer_of(request), round_id=round_id)
    services.meeting_record(
        user=request.user, round_=round_, held_at=payload.held_at, place=payload.place,
        invitees=_people(round_, payload.invitee_ids, "invitee_ids"),
        attendees=_people(round_, payload.attendee_ids, "attendee_ids"),
        minutes=payload.minutes, decisions=payload.decisions, expected_version=payload.version)
    round_.refresh_from_db(fields=["status", "version"])
    return round_


@router.post("/rounds/{round_id}/finalise", response=RoundStateOut)
def finalise(request, round_id: Id, payload: ReasonIn):
    return _round_action(request, round_id, services.round_finalise, reason=payload.reason,
                         expected_version=payload.version)


@router.post("/rounds/{round_id}/reopen", response=RoundStateOut)
def reopen(request, round_id: Id, payload: ReopenIn):
    """The head reopens a finalised round with the reason; the units chosen go back to the
    chosen step (data entry, the unit recap or a validation) and through the SOP again."""
    return _round_action(request, round_id, services.round_reopen, reason=payload.reason,
                         track_ids=payload.track_ids, step_number=payload.step,
                         expected_version=payload.version)


@router.post("/rounds/{round_id}/cancel", response=RoundStateOut)
def cancel(request, round_id: Id, payload: ReasonIn):
    """The head cancels the round before it is finalised, with the reason: its waiting steps
    close, its documents are marked cancelled and its period is free again."""
    return _round_action(request, round_id, services.round_cancel, reason=payload.reason,
                         expected_version=payload.version)


# -- steps 5–8: a unit's track ---------------------------------------------------------------

@router.put("/rounds/{round_id}/tracks/{track_id}/values", response=TrackOut)
def values_save(request, round_id: Id, track_id: Id, payload: list[ValueIn]):
    """Save the unit's values as a draft, all or nothing; each row carries the version of the
    value you saw (0 for a new one)."""
    viewer = viewer_of(request)
    track = _track_for(viewer, round_id, track_id)
    services.values_save(user=request.user, track=track, entries=[
        # The exact number (or "" for none), never text that the page's reader would read
        # again: the schema took it in the machine form.
        services.ValueEntry(indicator_id=entry.indicator_id,
                            value_text="" if entry.value is None else entry.value,
                            explanation=entry.explanation, change_reason=entry.change_reason,
                            expected_version=entry.version,
                            confirm_implausible=entry.confirm_implausible)
        for entry in payload])
    return _track_out(viewer, track)


def _track_action(request, round_id: int, track_id: int, call, **arguments):
    track = _track_for(viewer_of(request), round_id, track_id)
    call(user=request.user, track=track, **arguments)
    track.refresh_from_db(fields=["stage", "version"])
    return track


@router.post("/rounds/{round_id}/tracks/{track_id}/complete", response=TrackStateOut)
def data_entry_complete(request, round_id: Id, track_id: Id, payload: VersionIn):
    return _track_action(request, round_id, track_id, services.data_entry_complete,
                         expected_version=payload.version)


@router.post("/rounds/{round_id}/tracks/{track_id}/submit", response=TrackStateOut)
def unit_recap_submit(request, round_id: Id, track_id: Id, payload: VersionIn):
    return _track_action(request, round_id, track_id, services.unit_recap_submit,
                         expected_version=payload.version)


@router.post("/rounds/{round_id}/tracks/{track_id}/approve", response=TrackStateOut)
def unit_recap_approve(request, round_id: Id, track_id: Id, payload: ApproveIn):
    return _track_action(request, round_id, track_id, services.unit_recap_approve,
                         note=payload.note, expected_version=payload.version)


@router.post("/rounds/{round_id}/tracks/{track_id}/return", response=TrackStateOut)
def unit_recap_return(request, round_id: Id, track_id: Id, payload: ReturnIn):
    return _track_action(request, round_id, track_id, services.unit_recap_return,
                         reason=payload.reason, comments=payload.comments,
                         expected_version=payload.version)


@router.post("/rounds/{round_id}/tracks/{track_id}/handover", response=TrackStateOut)
def handover_submit(request, round_id: Id, track_id: Id, payload: VersionIn):
    return _track_action(request, round_id, track_id, services.handover_submit,
                         expected_version=payload.version)


@router.post("/rounds/{round_id}/tracks/{track_id}/acknowledge", response=TrackStateOut)
def handover_acknowledge(request, round_id: Id, track_id: Id, payload: VersionIn):
    return _track_action(request, round_id, track_id, services.handover_acknowledge,
                         expected_version=payload.version)


@router.post("/rounds/{round_id}/tracks/{track_id}/handover-return", response=TrackStateOut)
def handover_return(request, round_id: Id, track_id: Id, payload: ReasonIn):
    return _track_action(request, round_id, track_id, services.handover_return,
                         reason=payload.reason, expected_version=payload.version)
