"""Steps 5 and 6: the unit's staff enter values, explanations and evidence, then submit the
unit recap to the unit head."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from kinerja.catalogue.choices import Aggregation, DataType
from kinerja.catalogue.models import Indicator
from kinerja.core import files
from kinerja.core.errors import DomainError, OutOfTurn
from kinerja.core.numbers import read_typed
from kinerja.core.text import (
    EXPLANATION_MAX_LENGTH,
    REASON_MAX_LENGTH,
    TextTooLong,
    clean_text,
)
from kinerja.organisation.visibility import Role, Viewer
from kinerja.sops.models import StepKind

from .. import engine, plausibility
from ..models import (
    Evidence,
    IndicatorValue,
    Track,
    TrackStage,
)
from .common import (
    audit,
    check_version,
    current_format,
    refuse_unless_open,
    role_for,
    step_of_kind,
    waiting_execution,
)

# recap.py reads the services' current format, so the recap is imported inside the functions
# that need it, not here (a module-level import would be circular).
LARGEST_VALUE = Decimal("1e15")


@dataclass(frozen=True)
class ValueEntry:
    """One row of the data-entry form (or of an uploaded sheet)."""

    indicator_id: int
    # Text as typed on a page or in a workbook's text cell (read by `core/numbers.py`), or
    # the exact number of a workbook number cell or of the API, which is never read again.
    value_text: str | Decimal
    explanation: str = ""
    change_reason: str = ""
    expected_version: int = 0  # 0: the value does not exist yet
    # The person confirmed a value that breaks a plausibility rule (docs/domain.md §10).
    confirm_implausible: bool = False


def locked_track(track: Track) -> Track:
    locked = (Track.objects.select_for_update()
              .select_related("round__sop_version", "round__agency", "unit").get(pk=track.pk))
    refuse_unless_open(locked.round)
    return locked


def editing_role(user, track: Track) -> Role:
    """Values change only while the unit's staff are at step 5 or 6 and not yet submitted."""
    if track.stage != TrackStage.DRAFT:
        raise OutOfTurn(_("The unit recap is submitted and locked."), code="locked")
    execution = engine.waiting_on_track(track, engine.EDITING_KINDS)
    if execution is None:
        raise OutOfTurn(_("Data entry is not open for this unit now."), code="not_open")
    return role_for(Viewer.for_user(user), execution.step, track)


def parse_value(indicator: Indicator, text: str | Decimal, *,
                stored: Decimal | None = None) -> Decimal | None:
    """The entered text (or exact number) as a value of the indicator, or a ValueError saying
    what is wrong. `stored` is the value saved before: given back unchanged it keeps its
    decimals even when the indicator's decimals were lowered since (catalogue/guard.py), so
    that saving a page unchanged never rounds a stored value."""
    if isinstance(text, Decimal):
        return _checked(indicator, text, stored)
    value = read_typed(text, decimals=indicator.decimals)
    if value is None:
        return None
    return _checked(indicator, value, stored)


def _checked(indicator: Indicator, value: Decimal, stored: Decimal | None = None) -> Decimal:
    """`value` if the indicator can hold it; otherwise a ValueError saying why."""
    if not value.is_finite():
        raise ValueError(_("The number is too large."))
    if value == 0:
        value = abs(value)  # -0 is 0
    if abs(value) >= LARGEST_VALUE:
        raise ValueError(_("The number is too large."))
    if indicator.data_type == DataType.PERCENT and not 0 <= value <= 100:
        raise ValueError(_("A percentage lies between 0 and 100."))
    if value < 0 and (indicator.data_type != DataType.NUMBER
                      or indicator.aggregation == Aggregation.SUM):
        raise ValueError(_("This indicator cannot be negative."))
    exponent = value.normalize().as_tuple().exponent
    if (isinstance(exponent, int) and -exponent > indicator.decimals
            and (stored is None or value != stored)):
        raise ValueError(_("At most %(count)d decimals for this indicator.")
                         % {"count": indicator.decimals})
    return value


class InvalidValues(OutOfTurn):
    """Rows of a save were refused; nothing was saved.

    `details`: one "CODE: message" line per problem (API and flash messages);
    `by_indicator`: {indicator id: [messages without the code]}, to show beside each field;
    `implausible`: {indicator id: the plausibility rule's message} for values that break a
    rule of docs/domain.md §10 and were not confirmed with an explanation;
    `stale`: {indicator id: the stored IndicatorValue as it is now} for rows someone else saved
    after the version the person saw (value, version, updated_by, updated_at).
    """

    def __init__(self, details: list[str], *, by_indicator: dict[int, list[str]],
                 implausible: dict[int, str], stale: dict[int, IndicatorValue]):
        super().__init__(details[0], code="invalid_values", details=details)
        self.by_indicator = by_indicator
        self.implausible = implausible
        self.stale = stale


class _Problems:
    """The refusals of one save, gathered per indicator."""

    def __init__(self):
        self.details: list[str] = []
        self.by_indicator: dict[int, list[str]] = {}
        self.implausible: dict[int, str] = {}
        self.stale: dict[int, IndicatorValue] = {}

    def add(self, indicator_id: int, code: str, message: str) -> None:
        self.details.append(f"{code}: {message}")
        self.by_indicator.setdefault(indicator_id, []).append(message)

    def raise_if_any(self) -> None:
        if self.details:
            raise InvalidValues(self.details, by_indicator=self.by_indicator,
                                implausible=self.implausible, stale=self.stale)


def _stale_message(stored: IndicatorValue | None) -> str:
    if stored is None or stored.updated_at is None:
        return _("someone else saved this value first; reload the page.")
    person = getattr(stored.updated_by, "person", None) if stored.updated_by else None
    return _("someone else saved first: %(person)s saved %(value)s on %(when)s, after you "
             "opened the page. Choose which value to keep.") % {
        "person": person.full_name if person is not None else (
            stored.updated_by.get_username() if stored.updated_by else _("someone else")),
        "value": _shown(stored.value, stored.indicator.decimals),
        "when": date_format(timezone.localtime(stored.updated_at), "j F Y, H:i")}


def _shown(value: Decimal | None, decimals: int) -> str:
    if value is None:
        return _("an empty value")
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


@transaction.atomic
def values_save(*, user, track: Track, entries: list[ValueEntry]) -> list[IndicatorValue]:
    """Save a unit's values as a draft, all or nothing. Each value is checked against the
    version the user saw and against the plausibility rules (docs/domain.md §10); a refused
    row saves no row and raises `InvalidValues`. An implausible value is saved only when the
    person confirms it and explains it, and is then stored with its flag; the same value
    saved again keeps its flag without a new confirmation. Texts are stored as
    `core/text.py: clean_text` leaves them, within their limits."""
    from .. import recap

    track = locked_track(track)
    role = editing_role(user, track)
    data_format = current_format(track.round)
    if data_format is None:
        raise OutOfTurn(_("The format has not been drafted yet."), code="no_format")
    allowed = {item.indicator_id: item.indicator for item in
               data_format.items.filter(unit=track.unit).select_related("indicator")}
    _refuse_repeated_indicators(entries, allowed)
    existing = {value.indicator_id: value for value in
                IndicatorValue.objects.select_for_update(of=("self",)).filter(track=track)
                .select_related("updated_by__person", "indicator")}
    problems = _Problems()
    parsed = []
    for entry in entries:
        indicator = allowed.get(entry.indicator_id)
        if indicator is None:
            problems.add(entry.indicator_id, str(entry.indicator_id),
                         _("Indicator %(id)s is not in this unit's format.")
                         % {"id": entry.indicator_id})
            continue
        current = existing.get(indicator.id)
        if (current.version if current else 0) != entry.expected_version:
            if current is not None:
                problems.stale[indicator.id] = current
            problems.add(indicator.id, indicator.code, _stale_message(current))
            continue
        try:
            value = parse_value(indicator, entry.value_text,
                                stored=current.value if current is not None else None)
            texts = {"explanation": clean_text(entry.explanation,
                                               max_length=EXPLANATION_MAX_LENGTH,
                                               field=_("the explanation")),
                     "change_reason": clean_text(entry.change_reason,
                                                 max_length=REASON_MAX_LENGTH,
                                                 field=_("the reason for the change"))}
        except ValueError as error:
            problems.add(indicator.id, indicator.code, str(error))
            continue
        except TextTooLong as error:
            problems.add(indicator.id, indicator.code, error.message)
            continue
        if (current is not None and current.prefilled_value is not None
                and value != current.prefilled_value and not texts["change_reason"]):
            problems.add(indicator.id, indicator.code, _(
                "the value differs from the quarters' total; give the reason for the change."))
            continue
        parsed.append((entry, indicator, current, value, texts))
    # Every value's row at once, as it would be with the values typed (fixed queries).
    rows = recap.rows_with_values(track, {indicator.id: value
                                          for _e, indicator, _c, value, _t in parsed}
                                  ) if parsed else {}
    factor = recap.settings_for(track.round.agency_id).outlier_factor
    changes = []
    for entry, indicator, current, value, texts in parsed:
        flag = _plausibility_flag(entry, indicator, current, value, texts, rows, factor,
                                  problems)
        if flag is not None:
            changes.append((indicator, current, value, {**texts, "plausibility": flag}))
    problems.raise_if_any()
    saved = []
    now = timezone.now()
    for indicator, current, value, texts in changes:
        new = {"value": value, **texts}
        if current is None:
            current = IndicatorValue(track=track, indicator=indicator, version=0)
            old: dict[str, object] = {"value": None, "explanation": "", "change_reason": "",
                                      "plausibility": ""}
        else:
            old = {"value": current.value, "explanation": current.explanation,
                   "change_reason": current.change_reason,
                   "plausibility": current.plausibility}
        if old == new and current.pk:
            saved.append(current)
            continue
        for field, field_value in new.items():
            setattr(current, field, field_value)
        current.version += 1
        current.updated_by, current.updated_at = user, now
        current.save()
        audit("value.saved", current, user=user, round_=track.round,
              summary=f"{track.unit.name} {indicator.code}: {old['value']} → {value}",
              track=track, indicator=indicator.code, acting_as=role.position_title,
              old={k: str(v) for k, v in old.items()},
              new={k: str(v) for k, v in new.items()})
        saved.append(current)
    return saved


def _plausibility_flag(entry: ValueEntry, indicator: Indicator,
                       current: IndicatorValue | None, value: Decimal | None, texts: dict,
                       rows: dict, factor: Decimal, problems: _Problems) -> str | None:
    """The flag to store with the value ("" when plausible), or None when the value breaks a
    rule without the person's confirmation and explanation (the refusal is added to
    `problems`)."""
    row = rows.get(indicator.id)
    finding = plausibility.check_row(row, factor) if row is not None else None
    if finding is None:
        return ""
    if (current is not None and current.plausibility and current.value == value
            and texts["explanation"].strip()):
        return current.plausibility  # confirmed before, unchanged since
    if entry.confirm_implausible and texts["explanation"].strip():
        return finding.flag
    if entry.confirm_implausible:
        message = _("%(finding)s Explain in the explanation why the value is correct.") % {
            "finding": finding.message}
    else:
        message = _("%(finding)s If it is correct, tick “the value is correct” on the unit's "
                    "page and explain it.") % {"finding": finding.message}
    problems.implausible[indicator.id] = finding.message
    problems.add(indicator.id, indicator.code, message)
    return None


def _refuse_repeated_indicators(entries: list[ValueEntry], allowed: dict) -> None:
    """One save gives each indicator once: two rows for one value cannot both be meant."""
    counts = Counter(entry.indicator_id for entry in entries)
    repeated = [allowed[key].code if key in allowed else str(key)
                for key, count in counts.items() if count > 1]
    if repeated:
        raise DomainError(_("Each indicator once per save; given more than once: %(codes)s.")
                          % {"codes": ", ".join(repeated)}, code="repeated_indicator")


def prefill_year_round(round_, *, user=None) -> int:
    """In a year round, start each unit's values from its quarter rounds, added up by each
    indicator's rule; a different value then needs a reason. Returns the values created.

    Each value written gets its own audit event, "value.prefilled", on the unit's track (one
    record per change, as a saved value has; docs/decisions.md). `user` is whoever sent the
    format (the pre-fill is part of that action); without one the event has no actor."""
    from kinerja.catalogue.achievement import year_value

    from ..recap import values_by_period

    data_format = current_format(round_)
    if round_.period != "Y" or data_format is None:
        return 0
    items = list(data_format.items.select_related("indicator"))
    # Only data the data subsection acknowledged counts, never another round's draft.
    quarters = values_by_period(agency=round_.agency_id, year=round_.year,
                                indicator_ids=[item.indicator_id for item in items],
                                acknowledged_only=True)
    tracks = {track.unit_id: track for track in round_.tracks.select_related("unit")}
    # The caller holds the round's lock, so no value appears between this read and the
    # insert; a value already there is kept as it is and not recorded again.
    existing = set(IndicatorValue.objects.filter(track__round=round_)
                   .values_list("track_id", "indicator_id"))
    created = []
    for item in items:
        by_period = quarters.get((item.unit_id, item.indicator_id), {})
        reported = {int(period[1]): value for period, value in by_period.items()
                    if period.startswith("Q")}
        total = year_value(reported, item.indicator.aggregation) if reported else None
        track = tracks.get(item.unit_id)
        if total is None or track is None or (track.id, item.indicator_id) in existing:
            continue
        created.append((IndicatorValue(track=track, indicator=item.indicator, value=total,
                                       prefilled_value=total, version=1),
                        {f"Q{quarter}": str(value)
                         for quarter, value in sorted(reported.items())}))
    IndicatorValue.objects.bulk_create([value for value, _quarters in created])
    for value, by_quarter in created:
        indicator, track = value.indicator, value.track
        audit("value.prefilled", value, user=user, round_=round_, track=track,
              summary=f"{track.unit.name} {indicator.code}: {value.value} from the quarters",
              indicator=indicator.code, aggregation=indicator.aggregation,
              quarters=by_quarter, old={"value": None}, new={"value": str(value.value)})
    return len(created)


@transaction.atomic
def evidence_add(*, user, value: IndicatorValue, name: str, content: bytes) -> Evidence:
    """Attach a PDF or image; the type is read from the content, not the name."""
    track = locked_track(value.track)
    editing_role(user, track)
    from ..recap import settings_for

    limit = settings_for(track.round.agency).max_evidence_megabytes * 1024 * 1024
    if len(content) > limit:
        raise OutOfTurn(_("The file is larger than %(size)d MB.")
                        % {"size": limit // (1024 * 1024)}, code="file_too_large")
    content_type = files.sniff(content[:files.SNIFF_BYTES])
    if content_type is None:
        raise OutOfTurn(_("Evidence must be a PDF, PNG or JPEG file."), code="file_type")
    digest = hashlib.sha256(content).hexdigest()
    evidence = Evidence(value=value, original_name=name[:255], content_type=content_type,
                        size=len(content), sha256=digest, uploaded_by=user)
    evidence.file.save(f"{digest[:16]}{files.suffix_for(content_type)}", ContentFile(content),
                       save=False)
    evidence.save()
    audit("evidence.added", evidence, user=user, round_=track.round,
          summary=f"{track.unit.name} {value.indicator.code}: evidence {name}",
          track=track.pk, sha256=digest)
    return evidence


@transaction.atomic
def data_entry_complete(*, user, track: Track, expected_version: int) -> Track:
    """Step 5 done: the format is filled; the unit recap (step 6) opens."""
    track = locked_track(track)
    check_version(track, expected_version)
    step = step_of_kind(track.round.sop_version, StepKind.DATA_ENTRY)
    execution = waiting_execution(track.round, step, track)
    role = role_for(Viewer.for_user(user), step, track)
    _refuse_when_incomplete(track)
    engine.complete(execution, user=user, role=role, outcome="filled")
    _bump_track(track)
    audit("data_entry.completed", track, user=user, round_=track.round, step=step.number,
          summary=f"{track.unit.name}: format filled")
    return track


@transaction.atomic
def unit_recap_submit(*, user, track: Track, expected_version: int) -> Track:
    """Step 6: staff submit the unit recap to the unit head; the data is then locked."""
    track = locked_track(track)
    check_version(track, expected_version)
    step = step_of_kind(track.round.sop_version, StepKind.UNIT_RECAP)
    execution = waiting_execution(track.round, step, track)
    role = role_for(Viewer.for_user(user), step, track)
    _refuse_when_incomplete(track)
    engine.complete(execution, user=user, role=role, outcome="submitted")
    _bump_track(track)
    audit("unit_recap.submitted", track, user=user, round_=track.round, step=step.number,
          summary=f"{track.unit.name}: unit recap submitted to the unit head")
    return track


def _refuse_when_incomplete(track: Track) -> None:
    from ..recap import missing_for_submission

    missing = missing_for_submission(track)
    if missing:
        raise OutOfTurn(_("Not yet complete: %(count)d item(s) missing.")
                        % {"count": len(missing)}, code="incomplete", details=missing)


def _bump_track(track: Track) -> None:
    track.version += 1
    track.save(update_fields=["version"])


def may_view_evidence(user, evidence: Evidence) -> bool:

    track = evidence.value.track
    return Viewer.for_user(user).can_see_track(track)



