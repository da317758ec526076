"""The recap of a finalised round, kept as it stood (docs/architecture.md, "Finalised recaps").

A finalised round is what the agency signs and puts in its LKjIP, so its recap must not move
when the catalogue (a target, a polarity, the decimals, a name) or another round changes
later. `take_snapshot` stores every row of the live recap when the round is finalised:
the catalogue's words and rules as they were, the target used with its source and year, and
the figures. The computed figures (realisation, achievement, change) are kept as the exact
`Decimal`'s text, because an average or a ratio has more digits than a decimal column keeps
and the snapshot must give back what the live recap gave.

`recap.agency_recap` and `recap.unit_recap` read it back (`rows_of`) for a finalised round;
an open round is computed live. Reopening marks the snapshot superseded (kept, never deleted);
finalising again makes the next number.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from kinerja.catalogue.achievement import (
    AchievementResult,
    Band,
    EffectiveTarget,
    NotComputable,
    Scale,
    TargetSource,
)
from kinerja.catalogue.models import Goal, Indicator, Objective
from kinerja.organisation.models import Unit

# Modules, not names: recap imports this module back.
from . import recap
from .models import FinalisedRecap, FinalisedRow, Round, RoundStatus

__all__ = ["current_snapshot", "round_is_frozen", "rows_of", "supersede", "take_snapshot"]


def _text(value: Decimal | None) -> str:
    """The exact Decimal as text ("" for None); `Decimal(text)` gives it back unchanged."""
    return "" if value is None else str(value)


def _decimal(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def _reason(result: AchievementResult | None) -> str:
    return result.reason.value if result is not None and result.reason is not None else ""


def round_is_frozen(round_: Round) -> bool:
    """Whether the round's figures are fixed: a finalised round is report material."""
    return round_.status == RoundStatus.FINALISED


def current_snapshot(round_: Round | int) -> FinalisedRecap | None:
    """The round's snapshot in force (not superseded by a reopening), or None. One query."""
    return (FinalisedRecap.objects.filter(round=round_, superseded_at__isnull=True)
            .order_by("-number").first())


def _row(snapshot: FinalisedRecap, position: int, row: recap.RecapRow,
         end_target: Decimal | None) -> FinalisedRow:
    indicator, target = row.indicator, row.target
    return FinalisedRow(
        recap=snapshot, position=position,
        unit_id=row.unit.id, unit_name=row.unit.name,
        indicator_id=indicator.id, indicator_code=indicator.code,
        indicator_name=indicator.name, unit_of_measure=indicator.unit_of_measure,
        data_type=indicator.data_type, decimals=indicator.decimals,
        polarity=indicator.polarity, aggregation=indicator.aggregation,
        is_iku=indicator.is_iku,
        goal_key=row.goal.id, goal_code=row.goal.code, goal_text=row.goal.text,
        objective_key=row.objective.id, objective_code=row.objective.code,
        objective_text=row.objective.text,
        target=target.value if target is not None else None,
        target_max=target.value_max if target is not None else None,
        target_source=target.source.value if target is not None else "",
        target_year=row.target_year if target is not None else None,
        value=row.value, realisation=_text(row.realisation),
        achievement=_text(row.achievement.percent), achievement_reason=_reason(row.achievement),
        category_code=row.category.code if row.category is not None else "",
        category_label=row.category.label if row.category is not None else "",
        previous=row.previous,
        previous_achievement=_text(row.previous_achievement.percent
                                   if row.previous_achievement is not None else None),
        previous_achievement_reason=_reason(row.previous_achievement),
        has_previous_achievement=row.previous_achievement is not None,
        change_percent=_text(row.change_percent), last_year=row.last_year,
        explanation=row.explanation, explanation_reasons=list(row.explanation_reasons),
        needs_explanation=row.needs_explanation, plausibility=row.flag,
        evidence_count=row.evidence_count, renstra_end_target=end_target)


def take_snapshot(round_: Round, *, user, missing: list[str],
                  at: datetime | None = None) -> FinalisedRecap:
    """Store the round's recap as it stands now, computed live, as the round's next snapshot.

    Called by `round_finalise` (with the round locked) before the round turns finalised;
    `missing` are the units the head finalised without. A fixed number of queries.
    """
    built = recap.agency_recap(round_, live=True)
    last = (FinalisedRecap.objects.filter(round=round_).order_by("-number")
            .values_list("number", flat=True).first())
    data_format = built.format
    snapshot = FinalisedRecap.objects.create(
        round=round_, number=(last or 0) + 1, finalised_at=at or timezone.now(),
        finalised_by=user, format_number=data_format.number if data_format else None,
        missing_units=list(missing), scale=recap.SCALE.to_data(),
        quarter_rule=str(recap.QUARTER_RULE.value))
    end_targets = recap.renstra_end_targets(built.rows)
    FinalisedRow.objects.bulk_create(
        [_row(snapshot, position, row, end_targets.get(row.indicator.id))
         for position, row in enumerate(built.rows)],
        batch_size=500)
    return snapshot


def supersede(round_: Round, *, at: datetime | None = None) -> FinalisedRecap | None:
    """Mark the round's current snapshot superseded (a reopening); it is kept. One or two
    queries."""
    snapshot = current_snapshot(round_)
    if snapshot is not None:
        snapshot.superseded_at = at or timezone.now()
        snapshot.save(update_fields=["superseded_at"])
    return snapshot


def rows_of(snapshot: FinalisedRecap, round_: Round, *,
            unit_id: int | None = None) -> list[recap.RecapRow]:
    """The snapshot's rows (of one unit when `unit_id` is given) as `recap.RecapRow`s, in the
    order they were shown. The indicator, goal, objective and unit are unsaved model
    instances with their real ids and the words and rules stored, so every view reads them as
    it reads live rows. One query."""
    rows = snapshot.rows.order_by("position")
    if unit_id is not None:
        rows = rows.filter(unit_id=unit_id)
    scale = Scale.from_data(snapshot.scale) if snapshot.scale else recap.SCALE
    bands = {band.code: band for band in scale.bands}
    goals: dict[int, Goal] = {}
    objectives: dict[int, Objective] = {}
    units: dict[int, Unit] = {}
    built = []
    for stored in rows:
        goal = goals.get(stored.goal_key)
        if goal is None:
            goal = goals[stored.goal_key] = Goal(id=stored.goal_key, code=stored.goal_code,
                                                 text=stored.goal_text)
        objective = objectives.get(stored.objective_key)
        if objective is None:
            objective = objectives[stored.objective_key] = Objective(
                id=stored.objective_key, code=stored.objective_code,
                text=stored.objective_text, goal=goal)
        unit = units.get(stored.unit_id)
        if unit is None:
            unit = units[stored.unit_id] = Unit(id=stored.unit_id, name=stored.unit_name,
                                                agency_id=round_.agency_id)
        indicator = Indicator(
            id=stored.indicator_id, code=stored.indicator_code, name=stored.indicator_name,
            unit_of_measure=stored.unit_of_measure, data_type=stored.data_type,
            decimals=stored.decimals, polarity=stored.polarity,
            aggregation=stored.aggregation, is_iku=stored.is_iku, objective=objective,
            responsible_unit=unit)
        target = None
        if stored.target is not None:
            target = EffectiveTarget(stored.target, stored.target_max,
                                     TargetSource(stored.target_source))
        percent = _decimal(stored.achievement)
        category = None
        if stored.category_code:
            category = bands.get(stored.category_code) or Band(
                stored.category_code, stored.category_label, None)
        previous_achievement = None
        if stored.has_previous_achievement:
            previous_achievement = AchievementResult(
                _decimal(stored.previous_achievement),
                NotComputable(stored.previous_achievement_reason)
                if stored.previous_achievement_reason else None)
        value = stored.value
        built.append(recap.RecapRow(
            indicator=indicator, goal=goal, objective=objective, unit=unit, target=target,
            realisation=_decimal(stored.realisation), value=value,
            achievement=AchievementResult(
                percent, NotComputable(stored.achievement_reason)
                if stored.achievement_reason else None),
            category=category, previous=stored.previous,
            previous_achievement=previous_achievement,
            change_percent=_decimal(stored.change_percent), explanation=stored.explanation,
            needs_explanation=stored.needs_explanation,
            explanation_reasons=list(stored.explanation_reasons),
            missing_value=value is None, evidence_count=stored.evidence_count, record=None,
            last_year=stored.last_year, flag=stored.plausibility,
            target_year=stored.target_year, frozen=True,
            renstra_end_target=stored.renstra_end_target))
    return built
