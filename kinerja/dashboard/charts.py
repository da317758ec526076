"""The dashboard's charts as geometry for inline SVG, drawn on the server (no script, no CDN).

Presentation only: the figures are the selectors'. Each chart is a fixed-width `viewBox`
that the page scales to its box, so it reads on a phone and prints; the numbers sit beside
it in a table in the same <figure>. Coordinates are text with a dot ("12.5"): a template
would print a float the Indonesian way ("12,5"), which SVG cannot read. Labels are the
locale's (`core.formatting.number`, `achievement.format_percent`), and a label too long for
the drawing is cut, whole in its <title> and in the table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from kinerja.catalogue.achievement import format_percent
from kinerja.core.formatting import number

from .selectors import NOT_COMPUTABLE, Achievement, StepTime

WIDTH = 400  # the viewBox's width; the page scales it to its box
LABEL_CHARS = 58  # what fits on one line of the drawing at its font size
ROW = 36  # a bar's row: its label above, the bar below
BAR = 12
TOP = 22  # room for the axis labels
BAR_WIDTH = WIDTH - 70  # room on the right for the value


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def cut(text: str, length: int = LABEL_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


@dataclass
class Segment:
    x: str
    width: str
    css: str
    title: str


@dataclass
class BarRow:
    label: str
    title: str
    label_y: str
    bar_y: str
    segments: list[Segment]
    value: str
    value_x: str
    value_y: str

    @classmethod
    def at(cls, index: int, label: str, title: str, segments: list[Segment],
           value: str) -> BarRow:
        """The chart's `index`-th row: its label above the bar, the value at the right."""
        base = TOP + index * ROW
        return cls(cut(label), title, _n(base + 12), _n(base + 17), segments, value,
                   _n(BAR_WIDTH + 6), _n(base + 27))


@dataclass
class Tick:
    x: str
    label: str


@dataclass
class BarChart:
    id: str
    title: str
    height: str
    bar_height: str = str(BAR)
    rows: list[BarRow] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    reference_x: str = ""  # a vertical line (100 %, the standard), or none
    reference_label: str = ""
    axis_bottom: str = ""
    width: str = str(WIDTH)


def _scale_top(largest: float, floor: float, step: float) -> float:
    return max(floor, math.ceil(largest / step) * step)


def _x(value: float, top: float) -> float:
    return min(value, top) / top * BAR_WIDTH if top else 0.0


def _chart(chart_id: str, title: str, rows: int) -> BarChart:
    height = TOP + rows * ROW + 4
    return BarChart(chart_id, title, _n(height), axis_bottom=_n(height - 2))


def _percent_ticks(top: float) -> list[Tick]:
    step = 50 if top <= 300 else 100
    return [
        Tick(_n(_x(value, top)), f"{number(value, 0)} %") for value in range(0, int(top) + 1, step)
    ]


def step_time_chart(steps: list[StepTime]) -> BarChart:
    """Per step, the median (dark) and the longest (light) working time as a share of the
    step's standard; the line at 100 % is the standard (mutu baku). Beyond the axis's end a
    bar is cut and its value says how far it went."""
    shown = [s for s in steps if s.counted]
    chart = _chart("chart-step-time", _("Working time as a share of the standard"), len(shown))
    largest = max((float(s.max_percent or 0) for s in shown), default=100.0)
    top = min(_scale_top(largest, 150, 50), 400)
    chart.ticks = _percent_ticks(top)
    chart.reference_x = _n(_x(100, top))
    chart.reference_label = _("standard")
    for index, step in enumerate(shown):
        label = f"{step.step.number} · {step.step.get_kind_display()}"
        segments = []
        if step.max_percent is not None:
            segments.append(
                Segment(
                    "0",
                    _n(_x(float(step.max_percent), top)),
                    "bar-max",
                    _("longest: %(value)s")
                    % {"value": format_percent(step.max_percent, decimals=0)},
                )
            )
        if step.median_percent is not None:
            segments.append(
                Segment(
                    "0",
                    _n(_x(float(step.median_percent), top)),
                    "bar-median" + (" is-over" if step.median_percent > 100 else ""),
                    _("median: %(value)s")
                    % {"value": format_percent(step.median_percent, decimals=0)},
                )
            )
        value = (
            format_percent(step.median_percent, decimals=0)
            if step.median_percent is not None
            else "—"
        )
        chart.rows.append(BarRow.at(index, label, f"{_('Step')} {label}", segments, value))
    return chart


def category_chart(achievement: Achievement) -> BarChart:
    """How many indicators fall in each category of the scale."""
    rows = achievement.categories
    chart = _chart("chart-categories", _("Indicators per category"), len(rows))
    top = float(max((row.count for row in rows), default=0) or 1)
    for index, row in enumerate(rows):
        css = "cat-none" if row.code == NOT_COMPUTABLE else f"cat-{row.code}"
        segments = (
            [Segment("0", _n(_x(row.count, top)), f"bar {css}", f"{row.label}: {row.count}")]
            if row.count
            else []
        )
        chart.rows.append(BarRow.at(index, row.label, row.label, segments, number(row.count)))
    return chart


def objective_chart(achievement: Achievement) -> BarChart:
    """Each objective's achievement (the mean of its indicators'); the line is 100 %."""
    rows = achievement.objectives
    chart = _chart("chart-objectives", _("Achievement per objective"), len(rows))
    largest = max((float(row.percent) for row in rows if row.percent is not None), default=100.0)
    top = min(_scale_top(largest, 120, 20), 300)
    chart.ticks = [
        Tick(_n(_x(value, top)), f"{number(value, 0)} %")
        for value in range(0, int(top) + 1, 20 if top <= 160 else 50)
    ]
    chart.reference_x = _n(_x(100, top))
    chart.reference_label = "100 %"
    for index, row in enumerate(rows):
        label = f"{row.code} {row.text}"
        css = f"bar cat-{row.band.code}" if row.band is not None else "bar cat-none"
        value = format_percent(row.percent) if row.percent is not None else "—"
        segments = (
            [Segment("0", _n(_x(max(float(row.percent), 0), top)), css, f"{label}: {value}")]
            if row.percent is not None
            else []
        )
        chart.rows.append(BarRow.at(index, label, label, segments, value))
    return chart


# -- the trend of each indicator: small line charts, one per indicator ------------------------

SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 160, 64, 6


@dataclass
class SparkPoint:
    x: str
    y: str
    title: str
    css: str


@dataclass
class Sparkline:
    code: str
    name: str
    points: list[SparkPoint]
    path: str  # the polyline's points, gaps left out
    reference_y: str  # 100 %
    width: str = str(SPARK_WIDTH)
    height: str = str(SPARK_HEIGHT)


def trend_charts(achievement: Achievement) -> list[Sparkline]:
    periods = achievement.periods
    largest = max(
        (
            float(point.percent)
            for trend in achievement.trends
            for point in trend.points
            if point.percent is not None
        ),
        default=100.0,
    )
    top = min(_scale_top(largest, 120, 20), 300)
    inner_height = SPARK_HEIGHT - 2 * SPARK_PAD - 10

    def x_of(index: int) -> float:
        if len(periods) < 2:
            return SPARK_WIDTH / 2
        return SPARK_PAD + index * (SPARK_WIDTH - 2 * SPARK_PAD) / (len(periods) - 1)

    def y_of(percent: float) -> float:
        shown = min(max(percent, 0.0), top)
        return SPARK_PAD + inner_height * (1 - shown / top)

    charts = []
    for trend in achievement.trends:
        points, line = [], []
        for index, point in enumerate(trend.points):
            if point.percent is None:
                continue
            x, y = x_of(index), y_of(float(point.percent))
            line.append(f"{_n(x)},{_n(y)}")
            css = f"cat-{point.category_code}" if point.category_code else "cat-none"
            points.append(
                SparkPoint(
                    _n(x), _n(y), f"{point.period.label}: {format_percent(point.percent)}", css
                )
            )
        charts.append(
            Sparkline(
                trend.code,
                trend.name,
                points,
                " ".join(line),
                _n(y_of(100)),
            )
        )
    return charts


def build(dashboard) -> dict:
    """Every chart of the page."""
    return {
        "step_time": step_time_chart(dashboard.step_times),
        "categories": category_chart(dashboard.achievement),
        "objectives": objective_chart(dashboard.achievement),
        "trends": trend_charts(dashboard.achievement),
    }

