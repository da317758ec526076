"""The head's dashboard, read for one viewer (issue 13 item 3). The pages and the API show
what `dashboard_for_viewer` returns, nothing else.

Who may see it (organisation/visibility.py is the rule; this module only applies it):

- the head and the secretary: it is their landing page and a menu entry;
- every other head of a unit (Kabid, Kasubbag, Kasubbid): a menu entry, and the dashboard of
  any round of the agency, reached from the round page too;
- staff: no. The round page shows them the same progress; the figures are the recaps'.

What each part shows, and under which rule:

1. Progress: every reporting unit's waiting step, its due time in working minutes, who holds
   it. The round page shows the same to the whole agency (never a unit's values), so every
   viewer of the dashboard sees every unit's progress.
2. Time against the standard: each SOP step's working minutes over the agency's rounds of
   the SOP, as the round pages show them.
3. Achievement: only the figures of record, the finalised recaps (`FinalisedRecap`, never
   superseded ones, never an open round's live values), and of them only the rows of units
   whose data the viewer may see at their track's stage (`Viewer.can_see_track`), so a
   unit's draft is never shown to another unit.

A fixed number of queries whatever the number of agencies, units, rounds or people
(kinerja/dashboard/tests/test_queries.py, bench/dashboard_queries.py).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kinerja.catalogue.achievement import DEFAULT_SCALE, Band, Scale, category
from kinerja.collection.models import (
    Disposition,
    ExecutionStatus,
    FinalisedRecap,
    FinalisedRow,
    Round,
    RoundStatus,
    StepExecution,
    Track,
    TrackStage,
)
from kinerja.notifications import services as notifications
from kinerja.organisation.models import PositionKind
from kinerja.organisation.visibility import Viewer
from kinerja.sops.models import SopStep
from kinerja.worktime.calendar import Calendar

from .holders import holders_of

# The posts that may open the dashboard; the first two land on it.
LEADING_POSITIONS = (
    PositionKind.HEAD,
    PositionKind.SECRETARY,
    PositionKind.DIVISION_HEAD,
    PositionKind.SUBSECTION_HEAD,
    PositionKind.SUBDIVISION_HEAD,
)
# Rounds in the order of their data periods within a year.
PERIOD_ORDER = {"Q1": 1, "Q2": 2, "Q3": 3, "Q4": 4, "Y": 5}
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
NOT_COMPUTABLE = "not_computable"


# -- who --------------------------------------------------------------------------------------


def may_see_dashboard(viewer: Viewer) -> bool:
    """The head, the secretary and every other head of a unit of the agency."""
    return viewer.has_person and viewer.holds(*LEADING_POSITIONS)


def lands_on_dashboard(viewer: Viewer) -> bool:
    """The head and the secretary open Kinerja on the dashboard; everyone else on My tasks."""
    return viewer.has_person and (viewer.is_head or viewer.is_secretary)


def may_remind(viewer: Viewer, execution: StepExecution) -> bool:
    """Whether the dashboard offers the "remind" button on a waiting step: the notifications'
    own rule (the head and the secretary), which `remind_now` enforces."""
    return execution.status == ExecutionStatus.OPEN and notifications.may_remind(
        viewer, execution.round.agency_id
    )


def _require(viewer: Viewer) -> None:
    if not may_see_dashboard(viewer):
        raise PermissionDenied


# -- what it holds ----------------------------------------------------------------------------


@dataclass
class Waiting:
    """One waiting step of the round: a unit's (track set) or the round's own."""

    execution: StepExecution
    step: SopStep
    due_at: datetime
    minutes_left: int  # working minutes until due; negative: late by that much
    late: bool
    holders: list[str]
    may_remind: bool


@dataclass
class UnitProgress:
    track: Track
    unit_id: int
    unit_name: str  # the unit's full name
    stage: int
    stage_label: str
    waiting: list[Waiting]  # usually one; none once the unit is through (or left out)
    finished: bool  # its data is final (acknowledged)
    closed: bool  # left out when the head finalised without it


@dataclass
class TimeSample:
    round_id: int
    round_label: str
    unit_name: str  # "" for a step of the whole round
    minutes: int
    running: bool  # still open: the working time so far
    over: bool


@dataclass
class StepTime:
    step: SopStep  # the selected round's step of that number
    standard_minutes: int
    finished: int = 0
    median_minutes: int | None = None  # of the finished executions
    max_minutes: int | None = None
    finished_over: int = 0
    running: int = 0
    running_max_minutes: int | None = None  # the longest still open, so far
    running_over: int = 0
    samples: list[TimeSample] = field(default_factory=list)

    @property
    def counted(self) -> int:
        return self.finished + self.running

    @property
    def over(self) -> int:
        return self.finished_over + self.running_over

    @property
    def over_percent(self) -> Decimal | None:
        """The share of executions over the standard (running ones already over count)."""
        if not self.counted:
            return None
        return (Decimal(self.over) * HUNDRED / self.counted).quantize(CENT, ROUND_HALF_UP)

    @property
    def median_percent(self) -> Decimal | None:
        return _percent_of(self.median_minutes, self.standard_minutes)

    @property
    def max_percent(self) -> Decimal | None:
        longest = max(
            (m for m in (self.max_minutes, self.running_max_minutes) if m is not None), default=None
        )
        return _percent_of(longest, self.standard_minutes)

    @property
    def longest_minutes(self) -> int | None:
        return max(
            (m for m in (self.max_minutes, self.running_max_minutes) if m is not None), default=None
        )


def _percent_of(minutes: int | None, standard: int) -> Decimal | None:
    if minutes is None or not standard:
        return None
    return (Decimal(minutes) * HUNDRED / standard).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class RecapPeriod:
    round_id: int
    year: int
    period: str
    label: str


@dataclass
class CategoryCount:
    code: str  # a band's code, or NOT_COMPUTABLE
    label: str
    count: int


@dataclass
class ObjectiveAchievement:
    key: int
    code: str
    text: str
    indicators: int
    computable: int
    percent: Decimal | None  # the mean of its computable indicators' achievements
    band: Band | None


@dataclass
class TrendPoint:
    period: RecapPeriod
    percent: Decimal | None
    reason: str  # why it cannot be computed (NotComputable's value), "" otherwise
    category_code: str


@dataclass
class IndicatorTrend:
    indicator_id: int
    code: str
    name: str
    unit_name: str
    objective_code: str
    points: list[TrendPoint]  # one per period of `Achievement.periods`, None where absent


@dataclass
class Achievement:
    reference: RecapPeriod | None  # the finalised round the counts are of
    finalised_at: datetime | None
    categories: list[CategoryCount]
    objectives: list[ObjectiveAchievement]
    periods: list[RecapPeriod]
    trends: list[IndicatorTrend]
    hidden_units: list[str]  # units of the reference recap whose rows the viewer may not see
    scale: Scale


@dataclass
class Dashboard:
    round: Round | None
    rounds: list[Round]  # the agency's rounds, to pick another
    now: datetime
    units: list[UnitProgress]
    round_steps: list[Waiting]  # waiting steps of the whole round (disposition, meeting …)
    step_times: list[StepTime]
    achievement: Achievement

    @property
    def late_count(self) -> int:
        return sum(1 for unit in self.units for item in unit.waiting if item.late) + sum(
            1 for item in self.round_steps if item.late
        )


def round_label(round_: Round) -> str:
    return f"{round_.get_period_display()} {round_.year}"


# -- the entry point --------------------------------------------------------------------------


def dashboard_for_viewer(
    *, viewer: Viewer, round_id: int | None = None, now: datetime | None = None
) -> Dashboard:
    """The dashboard of a round of the viewer's agency: the one named, else the latest open
    round (else the latest round that is not cancelled). 403 for someone who may not see it,
    404 for a round of another agency."""
    _require(viewer)
    now = now or timezone.now()
    rounds = list(
        Round.objects.filter(agency_id=viewer.agency_id)
        .select_related("sop_version")
        .order_by("-year", "-period", "-id")
    )
    round_ = _chosen(viewer, rounds, round_id)
    if round_ is None:
        return Dashboard(None, rounds, now, [], [], [], _achievement(viewer, None, []))
    calendar = Calendar.load(round_.agency)
    units, round_steps = _progress(viewer, round_, calendar, now)
    return Dashboard(
        round_,
        rounds,
        now,
        units,
        round_steps,
        _step_times(round_, calendar, now, rounds),
        _achievement(viewer, round_, rounds),
    )


def _chosen(viewer: Viewer, rounds: list[Round], round_id: int | None) -> Round | None:
    if round_id is not None:
        found = next((r for r in rounds if r.id == round_id), None)
        if found is None:
            raise Http404
    else:
        found = next((r for r in rounds if r.status == RoundStatus.OPEN), None) or next(
            (r for r in rounds if r.status != RoundStatus.CANCELLED), None
        )
    if found is None:
        return None
    # The round again with what its progress needs, prefetched once (tasks_of reads the
    # round's tracks and the SOP's actors).
    return (
        Round.objects.filter(pk=found.pk)
        .select_related("sop_version", "sop", "agency")
        .prefetch_related(
            Prefetch(
                "tracks",
                queryset=Track.objects.select_related("unit").order_by("unit__order", "unit__name"),
            ),
            "sop_version__actors",
            Prefetch("sop_version__steps", queryset=SopStep.objects.order_by("number")),
            # Prefetched from the round, each execution's `round` is this
            # round, its tracks and actors loaded (tasks_of reads them).
            Prefetch(
                "executions",
                to_attr="waiting_or_closed",
                queryset=StepExecution.objects.filter(
                    status__in=[ExecutionStatus.OPEN, ExecutionStatus.CLOSED]
                )
                .select_related("step__actor", "step__recorded_by", "track__unit")
                .order_by("step__number", "id"),
            ),
        )
        .get()
    )


# -- 1. progress ------------------------------------------------------------------------------


def _progress(
    viewer: Viewer, round_: Round, calendar: Calendar, now: datetime
) -> tuple[list[UnitProgress], list[Waiting]]:
    tracks = {track.id: track for track in round_.tracks.all()}
    executions: list[StepExecution] = round_.waiting_or_closed  # type: ignore[attr-defined]
    waiting = [e for e in executions if e.status == ExecutionStatus.OPEN]
    disposition = (
        Disposition.objects.filter(round=round_).first()
        if round_.status == RoundStatus.OPEN
        else None
    )
    holders = (
        holders_of(waiting, agency_id=round_.agency_id, disposition=disposition)
        if round_.status == RoundStatus.OPEN
        else {}
    )
    closed_tracks = {
        e.track_id
        for e in executions
        if e.status == ExecutionStatus.CLOSED and e.track_id is not None
    }

    def item(execution: StepExecution) -> Waiting:
        left = calendar.working_minutes_between(now, execution.due_at)
        return Waiting(
            execution,
            execution.step,
            execution.due_at,
            left,
            execution.due_at < now,
            holders.get(execution.id, []),
            may_remind(viewer, execution) and round_.status == RoundStatus.OPEN,
        )

    by_track: dict[int, list[Waiting]] = defaultdict(list)
    round_steps = []
    for execution in waiting:
        if execution.track_id is None:
            round_steps.append(item(execution))
        else:
            by_track[execution.track_id].append(item(execution))
    units = [
        UnitProgress(
            track=track,
            unit_id=track.unit_id,
            unit_name=track.unit.name,
            stage=track.stage,
            stage_label=str(TrackStage(track.stage).label),
            waiting=by_track.get(track.id, []),
            finished=track.stage == TrackStage.FINAL and not by_track.get(track.id),
            closed=(
                track.id in closed_tracks
                and track.stage != TrackStage.FINAL
                and not by_track.get(track.id)
            ),
        )
        for track in tracks.values()
    ]
    return units, round_steps


# -- 2. time against the standard -------------------------------------------------------------


def _step_times(
    round_: Round, calendar: Calendar, now: datetime, rounds: list[Round]
) -> list[StepTime]:
    """Per step of the round's SOP version: the working minutes each execution took over the
    agency's rounds of the same SOP (cancelled ones left out), matched by step number."""
    labels = {r.id: round_label(r) for r in rounds}
    steps = {
        step.number: StepTime(step, step.time_standard_minutes)
        for step in round_.sop_version.steps.all()
    }
    executions = (
        StepExecution.objects.filter(
            round__agency_id=round_.agency_id,
            round__sop_id=round_.sop_id,
            status__in=[ExecutionStatus.DONE, ExecutionStatus.RETURNED, ExecutionStatus.OPEN],
        )
        .exclude(round__status=RoundStatus.CANCELLED)
        .values_list(
            "round_id",
            "round__status",
            "step__number",
            "status",
            "working_minutes",
            "assigned_at",
            "track__unit__name",
        )
        .order_by(
            "round__year",
            "round__period",
            "round_id",
            "step__number",
            "track__unit__order",
            "track__unit__name",
            "assigned_at",
            "id",
        )
    )
    finished: dict[int, list[int]] = defaultdict(list)
    for round_id, status_of_round, number, status, minutes, assigned_at, unit in executions:
        entry = steps.get(number)
        if entry is None:
            continue  # a step this version does not have
        running = status == ExecutionStatus.OPEN
        if running:
            if status_of_round != RoundStatus.OPEN:
                continue
            minutes = max(calendar.working_minutes_between(assigned_at, now), 0)
        elif minutes is None:
            continue
        over = minutes > entry.standard_minutes
        entry.samples.append(
            TimeSample(round_id, labels.get(round_id, ""), unit or "", minutes, running, over)
        )
        if running:
            entry.running += 1
            entry.running_over += over
            entry.running_max_minutes = max(minutes, entry.running_max_minutes or 0)
        else:
            finished[number].append(minutes)
            entry.finished_over += over
    for number, taken in finished.items():
        entry = steps[number]
        entry.finished = len(taken)
        entry.median_minutes = round(statistics.median(taken))
        entry.max_minutes = max(taken)
    return list(steps.values())


# -- 3. achievement ---------------------------------------------------------------------------


def _period_key(period: RecapPeriod) -> tuple[int, int]:
    return period.year, PERIOD_ORDER.get(period.period, 9)


def _achievement(viewer: Viewer, round_: Round | None, rounds: list[Round]) -> Achievement:
    """The figures of record: the finalised rounds' current recaps, only the rows of units
    whose data the viewer may see. Counts and objectives are of the selected round when it
    is finalised, else of the latest finalised round; the trends run over all of them."""
    empty = Achievement(None, None, [], [], [], [], [], DEFAULT_SCALE)
    finalised = {r.id: r for r in rounds if r.status == RoundStatus.FINALISED}
    if not finalised:
        return empty
    recaps = {
        recap.round_id: recap
        for recap in FinalisedRecap.objects.filter(
            round_id__in=list(finalised), superseded_at__isnull=True
        )
    }
    if not recaps:
        return empty
    visible = {
        (track.round_id, track.unit_id): viewer.can_see_track(track)
        for track in Track.objects.filter(round_id__in=list(recaps)).select_related("unit")
    }
    periods = {
        round_id: RecapPeriod(
            round_id,
            finalised[round_id].year,
            finalised[round_id].period,
            round_label(finalised[round_id]),
        )
        for round_id in recaps
    }
    rows = (
        FinalisedRow.objects.filter(recap_id__in=[r.id for r in recaps.values()])
        .only(
            "recap_id",
            "position",
            "unit_id",
            "unit_name",
            "indicator_id",
            "indicator_code",
            "indicator_name",
            "objective_key",
            "objective_code",
            "objective_text",
            "achievement",
            "achievement_reason",
            "category_code",
        )
        .order_by("recap_id", "position")
    )
    round_of_recap = {recap.id: round_id for round_id, recap in recaps.items()}
    ordered = sorted(periods.values(), key=_period_key)
    chosen = round_ is not None and round_.id in recaps
    reference = periods[round_.id] if chosen and round_ is not None else ordered[-1]
    reference_rows: list[FinalisedRow] = []
    hidden: dict[str, None] = {}
    points: dict[int, dict[int, TrendPoint]] = defaultdict(dict)
    latest: dict[int, tuple[tuple[int, int], FinalisedRow]] = {}
    for row in rows:
        round_id = round_of_recap[row.recap_id]
        # Only the rows of units whose track the viewer may see; a row of a unit without a
        # track in the round is hidden too (listed as not shown), never guessed visible.
        if not visible.get((round_id, row.unit_id), False):
            if round_id == reference.round_id:
                hidden[row.unit_name] = None
            continue
        period = periods[round_id]
        percent = Decimal(row.achievement) if row.achievement else None
        points[row.indicator_id][round_id] = TrendPoint(
            period, percent, row.achievement_reason, row.category_code
        )
        key = _period_key(period)
        if row.indicator_id not in latest or latest[row.indicator_id][0] <= key:
            latest[row.indicator_id] = (key, row)
        if round_id == reference.round_id:
            reference_rows.append(row)
    scale = _scale_of(recaps[reference.round_id])
    trends = []
    for indicator_id, (_key, row) in sorted(
        latest.items(), key=lambda item: (item[1][1].objective_code, item[1][1].indicator_code)
    ):
        shown = points[indicator_id]
        trends.append(
            IndicatorTrend(
                indicator_id,
                row.indicator_code,
                row.indicator_name,
                row.unit_name,
                row.objective_code,
                [
                    shown.get(period.round_id) or TrendPoint(period, None, "", "")
                    for period in ordered
                ],
            )
        )
    return Achievement(
        reference=reference,
        finalised_at=recaps[reference.round_id].finalised_at,
        categories=_categories(reference_rows, scale),
        objectives=_objectives(reference_rows, scale),
        periods=ordered,
        trends=trends,
        hidden_units=list(hidden),
        scale=scale,
    )


def _scale_of(recap: FinalisedRecap) -> Scale:
    """The scale the recap's categories were computed by (kept with it)."""
    try:
        return Scale.from_data(recap.scale) if recap.scale else DEFAULT_SCALE
    except (KeyError, TypeError, ValueError):
        return DEFAULT_SCALE


def _categories(rows: list[FinalisedRow], scale: Scale) -> list[CategoryCount]:
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row.category_code or NOT_COMPUTABLE] += 1
    found = [CategoryCount(band.code, band.label, counts.pop(band.code, 0)) for band in scale.bands]
    # A code the scale no longer has (kept with its row) still counts, under its code.
    found += [
        CategoryCount(code, code, count) for code, count in counts.items() if code != NOT_COMPUTABLE
    ]
    found.append(
        CategoryCount(NOT_COMPUTABLE, str(_("Cannot be computed")), counts.get(NOT_COMPUTABLE, 0))
    )
    return found


def _objectives(rows: list[FinalisedRow], scale: Scale) -> list[ObjectiveAchievement]:
    """Per objective (sasaran), the mean of its indicators' achievements that can be
    computed (Kinerja's choice: the sources give no rule for an objective's figure)."""
    groups: dict[int, list[FinalisedRow]] = {}
    for row in rows:
        groups.setdefault(row.objective_key, []).append(row)
    found = []
    for key, members in groups.items():
        percents = [Decimal(row.achievement) for row in members if row.achievement]
        mean = sum(percents, Decimal(0)) / len(percents) if percents else None
        found.append(
            ObjectiveAchievement(
                key,
                members[0].objective_code,
                members[0].objective_text,
                len(members),
                len(percents),
                mean,
                category(mean, scale) if mean is not None else None,
            )
        )
    return found


def execution_for_reminder(*, viewer: Viewer, execution_id: int) -> StepExecution:
    """A step execution of the viewer's agency to remind its holders of: 403 for someone who
    may not see the dashboard, 404 for another agency's (or no such) execution. Whether a
    reminder may go is `notifications.services.remind_now`'s rule."""
    _require(viewer)
    found = (
        StepExecution.objects.filter(id=execution_id, round__agency_id=viewer.agency_id)
        .select_related("round", "step", "track__unit")
        .first()
    )
    if found is None:
        raise Http404
    return found
