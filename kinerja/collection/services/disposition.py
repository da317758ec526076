"""Steps 1 and 2: the head's disposition, its forwarding by the secretary and the initials."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kinerja.catalogue.models import IndicatorYearTarget
from kinerja.core.errors import OutOfTurn, PermissionDenied
from kinerja.core.text import REASON_MAX_LENGTH, clean_text, max_length_of
from kinerja.organisation.visibility import Viewer
from kinerja.sops.models import Initialler, Sop, StepKind

from .. import engine
from ..models import (
    AgendaCounter,
    Disposition,
    Period,
    Round,
    RoundStatus,
    Security,
    SignatureKind,
    Speed,
)
from ..signing import is_signed, sign
from .common import (
    HEAD_SIGNATURE,
    SECRETARY_INITIALS,
    audit,
    bump_version,
    check_version,
    locked_round,
    position_title,
    role_for,
    step_of_kind,
    waiting_execution,
)

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
    step = step_of_kind(version, StepKind.DISPOSITION)
    role_for(viewer, step)
    subject, instruction = _subject(subject), _instruction(instruction)
    problems = _disposition_problems(year=year, period=period, speed=speed,
                                     security=security, subject=subject,
                                     instruction=instruction, date=date, deadline=deadline)
    if problems:
        raise OutOfTurn(problems[0], code="invalid_disposition", details=problems)
    refuse_uncovered_year(sop, year)
    _refuse_second_round(sop, year, period)
    counter, _created = AgendaCounter.objects.select_for_update().get_or_create(
        agency=sop.agency, year=date.year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    forwarding_step = version.steps.filter(number=step.number + 1).first()
    addressed_to = position_title(sop.agency, forwarding_step.actor_position) if (
        forwarding_step) else ""
    disposition = Disposition.objects.create(
        agency=sop.agency, sop=sop, agenda_year=date.year, agenda_number=counter.last_number,
        date=date, year=year, period=period, speed=speed, security=security, subject=subject,
        instruction=instruction, deadline=deadline, created_by=user.person,
        addressed_to=addressed_to)
    audit("disposition.created", disposition, user=user, round_=None,
           summary=f"Disposition {disposition.agenda} drafted: {subject}")
    return disposition


def _subject(text: str) -> str:
    return clean_text(text, max_length=max_length_of(Disposition, "subject"),
                      field=_("the subject"), single_line=True)


def _instruction(text: str) -> str:
    return clean_text(text, max_length=REASON_MAX_LENGTH, field=_("the instruction"))


def _disposition_problems(*, year, period, speed, security, subject, instruction, date,
                          deadline) -> list[str]:
    problems = []
    if not 2000 <= year <= 2100:
        problems.append(_("Enter a year between 2000 and 2100."))
    if period not in Period.values:
        problems.append(_("Unknown period."))
    if speed not in Speed.values:
        problems.append(_("Unknown speed."))
    if security not in Security.values:
        problems.append(_("Unknown security level."))
    if not subject or not instruction:
        problems.append(_("Write the subject and the instruction."))
    if deadline < date:
        problems.append(_("The deadline is before the date of the disposition."))
    return problems


class PeriodTaken(OutOfTurn):
    """The period already has its round (one round per agency, SOP, year and period: the
    database's `one_round_per_period`). A finalised one is reopened by the head, never
    collected twice; an open one is carried on. `round_id` and `url` point to that round;
    `details` holds the round page's address for API clients."""

    def __init__(self, round_: Round):
        if round_.status == RoundStatus.FINALISED:
            message = _("%(round)s is already finalised. Reopen that round (head of the "
                        "agency) to change its data.") % {"round": round_}
            code = "period_finalised"
        else:
            message = _("%(round)s is already in progress: carry on in that round.") % {
                "round": round_}
            code = "round_exists"
        self.round_id = round_.pk
        self.url = round_.get_absolute_url()
        super().__init__(message, code=code, details=[self.url])


def _round_of_period(sop: Sop, year: int, period: str) -> Round | None:
    """The period's round; a cancelled one leaves the period free (as the database's
    `one_round_per_period` does)."""
    return (Round.objects.filter(agency_id=sop.agency_id, sop=sop, year=year, period=period)
            .exclude(status=RoundStatus.CANCELLED).first())


# -- the periods a disposition may be written for ---------------------------------------------

def covered_years(agency_id: int) -> set[int]:
    """The years the agency's catalogue covers: a Renstra period holding the year with
    indicators that have targets for it. A round of another year would stop at step 2 with no
    indicator to ask for."""
    return set(IndicatorYearTarget.objects.filter(
        indicator__period__agency_id=agency_id,
        year__gte=F("indicator__period__start_year"),
        year__lte=F("indicator__period__end_year")).values_list("year", flat=True))


def _uncovered_message(year: int) -> str:
    return _("Year %(year)s is not in the catalogue: no indicator has a target for it.") % {
        "year": year}


def refuse_uncovered_year(sop: Sop, year: int) -> None:
    if year not in covered_years(sop.agency_id):
        raise OutOfTurn(_uncovered_message(year), code="period_not_in_catalogue")


@dataclass(frozen=True)
class PeriodChoice:
    """A (year, period) pair of the offer: `reason` says why it is not offered, `period` is
    empty for a whole year that the catalogue lacks."""

    year: int
    period: str
    label: str
    reason: str = ""
    round_id: int | None = None

    @property
    def value(self) -> str:
        return f"{self.year}-{self.period}"


@dataclass(frozen=True)
class PeriodOffer:
    offered: list[PeriodChoice]
    missing: list[PeriodChoice]

    def find(self, year: int, period: str) -> PeriodChoice | None:
        return next((c for c in self.offered if (c.year, c.period) == (year, period)), None)

    def refusal(self, year: int, period: str) -> str:
        """Why the pair is not offered ("" when it is)."""
        if self.find(year, period) is not None:
            return ""
        for choice in self.missing:
            if choice.year == year and choice.period in ("", period):
                return choice.reason
        return _uncovered_message(year)


def period_label(year: int, period: str) -> str:
    return f"{Period(period).label} {year}"


def period_offer(sop: Sop, *, today: date | None = None) -> PeriodOffer:
    """The (year, period) pairs a disposition of the SOP may be written for: years the
    catalogue covers, periods without a round (a cancelled round does not count), newest year
    first; and, for the years around today and the years of the catalogue, why the others are
    missing."""
    today = today or timezone.localdate()
    covered = covered_years(sop.agency_id)
    years = sorted(covered | {today.year - 1, today.year, today.year + 1}, reverse=True)
    rounds = {(r.year, r.period): r for r in Round.objects.filter(
        agency_id=sop.agency_id, sop=sop).exclude(status=RoundStatus.CANCELLED)}
    offered, missing = [], []
    for year in years:
        if year not in covered:
            missing.append(PeriodChoice(year, "", str(year), _uncovered_message(year)))
            continue
        for period in Period.values:
            label = period_label(year, period)
            round_ = rounds.get((year, period))
            if round_ is None:
                offered.append(PeriodChoice(year, period, label))
            else:
                # The words the service refuses with (PeriodTaken), said before the choice.
                missing.append(PeriodChoice(year, period, label, PeriodTaken(round_).message,
                                            round_.pk))
    return PeriodOffer(offered, missing)


def _refuse_second_round(sop: Sop, year: int, period: str) -> None:
    """Checked before anything is written, so that a page or the API shows why."""
    existing = _round_of_period(sop, year, period)
    if existing is not None:
        raise PeriodTaken(existing)


def _create_round(disposition: Disposition, version) -> Round:
    """The round of the disposition's period. Two heads signing at once both pass
    `_refuse_second_round`; the database's constraint stops the second, which gets the same
    refusal instead of an IntegrityError (its savepoint is rolled back, and the caller's
    transaction with it when the refusal propagates)."""
    try:
        with transaction.atomic():
            return Round.objects.create(agency=disposition.agency, sop=disposition.sop,
                                        sop_version=version, year=disposition.year,
                                        period=disposition.period)
    except IntegrityError:
        existing = _round_of_period(disposition.sop, disposition.year, disposition.period)
        if existing is None:
            raise
        raise PeriodTaken(existing) from None


EDITABLE_DISPOSITION_FIELDS = ("date", "speed", "security", "subject", "instruction",
                               "deadline", "year", "period")


@transaction.atomic
def disposition_update(*, user, disposition: Disposition, expected_version: int,
                       **changes) -> Disposition:
    """Its author changes a draft (unsigned, no round); the period is checked against the
    catalogue and the rounds again."""
    disposition = _draft_of_author(user, disposition,
                                   _("Only the author edits a draft disposition."))
    check_version(disposition, expected_version)
    unknown = set(changes) - set(EDITABLE_DISPOSITION_FIELDS)
    if unknown:
        raise OutOfTurn(_("These fields cannot be changed: %(fields)s")
                        % {"fields": ", ".join(sorted(unknown))}, code="invalid_field")
    if "subject" in changes:
        changes["subject"] = _subject(changes["subject"])
    if "instruction" in changes:
        changes["instruction"] = _instruction(changes["instruction"])
    # A whole form (or a PUT) sends every field: only the changed ones are changes.
    changes = {field: value for field, value in changes.items()
               if value != getattr(disposition, field)}
    if not changes:
        return disposition
    merged = {field: changes.get(field, getattr(disposition, field))
              for field in EDITABLE_DISPOSITION_FIELDS}
    problems = _disposition_problems(**merged)
    if problems:
        raise OutOfTurn(problems[0], code="invalid_disposition", details=problems)
    # The catalogue may have changed since the draft was written: the year is checked again.
    refuse_uncovered_year(disposition.sop, merged["year"])
    _refuse_second_round(disposition.sop, merged["year"], merged["period"])
    old = {field: str(getattr(disposition, field)) for field in changes}
    for field, value in changes.items():
        setattr(disposition, field, value)
    disposition.version += 1
    disposition.save()
    audit("disposition.updated", disposition, user=user, round_=None,
           summary=f"Disposition {disposition.agenda} changed",
           old=old, new={field: str(value) for field, value in changes.items()})
    return disposition


def _draft_of_author(user, disposition: Disposition, message: str) -> Disposition:
    """The draft under a lock, if the user wrote it and it is still unsigned."""
    disposition = Disposition.objects.select_for_update().get(pk=disposition.pk)
    if disposition.created_by_id != getattr(getattr(user, "person", None), "id", None):
        raise PermissionDenied(message)
    if disposition.round_id or is_signed(disposition, HEAD_SIGNATURE):
        raise OutOfTurn(_("A signed disposition cannot be changed or deleted."),
                        code="signed")
    return disposition


@transaction.atomic
def disposition_delete(*, user, disposition: Disposition, expected_version: int) -> None:
    """Its author deletes a draft (unsigned, no round). The agenda number is not given again:
    the register keeps the gap, and the audit trail says what the draft was."""
    disposition = _draft_of_author(user, disposition,
                                   _("Only the author deletes a draft disposition."))
    check_version(disposition, expected_version)
    audit("disposition.deleted", disposition, user=user, round_=None,
          summary=f"Draft disposition {disposition.agenda} deleted: {disposition.subject}",
          agenda=disposition.agenda, year=disposition.year, period=disposition.period,
          subject=disposition.subject)
    disposition.delete()


@transaction.atomic
def disposition_sign(*, user, disposition: Disposition, expected_version: int) -> Round:
    """The head signs; this opens the round and passes the disposition to the secretary."""
    disposition = Disposition.objects.select_for_update().select_related("sop").get(
        pk=disposition.pk)
    check_version(disposition, expected_version)
    version = disposition.sop.current_version
    step = step_of_kind(version, StepKind.DISPOSITION)
    role = role_for(Viewer.for_user(user), step)
    if disposition.created_by_id != user.person.id:
        raise PermissionDenied(_("Only the author signs the disposition."))
    if disposition.round_id:
        raise OutOfTurn(_("This disposition is already signed."), code="already_signed")
    refuse_uncovered_year(disposition.sop, disposition.year)
    _refuse_second_round(disposition.sop, disposition.year, disposition.period)
    round_ = _create_round(disposition, version)
    sign(document=disposition, kind=SignatureKind.SIGNATURE, role_name=HEAD_SIGNATURE,
         user=user, role=role, content=disposition.signed_content())
    disposition.round = round_
    disposition.version += 1
    disposition.save(update_fields=["round", "version"])
    # The step began when the head started writing: its time runs from the draft.
    execution = engine.open_step(round_, step, at=disposition.created_at)
    engine.complete(execution, user=user, role=role, outcome="signed")
    audit("round.opened", round_, user=user, round_=round_, step=step.number,
           summary=f"Disposition {disposition.agenda} signed; round {round_} opened")
    return round_


# -- step 2: forwarding, initials, and the data-request format -------------------------------

@transaction.atomic
def disposition_forward(*, user, round_: Round, instruction: str,
                        expected_version: int) -> Disposition:
    """The secretary forwards the disposition to the data subsection and initials it."""
    round_ = locked_round(round_, expected_version)
    step = step_of_kind(round_.sop_version, StepKind.FORWARDING)
    execution = waiting_execution(round_, step)
    role = role_for(Viewer.for_user(user), step)
    instruction = _instruction(instruction)
    if not instruction:
        raise OutOfTurn(_("Write the instruction for the data subsection."),
                        code="instruction_required")
    disposition = Disposition.objects.select_for_update().get(round=round_)
    if is_signed(disposition, SECRETARY_INITIALS):
        raise OutOfTurn(_("The disposition is already forwarded."), code="already_signed")
    receiver = next((a for a in round_.sop_version.actors.all()
                     if a.key in step.participants), None)
    disposition.forward_instruction = instruction
    disposition.forwarded_to = position_title(round_.agency, receiver.position,
                                               receiver.unit_function) if receiver else ""
    disposition.version += 1
    disposition.save(update_fields=["forward_instruction", "forwarded_to", "version"])
    sign(document=disposition, kind=SignatureKind.INITIALS, role_name=SECRETARY_INITIALS,
         user=user, role=role, content=disposition.forwarded_content())
    if round_.sop_version.steps.filter(kind=StepKind.DATA_REQUEST_FORMAT).exists():
        # The format is a step of its own: forwarding is done.
        engine.complete(execution, user=user, role=role, outcome="forwarded")
    else:
        # The receiver builds the format within this step (format_finalise completes it).
        engine.start(execution, role=role)
    bump_version(round_)
    audit("disposition.forwarded", disposition, user=user, round_=round_, step=step.number,
           summary=f"Disposition {disposition.agenda} forwarded to {disposition.forwarded_to}")
    return disposition


def initials_missing(disposition: Disposition, version) -> list[Initialler]:
    return [initialler for initialler in version.further_initials()
            if not is_signed(disposition, initialler.role_name)]


@transaction.atomic
def disposition_initial(*, user, round_: Round, expected_version: int) -> Disposition:
    """Whoever the SOP's recording section names after the secretary (the Kasubbag
    Perencanaan, responsible for the activity) initials the forwarded disposition."""
    round_ = locked_round(round_, expected_version)
    version = round_.sop_version
    expected = version.further_initials()
    if not expected:
        raise OutOfTurn(_("This SOP asks for no further initials on the disposition."),
                        code="no_initials")
    found = engine.initialler_of(Viewer.for_user(user), version)
    if found is None:
        raise PermissionDenied(_("Only %(who)s initial the disposition here.")
                               % {"who": ", ".join(i.label for i in expected)})
    initialler, role = found
    disposition = Disposition.objects.select_for_update().get(round=round_)
    if not is_signed(disposition, SECRETARY_INITIALS):
        raise OutOfTurn(_("The secretary has not forwarded the disposition yet."),
                        code="not_forwarded")
    if is_signed(disposition, initialler.role_name):
        raise OutOfTurn(_("The disposition is already initialled."), code="already_signed")
    sign(document=disposition, kind=SignatureKind.INITIALS, role_name=initialler.role_name,
         user=user, role=role, content=disposition.forwarded_content())
    bump_version(round_)
    audit("disposition.initialled", disposition, user=user, round_=round_,
          summary=f"Disposition {disposition.agenda} initialled by {role.position_title}")
    return disposition
