"""Which documents each step of the cycle files, and what each one says.

A step's kind decides its documents (the SOP's "output" column): the disposition sheet for
the disposition and its forwarding, the data-request format, the meeting's invitation and
minutes, each unit's filled format and recap, the validation record, the hand-over receipt
and the agency recap. `specs_for_execution` gives the documents a completed step files;
`draft_spec` the same document from the data as it stands, for printing before that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kinerja.collection.models import (
    Disposition,
    ExecutionStatus,
    Round,
    SignatureKind,
    StepExecution,
    Track,
)
from kinerja.collection.recap import agency_recap, group_rows, unit_name, unit_recap
from kinerja.collection.services.common import (
    HEAD_SIGNATURE,
    SECRETARY_INITIALS,
    current_format,
)
from kinerja.collection.services.meeting import default_invitees
from kinerja.collection.signing import signatures_of
from kinerja.core.rendering import DOCUMENT_LANGUAGE
from kinerja.organisation.models import Agency, Person, PositionHolding, PositionKind, Unit
from kinerja.sops.models import StepKind

from .models import DocumentKind
from .rendering import document_settings


@dataclass
class DocumentSpec:
    agency: Agency
    kind: str
    title: str
    template: str
    context: dict
    signers: list[dict] = field(default_factory=list)
    landscape: bool = False
    track: Track | None = None


def in_document_language(build):
    """Titles, dates and labels of a document in the agency's language (Indonesian), whoever
    completed the step and whatever their interface language."""

    @wraps(build)
    def wrapper(*args, **kwargs):
        with translation.override(DOCUMENT_LANGUAGE):
            return build(*args, **kwargs)

    return wrapper


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else ""


def signer(person: Person | None, title: str, *, kind: str = SignatureKind.SIGNATURE,
           signed_at=None, caption: str = "") -> dict:
    """A signature block: position (with Plt./Plh.), name, rank, NIP; `signed_at` when the
    cycle recorded the signature, empty for a block to be signed on paper."""
    return {
        "caption": caption, "title": title, "kind": kind, "signed_at": _when(signed_at),
        "name": person.full_name if person else "",
        "rank": person.get_rank_display() if person and person.rank else "",
        "nip": person.formatted_number if person else "",
    }


def holder_of(unit: Unit, kinds, day=None) -> tuple[Person | None, str]:
    """Who holds the unit's head post on the day, and the title they sign with."""
    day = day or timezone.localdate()
    holding = (PositionHolding.objects
               .filter(position__unit=unit, position__kind__in=kinds, start_date__lte=day)
               .exclude(end_date__lt=day).select_related("person", "position")
               .order_by("capacity").first())
    if holding is None:
        return None, ""
    prefix = {"plt": "Plt. ", "plh": "Plh. "}.get(holding.capacity, "")
    return holding.person, f"{prefix}{holding.position.title}"


def _agency_head(round_: Round) -> tuple[Person | None, str]:
    root = Unit.objects.filter(agency=round_.agency, kind="agency").first()
    return holder_of(root, [PositionKind.HEAD]) if root else (None, "")


def _executor(execution: StepExecution, caption: str = "") -> dict:
    user = execution.completed_by
    person = getattr(user, "person", None) if user else None
    return signer(person, execution.acting_as, signed_at=execution.completed_at,
                  caption=caption)


def _round_context(round_: Round) -> dict:
    return {"round": round_, "period_label": str(round_)}


def _place_date(agency: Agency, moment) -> str:
    city = document_settings(agency).city
    if moment is None:
        moment = timezone.localdate()
    elif isinstance(moment, datetime):
        moment = timezone.localtime(moment).date()
    day = date_format(moment, "DATE_FORMAT")
    return f"{city}, {day}" if city else day


# -- the documents ----------------------------------------------------------------------------

def disposition_spec(round_: Round, execution: StepExecution | None) -> DocumentSpec:
    disposition = Disposition.objects.select_related("created_by", "agency").get(round=round_)
    return disposition_sheet_spec(disposition)


@in_document_language
def disposition_sheet_spec(disposition: Disposition) -> DocumentSpec:
    """The lembar disposisi with the signature and initials recorded so far (none for a draft
    not yet signed)."""
    signatures = {s.role: s for s in signatures_of(disposition)}
    head = signatures.get(HEAD_SIGNATURE)
    version = (disposition.round.sop_version if disposition.round_id
               else disposition.sop.current_version)
    initials = [(_("Secretary"), signatures.get(SECRETARY_INITIALS))] + [
        (initialler.label, signatures.get(initialler.role_name))
        for initialler in version.further_initials()]
    signers = [signer(head.person if head else disposition.created_by,
                      head.position_title if head else "", signed_at=head and head.signed_at)]
    return DocumentSpec(
        agency=disposition.agency, kind=DocumentKind.DISPOSITION,
        title=_("Disposition sheet %(agenda)s") % {"agenda": disposition.agenda},
        template="documents/disposition.html",
        context={"disposition": disposition, "initials": initials,
                 "place_date": _place_date(disposition.agency, disposition.date)},
        signers=signers)


def format_spec(round_: Round, execution: StepExecution | None,
                track: Track | None = None) -> DocumentSpec:
    data_format = current_format(round_)
    items = list(data_format.items.select_related("indicator", "unit")) if data_format else []
    if track is not None:
        items = [item for item in items if item.unit_id == track.unit_id]
    title = _("Data-request format %(period)s") % {
        "period": str(round_)}
    if track is not None:
        title += f" · {track.unit.name}"
    signers = [_executor(execution)] if execution else []
    return DocumentSpec(
        agency=round_.agency,
        kind=DocumentKind.DATA_REQUEST_FORMAT, title=title, template="documents/format.html",
        context={**_round_context(round_), "format": data_format, "items": items,
                 "track": track, "place_date": _place_date(round_.agency, execution and
                                                           execution.completed_at)},
        signers=signers, landscape=True, track=track)


def _meeting_people(meeting):
    attendees = set(meeting.attendees.values_list("id", flat=True))
    return [(person, person.id in attendees)
            for person in meeting.invitees.order_by("name")]


def meeting_invitation_spec(round_: Round, execution: StepExecution | None) -> DocumentSpec:
    """The invitation: as filed with the minutes once the meeting is recorded; before that,
    a form for the SOP's invitees with the date and place left to be written in."""
    meeting = getattr(round_, "meeting", None)
    if meeting is not None:
        people = _meeting_people(meeting)
    else:
        people = [(person, False) for person in
                  Person.objects.filter(id__in=default_invitees(round_)).order_by("name")]
    step = execution.step if execution else round_.sop_version.steps.filter(
        kind=StepKind.MEETING).first()
    return DocumentSpec(
        agency=round_.agency,
        kind=DocumentKind.MEETING_INVITATION, title=_("Meeting invitation %(period)s")
        % {"period": str(round_)},
        template="documents/meeting_invitation.html",
        context={**_round_context(round_), "meeting": meeting, "people": people,
                 "step": step, "place_date": _place_date(
                     round_.agency, meeting.recorded_at if meeting else None)},
        signers=[_executor(execution)] if execution else [])


def meeting_minutes_spec(round_: Round, execution: StepExecution | None) -> DocumentSpec:
    meeting = round_.meeting
    return DocumentSpec(
        agency=round_.agency,
        kind=DocumentKind.MEETING_MINUTES, title=_("Meeting minutes %(period)s")
        % {"period": str(round_)},
        template="documents/meeting_minutes.html",
        context={**_round_context(round_), "meeting": meeting,
                 "people": _meeting_people(meeting),
                 "place_date": _place_date(round_.agency, meeting.recorded_at)},
        signers=[_executor(execution, caption=_("Minutes taken by"))] if execution else [])


def _unit_head_block(track: Track, execution: StepExecution | None, *,
                     signed: bool) -> dict:
    from kinerja.collection.engine import UNIT_HEAD_KINDS

    person, title = holder_of(track.unit, UNIT_HEAD_KINDS)
    return signer(person, title, caption=_("Approved by"),
                  signed_at=execution.completed_at if signed and execution else None)


def filled_format_spec(round_: Round, execution: StepExecution | None,
                       track: Track) -> DocumentSpec:
    rows = unit_recap(track)
    return DocumentSpec(
        agency=round_.agency,
        kind=DocumentKind.FILLED_FORMAT, title=_("Filled data-request format %(period)s · "
                                                 "%(unit)s")
        % {"period": str(round_), "unit": unit_name(rows, track)},
        template="documents/filled_format.html",
        context={**_round_context(round_), "track": track,
                 "unit_name": unit_name(rows, track), "rows": rows,
                 "place_date": _place_date(round_.agency, execution and execution.completed_at)},
        signers=[_executor(execution, caption=_("Filled in by"))] if execution else [],
        landscape=True, track=track)


def unit_recap_spec(round_: Round, execution: StepExecution | None,
                    track: Track) -> DocumentSpec:
    rows = unit_recap(track)
    signers = [_executor(execution, caption=_("Prepared by"))] if execution else []
    signers.append(_unit_head_block(track, execution, signed=False))
    return DocumentSpec(
        agency=round_.agency,
        kind=DocumentKind.UNIT_RECAP, title=_("Unit recap %(period)s · %(unit)s")
        % {"period": str(round_), "unit": unit_name(rows, track)},
        template="documents/recap.html",
        context={**_round_context(round_), "track": track,
                 "unit_name": unit_name(rows, track), "groups": group_rows(rows),
                 "place_date": _place_date(round_.agency, execution and execution.completed_at)},
        signers=signers, landscape=True, track=track)


def validation_spec(round_: Round, execution: StepExecution | None,
                    track: Track) -> DocumentSpec:
    returned = execution is not None and execution.status == ExecutionStatus.RETURNED
    record = getattr(execution, "return_record", None) if returned else None
    rows = unit_recap(track)
    comments = record.comments if record else {}
    lines = [(row, comments.get(str(row.indicator.id), "")) for row in rows]
    return DocumentSpec(
        agency=round_.agency,
        kind=DocumentKind.VALIDATION_RECORD, title=_("Validation record %(period)s · %(unit)s")
        % {"period": str(round_), "unit": unit_name(rows, track)},
        template="documents/validation.html",
        context={**_round_context(round_), "track": track,
                 "unit_name": unit_name(rows, track), "execution": execution,
                 "returned": returned, "record": record, "lines": lines,
                 "place_date": _place_date(round_.agency, execution and execution.completed_at)},
        signers=[_executor(execution)] if execution else [], landscape=True, track=track)


def handover_spec(round_: Round, execution: StepExecution | None,
                  track: Track) -> DocumentSpec:
    returned = execution is not None and execution.status == ExecutionStatus.RETURNED
    rows = unit_recap(track)
    giver = _unit_head_block(track, execution, signed=False)
    giver["caption"] = _("Handed over by")
    signers = [giver]
    if execution:
        signers.append(_executor(execution, caption=_("Received by")))
    return DocumentSpec(
        agency=round_.agency,
        kind=DocumentKind.HANDOVER_RECEIPT, title=_("Hand-over receipt %(period)s · %(unit)s")
        % {"period": str(round_), "unit": unit_name(rows, track)},
        template="documents/handover.html",
        context={**_round_context(round_), "track": track,
                 "unit_name": unit_name(rows, track), "execution": execution,
                 "returned": returned, "indicators": len(rows),
                 "with_value": sum(1 for row in rows if row.value is not None),
                 "evidence": sum(row.evidence_count for row in rows),
                 "place_date": _place_date(round_.agency, execution and execution.completed_at)},
        signers=signers, track=track)


@in_document_language
def agency_recap_spec(round_: Round, execution: StepExecution | None, *,
                      unit_ids: set[int] | None = None) -> DocumentSpec:
    """The agency recap; `unit_ids` keeps only those units' rows (a draft printed by someone
    who may not see every unit's data)."""
    recap = agency_recap(round_)
    if unit_ids is not None:
        recap.rows = [row for row in recap.rows if row.unit.id in unit_ids]
        recap.completeness = [item for item in recap.completeness if item.unit.id in unit_ids]
    head, head_title = _agency_head(round_)
    signers = [_executor(execution, caption=_("Prepared by"))] if execution else []
    signers.append(signer(head, head_title, caption=_("Approved by")))
    return DocumentSpec(
        agency=round_.agency,
        kind=DocumentKind.AGENCY_RECAP, title=_("Agency recap %(period)s")
        % {"period": str(round_)},
        template="documents/recap.html",
        context={**_round_context(round_), "groups": group_rows(recap.rows), "show_unit": True,
                 "completeness": recap.completeness,
                 "place_date": _place_date(round_.agency, execution and execution.completed_at)},
        signers=signers, landscape=True)


# Each step kind's documents, in the order they are filed.
STEP_DOCUMENTS = {
    StepKind.DISPOSITION: [DocumentKind.DISPOSITION],
    StepKind.FORWARDING: [DocumentKind.DISPOSITION, DocumentKind.DATA_REQUEST_FORMAT],
    StepKind.DATA_REQUEST_FORMAT: [DocumentKind.DATA_REQUEST_FORMAT],
    StepKind.SENDING: [DocumentKind.DATA_REQUEST_FORMAT],
    StepKind.MEETING: [DocumentKind.MEETING_INVITATION, DocumentKind.MEETING_MINUTES],
    StepKind.DATA_ENTRY: [DocumentKind.FILLED_FORMAT],
    StepKind.UNIT_RECAP: [DocumentKind.UNIT_RECAP],
    StepKind.VALIDATION: [DocumentKind.VALIDATION_RECORD],
    StepKind.HANDOVER: [DocumentKind.HANDOVER_RECEIPT],
    StepKind.AGENCY_RECAP: [DocumentKind.AGENCY_RECAP],
}
# Documents of one unit's track; the others are the round's.
TRACK_DOCUMENTS = {DocumentKind.FILLED_FORMAT, DocumentKind.UNIT_RECAP,
                   DocumentKind.VALIDATION_RECORD, DocumentKind.HANDOVER_RECEIPT}
# What can be printed for one unit: its own documents and its copy of the format.
PER_TRACK_DOCUMENTS = TRACK_DOCUMENTS | {DocumentKind.DATA_REQUEST_FORMAT}
# A step sent back files its record too: the return and its reasons are part of the trail.
FILED_WHEN_RETURNED = {DocumentKind.VALIDATION_RECORD, DocumentKind.HANDOVER_RECEIPT}


@in_document_language
def build_spec(kind: str, round_: Round, execution: StepExecution | None,
               track: Track | None) -> DocumentSpec:
    if kind == DocumentKind.DISPOSITION:
        return disposition_spec(round_, execution)
    if kind == DocumentKind.DATA_REQUEST_FORMAT:
        return format_spec(round_, execution, track)
    if kind == DocumentKind.MEETING_INVITATION:
        return meeting_invitation_spec(round_, execution)
    if kind == DocumentKind.MEETING_MINUTES:
        return meeting_minutes_spec(round_, execution)
    if kind == DocumentKind.AGENCY_RECAP:
        return agency_recap_spec(round_, execution)
    builders = {DocumentKind.FILLED_FORMAT: filled_format_spec,
                DocumentKind.UNIT_RECAP: unit_recap_spec,
                DocumentKind.VALIDATION_RECORD: validation_spec,
                DocumentKind.HANDOVER_RECEIPT: handover_spec}
    return builders[kind](round_, execution, track)


def document_kinds_for(execution: StepExecution) -> list[str]:
    """The documents a finished step files: its kind's, and only some when it sent work
    back; none while it is open."""
    if execution.status not in (ExecutionStatus.DONE, ExecutionStatus.RETURNED):
        return []
    kinds = STEP_DOCUMENTS.get(execution.step.kind, [])
    if execution.status == ExecutionStatus.RETURNED:
        kinds = [kind for kind in kinds if kind in FILED_WHEN_RETURNED]
    return list(kinds)


def specs_for_execution(execution: StepExecution) -> list[DocumentSpec]:
    return [build_spec(kind, execution.round, execution, execution.track)
            for kind in document_kinds_for(execution)]


def draft_spec(kind: str, round_: Round, track: Track | None, *,
               unit_ids: set[int] | None = None) -> DocumentSpec:
    """The document from the data as it stands: only signatures already recorded show, and
    the agency recap only with the units in `unit_ids` (all when None)."""
    if kind == DocumentKind.AGENCY_RECAP:
        return agency_recap_spec(round_, None, unit_ids=unit_ids)
    return build_spec(kind, round_, None, track)


def draft_available(kind: str, round_: Round, track: Track | None) -> bool:
    """Whether there is anything to print yet (a meeting, a format, a disposition)."""
    if kind == DocumentKind.DISPOSITION:
        return Disposition.objects.filter(round=round_).exists()
    if kind == DocumentKind.MEETING_INVITATION:  # a form to fill in before the meeting
        return round_.tracks.exists()
    if kind == DocumentKind.MEETING_MINUTES:
        return hasattr(round_, "meeting")
    if kind in TRACK_DOCUMENTS and track is None:
        return False
    return current_format(round_) is not None

