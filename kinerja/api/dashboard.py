"""The head's dashboard over the API: the same selector as the page
(`dashboard.selectors.dashboard_for_viewer`), the same rule of who may see it (403 for staff,
404 for another agency's round), the same figures as typed schemas.

Numbers go out in the machine form ("87.5", "120"); achievements unrounded to two places as
the recap API gives them (`collection.percent_text`), minutes as whole working minutes."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema

from kinerja.dashboard import selectors
from kinerja.dashboard.selectors import Dashboard, StepTime, Waiting

from .auth import viewer_of
from .collection import percent_text
from .schemas import Id

router = Router(tags=["dashboard"])


class WaitingOut(Schema):
    execution_id: int
    step: int
    kind: str
    kind_label: str
    description: str
    assigned_at: datetime
    due_at: datetime
    minutes_left: int  # working minutes; negative: late by that much
    late: bool
    holders: list[str]
    may_remind: bool


class UnitProgressOut(Schema):
    track_id: int
    unit_id: int
    unit: str  # the unit's full name
    stage: int
    stage_label: str
    finished: bool
    closed: bool
    waiting: list[WaitingOut]


class RoundRefOut(Schema):
    id: int
    year: int
    period: str
    label: str
    status: str
    sop_id: int
    sop_title: str


class StepTimeOut(Schema):
    step: int
    kind: str
    kind_label: str
    description: str
    standard_minutes: int
    finished: int
    median_minutes: int | None
    max_minutes: int | None
    finished_over: int
    running: int
    running_max_minutes: int | None
    running_over: int
    over_percent: str | None  # of all executions counted, running ones already over included


class TimeSampleOut(Schema):
    step: int
    round_id: int
    unit: str | None
    minutes: int
    running: bool
    over: bool


class CategoryOut(Schema):
    code: str
    label: str
    count: int


class ObjectiveOut(Schema):
    code: str
    text: str
    indicators: int
    computable: int
    achievement_percent: str | None  # the mean of its indicators' achievements
    category: str | None
    category_label: str | None


class PeriodOut(Schema):
    round_id: int
    year: int
    period: str
    label: str


class TrendPointOut(Schema):
    round_id: int
    achievement_percent: str | None
    achievement_reason: str | None
    category: str | None


class TrendOut(Schema):
    indicator_id: int
    code: str
    name: str
    unit: str
    objective_code: str
    points: list[TrendPointOut]


class AchievementOut(Schema):
    reference_round_id: int | None
    finalised_at: datetime | None
    scale: str
    categories: list[CategoryOut]
    objectives: list[ObjectiveOut]
    periods: list[PeriodOut]
    trends: list[TrendOut]
    hidden_units: list[str]


class DashboardOut(Schema):
    round: RoundRefOut | None
    rounds: list[RoundRefOut]
    now: datetime
    late_count: int
    units: list[UnitProgressOut]
    round_steps: list[WaitingOut]
    step_times: list[StepTimeOut]
    time_samples: list[TimeSampleOut]
    achievement: AchievementOut


def _round(round_) -> dict:
    return {
        "id": round_.id,
        "year": round_.year,
        "period": round_.period,
        "label": selectors.round_label(round_),
        "status": round_.status,
        "sop_id": round_.sop_id,
        "sop_title": round_.sop_version.title,
    }


def _waiting(item: Waiting) -> dict:
    step = item.step
    return {
        "execution_id": item.execution.id,
        "step": step.number,
        "kind": step.kind,
        "kind_label": str(step.get_kind_display()),
        "description": step.description,
        "assigned_at": item.execution.assigned_at,
        "due_at": item.due_at,
        "minutes_left": item.minutes_left,
        "late": item.late,
        "holders": item.holders,
        "may_remind": item.may_remind,
    }


def _step_time(entry: StepTime) -> dict:
    step = entry.step
    return {
        "step": step.number,
        "kind": step.kind,
        "kind_label": str(step.get_kind_display()),
        "description": step.description,
        "standard_minutes": entry.standard_minutes,
        "finished": entry.finished,
        "median_minutes": entry.median_minutes,
        "max_minutes": entry.max_minutes,
        "finished_over": entry.finished_over,
        "running": entry.running,
        "running_max_minutes": entry.running_max_minutes,
        "running_over": entry.running_over,
        "over_percent": percent_text(entry.over_percent),
    }


def _out(found: Dashboard) -> dict:
    achievement = found.achievement
    return {
        "round": _round(found.round) if found.round else None,
        "rounds": [_round(round_) for round_ in found.rounds],
        "now": found.now,
        "late_count": found.late_count,
        "units": [
            {
                "track_id": unit.track.id,
                "unit_id": unit.unit_id,
                "unit": unit.unit_name,
                "stage": unit.stage,
                "stage_label": unit.stage_label,
                "finished": unit.finished,
                "closed": unit.closed,
                "waiting": [_waiting(item) for item in unit.waiting],
            }
            for unit in found.units
        ],
        "round_steps": [_waiting(item) for item in found.round_steps],
        "step_times": [_step_time(entry) for entry in found.step_times],
        "time_samples": [
            {
                "step": entry.step.number,
                "round_id": sample.round_id,
                "unit": sample.unit_name or None,
                "minutes": sample.minutes,
                "running": sample.running,
                "over": sample.over,
            }
            for entry in found.step_times
            for sample in entry.samples
        ],
        "achievement": {
            "reference_round_id": (
                achievement.reference.round_id if achievement.reference else None
            ),
            "finalised_at": achievement.finalised_at,
            "scale": achievement.scale.code,
            "categories": [
                {"code": row.code, "label": row.label, "count": row.count}
                for row in achievement.categories
            ],
            "objectives": [
                {
                    "code": row.code,
                    "text": row.text,
                    "indicators": row.indicators,
                    "computable": row.computable,
                    "achievement_percent": percent_text(row.percent),
                    "category": row.band.code if row.band else None,
                    "category_label": row.band.label if row.band else None,
                }
                for row in achievement.objectives
            ],
            "periods": [
                {"round_id": p.round_id, "year": p.year, "period": p.period, "label": p.label}
                for p in achievement.periods
            ],
            "trends": [
                {
                    "indicator_id": trend.indicator_id,
                    "code": trend.code,
                    "name": trend.name,
                    "unit": trend.unit_name,
                    "objective_code": trend.objective_code,
                    "points": [
                        {
                            "round_id": point.period.round_id,
                            "achievement_percent": percent_text(point.percent),
                            "achievement_reason": point.reason or None,
                            "category": point.category_code or None,
                        }
                        for point in trend.points
                    ],
                }
                for trend in achievement.trends
            ],
            "hidden_units": achievement.hidden_units,
        },
    }


@router.get("/dashboard", response=DashboardOut)
def dashboard(request):
    """The dashboard of the agency's current round (the latest open one): the head's,
    the secretary's and every unit head's; achievement only of the units you may see."""
    return _out(selectors.dashboard_for_viewer(viewer=viewer_of(request)))


@router.get("/rounds/{round_id}/dashboard", response=DashboardOut)
def round_dashboard(request, round_id: Id):
    """The dashboard of another round of your agency."""
    return _out(selectors.dashboard_for_viewer(viewer=viewer_of(request), round_id=round_id))
