from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from kinerja.catalogue.achievement import TargetSource
from kinerja.catalogue.choices import Aggregation, DataType, Polarity
from kinerja.collection.models import Period, Security, Speed
from kinerja.core.converters import MAX_ID
from kinerja.core.numbers import (
    MACHINE_PATTERN,
    AmbiguousNumber,
    NumberFormatError,
    machine_text,
    parse_machine,
    parse_number,
)
from kinerja.core.text import (
    EXPLANATION_MAX_LENGTH,
    MINUTES_MAX_LENGTH,
    REASON_MAX_LENGTH,
    VALUE_TEXT_MAX_LENGTH,
    normalise_text,
)

# A database id (or version) is a signed 64-bit integer: a larger number in a path or a body
# is refused here (422) instead of overflowing the SQLite driver (a 500).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _text(max_length: int, min_length: int = 0):
    """A free text as the services store it (kinerja/core/text.py): control characters
    normalised first, so that the limit counts the stored characters (a CRLF is one), and
    the limit stated in the OpenAPI document (maxLength)."""
    return Annotated[str, BeforeValidator(normalise_text),
                     Field(min_length=min_length, max_length=max_length)]


def _refused_number(message: str) -> PydanticCustomError:
    # A custom error keeps the sentence as it is (a ValueError would get "Value error, ").
    return PydanticCustomError("number_form", message.replace("{", "{{").replace("}", "}}"))


def _machine_number(value):
    """A value as the API takes it (kinerja/core/numbers.py, the README's "Numbers"): a JSON
    number is the number it writes (the body is parsed with exact decimals, api.py), so 0.262
    is 0.262 and 12e3 is 12000; a string is the machine form "1234.5" (an optional sign,
    digits, at most one decimal point). A locale's text ("1.234,5"), an exponent in a string,
    and NaN or infinity are refused, naming the form to write."""
    if value is None or (isinstance(value, Decimal) and value.is_finite()):
        return value
    if isinstance(value, bool):
        raise _refused_number(_("A value is a number or a text such as 1234.5, not true or "
                                "false."))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float | Decimal):
        if isinstance(value, float) and value == value and abs(value) != float("inf"):
            return Decimal(repr(value))  # the shortest reading: 0.262, not 0.2619999…
        raise _refused_number(_("A value is a finite number."))
    if not isinstance(value, str):
        return value  # a list or an object: refused by the type below
    if not value:
        return None
    if len(value) > VALUE_TEXT_MAX_LENGTH:
        raise _refused_number(_("The number is too long: at most %(limit)d characters.")
                              % {"limit": VALUE_TEXT_MAX_LENGTH})
    try:
        return parse_machine(value)
    except NumberFormatError:
        pass
    try:
        meant = machine_text(parse_number(value))
    except (NumberFormatError, AmbiguousNumber):
        meant = None
    if meant is not None:
        raise _refused_number(_("“%(text)s” is not a number in the API's form: write "
                                "%(number)s (digits, an optional sign and at most one "
                                "decimal point; no grouping, no comma, no exponent).")
                              % {"text": value, "number": meant})
    raise _refused_number(_("“%(text)s” is not a number in the API's form: write a number "
                            "such as 1234.5 (digits, an optional sign and at most one decimal "
                            "point; no grouping, no comma, no exponent).") % {"text": value})


# A value in or out: what the OpenAPI document says is what `_machine_number` takes.
ApiNumber = Annotated[Decimal | None, BeforeValidator(_machine_number), WithJsonSchema({
    "anyOf": [{"type": "number"},
              {"type": "string", "pattern": MACHINE_PATTERN,
               "maxLength": VALUE_TEXT_MAX_LENGTH},
              {"type": "null"}]})]

ReasonText = _text(REASON_MAX_LENGTH)
ExplanationText = _text(EXPLANATION_MAX_LENGTH)
MinutesText = _text(MINUTES_MAX_LENGTH)


class RoleOut(Schema):
    position_kind: str
    position_title: str
    unit_id: int
    acting: str


class MeOut(Schema):
    username: str
    person_id: int
    name: str
    agency: str
    language: str
    roles: list[RoleOut]


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    functions: list[str]


class HolderOut(Schema):
    name: str
    nip: str
    position: str
    signing_title: str
    acting: bool


class UnitDetailOut(UnitOut):
    holders: list[HolderOut]


class SopSummaryOut(Schema):
    id: int
    number: str
    title: str
    version: int


class StepOut(Schema):
    number: int
    description: str
    actor: str
    actor_position: str
    actor_unit_function: str
    actor_inferred: bool
    participants: list[str]
    inputs: str
    time_standard_minutes: int
    output: str
    remarks: str
    kind: str
    scope: str
    starts_tracks: bool
    waits_for_tracks: bool
    returns_to: int | None


class SopVersionOut(Schema):
    id: int
    number: str
    version: int
    content_hash: str
    title: str
    government_name: str
    agency_name: str
    date_made: date
    date_revised: date | None
    date_effective: date | None
    approver_position: str
    approver_name: str
    approver_rank: str
    approver_nip: str
    legal_basis: list[str]
    executor_qualifications: list[str]
    related_sops: list[str]
    equipment: list[str]
    warnings: list[str]
    recording: list[dict]
    documentation: str
    activity_type: str
    responsible_for_product: str
    responsible_for_activity: str
    activity_scope: str
    worksheet: dict
    notes: list[str]
    steps: list[StepOut]


class ErrorOut(Schema):
    """Every error the API answers, in the caller's language."""

    code: str = Field(description='What went wrong, for programs: "not_found", "stale", ...')
    message: str = Field(description="What went wrong, for people.")
    details: list[str] = Field(description="The fields or items concerned, if any.")


# -- tokens ----------------------------------------------------------------------------------

class TokenIn(Schema):
    username: str = Field(max_length=150)
    password: str = Field(max_length=4096)
    name: str = Field(min_length=1, max_length=100,
                      description="What the token is for, e.g. the script that uses it.")
    expires_in_days: int | None = Field(None, ge=1, le=366,
                                        description="Empty: the token lasts until revoked.")


class TokenOut(Schema):
    token: str = Field(description="The secret: shown once, never stored.")
    prefix: str
    name: str
    created_at: datetime
    expires_at: datetime | None


class TokenRevokedOut(Schema):
    prefix: str
    revoked_at: datetime


# -- tasks and rounds ------------------------------------------------------------------------

class TaskOut(Schema):
    step: int
    kind: str
    action: str
    code: str
    round_id: int
    track_id: int | None
    unit_id: int | None
    unit: str | None
    due_at: datetime
    minutes_left: int = Field(description="Working minutes until due; negative when late.")


class RoundSummaryOut(Schema):
    id: int
    sop_id: int
    sop_version: int
    year: int
    period: str
    status: str
    version: int
    opened_at: datetime
    finalised_at: datetime | None
    cancelled_at: datetime | None = None
    cancel_reason: str = Field("", description="Why the head cancelled the round.")


class ExecutionOut(Schema):
    id: int
    track_id: int | None
    unit: str | None
    status: str
    assigned_at: datetime
    due_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    completed_by: str | None
    acting_as: str
    outcome: str
    note: str
    working_minutes: int | None
    standard_minutes: int
    minutes_left: int | None
    late: bool


class RoundStepOut(Schema):
    number: int
    kind: str
    description: str
    actor: str
    standard_minutes: int
    executions: list[ExecutionOut]


class TrackSummaryOut(Schema):
    id: int
    unit_id: int
    unit: str
    stage: int
    stage_label: str
    version: int


class SignatureOut(Schema):
    kind: str
    role: str
    person: str
    position_title: str
    signed_at: datetime


class DispositionOut(Schema):
    id: int
    agenda: str
    sop_id: int
    year: int
    period: str
    date: date
    deadline: date
    subject: str
    instruction: str
    addressed_to: str
    forward_instruction: str
    forwarded_to: str
    version: int
    round_id: int | None
    signatures: list[SignatureOut]


class FormatItemOut(Schema):
    indicator_id: int
    code: str
    unit_id: int


class FormatOut(Schema):
    number: int
    due_date: date
    require_value: bool
    require_explanation: bool
    require_evidence: bool
    change_note: str
    finalised_at: datetime | None
    items: list[FormatItemOut]


class MeetingOut(Schema):
    held_at: datetime
    place: str
    minutes: str
    decisions: str
    invitee_ids: list[int]
    attendee_ids: list[int]


class RoundOut(RoundSummaryOut):
    steps: list[RoundStepOut]
    tracks: list[TrackSummaryOut]
    disposition: DispositionOut | None
    format: FormatOut | None
    meeting: MeetingOut | None
    missing_units: list[str]
    my_tasks: list[str] = Field(description="Codes of what waits for the caller here.")


class RoundStateOut(Schema):
    id: int
    status: str
    version: int


# -- round actions: each carries the round version the client saw -----------------------------

class VersionIn(Schema):
    version: int = Field(ge=1, le=MAX_ID,
                         description="The version of the round (or track) you saw.")


class DispositionIn(Schema):
    sop_id: Id
    year: int = Field(ge=2000, le=2100)
    period: Period
    date: date
    speed: Speed = Speed.NORMAL
    security: Security = Security.NORMAL
    subject: _text(300, min_length=1)
    instruction: _text(REASON_MAX_LENGTH, min_length=1)
    deadline: date


# A field named `date` with a default would hide the type inside the class body.
Day = date


class DispositionUpdateIn(VersionIn):
    """The fields of a draft to change; those left out keep their value."""

    year: int | None = Field(None, ge=2000, le=2100)
    period: Period | None = None
    date: Day | None = None
    speed: Speed | None = None
    security: Security | None = None
    subject: _text(300, min_length=1) | None = None
    instruction: _text(REASON_MAX_LENGTH, min_length=1) | None = None
    deadline: Day | None = None


class PeriodChoiceOut(Schema):
    year: int
    period: str = Field(description="Empty when the whole year is missing from the "
                                    "catalogue.")
    label: str
    reason: str = Field("", description="Why the period is not offered.")
    round_id: int | None = Field(None, description="The round that holds the period.")


class PeriodOfferOut(Schema):
    sop_id: int
    offered: list[PeriodChoiceOut]
    missing: list[PeriodChoiceOut]


class ForwardIn(VersionIn):
    instruction: ReasonText


class FormatCreateIn(VersionIn):
    due_date: date
    require_value: bool = True
    require_explanation: bool = False
    require_evidence: bool = False


class IndicatorsIn(VersionIn):
    indicator_ids: list[Id]


class FormatReviseIn(IndicatorsIn):
    change_note: ReasonText
    due_date: date | None = None


class MeetingIn(VersionIn):
    held_at: datetime
    place: _text(200)
    invitee_ids: list[Id]
    attendee_ids: list[Id] = []
    minutes: MinutesText
    decisions: MinutesText = ""


class ReasonIn(VersionIn):
    reason: ReasonText = ""


class ReopenIn(ReasonIn):
    """The units that go back (their tracks' ids, as `GET /rounds/{id}` lists them) and the
    number of the step they go back to; none: only the agency recap waits again."""

    track_ids: list[Id] = Field(default_factory=list, max_length=200)
    step: int | None = Field(default=None, ge=1, le=1000)


# -- a unit's track --------------------------------------------------------------------------

class RecapRowOut(Schema):
    indicator_id: int
    code: str
    name: str
    unit_id: int
    unit_of_measure: str
    polarity: Polarity = Field(
        description='"positive": higher is better, achievement = realisation ÷ target × 100; '
                    '"negative": lower is better, (2 × target − realisation) ÷ target × 100 '
                    '(docs/domain.md §1).')
    aggregation: Aggregation = Field(
        description="How the quarters make the year's value (docs/domain.md §2).")
    decimals: int = Field(description="Decimal places the pages show for this indicator.")
    target: str | None = Field(
        description="The target the achievement is measured against (for a range target its "
                    "lower bound); null when there is none.")
    target_low: str | None = Field(
        description="The lower bound of a range target; null unless the target is a range.")
    target_high: str | None = Field(
        description="The upper bound of a range target; null unless the target is a range. "
                    "Inside the range the achievement is 100; above it the formula uses the "
                    "upper bound, below it the lower bound (docs/domain.md §1).")
    target_source: TargetSource | None = Field(
        description='Where the target comes from, in the catalogue\'s targets of '
                    '`target_year` (GET /indicators/{id}): "quarter" the quarter\'s own target '
                    '(q1_target…q4_target); "pk" the PK target (pk_target, pk_target_max); '
                    '"renstra" the Renstra target (renstra_target, renstra_target_max); '
                    '"pk_pro_rata" and "renstra_pro_rata" that target × quarter ÷ 4, for a sum '
                    'indicator in a quarter without its own target (docs/domain.md §2).')
    target_year: int | None = Field(description="The year whose targets gave `target`.")
    value: str | None
    realisation: str | None
    achievement_percent: str | None = Field(
        description="Two decimals, rounded half up; null when it cannot be computed.")
    achievement_reason: str | None = Field(description="Why there is no percentage.")
    category: str | None
    category_label: str | None
    previous: str | None
    explanation: str
    needs_explanation: bool
    explanation_reasons: list[str]
    version: int = Field(description="The value's version (0: nothing stored yet).")
    plausibility: str = Field(
        description='The plausibility rule the stored value breaks and that the staff member '
                    'confirmed: "below_minimum", "above_maximum", "far_previous", '
                    '"far_target"; "" when the value is plausible (docs/domain.md §10).')


class ReturnOut(Schema):
    reason: str
    comments: dict[str, str]
    returned_by: str
    returned_at: datetime


class TrackOut(TrackSummaryOut):
    round_id: int
    round_version: int
    rows: list[RecapRowOut]
    missing: list[str] = Field(description="What keeps the unit recap from being submitted.")
    returns: list[ReturnOut]
    my_tasks: list[str]


class TrackStateOut(Schema):
    id: int
    stage: int
    version: int


class ValueIn(Schema):
    indicator_id: Id
    value: ApiNumber = Field(
        description='A JSON number (12e3 is 12000), or a string in the machine form "1234.5" '
                    '(an optional sign, digits, at most one decimal point: as GET answers), '
                    'so a value read and sent back never changes. Other strings ("1.234,5", '
                    '"1,234.5", "12e3") are refused with 422. Empty or null leaves it empty.')
    explanation: ExplanationText = ""
    change_reason: ReasonText = ""
    version: int = Field(0, ge=0, le=MAX_ID, description="The value's version you saw (0: new).")
    confirm_implausible: bool = Field(
        False, description="Save a value that breaks a plausibility rule (docs/domain.md §10); "
                           "it needs an explanation, and is stored with its flag.")


class ApproveIn(VersionIn):
    note: ReasonText = ""


class ReturnIn(VersionIn):
    reason: ReasonText
    comments: dict[Id, ReasonText] = Field(
        default_factory=dict, description="Comments by indicator id.",
        # JSON keys are text: say which text is an id (to 18 digits), for clients and tests.
        json_schema_extra={"propertyNames": {"pattern": "^[1-9][0-9]{0,17}$"}})


# -- the agency recap ------------------------------------------------------------------------

class CompletenessOut(Schema):
    track_id: int
    unit_id: int
    unit: str
    stage: int
    indicators: int
    with_value: int
    explanations_missing: int
    complete: bool


class AgencyRecapOut(Schema):
    round_id: int
    rows: list[RecapRowOut]
    hidden_units: list[str]
    completeness: list[CompletenessOut]


# -- the catalogue ---------------------------------------------------------------------------
# Numbers in the machine form ("12.5", "10"), as the recap rows and values are.

class RenstraPeriodOut(Schema):
    id: int
    name: str
    start_year: int
    end_year: int


class ObjectiveOut(Schema):
    id: int
    code: str
    text: str
    order: int


class GoalOut(Schema):
    id: int
    code: str
    text: str
    order: int
    objectives: list[ObjectiveOut]


class YearTargetOut(Schema):
    """An indicator's targets for one year (docs/domain.md §1–2). A `*_max` is the upper bound
    of a range target (the plain field then its lower bound). The PK target, when set, is the
    year's target; else the Renstra target. A quarter target of a sum indicator is year to
    date."""

    year: int
    renstra_target: str
    renstra_target_max: str | None
    pk_target: str | None
    pk_target_max: str | None
    q1_target: str | None
    q2_target: str | None
    q3_target: str | None
    q4_target: str | None


class IndicatorOut(Schema):
    id: int
    period_id: int
    goal_id: int
    objective_id: int
    code: str
    name: str
    unit_of_measure: str
    data_type: DataType
    decimals: int = Field(description="Decimal places the pages show (0 to 4).")
    polarity: Polarity
    aggregation: Aggregation
    minimum: str | None = Field(description="The lowest plausible value (docs/domain.md §10).")
    maximum: str | None = Field(description="The highest plausible value.")
    is_iku: bool = Field(description="A key performance indicator (IKU).")
    responsible_unit_id: int = Field(description="The unit that reports it (GET /units).")
    baseline: str | None
    baseline_year: int | None
    order: int
    targets: list[YearTargetOut] = Field(description="By year, earliest first.")


class RenstraPeriodDetailOut(RenstraPeriodOut):
    goals: list[GoalOut] = Field(description="Each goal (tujuan) with its objectives (sasaran).")
    indicators: list[IndicatorOut]
