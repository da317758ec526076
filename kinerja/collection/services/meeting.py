"""Step 4: the meeting on filling in the format."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from kinerja.core.errors import OutOfTurn
from kinerja.core.text import MINUTES_MAX_LENGTH, clean_text, max_length_of
from kinerja.organisation.models import Person
from kinerja.organisation.visibility import Viewer
from kinerja.sops.models import StepKind

from .. import engine
from ..models import (
    Meeting,
    Round,
)
from .common import (
    audit,
    bump_version,
    locked_round,
    role_for,
    step_of_kind,
    waiting_execution,
)

PLACE_MAX_LENGTH = max_length_of(Meeting, "place")

# -- step 4: the meeting ---------------------------------------------------------------------

@transaction.atomic
def meeting_record(*, user, round_: Round, held_at: datetime, place: str,
                   invitees: list[Person], attendees: list[Person], minutes: str,
                   decisions: str, expected_version: int) -> Meeting:
    """The data subsection records the meeting's minutes; this completes step 4."""
    round_ = locked_round(round_, expected_version)
    step = step_of_kind(round_.sop_version, StepKind.MEETING)
    execution = waiting_execution(round_, step)
    role = role_for(Viewer.for_user(user), step, actor=step.recorder)
    place = clean_text(place, max_length=PLACE_MAX_LENGTH, field=_("the place"),
                       single_line=True)
    minutes = clean_text(minutes, max_length=MINUTES_MAX_LENGTH, field=_("the minutes"))
    decisions = clean_text(decisions, max_length=MINUTES_MAX_LENGTH, field=_("the decisions"))
    problems = []
    if not place:
        problems.append(_("Enter the place of the meeting."))
    if not minutes:
        problems.append(_("Enter the minutes of the meeting."))
    if not invitees:
        problems.append(_("Name at least one invitee."))
    if any(person.agency_id != round_.agency_id for person in [*invitees, *attendees]):
        problems.append(_("Invitees and attendees are people of this agency."))
    if not set(attendees) <= set(invitees):
        problems.append(_("Everyone present must be among the invitees."))
    if problems:
        raise OutOfTurn(problems[0], code="invalid_meeting", details=problems)
    meeting = Meeting.objects.create(round=round_, held_at=held_at, place=place,
                                     minutes=minutes, decisions=decisions,
                                     recorded_by=user.person)
    meeting.invitees.set(invitees)
    meeting.attendees.set(attendees)
    engine.complete(execution, user=user, role=role, outcome="minutes_recorded")
    bump_version(round_)
    audit("meeting.recorded", meeting, user=user, round_=round_, step=step.number,
           summary=f"Meeting of {round_} recorded: {len(attendees)} of {len(invitees)} present")
    return meeting


def default_invitees(round_: Round) -> list[int]:
    """The SOP's meeting: the unit heads, the data subsection and the units' staff."""
    heads = Person.objects.filter(
        agency=round_.agency, holdings__position__kind__in=["division_head", "secretary"])
    data = Person.objects.filter(agency=round_.agency,
                                 holdings__position__unit__functions__code="data")
    return sorted({person.id for person in [*heads, *data]})
