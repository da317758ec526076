"""Steps 2 to 4: the data-request format, sending it to the units, revising it at the meeting."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kinerja.core.errors import OutOfTurn
from kinerja.core.text import REASON_MAX_LENGTH, clean_text
from kinerja.organisation.visibility import Role, Viewer
from kinerja.sops.models import SopActor, SopStep, StepKind

from .. import engine
from ..models import (
    DataRequestFormat,
    Disposition,
    FormatItem,
    Round,
    Track,
)
from ..signing import is_signed
from .common import (
    SECRETARY_INITIALS,
    audit,
    bump_version,
    current_format,
    indicators_for_round,
    locked_round,
    role_for,
    step_of_kind,
    waiting_execution,
)
from .data_entry import prefill_year_round
from .disposition import initials_missing


def format_step(version) -> tuple[SopStep, SopActor | None]:
    """The step that builds the format, and who builds it: a `data_request_format` step and
    its actor, or else the forwarding and the one it is forwarded to (the seed's step 2)."""
    step = version.steps.filter(kind=StepKind.DATA_REQUEST_FORMAT).first()
    if step is not None:
        return step, step.actor
    step = step_of_kind(version, StepKind.FORWARDING)
    receiver = next((a for a in version.actors.all() if a.key in step.participants), None)
    return step, receiver


@transaction.atomic
def format_create(*, user, round_: Round, due_date: date, require_value: bool = True,
                  require_explanation: bool = False, require_evidence: bool = False,
                  expected_version: int) -> DataRequestFormat:
    """The data subsection drafts the format: by default every unit reports its own
    indicators."""
    round_ = locked_round(round_, expected_version)
    step, builder = format_step(round_.sop_version)
    waiting_execution(round_, step)
    role = role_for(Viewer.for_user(user), step, actor=builder)
    disposition = Disposition.objects.get(round=round_)
    if step.kind == StepKind.FORWARDING and not is_signed(disposition, SECRETARY_INITIALS):
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
    bump_version(round_)
    audit("format.created", data_format, user=user, round_=round_, step=step.number,
           summary=f"Data-request format drafted by {role.position_title}: "
                   f"{len(indicators)} indicators", indicators=len(indicators))
    return data_format


def _format_for_change(round_: Round, user) -> tuple[DataRequestFormat, Role]:
    step, builder = format_step(round_.sop_version)
    role = role_for(Viewer.for_user(user), step, actor=builder)
    data_format = current_format(round_)
    if data_format is None:
        raise OutOfTurn(_("The format has not been drafted yet."), code="no_format")
    return data_format, role


@transaction.atomic
def format_set_indicators(*, user, round_: Round, indicator_ids: list[int],
                          expected_version: int) -> DataRequestFormat:
    """Choose which of the year's indicators the format asks for (before it is final)."""
    round_ = locked_round(round_, expected_version)
    data_format, _role = _format_for_change(round_, user)
    if data_format.finalised_at:
        raise OutOfTurn(_("The format is final; the meeting may revise it."),
                        code="format_final")
    before = set(data_format.items.values_list("indicator_id", flat=True))
    _replace_items(round_, data_format, indicator_ids)
    bump_version(round_)
    audit("format.changed", data_format, user=user, round_=round_,
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
    round_ = locked_round(round_, expected_version)
    data_format, role = _format_for_change(round_, user)
    step, _builder = format_step(round_.sop_version)
    execution = waiting_execution(round_, step)
    data_format.finalised_at = timezone.now()
    data_format.save(update_fields=["finalised_at"])
    engine.complete(execution, user=user, role=role, outcome="format_ready")
    bump_version(round_)
    audit("format.finalised", data_format, user=user, round_=round_, step=step.number,
           summary=f"Data-request format v{data_format.number} final")
    return data_format


def _refuse_units_without_track(round_: Round, indicator_ids: list[int]) -> None:
    """The meeting revises what the units were sent; a unit that got no part of the format
    has no track to report on."""
    tracked = set(round_.tracks.values_list("unit_id", flat=True))
    strangers = sorted({indicator.code for indicator in
                        indicators_for_round(round_).filter(id__in=indicator_ids)
                        if indicator.responsible_unit_id not in tracked})
    if strangers:
        raise OutOfTurn(_("These indicators belong to units that were sent no part of the "
                          "format: %(codes)s.") % {"codes": ", ".join(strangers)},
                        code="invalid_indicators")


# -- step 3: sending the format to every unit -------------------------------------------------

@transaction.atomic
def format_send(*, user, round_: Round, expected_version: int) -> list[Track]:
    """The data subsection sends each unit its part of the format; the tracks start."""
    round_ = locked_round(round_, expected_version)
    step = step_of_kind(round_.sop_version, StepKind.SENDING)
    executions = engine.waiting_all(round_, step)
    if not executions:
        raise OutOfTurn(_("Step %(number)d is not waiting to be done now.")
                        % {"number": step.number})
    role = role_for(Viewer.for_user(user), step)
    disposition = Disposition.objects.get(round=round_)
    missing = [_("the initials of %(who)s on the disposition") % {"who": initialler.label}
               for initialler in initials_missing(disposition, round_.sop_version)]
    data_format = current_format(round_)
    if data_format is None or not data_format.finalised_at:
        missing.append(_("the final data-request format"))
    if missing:
        raise OutOfTurn(_("Step %(number)d needs %(missing)s.") % {
            "number": step.number, "missing": "; ".join(missing)}, code="inputs_missing",
            details=missing)
    for execution in executions:
        engine.complete(execution, user=user, role=role, outcome="sent")
    tracks = [execution.track for execution in executions if execution.track is not None]
    prefilled = prefill_year_round(round_, user=user)
    bump_version(round_)
    audit("format.sent", data_format, user=user, round_=round_, step=step.number,
           summary=f"Data-request format sent to {len(executions)} units",
           units=[track.unit_id for track in tracks], prefilled_values=prefilled)
    return tracks


@transaction.atomic
def format_revise(*, user, round_: Round, indicator_ids: list[int], change_note: str,
                  due_date: date | None = None, expected_version: int) -> DataRequestFormat:
    """The meeting (step 4) revises the format: a new version that says what changed."""
    round_ = locked_round(round_, expected_version)
    meeting_step = step_of_kind(round_.sop_version, StepKind.MEETING)
    waiting_execution(round_, meeting_step)
    previous, role = _format_for_change(round_, user)
    change_note = clean_text(change_note, max_length=REASON_MAX_LENGTH, field=_("the note"))
    if not change_note:
        raise OutOfTurn(_("Say what the meeting changed."), code="change_note_required")
    _refuse_units_without_track(round_, indicator_ids)
    revised = DataRequestFormat.objects.create(
        round=round_, number=previous.number + 1, due_date=due_date or previous.due_date,
        require_value=previous.require_value, require_explanation=previous.require_explanation,
        require_evidence=previous.require_evidence, created_by=user.person,
        finalised_at=timezone.now())
    _replace_items(round_, revised, indicator_ids)
    before = set(previous.items.values_list("indicator__code", flat=True))
    after = set(revised.items.values_list("indicator__code", flat=True))
    summary = [change_note]
    if after - before:
        summary.append(_("Added: %(codes)s") % {"codes": ", ".join(sorted(after - before))})
    if before - after:
        summary.append(_("Removed: %(codes)s") % {"codes": ", ".join(sorted(before - after))})
    revised.change_note = "\n".join(summary)
    revised.save(update_fields=["change_note"])
    bump_version(round_)
    audit("format.revised", revised, user=user, round_=round_, step=meeting_step.number,
           summary=f"Format revised to v{revised.number} by {role.position_title}",
           added=sorted(after - before), removed=sorted(before - after))
    return revised


