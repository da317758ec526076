"""The recap of a round: per indicator the target, realisation, achievement and category, the
previous period, and whether an explanation is needed (docs/domain.md §1–3).

Pure reads, with a fixed number of queries whatever the number of indicators. Every formula
comes from `kinerja.catalogue.achievement`; this module only chooses which values and which
target go into it:

- a quarter round measures `quarter_value` of the unit's quarters of the year (year to date
  for sum indicators, the quarter's own value for last-value and average ones) against the
  quarter's `effective_target`; a year round ("Y") measures its own value against the year's
  target;
- the previous period is the previous quarter of the same year, Q4 of the previous year for
  Q1, and the previous year's "Y" round for a year round; "last year" is the same period one
  year earlier (for a year round, the same value as the previous period);
- an explanation is needed when the achievement is below, or the value moved by more than, the
  agency's `CollectionSettings` thresholds, or when the format always requires one.

The quarterly-target rule and the evaluation scale are the domain defaults
(`DEFAULT_QUARTER_RULE`, `DEFAULT_SCALE`): the agency has no setting for them yet.

A finalised round is not computed: `agency_recap` and `unit_recap` give the rows stored when it
was finalised (`snapshot.py`, docs/architecture.md "Finalised recaps"), so a later change to
the catalogue or to another round never moves it. The earlier periods' figures of an open
round come from finalised rounds only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Count, F
from django.utils.translation import gettext as _

from kinerja.catalogue.achievement import (
    DEFAULT_QUARTER_RULE,
    DEFAULT_SCALE,
    AchievementResult,
    Band,
    EffectiveTarget,
    ReportingPeriod,
    achievement,
    category,
    effective_target,
    format_achievement,
    format_percent,
    quarter_value,
)
from kinerja.catalogue.models import Goal, Indicator, IndicatorYearTarget, Objective
from kinerja.organisation.models import Agency, Unit

# The modules, not the functions: services and snapshot import this module back.
from . import services, snapshot
from .models import (
    CollectionSettings,
    DataRequestFormat,
    FormatItem,
    IndicatorValue,
    Period,
    PlausibilityFlag,
    Round,
    RoundStatus,
    Track,
    TrackStage,
)

if TYPE_CHECKING:
    from typing import TypedDict

    from django_stubs_ext import WithAnnotations

    class _ValueCounts(TypedDict):
        unit_id: int
        evidence_count: int

    # A stored value with its unit and its number of evidence files, as `_Recap` reads it.
    CountedValue = WithAnnotations[IndicatorValue, _ValueCounts]

__all__ = [
    "LARGE_CHANGE",
    "LOW_ACHIEVEMENT",
    "AgencyRecap",
    "RecapRow",
    "TrackCompleteness",
    "agency_recap",
    "change_percent",
    "explanation_required",
    "group_rows",
    "missing_for_submission",
    "settings_for",
    "unit_recap",
    "values_by_period",
]

LOW_ACHIEVEMENT = "low_achievement"
LARGE_CHANGE = "large_change"

QUARTER_RULE = DEFAULT_QUARTER_RULE
SCALE = DEFAULT_SCALE
HUNDRED = Decimal(100)

# (unit id, indicator id) -> {period ("Q1".."Q4", "Y"): value}
ValuesByPeriod = dict[tuple[int, int], dict[str, Decimal]]


@dataclass
class RecapRow:
    """One indicator of one unit in a round.

    `value` is what the unit entered in this round; `realisation` is what the achievement
    measures (for a quarter of a sum indicator: the year to date). `previous` is the value
    entered for the previous period and `previous_achievement` that period's achievement (None
    when the previous period has no value). `change_percent` compares `value` with `previous`.
    `unit` is the unit that reports the indicator in the round's format (the indicator's
    responsible unit when the format was made). `needs_explanation`: the agency's thresholds
    give `explanation_reasons`, or the format requires an explanation of every value entered.
    `record` is this round's stored value (None when nothing is stored yet), annotated with
    `evidence_count`; None in a finalised round's rows, which are read from its snapshot.
    `last_year` is the value entered for the same period one year earlier. `flag` is the
    plausibility rule the stored value broke and its person confirmed (docs/domain.md §10), ""
    when none. `target_year` is the year of the target used (None without a target).
    `frozen` rows come from a finalised round's snapshot, which also keeps
    `renstra_end_target` (the Renstra target of the period's last year, as it was).
    """

    indicator: Indicator
    goal: Goal
    objective: Objective
    unit: Unit
    target: EffectiveTarget | None
    realisation: Decimal | None
    value: Decimal | None
    achievement: AchievementResult
    category: Band | None
    previous: Decimal | None
    previous_achievement: AchievementResult | None
    change_percent: Decimal | None
    explanation: str
    needs_explanation: bool
    explanation_reasons: list[str]
    missing_value: bool
    evidence_count: int = 0
    record: IndicatorValue | None = None
    last_year: Decimal | None = None
    flag: str = ""
    target_year: int | None = None
    frozen: bool = False
    renstra_end_target: Decimal | None = None

    @property
    def flag_label(self) -> str:
        """What the flag means, e.g. "far from the target"; "" when none."""
        return str(PlausibilityFlag(self.flag).label) if self.flag else ""

    @property
    def lacks_explanation(self) -> bool:
        return self.needs_explanation and not self.explanation.strip()

    @property
    def achievement_display(self) -> str:
        """"112,50 %", or why it cannot be computed."""
        return format_achievement(self.achievement)

    @property
    def previous_achievement_display(self) -> str:
        if self.previous_achievement is None:
            return ""
        return format_achievement(self.previous_achievement)

    @property
    def change_display(self) -> str:
        return format_percent(self.change_percent)


@dataclass
class TrackCompleteness:
    """How far one unit's part of the round is filled in."""

    track: Track
    unit: Unit
    indicators: int
    with_value: int
    explanations_missing: int
    stage: int

    @property
    def values_missing(self) -> int:
        return self.indicators - self.with_value

    @property
    def complete(self) -> bool:
        return self.values_missing == 0 and self.explanations_missing == 0

    @property
    def stage_label(self) -> str:
        return str(TrackStage(self.stage).label)


@dataclass
class AgencyRecap:
    """Every unit's rows of a round, in catalogue order, and each track's completeness."""

    round: Round
    format: DataRequestFormat | None
    rows: list[RecapRow]
    completeness: list[TrackCompleteness]
    groups: list[tuple[Goal, list[tuple[Objective, list[RecapRow]]]]] = field(
        default_factory=list)
    # Values of the round stored with a plausibility flag (docs/domain.md §10).
    implausible_count: int = 0


# -- settings and rules ----------------------------------------------------------------------

def settings_for(agency: Agency | int) -> CollectionSettings:
    """The agency's collection settings, created with the defaults on first use."""
    agency_id = agency if isinstance(agency, int) else agency.pk
    return CollectionSettings.objects.get_or_create(agency_id=agency_id)[0]


def change_percent(value: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """|value − previous| ÷ |previous| × 100, or None when either is missing or previous is 0
    (a move from 0 has no percentage)."""
    if value is None or previous is None or previous == 0:
        return None
    return abs(value - previous) / abs(previous) * HUNDRED


def explanation_required(row: RecapRow, settings: CollectionSettings) -> list[str]:
    """Why the agency's settings require an explanation of the row: `LOW_ACHIEVEMENT` when the
    (unrounded) achievement is below `explain_below_achievement`, `LARGE_CHANGE` when the value
    moved more than `explain_change_above` percent from the previous period. An achievement
    that cannot be computed, or a change without a previous value, requires nothing here."""
    reasons = []
    percent = row.achievement.percent
    if percent is not None and percent < Decimal(settings.explain_below_achievement):
        reasons.append(LOW_ACHIEVEMENT)
    if (row.change_percent is not None
            and row.change_percent > Decimal(settings.explain_change_above)):
        reasons.append(LARGE_CHANGE)
    return reasons


# -- values of the year's rounds -------------------------------------------------------------

def values_by_period(*, agency: Agency | int, year: int, indicator_ids: Iterable[int],
                     acknowledged_only: bool = False) -> ValuesByPeriod:
    """{(unit id, indicator id): {period: value}} of the agency's finalised rounds of the year.

    Only a finalised round counts: opening or reopening a round for a period never changes
    another round's figures. For each period the latest finalised round (highest id) counts;
    a value left empty is not reported and so absent from the result. Two queries.
    """
    return _values_by_year(agency=agency, years=[year], indicator_ids=indicator_ids,
                           acknowledged_only=acknowledged_only)[year]


def _values_by_year(*, agency: Agency | int, years: Iterable[int],
                    indicator_ids: Iterable[int],
                    acknowledged_only: bool = False) -> dict[int, ValuesByPeriod]:
    """{year: values_by_period of that year} for several years at once, from finalised
    rounds only. Two queries."""
    years = sorted(set(years))
    found: dict[int, ValuesByPeriod] = {year: {} for year in years}
    indicator_ids = list(indicator_ids)
    if not indicator_ids:
        return found
    latest: dict[tuple[int, str], int] = {}
    finalised = Round.objects.filter(agency=agency, year__in=years,
                                     status=RoundStatus.FINALISED)
    for round_id, round_year, period in finalised.order_by().values_list("id", "year",
                                                                         "period"):
        if round_id > latest.get((round_year, period), 0):
            latest[(round_year, period)] = round_id
    if not latest:
        return found
    period_of_round = {round_id: key for key, round_id in latest.items()}
    rows = IndicatorValue.objects.filter(track__round_id__in=period_of_round,
                                         indicator_id__in=indicator_ids, value__isnull=False)
    if acknowledged_only:
        rows = rows.filter(track__stage=TrackStage.FINAL)
    for round_id, unit_id, indicator_id, value in (
            rows.order_by().values_list("track__round_id", "track__unit_id", "indicator_id",
                                        "value")):
        round_year, period = period_of_round[round_id]
        # Never None: value__isnull=False above.
        found[round_year].setdefault((unit_id, indicator_id), {})[period] = cast(Decimal, value)
    return found


# -- building the rows -----------------------------------------------------------------------

def _quarters(values: dict[str, Decimal], up_to: int) -> dict[int, Decimal | None]:
    return {quarter: values.get(f"Q{quarter}") for quarter in range(1, up_to + 1)}


STORED = object()  # `_Recap.row`: the stored value, not one being typed


class _Recap:
    """What the rows of one round need, read once: the format's items, this round's values,
    the targets and the other periods' values."""

    def __init__(self, round_: Round, *, unit_id: int | None = None):
        self.round = round_
        self.settings = settings_for(round_.agency_id)
        self.format = services.current_format(round_)
        self.items: list[FormatItem] = []
        self.values: dict[tuple[int, int], CountedValue] = {}
        if self.format is None:
            return
        items = (FormatItem.objects.filter(format=self.format)
                 .select_related("unit", "indicator__objective__goal")
                 .order_by("indicator__objective__goal__order",
                           "indicator__objective__goal__code",
                           "indicator__objective__order", "indicator__objective__code",
                           "indicator__order", "indicator__code"))
        if unit_id is not None:
            items = items.filter(unit_id=unit_id)
        self.items = list(items)
        if not self.items:
            return
        indicator_ids = [item.indicator_id for item in self.items]
        values = IndicatorValue.objects.filter(track__round=round_,
                                               indicator_id__in=indicator_ids)
        if unit_id is not None:
            values = values.filter(track__unit_id=unit_id)
        self.values = {(value.unit_id, value.indicator_id): value for value in (
            values.annotate(unit_id=F("track__unit_id"), evidence_count=Count("evidence"))
            .order_by())}
        year = round_.year
        # Q1 and the year round look back to the previous year; Q2–Q4 to this year only.
        self.year_history = year - 1 if round_.period in (Period.Q1, Period.YEAR) else year
        self.targets = {(target.indicator_id, target.year): target for target in
                        IndicatorYearTarget.objects.filter(
                            indicator_id__in=indicator_ids,
                            year__in={year, self.year_history}).order_by()}
        # The looked-back year's values and last year's (the same period a year earlier),
        # read together.
        by_year = _values_by_year(agency=round_.agency_id, years={self.year_history, year - 1},
                                  indicator_ids=indicator_ids)
        self.history = by_year[self.year_history]
        self.last_year = by_year[year - 1]

    def target(self, indicator: Indicator, year: int,
               period: ReportingPeriod) -> EffectiveTarget | None:
        return effective_target(self.targets.get((indicator.id, year)), period,
                                aggregation=indicator.aggregation, quarter_rule=QUARTER_RULE)

    def rows(self) -> list[RecapRow]:
        return [self.row(item) for item in self.items]

    def row(self, item: FormatItem, *, typed: Decimal | object | None = STORED) -> RecapRow:
        """The item's row; with `typed`, the row as it would be with that value (the
        data-entry page's preview and the plausibility check before saving)."""
        indicator = item.indicator
        aggregation = indicator.aggregation
        year = self.round.year
        record = self.values.get((item.unit_id, indicator.id))
        stored = record.value if record is not None else None
        value: Decimal | None = stored if typed is STORED else typed  # type: ignore[assignment]
        history = self.history.get((item.unit_id, indicator.id), {})
        if self.round.period == Period.YEAR:
            target = self.target(indicator, year, ReportingPeriod.YEAR)
            realisation = value
            previous = previous_realisation = history.get(Period.YEAR)
            previous_target = self.target(indicator, year - 1, ReportingPeriod.YEAR)
        else:
            quarter = int(self.round.period[1])
            target = self.target(indicator, year, ReportingPeriod(quarter))
            # This round's own value, not the latest round's of the period.
            earlier = history if quarter > 1 else {}
            realisation = quarter_value({**_quarters(earlier, quarter - 1), quarter: value},
                                        aggregation, quarter)
            if quarter > 1:
                previous = history.get(f"Q{quarter - 1}")
                previous_realisation = quarter_value(_quarters(history, quarter - 1),
                                                     aggregation, quarter - 1)
                previous_target = self.target(indicator, year, ReportingPeriod(quarter - 1))
            else:
                previous = history.get(Period.Q4)
                previous_realisation = quarter_value(_quarters(history, 4), aggregation, 4)
                previous_target = self.target(indicator, year - 1, ReportingPeriod.Q4)
        result = _achievement(realisation, target, indicator.polarity)
        previous_result = (None if previous_realisation is None else
                           _achievement(previous_realisation, previous_target,
                                        indicator.polarity))
        row = RecapRow(
            indicator=indicator, goal=indicator.objective.goal, objective=indicator.objective,
            unit=item.unit, target=target, realisation=realisation, value=value,
            achievement=result, category=category(result.percent, SCALE), previous=previous,
            previous_achievement=previous_result, change_percent=change_percent(value, previous),
            explanation=record.explanation if record is not None else "",
            needs_explanation=False, explanation_reasons=[], missing_value=value is None,
            evidence_count=record.evidence_count if record is not None else 0, record=record,
            last_year=self.last_year.get((item.unit_id, indicator.id), {}).get(
                self.round.period),
            flag=(record.plausibility or "") if record is not None else "",
            target_year=year if target is not None else None)
        row.explanation_reasons = explanation_required(row, self.settings)
        row.needs_explanation = bool(row.explanation_reasons) or (
            self.format is not None and self.format.require_explanation
            and not row.missing_value)
        return row


def _achievement(realisation: Decimal | None, target: EffectiveTarget | None,
                 polarity: str) -> AchievementResult:
    if target is None:
        return achievement(realisation, None, polarity)
    return achievement(realisation, target.value, polarity, target.value_max)


# -- the public reads ------------------------------------------------------------------------

def _frozen(round_: Round):
    """The snapshot a finalised round is read from, or None (an open round, or one finalised
    before snapshots were kept): computed live then."""
    return snapshot.current_snapshot(round_) if snapshot.round_is_frozen(round_) else None


def unit_recap(track: Track) -> list[RecapRow]:
    """The rows of the track's unit: its indicators in the round's current format, in
    catalogue order (goal, objective, indicator). An indicator without a value yet gives a
    row with `missing_value`. A finalised round's rows are its snapshot's."""
    frozen = _frozen(track.round)
    if frozen is not None:
        return snapshot.rows_of(frozen, track.round, unit_id=track.unit_id)
    return _Recap(track.round, unit_id=track.unit_id).rows()


def rows_with_values(track: Track, typed: dict[int, Decimal | None]) -> dict[int, RecapRow]:
    """{indicator id: the unit's row as it would be with the typed value}, for the indicators
    of `typed` that are in the unit's format. Same queries as `unit_recap`."""
    built = _Recap(track.round, unit_id=track.unit_id)
    return {item.indicator_id: built.row(item, typed=typed[item.indicator_id])
            for item in built.items if item.indicator_id in typed}


def group_rows(rows: list[RecapRow]) -> list[tuple[Goal, list[tuple[Objective, list[RecapRow]]]]]:
    """[(goal, [(objective, [rows])])] of rows already in catalogue order (as the recaps give
    them), e.g. after leaving out the units a person may not see."""
    groups: list[tuple[Goal, list[tuple[Objective, list[RecapRow]]]]] = []
    for row in rows:
        if not groups or groups[-1][0].id != row.goal.id:
            groups.append((row.goal, []))
        objectives = groups[-1][1]
        if not objectives or objectives[-1][0].id != row.objective.id:
            objectives.append((row.objective, []))
        objectives[-1][1].append(row)
    return groups


_grouped = group_rows  # the name selectors.py imports


def agency_recap(round_: Round, *, live: bool = False) -> AgencyRecap:
    """Every unit's rows of the round, grouped by goal and objective, and per track how many
    indicators it reports, how many have a value and how many lack a needed explanation.

    A finalised round's rows are its snapshot's (`snapshot.py`); `live` computes them from
    the data as it stands whatever the round's status (what the snapshot stores)."""
    frozen = None if live else _frozen(round_)
    if frozen is not None:
        rows = snapshot.rows_of(frozen, round_)
        data_format = services.current_format(round_)
    else:
        recap = _Recap(round_)
        rows = recap.rows()
        data_format = recap.format
    by_unit: dict[int, list[RecapRow]] = defaultdict(list)
    for row in rows:
        by_unit[row.unit.id].append(row)
    tracks = list(round_.tracks.select_related("unit").order_by("unit__order", "unit__name"))
    if frozen is not None:
        # The units' names as the snapshot keeps them, so a unit renamed since the round was
        # finalised is listed as it was (and in the same place).
        units = {row.unit.id: row.unit for row in rows}
        for track in tracks:
            if track.unit_id in units:
                track.unit = copy(track.unit)
                track.unit.name = units[track.unit_id].name
        tracks.sort(key=lambda track: (track.unit.order, track.unit.name))
    completeness = []
    for track in tracks:
        unit_rows = by_unit.get(track.unit_id, [])
        completeness.append(TrackCompleteness(
            track=track, unit=track.unit, indicators=len(unit_rows),
            with_value=sum(not row.missing_value for row in unit_rows),
            explanations_missing=sum(row.lacks_explanation for row in unit_rows),
            stage=track.stage))
    return AgencyRecap(round=round_, format=data_format, rows=rows, completeness=completeness,
                       groups=group_rows(rows),
                       implausible_count=sum(bool(row.flag) for row in rows))


def unit_name(rows: list[RecapRow], track: Track) -> str:
    """The unit's name as the rows show it: as it was when a finalised round's snapshot was
    taken, otherwise as it is now."""
    return rows[0].unit.name if rows and rows[0].frozen else track.unit.name


def renstra_end_targets(rows: list[RecapRow]) -> dict[int, Decimal]:
    """{indicator id: Renstra target of its period's last year}: the stored one of a frozen
    row, otherwise read now. At most one query."""
    found = {row.indicator.id: row.renstra_end_target for row in rows
             if row.frozen and row.renstra_end_target is not None}
    live = {row.indicator.id for row in rows if not row.frozen}
    if live:
        found.update(IndicatorYearTarget.objects
                     .filter(indicator_id__in=live, year=F("indicator__period__end_year"))
                     .order_by().values_list("indicator_id", "renstra_target"))
    return found


def _threshold(value: Any) -> str:
    value = Decimal(value)
    return format_percent(value, decimals=0 if value == value.to_integral_value() else 2)


def _explanation_reasons_text(row: RecapRow, settings: CollectionSettings) -> str:
    texts = []
    if LOW_ACHIEVEMENT in row.explanation_reasons:
        texts.append(_("achievement %(achievement)s below %(threshold)s") % {
            "achievement": format_percent(row.achievement.percent),
            "threshold": _threshold(settings.explain_below_achievement)})
    if LARGE_CHANGE in row.explanation_reasons:
        texts.append(_("change %(change)s above %(threshold)s") % {
            "change": format_percent(row.change_percent),
            "threshold": _threshold(settings.explain_change_above)})
    if not texts:
        texts.append(_("the format requires one"))
    return "; ".join(texts)


def missing_for_submission(track: Track) -> list[str]:
    """What keeps the unit from submitting its recap, one line per problem, in row order: a
    value the format requires (`require_value`) and absent; an explanation absent where the
    agency's thresholds or the format (`require_explanation`) need one; evidence of a value
    absent where the format requires it (`require_evidence`). A value left empty is one
    problem when the format requires values and none otherwise: its explanation and evidence
    are asked for once it is entered. A finalised round has nothing left to submit: [] (its
    figures are the snapshot's, not recomputed from today's catalogue)."""
    if snapshot.round_is_frozen(track.round):
        return []
    recap = _Recap(track.round, unit_id=track.unit_id)
    if recap.format is None:
        return [_("The round has no data-request format yet.")]
    problems = []
    for row in recap.rows():
        label = str(row.indicator)
        if row.missing_value:
            if recap.format.require_value:
                problems.append(_("%(indicator)s: value missing") % {"indicator": label})
            continue
        if row.lacks_explanation:
            problems.append(_("%(indicator)s: explanation missing (%(reasons)s)") % {
                "indicator": label, "reasons": _explanation_reasons_text(row, recap.settings)})
        if recap.format.require_evidence and not row.evidence_count:
            problems.append(_("%(indicator)s: evidence missing") % {"indicator": label})
    return problems
