"""One function per SOP action. Views, the API and the tests all call these.

Each one: takes the acting user, checks their position against the step's actor, checks the
state and the version the user saw, changes the rows under a lock in one transaction, records
the step execution and an audit event, and opens what follows.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kinerja.catalogue.models import Indicator
from kinerja.core.audit import record_event
from kinerja.core.errors import OutOfTurn, PermissionDenied, StaleEdit
from kinerja.organisation.models import Person, Position, PositionKind
from kinerja.organisation.visibility import PLANNING_FUNCTION, Role, Viewer
from kinerja.sops.models import Sop, SopStep, StepKind

from . import engine
from .models import (
    AgendaCounter,
    DataRequestFormat,
    Disposition,
    ExecutionStatus,
    FormatItem,
    Meeting,
    Round,
    RoundStatus,
    SignatureKind,
    StepExecution,
    Track,
)
from .signing import is_signed, sign

# The SOP's recording section: the head signs, the secretary and the Kasubbag Perencanaan
# initial the disposition.
HEAD_SIGNATURE, SECRETARY_INITIALS, PLANNING_INITIALS = "head", "secretary", "planning"


# -- helpers ---------------------------------------------------------------------------------

def _check_version(obj, expected_version: int) -> None:
    if obj.version != expected_version:
        raise StaleEdit(_("Someone else saved this first. Reload the page and try again."))


def _bump(obj) -> None:
    obj.version += 1
    obj.save(update_fields=["version"])


def _step_of_kind(version, kind: str) -> SopStep:
    step = version.steps.filter(kind=kind).order_by("number").first()
    if step is None:
        raise OutOfTurn(_("This SOP has no step of that kind."), code="no_such_step")
    return step


def _role_for(viewer: Viewer, step: SopStep, track=None, *, actor=None) -> Role:
    role = engine.acting_role(viewer, step, track, actor=actor)
    if role is None:
        raise PermissionDenied(_("Step %(number)d is not yours to do: it belongs to %(actor)s.")
                               % {"number": step.number,
                                  "actor": (actor or step.actor).label})
    return role


def _waiting(round_: Round, step: SopStep, track=None) -> StepExecution:
    try:
        return engine.open_execution_for(round_, step, track)
    except StepExecution.DoesNotExist:
        raise OutOfTurn(_("Step %(number)d is not waiting to be done now.")
                        % {"number": step.number}) from None


def _locked_round(round_: Round, expected_version: int) -> Round:
    locked = Round.objects.select_for_update().select_related("agency", "sop_version").get(
        pk=round_.pk)
    if locked.status != RoundStatus.OPEN:
        raise OutOfTurn(_("This round is finalised."), code="round_finalised")
    _check_version(locked, expected_version)
    return locked


def _position_title(agency, kind: str, function: str = "") -> str:
    positions = Position.objects.filter(unit__agency=agency, kind=kind)
    if function:
        positions = positions.filter(unit__functions__code=function)
    position = positions.first()
    return position.title if position else ""


def _event(action: str, obj, *, user, round_: Round | None, summary: str, **data) -> None:
    record_event(action=action, obj=obj, actor=user, agency=obj.agency if round_ is None
                 else round_.agency, summary=summary,
                 data={"round": round_.pk if round_ else None, **data})


# -- step 1: the head's disposition ----------------------------------------------------------

@transaction.atomic
def disposition_create(*, user, sop: Sop, year: int, period: str, date: date, speed: str,
                       security: str, subject: str, instruction: str,
                       deadline: date) -> Disposition:
    """The head writes the disposition (a draft until signed)."""
    viewer = Viewer.for_user(user)
    if sop.agency_id != viewer.agency_id:
        raise PermissionDenied(_("This SOP belongs to another agency."))
    version = sop.current_version
    step = _step_of_kind(version, StepKind.DISPOSITION)
    _role_for(viewer, step)
    if deadline < date:
        raise OutOfTurn(_("The deadline is before the date of the disposition."),
                        code="invalid_deadline")
    _refuse_second_round(sop, year, period)
    counter, _created = AgendaCounter.objects.select_for_update().get_or_create(
        agency=sop.agency, year=date.year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    forwarding_step = version.steps.filter(number=step.number + 1).first()
    addressed_to = _position_title(sop.agency, forwarding_step.actor_position) if (
        forwarding_step) else ""
    disposition = Disposition.objects.create(
        agency=sop.agency, sop=sop, agenda_year=date.year, agenda_number=counter.last_number,
        date=date, year=year, period=period, speed=speed, security=security, subject=subject,
        instruction=instruction, deadline=deadline, created_by=user.person,
        addressed_to=addressed_to)
    _event("disposition.created", disposition, user=user, round_=None,
           summary=f"Disposition {disposition.agenda} drafted: {subject}")
    return disposition


def _refuse_second_round(sop: Sop, year: int, period: str) -> None:
    if Round.objects.filter(sop=sop, year=year, period=period,
                            status=RoundStatus.OPEN).exists():
        raise OutOfTurn(_("A round for this SOP, year and period is already in progress."),
                        code="round_exists")


EDITABLE_DISPOSITION_FIELDS = ("date", "speed", "security", "subject", "instruction",
                               "deadline", "year", "period")


@transaction.atomic
def disposition_update(*, user, disposition: Disposition, expected_version: int,
                       **changes) -> Disposition:
    disposition = Disposition.objects.select_for_update().get(pk=disposition.pk)
    _check_version(disposition, expected_version)
    if disposition.created_by_id != getattr(user.person, "id", None):
        raise PermissionDenied(_("Only the author edits a draft disposition."))
    if is_signed(disposition, HEAD_SIGNATURE):
        raise OutOfTurn(_("A signed disposition cannot be edited."), code="signed")
    unknown = set(changes) - set(EDITABLE_DISPOSITION_FIELDS)
    if unknown:
        raise OutOfTurn(_("These fields cannot be changed: %(fields)s")
                        % {"fields": ", ".join(sorted(unknown))}, code="invalid_field")
    old = {field: str(getattr(disposition, field)) for field in changes}
    for field, value in changes.items():
        setattr(disposition, field, value)
    disposition.version += 1
    disposition.save()
    _event("disposition.updated", disposition, user=user, round_=None,
           summary=f"Disposition {disposition.agenda} changed",
           old=old, new={field: str(value) for field, value in changes.items()})
    return disposition


@transaction.atomic
def disposition_sign(*, user, disposition: Disposition, expected_version: int) -> Round:
    """The head signs; this opens the round and passes the disposition to the secretary."""
    disposition = Disposition.objects.select_for_update().select_related("sop").get(
        pk=disposition.pk)
    _check_version(disposition, expected_version)
    version = disposition.sop.current_version
    step = _step_of_kind(version, StepKind.DISPOSITION)
    role = _role_for(Viewer.for_user(user), step)
    if disposition.created_by_id != user.person.id:
        raise PermissionDenied(_("Only the author signs the disposition."))
    if disposition.round_id:
        raise OutOfTurn(_("This disposition is already signed."), code="already_signed")
    _refuse_second_round(disposition.sop, disposition.year, disposition.period)
    round_ = Round.objects.create(agency=disposition.agency, sop=disposition.sop,
                                  sop_version=version, year=disposition.year,
                                  period=disposition.period)
    sign(document=disposition, kind=SignatureKind.SIGNATURE, role_name=HEAD_SIGNATURE,
         user=user, role=role, content=disposition.signed_content())
    disposition.round = round_
    disposition.version += 1
    disposition.save(update_fields=["round", "version"])
    execution = engine.open_execution(round_, step, at=disposition.created_at)
    engine.complete(execution, user=user, role=role, outcome="signed")
    engine.advance(execution)
    _event("round.opened", round_, user=user, round_=round_, step=step.number,
           summary=f"Disposition {disposition.agenda} signed; round {round_} opened")
    return round_


# -- step 2: forwarding, initials, and the data-request format -------------------------------

@transaction.atomic
def disposition_forward(*, user, round_: Round, instruction: str,
                        expected_version: int) -> Disposition:
    """The secretary forwards the disposition to the data subsection and initials it."""
    round_ = _locked_round(round_, expected_version)
    step = _step_of_kind(round_.sop_version, StepKind.FORWARDING)
    execution = _waiting(round_, step)
    role = _role_for(Viewer.for_user(user), step)
    if not instruction.strip():
        raise OutOfTurn(_("Write the instruction for the data subsection."),
                        code="instruction_required")
    disposition = Disposition.objects.select_for_update().get(round=round_)
    if is_signed(disposition, SECRETARY_INITIALS):
        raise OutOfTurn(_("The disposition is already forwarded."), code="already_signed")
    receiver = next((a for a in round_.sop_version.actors.all()
                     if a.key in step.participants), None)
    disposition.forward_instruction = instruction.strip()
    disposition.forwarded_to = _position_title(round_.agency, receiver.position,
                                               receiver.unit_function) if receiver else ""
    disposition.version += 1
    disposition.save(update_fields=["forward_instruction", "forwarded_to", "version"])
    sign(document=disposition, kind=SignatureKind.INITIALS, role_name=SECRETARY_INITIALS,
         user=user, role=role, content=disposition.forwarded_content())
    execution.started_at = timezone.now()
    execution.save(update_fields=["started_at"])
    _bump(round_)
    _event("disposition.forwarded", disposition, user=user, round_=round_, step=step.number,
           summary=f"Disposition {disposition.agenda} forwarded to {disposition.forwarded_to}")
    return disposition


@transaction.atomic
def disposition_initial(*, user, round_: Round, expected_version: int) -> Disposition:
    """The head of the planning subsection, responsible for the activity, initials it."""
    round_ = _locked_round(round_, expected_version)
    viewer = Viewer.for_user(user)
    role = next((r for r in viewer.roles if r.position_kind == PositionKind.SUBSECTION_HEAD
                 and PLANNING_FUNCTION in viewer.tree.functions[r.unit_id]), None)
    if role is None:
        raise PermissionDenied(_("Only the head of the planning subsection initials here."))
    disposition = Disposition.objects.select_for_update().get(round=round_)
    if not is_signed(disposition, SECRETARY_INITIALS):
        raise OutOfTurn(_("The secretary has not forwarded the disposition yet."),
                        code="not_forwarded")
    sign(document=disposition, kind=SignatureKind.INITIALS, role_name=PLANNING_INITIALS,
         user=user, role=role, content=disposition.forwarded_content())
    _bump(round_)
    _event("disposition.initialled", disposition, user=user, round_=round_,
           summary=f"Disposition {disposition.agenda} initialled by {role.position_title}")
    return disposition


def _format_builder(round_: Round):
    """The actor who builds the format: the one the disposition is forwarded to."""
    step = _step_of_kind(round_.sop_version, StepKind.FORWARDING)
    receiver = next((a for a in round_.sop_version.actors.all() if a.key in step.participants),
                    None)
    return step, receiver


def current_format(round_: Round) -> DataRequestFormat | None:
    return round_.formats.order_by("-number").first()


def indicators_for_round(round_: Round):
    """The catalogue's indicators whose Renstra period covers the round's year."""
    return Indicator.objects.filter(
        period__agency=round_.agency, period__start_year__lte=round_.year,
        period__end_year__gte=round_.year,
    ).select_related("responsible_unit").order_by("responsible_unit__order", "order", "code")


@transaction.atomic
def format_create(*, user, round_: Round, due_date: date, require_value: bool = True,
                  require_explanation: bool = False, require_evidence: bool = False,
                  expected_version: int) -> DataRequestFormat:
    """The data subsection drafts the format: by default every unit reports its own
    indicators."""
    round_ = _locked_round(round_, expected_version)
    step, builder = _format_builder(round_)
    _waiting(round_, step)
    role = _role_for(Viewer.for_user(user), step, actor=builder)
    disposition = Disposition.objects.get(round=round_)
    if not is_signed(disposition, SECRETARY_INITIALS):
        raise OutOfTurn(_("The secretary has not forwarded the disposition yet."),
                        code="not_forwarded")
    if round_.formats.exists():
        raise OutOfTurn(_("The format of this round already exists."), code="format_exists")
    if due_date < timezone.localdate():
        raise OutOfTurn(_("The due date is in the past."), code="invalid_due_date")
    indicators = list(indicators_for_round(round_))
    if not indicators:
        raise OutOfTurn(_("The catalogue has no indicator for %(year)d.")
                        % {"year": round_.year}, code="no_indicators")
    data_format = DataRequestFormat.objects.create(
        round=round_, number=1, due_date=due_date, require_value=require_value,
        require_explanation=require_explanation, require_evidence=require_evidence,
        created_by=user.person)
    FormatItem.objects.bulk_create(
        FormatItem(format=data_format, unit_id=indicator.responsible_unit_id,
                   indicator=indicator) for indicator in indicators)
    _bump(round_)
    _event("format.created", data_format, user=user, round_=round_, step=step.number,
           summary=f"Data-request format drafted by {role.position_title}: "
                   f"{len(indicators)} indicators", indicators=len(indicators))
    return data_format


def _format_for_change(round_: Round, user) -> tuple[DataRequestFormat, Role]:
    step, builder = _format_builder(round_)
    role = _role_for(Viewer.for_user(user), step, actor=builder)
    data_format = current_format(round_)
    if data_format is None:
        raise OutOfTurn(_("The format has not been drafted yet."), code="no_format")
    return data_format, role


@transaction.atomic
def format_set_indicators(*, user, round_: Round, indicator_ids: list[int],
                          expected_version: int) -> DataRequestFormat:
    """Choose which of the year's indicators the format asks for (before it is final)."""
    round_ = _locked_round(round_, expected_version)
    data_format, _role = _format_for_change(round_, user)
    if data_format.finalised_at:
        raise OutOfTurn(_("The format is final; the meeting may revise it."),
                        code="format_final")
    before = set(data_format.items.values_list("indicator_id", flat=True))
    _replace_items(round_, data_format, indicator_ids)
    _bump(round_)
    _event("format.changed", data_format, user=user, round_=round_,
           summary="Indicators of the data-request format changed",
           old=sorted(before), new=sorted(set(indicator_ids)))
    return data_format


def _replace_items(round_: Round, data_format: DataRequestFormat,
                   indicator_ids: list[int]) -> None:
    indicators = {i.id: i for i in indicators_for_round(round_).filter(id__in=indicator_ids)}
    unknown = set(indicator_ids) - set(indicators)
    if unknown or not indicator_ids:
        raise OutOfTurn(_("Choose indicators of this agency's catalogue for the round's year."),
                        code="invalid_indicators")
    data_format.items.all().delete()
    FormatItem.objects.bulk_create(
        FormatItem(format=data_format, unit_id=indicator.responsible_unit_id,
                   indicator=indicator) for indicator in indicators.values())


@transaction.atomic
def format_finalise(*, user, round_: Round, expected_version: int) -> DataRequestFormat:
    """The format is ready: step 2 is done and step 3 (sending) waits for the data
    subsection."""
    round_ = _locked_round(round_, expected_version)
    data_format, role = _format_for_change(round_, user)
    step = _step_of_kind(round_.sop_version, StepKind.FORWARDING)
    execution = _waiting(round_, step)
    data_format.finalised_at = timezone.now()
    data_format.save(update_fields=["finalised_at"])
    engine.complete(execution, user=user, role=role, outcome="format_ready")
    engine.advance(execution)
    _bump(round_)
    _event("format.finalised", data_format, user=user, round_=round_, step=step.number,
           summary=f"Data-request format v{data_format.number} final")
    return data_format


# -- step 3: sending the format to every unit -------------------------------------------------

@transaction.atomic
def format_send(*, user, round_: Round, expected_version: int) -> list[Track]:
    """The data subsection sends each unit its part of the format; the tracks start."""
    round_ = _locked_round(round_, expected_version)
    step = _step_of_kind(round_.sop_version, StepKind.SENDING)
    executions = list(StepExecution.objects.select_for_update().filter(
        round=round_, step=step, status=ExecutionStatus.OPEN).select_related("track"))
    if not executions:
        raise OutOfTurn(_("Step %(number)d is not waiting to be done now.")
                        % {"number": step.number})
    role = _role_for(Viewer.for_user(user), step)
    disposition = Disposition.objects.get(round=round_)
    missing = []
    if not is_signed(disposition, PLANNING_INITIALS):
        missing.append(_("the initials of the head of the planning subsection on the "
                         "disposition"))
    data_format = current_format(round_)
    if data_format is None or not data_format.finalised_at:
        missing.append(_("the final data-request format"))
    if missing:
        raise OutOfTurn(_("Step %(number)d needs %(missing)s.") % {
            "number": step.number, "missing": "; ".join(missing)}, code="inputs_missing",
            details=missing)
    for execution in executions:
        engine.complete(execution, user=user, role=role, outcome="sent")
    for execution in executions:
        engine.advance(execution)
    _bump(round_)
    _event("format.sent", data_format, user=user, round_=round_, step=step.number,
           summary=f"Data-request format sent to {len(executions)} units",
           units=[e.track.unit_id for e in executions])
    return [execution.track for execution in executions]


@transaction.atomic
def format_revise(*, user, round_: Round, indicator_ids: list[int], change_note: str,
                  due_date: date | None = None, expected_version: int) -> DataRequestFormat:
    """The meeting (step 4) revises the format: a new version that says what changed."""
    round_ = _locked_round(round_, expected_version)
    meeting_step = _step_of_kind(round_.sop_version, StepKind.MEETING)
    _waiting(round_, meeting_step)
    previous, role = _format_for_change(round_, user)
    if not change_note.strip():
        raise OutOfTurn(_("Say what the meeting changed."), code="change_note_required")
    revised = DataRequestFormat.objects.create(
        round=round_, number=previous.number + 1, due_date=due_date or previous.due_date,
        require_value=previous.require_value, require_explanation=previous.require_explanation,
        require_evidence=previous.require_evidence, created_by=user.person,
        finalised_at=timezone.now())
    _replace_items(round_, revised, indicator_ids)
    before = set(previous.items.values_list("indicator__code", flat=True))
    after = set(revised.items.values_list("indicator__code", flat=True))
    summary = [change_note.strip()]
    if after - before:
        summary.append(_("Added: %(codes)s") % {"codes": ", ".join(sorted(after - before))})
    if before - after:
        summary.append(_("Removed: %(codes)s") % {"codes": ", ".join(sorted(before - after))})
    revised.change_note = "\n".join(summary)
    revised.save(update_fields=["change_note"])
    _bump(round_)
    _event("format.revised", revised, user=user, round_=round_, step=meeting_step.number,
           summary=f"Format revised to v{revised.number} by {role.position_title}",
           added=sorted(after - before), removed=sorted(before - after))
    return revised


# -- step 4: the meeting ---------------------------------------------------------------------

@transaction.atomic
def meeting_record(*, user, round_: Round, held_at: datetime, place: str,
                   invitees: list[Person], attendees: list[Person], minutes: str,
                   decisions: str, expected_version: int) -> Meeting:
    """The data subsection records the meeting's minutes; this completes step 4."""
    round_ = _locked_round(round_, expected_version)
    step = _step_of_kind(round_.sop_version, StepKind.MEETING)
    execution = _waiting(round_, step)
    role = _role_for(Viewer.for_user(user), step, actor=step.recorder)
    problems = []
    if not place.strip():
        problems.append(_("Enter the place of the meeting."))
    if not minutes.strip():
        problems.append(_("Enter the minutes of the meeting."))
    if not invitees:
        problems.append(_("Name at least one invitee."))
    if any(person.agency_id != round_.agency_id for person in [*invitees, *attendees]):
        problems.append(_("Invitees and attendees are people of this agency."))
    if not set(attendees) <= set(invitees):
        problems.append(_("Everyone present must be among the invitees."))
    if problems:
        raise OutOfTurn(problems[0], code="invalid_meeting", details=problems)
    meeting = Meeting.objects.create(round=round_, held_at=held_at, place=place.strip(),
                                     minutes=minutes.strip(), decisions=decisions.strip(),
                                     recorded_by=user.person)
    meeting.invitees.set(invitees)
    meeting.attendees.set(attendees)
    engine.complete(execution, user=user, role=role, outcome="minutes_recorded")
    engine.advance(execution)
    _bump(round_)
    _event("meeting.recorded", meeting, user=user, round_=round_, step=step.number,
           summary=f"Meeting of {round_} recorded: {len(attendees)} of {len(invitees)} present")
    return meeting


def waiting_executions(round_: Round):
    return round_.executions.filter(status=ExecutionStatus.OPEN).select_related("step",
                                                                                 "track__unit")
