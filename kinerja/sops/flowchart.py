"""The procedure table of an SOP with its flowchart, drawn as SVG in the PermenPAN-RB 35/2012 form.

Columns: No | Kegiatan | one column per actor (pelaksana) | Mutu Baku (Kelengkapan, Waktu, Output)
| Keterangan; one row per step. The flowchart lives in the actor columns and uses the form's
five symbols: terminator (first and last step), process, decision (a step that can send work
back, with "Ya" onward and "Tidak" back), arrows, and the off-page connector where the flow
continues on the next page.

The whole table, text included, is one SVG per page, so rows, shapes and arrows can never drift
apart: text is wrapped here with the metrics of the shipped font (Liberation Sans, printed as
"Kinerja Sans"; browsers fall back to Liberation Sans or Arial, which have the same metrics).
Coordinates are in points (1/72 inch). Every text reaching the SVG is XML-escaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from itertools import pairwise
from xml.sax.saxutils import escape, quoteattr

from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from kinerja.core.formatting import minutes
from kinerja.core.rendering import DOCUMENT_LANGUAGE, FONT_DIR

from .models import SopStep, SopVersion

# A4 landscape less the SOP document's side margins, in points: the width the web page shows too.
DEFAULT_WIDTH = 774.0
DEFAULT_ROWS_PER_PAGE = 12

TERMINATOR = "terminator"
PROCESS = "process"
DECISION = "decision"

FONT_FAMILY = "Kinerja Sans, Liberation Sans, Arial, Helvetica, sans-serif"
BODY_SIZE = 7.5
HEADER_SIZE = 7.0
LABEL_SIZE = 6.5
LINE_HEIGHT = 1.22
CELL_PADDING = 4.0
STROKE = "#000"
HEADER_FILL = "#e8e8e8"

NUMBER_WIDTH = 22.0
TIME_WIDTH = 48.0
ACTOR_WIDTH = 72.0
MIN_ACTOR_WIDTH = 34.0
ACTOR_SHARE_MAX = 0.6
# Share of the text columns' width: Kegiatan, Kelengkapan, Output, Keterangan.
TEXT_WEIGHTS = {"activity": 0.42, "inputs": 0.2, "output": 0.2, "remarks": 0.18}

# Return arrows run in lanes near the column borders; shapes keep clear of them.
LANE_OFFSET = 7.0
SHAPE_INSET = 15.0
MAX_SHAPE_WIDTH = 58.0
BOX_HEIGHT = 18.0
DIAMOND_HEIGHT = 26.0
DIAMOND_WIDTH_RATIO = 0.8
REROUTE_PASSES = 2
MIN_ROW_HEIGHT = 36.0
MIN_DECISION_ROW_HEIGHT = 44.0
CONNECTOR_SIZE = 15.0
SMALL_CONNECTOR_SIZE = 12.0
BAND_HEIGHT = 30.0
ARROW_LENGTH = 5.0
ARROW_HALF_WIDTH = 2.2
EPSILON = 0.01

YES = "Ya"
NO = "Tidak"

_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

Point = tuple[float, float]
Segment = tuple[Point, Point]


# -- text -----------------------------------------------------------------------------------

@lru_cache(maxsize=2)
def _font_metrics(bold: bool) -> tuple[dict[int, int], int, int]:
    """Advance widths by code point, units per em, and the fallback width for unknown
    characters. fontTools comes with WeasyPrint, which prints the documents."""
    from fontTools.ttLib import TTFont

    name = "LiberationSans-Bold.ttf" if bold else "LiberationSans-Regular.ttf"
    font = TTFont(FONT_DIR / name)
    metrics = font["hmtx"].metrics
    widths = {code: metrics[glyph][0] for code, glyph in font.getBestCmap().items()}
    return widths, font["head"].unitsPerEm, widths.get(ord("M"), 1800)


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    widths, units_per_em, fallback = _font_metrics(bold)
    return sum(widths.get(ord(char), fallback) for char in text) * size / units_per_em


def wrap_text(text: str, width: float, size: float, *, bold: bool = False) -> list[str]:
    """Greedy line breaking at spaces; a word longer than the line is cut where it overflows."""
    lines: list[str] = []
    for paragraph in clean_text(text).splitlines():
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if text_width(candidate, size, bold=bold) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while len(word) > 1 and text_width(word, size, bold=bold) > width:
                cut = len(word) - 1
                while cut > 1 and text_width(word[:cut], size, bold=bold) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        if line:
            lines.append(line)
    return lines


def clean_text(text: str) -> str:
    """Characters XML 1.0 cannot carry are dropped rather than breaking the whole SVG."""
    return _XML_ILLEGAL.sub("", str(text or ""))


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _attributes(attributes: dict[str, object]) -> str:
    parts = []
    for name, value in attributes.items():
        if value is None:
            continue
        text = _number(value) if isinstance(value, float) else clean_text(str(value))
        parts.append(f" {name.rstrip('_').replace('_', '-')}={quoteattr(text)}")
    return "".join(parts)


def _element(tag: str, **attributes) -> str:
    return f"<{tag}{_attributes(attributes)}/>"


def _text(x: float, y: float, content: str, **attributes) -> str:
    content = escape(clean_text(content))
    return f"<text{_attributes({'x': x, 'y': y, **attributes})}>{content}</text>"


def _points(points: list[Point]) -> str:
    return " ".join(f"{_number(x)},{_number(y)}" for x, y in points)


# -- table geometry ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    key: str
    x: float
    width: float

    @property
    def center(self) -> float:
        return self.x + self.width / 2

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def lanes(self) -> tuple[float, float]:
        return self.x + LANE_OFFSET, self.right - LANE_OFFSET


@dataclass(frozen=True)
class FlowchartRow:
    """A step's row: its text wrapped to the columns, its height and its symbol."""

    step: SopStep
    actor_index: int
    shape: str
    returns_to: int | None
    cells: dict[str, list[str]]
    height: float


@dataclass(frozen=True)
class FlowchartPage:
    """One page of the procedure table: its step rows and the SVG that draws them."""

    number: int
    page_count: int
    rows: list[FlowchartRow]
    svg: SafeString
    width: float
    height: float
    continues_from: str = ""
    continues_to: str = ""

    @property
    def steps(self) -> list[SopStep]:
        return [row.step for row in self.rows]


@dataclass
class _Table:
    columns: list[Column]
    actor_columns: list[Column]
    actor_lines: list[list[str]]
    header_heights: tuple[float, float]
    width: float

    @property
    def header_height(self) -> float:
        return sum(self.header_heights)

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)


TEXT_COLUMNS = ("number", "activity", "inputs", "time", "output", "remarks")
CENTERED_COLUMNS = ("number", "time")


def _table(actor_labels: list[str], width: float) -> _Table:
    count = len(actor_labels)
    text_width_total = width - NUMBER_WIDTH - TIME_WIDTH
    actor_area = min(count * ACTOR_WIDTH, text_width_total * ACTOR_SHARE_MAX)
    actor_area = max(actor_area, min(count * MIN_ACTOR_WIDTH, text_width_total * 0.8))
    text_area = text_width_total - actor_area
    widths = [("number", NUMBER_WIDTH), ("activity", text_area * TEXT_WEIGHTS["activity"])]
    widths += [(f"actor-{index}", actor_area / count) for index in range(count)]
    widths += [("inputs", text_area * TEXT_WEIGHTS["inputs"]), ("time", TIME_WIDTH),
               ("output", text_area * TEXT_WEIGHTS["output"]),
               ("remarks", text_area * TEXT_WEIGHTS["remarks"])]
    columns, x = [], 0.0
    for key, column_width in widths:
        columns.append(Column(key, x, column_width))
        x += column_width
    actor_columns = [column for column in columns if column.key.startswith("actor-")]
    actor_lines = [wrap_text(label, column.width - 2 * CELL_PADDING, HEADER_SIZE, bold=True)
                   for label, column in zip(actor_labels, actor_columns, strict=True)]
    line = HEADER_SIZE * LINE_HEIGHT
    second_row = max([len(lines) for lines in actor_lines] + [1]) * line + 2 * CELL_PADDING
    return _Table(columns, actor_columns, actor_lines,
                  (line + 2 * CELL_PADDING, second_row), width)


def _shape_of(step: SopStep, first: int, last: int) -> str:
    # A step that can send work back is a decision even when it ends the procedure: the
    # "Tidak" branch is what the reader needs to see.
    if step.returns_to_id:
        return DECISION
    if step.number in (first, last):
        return TERMINATOR
    return PROCESS


def _rows(version: SopVersion, actors: list, table: _Table) -> list[FlowchartRow]:
    index_of_actor = {actor.id: index for index, actor in enumerate(actors)}
    steps = sorted(version.steps.all(), key=lambda step: step.number)
    if not steps:
        return []
    number_of = {step.id: step.number for step in steps}
    first, last = steps[0].number, steps[-1].number
    line = BODY_SIZE * LINE_HEIGHT
    rows = []
    for step in steps:
        texts = {"number": str(step.number), "activity": step.description,
                 "inputs": step.inputs, "time": minutes(step.time_standard_minutes),
                 "output": step.output, "remarks": step.remarks}
        cells = {key: wrap_text(texts[key], table.column(key).width - 2 * CELL_PADDING,
                                BODY_SIZE) for key in TEXT_COLUMNS}
        shape = _shape_of(step, first, last)
        text_height = max(len(lines) for lines in cells.values()) * line + 2 * CELL_PADDING
        minimum = MIN_DECISION_ROW_HEIGHT if shape == DECISION else MIN_ROW_HEIGHT
        rows.append(FlowchartRow(
            step=step, actor_index=index_of_actor[step.actor_id], shape=shape,
            returns_to=number_of.get(step.returns_to_id), cells=cells,
            height=max(minimum, text_height)))
    return rows


# -- pagination -------------------------------------------------------------------------------

def _paginate(rows: list[FlowchartRow], available: float | None,
              rows_per_page: int | None) -> list[tuple[int, int]]:
    """Row index ranges [start, end) per page. A page takes rows while they fit (with room
    for the connector bands) and, where it can, does not split a step from the step it sends
    work back to, so the "Tidak" arrow stays on one page."""
    count = len(rows)
    limit = rows_per_page or count

    def fits(start: int, end: int) -> bool:
        if available is None:
            return True
        height = sum(row.height for row in rows[start:end])
        height += BAND_HEIGHT * ((start > 0) + (end < count))
        return height <= available

    index_of = {row.step.number: index for index, row in enumerate(rows)}
    spans = [(index_of[row.returns_to], index) for index, row in enumerate(rows)
             if row.returns_to in index_of]
    pages, start = [], 0
    while start < count:
        end = start + 1
        while end < count and end - start < limit and fits(start, end + 1):
            end += 1
        moved = True
        while moved:
            moved = False
            for target, source in spans:
                splits = start < target < end <= source
                if splits and source + 1 - target <= limit and fits(target, source + 1):
                    end, moved = target, True
        pages.append((start, end))
        start = end
    return pages


# -- routing ----------------------------------------------------------------------------------

Side = tuple[int, str]  # (step number, "top" | "bottom" | "left" | "right")


@dataclass
class _Shape:
    row: FlowchartRow
    column: Column
    cx: float
    cy: float
    width: float
    height: float

    def anchor(self, side: str) -> Point:
        return {"top": (self.cx, self.cy - self.height / 2),
                "bottom": (self.cx, self.cy + self.height / 2),
                "left": (self.cx - self.width / 2, self.cy),
                "right": (self.cx + self.width / 2, self.cy)}[side]

    @property
    def left(self) -> float:
        return self.cx - self.width / 2

    @property
    def right(self) -> float:
        return self.cx + self.width / 2

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (self.left, self.cy - self.height / 2, self.right, self.cy + self.height / 2)


@dataclass
class _Route:
    points: list[Point]
    css_class: str
    occupies: set[Side] = field(default_factory=set)
    label: str = ""
    source: int | None = None
    exit_side: str = ""
    label_at: tuple[float, float, str] | None = None  # x, baseline, text-anchor

    @property
    def segments(self) -> list[Segment]:
        return list(pairwise(self.points))


@dataclass
class _Connector:
    label: str
    cx: float
    cy: float
    size: float


def _is_horizontal(segment: Segment) -> bool:
    return abs(segment[0][1] - segment[1][1]) < EPSILON


def _between(value: float, a: float, b: float) -> bool:
    return min(a, b) + EPSILON < value < max(a, b) - EPSILON


def _overlap(a1: float, a2: float, b1: float, b2: float) -> float:
    return min(max(a1, a2), max(b1, b2)) - max(min(a1, a2), min(b1, b2))


def _conflicts(candidate: list[Segment], placed: list[Segment]) -> tuple[int, int]:
    """Crossings and collinear overlaps between a candidate route and the routes placed."""
    crossings = overlaps = 0
    for a in candidate:
        for b in placed:
            horizontal_a, horizontal_b = _is_horizontal(a), _is_horizontal(b)
            if horizontal_a != horizontal_b:
                h, v = (a, b) if horizontal_a else (b, a)
                if _between(v[0][0], h[0][0], h[1][0]) and _between(h[0][1], v[0][1], v[1][1]):
                    crossings += 1
            elif horizontal_a and abs(a[0][1] - b[0][1]) < EPSILON:
                overlaps += _overlap(a[0][0], a[1][0], b[0][0], b[1][0]) > EPSILON
            elif not horizontal_a and abs(a[0][0] - b[0][0]) < EPSILON:
                overlaps += _overlap(a[0][1], a[1][1], b[0][1], b[1][1]) > EPSILON
    return crossings, overlaps


def _segment_hits_box(segment: Segment, box: tuple[float, float, float, float]) -> bool:
    (x1, y1), (x2, y2) = segment
    left, top, right, bottom = box
    return (max(x1, x2) >= left and min(x1, x2) <= right and max(y1, y2) >= top
            and min(y1, y2) <= bottom)


def _length(points: list[Point]) -> float:
    return sum(abs(x2 - x1) + abs(y2 - y1)
               for (x1, y1), (x2, y2) in pairwise(points))


def _shape_size(row: FlowchartRow, column: Column) -> tuple[float, float]:
    width = max(min(column.width - 2 * SHAPE_INSET, MAX_SHAPE_WIDTH), 12.0)
    if row.shape == DECISION:
        # Narrower than a box, so a "Tidak" beside a corner stays inside the column.
        return width * DIAMOND_WIDTH_RATIO, DIAMOND_HEIGHT
    return width, BOX_HEIGHT


class _PageDrawing:
    """Lays out one page: rows and connector bands, then the arrows, then their labels."""

    def __init__(self, table: _Table, rows: list[FlowchartRow], *, continues_from: str,
                 continues_to: str):
        self.table, self.rows = table, rows
        self.continues_from, self.continues_to = continues_from, continues_to
        self.row_bounds: list[tuple[float, float, FlowchartRow | None]] = []
        self.shapes: dict[int, _Shape] = {}
        self.routes: list[_Route] = []
        self.connectors: list[_Connector] = []
        self.top_band = self.bottom_band = None
        y = table.header_height
        if continues_from:
            self.top_band = (y, BAND_HEIGHT)
            self.row_bounds.append((y, BAND_HEIGHT, None))
            y += BAND_HEIGHT
        for row in rows:
            column = table.actor_columns[row.actor_index]
            width, height = _shape_size(row, column)
            self.shapes[row.step.number] = _Shape(row, column, column.center,
                                                  y + row.height / 2, width, height)
            self.row_bounds.append((y, row.height, row))
            y += row.height
        if continues_to:
            self.bottom_band = (y, BAND_HEIGHT)
            self.row_bounds.append((y, BAND_HEIGHT, None))
            y += BAND_HEIGHT
        self.height = y

    def _others(self, excluded: _Route | None) -> tuple[list[Segment], set[Side]]:
        routes = [route for route in self.routes if route is not excluded]
        return ([segment for route in routes for segment in route.segments],
                {side for route in routes for side in route.occupies})

    def _lanes(self) -> list[float]:
        return [lane for column in self.table.actor_columns for lane in column.lanes]

    def _best(self, candidates: list[tuple[list[Point], set[Side]]],
              excluded: _Route | None = None) -> tuple[list[Point], set[Side]]:
        """Fewest overlaps and crossings, then fewest sides another arrow already uses,
        then the shortest."""
        placed, busy = self._others(excluded)

        def cost(candidate):
            points, sides = candidate
            crossings, overlaps = _conflicts(list(pairwise(points)), placed)
            return (overlaps * 5 + crossings + len(sides & busy) * 3, _length(points))

        return min(candidates, key=cost)

    # onward arrows

    def route_onward(self) -> None:
        numbers = [row.step.number for row in self.rows]
        if self.top_band:
            shape = self.shapes[numbers[0]]
            connector = _Connector(self.continues_from, shape.cx,
                                   self.top_band[0] + self.top_band[1] / 2, CONNECTOR_SIZE)
            self.connectors.append(connector)
            self.routes.append(_Route([(shape.cx, connector.cy + CONNECTOR_SIZE / 2),
                                       shape.anchor("top")], "flow-line",
                                      {(numbers[0], "top")}))
        for number, following in pairwise(numbers):
            source, target = self.shapes[number], self.shapes[following]
            if abs(source.cx - target.cx) < EPSILON:
                side, points = "bottom", [source.anchor("bottom"), target.anchor("top")]
            else:
                side = "right" if target.cx > source.cx else "left"
                start = source.anchor(side)
                points = [start, (target.cx, start[1]), target.anchor("top")]
            self._add_onward(source, side, points, {(following, "top")})
        if self.bottom_band:
            shape = self.shapes[numbers[-1]]
            connector = _Connector(self.continues_to, shape.cx,
                                   self.bottom_band[0] + self.bottom_band[1] / 2, CONNECTOR_SIZE)
            self.connectors.append(connector)
            self._add_onward(shape, "bottom", [shape.anchor("bottom"),
                                               (shape.cx, connector.cy - CONNECTOR_SIZE / 2)],
                             set())

    def _add_onward(self, source: _Shape, side: str, points: list[Point],
                    occupies: set[Side]) -> None:
        label = YES if source.row.shape == DECISION else ""
        number = source.row.step.number
        self.routes.append(_Route(points, "flow-line", {(number, side)} | occupies, label,
                                  number, side))

    # return arrows ("Tidak")

    def _exits(self, source: _Shape) -> list[tuple[str, Point, list[float]]]:
        """Each side of the diamond with the lanes beyond it on that side."""
        exits = []
        for side in ("left", "right"):
            start = source.anchor(side)
            lanes = [lane for lane in self._lanes()
                     if (lane < start[0] - 3 if side == "left" else lane > start[0] + 3)]
            exits.append((side, start, lanes))
        return exits

    def _entry(self, target: _Shape, lane: float) -> str | None:
        if lane < target.left - 3:
            return "left"
        if lane > target.right + 3:
            return "right"
        return None

    def _return_candidates(self, source_number: int, target_number: int):
        source, target = self.shapes[source_number], self.shapes[target_number]
        candidates = []
        for side, start, lanes in self._exits(source):
            for lane in lanes:
                entry_side = self._entry(target, lane)
                if entry_side:
                    entry = target.anchor(entry_side)
                    candidates.append(([start, (lane, start[1]), (lane, entry[1]), entry],
                                       {(source_number, side), (target_number, entry_side)}))
        if not candidates:
            start, entry = source.anchor("left"), target.anchor("left")
            lane = self._fallback_lane(source, target)
            candidates.append(([start, (lane, start[1]), (lane, entry[1]), entry],
                               {(source_number, "left"), (target_number, "left")}))
        return candidates

    @staticmethod
    def _fallback_lane(*shapes: _Shape) -> float:
        # Columns too narrow for lanes beside the shapes: run just left of them.
        return min(shape.left for shape in shapes) - LANE_OFFSET / 2

    def _off_page_candidates(self, source_number: int):
        source, cy = self.shapes[source_number], self.top_band[0] + self.top_band[1] / 2
        exits = [(side, start, lanes) for side, start, lanes in self._exits(source) if lanes]
        if not exits:
            exits = [("left", source.anchor("left"), [self._fallback_lane(source)])]
        return [([start, (lane, start[1]), (lane, cy + SMALL_CONNECTOR_SIZE / 2)],
                 {(source_number, side)})
                for side, start, lanes in exits for lane in lanes]

    def _from_next_pages_candidates(self, target_number: int):
        target = self.shapes[target_number]
        cy = self.bottom_band[0] + self.bottom_band[1] / 2
        candidates = []
        for lane in self._lanes():
            entry_side = self._entry(target, lane)
            if entry_side:
                entry = target.anchor(entry_side)
                candidates.append(([(lane, cy - SMALL_CONNECTOR_SIZE / 2), (lane, entry[1]),
                                    entry], {(target_number, entry_side)}))
        if not candidates:
            lane, entry = self._fallback_lane(target), target.anchor("left")
            candidates.append(([(lane, cy - SMALL_CONNECTOR_SIZE / 2), (lane, entry[1]), entry],
                               {(target_number, "left")}))
        return candidates

    def route_returns(self, same_page: list[tuple[int, int]], off_page: list[tuple[int, str]],
                      from_next_pages: list[tuple[int, str]]) -> None:
        """Short loops first, so they hug their steps and longer ones go round them; then
        each is routed again knowing all the others."""
        planned: list[tuple[_Route, Callable[[], list]]] = []
        for source, target in sorted(same_page, key=lambda pair: (pair[0] - pair[1], pair)):
            planned.append((_Route([], "return-line", label=NO, source=source),
                            partial(self._return_candidates, source, target)))
        for source, _label in off_page:
            planned.append((_Route([], "return-line", label=NO, source=source),
                            partial(self._off_page_candidates, source)))
        for target, _label in from_next_pages:
            planned.append((_Route([], "return-line"),
                            partial(self._from_next_pages_candidates, target)))
        for route, candidates in planned:
            route.points, route.occupies = self._best(candidates())
            self.routes.append(route)
        for _ in range(REROUTE_PASSES):
            for route, candidates in planned:
                route.points, route.occupies = self._best(candidates(), excluded=route)
        for route, _ in planned:
            if route.label:
                route.exit_side = "left" if route.points[1][0] < route.points[0][0] else "right"
        off_page_routes = planned[len(same_page):len(same_page) + len(off_page)]
        for (_source, label), (route, _) in zip(off_page, off_page_routes, strict=True):
            self.connectors.append(_Connector(label, route.points[-1][0],
                                              route.points[-1][1] - SMALL_CONNECTOR_SIZE / 2,
                                              SMALL_CONNECTOR_SIZE))
        for (_target, label), (route, _) in zip(from_next_pages,
                                                planned[len(same_page) + len(off_page):],
                                                strict=True):
            self.connectors.append(_Connector(label, route.points[0][0],
                                              route.points[0][1] + SMALL_CONNECTOR_SIZE / 2,
                                              SMALL_CONNECTOR_SIZE))

    # labels ("Ya", "Tidak")

    def place_labels(self) -> None:
        """Each branch label beside the line leaving the diamond, where it touches no line, no
        shape and no column border."""
        segments = [segment for route in self.routes for segment in route.segments]
        boxes = [shape.box for shape in self.shapes.values()]
        for route in self.routes:
            if not route.label:
                continue
            x, y = route.points[0]
            shape = self.shapes[route.source]
            width = text_width(route.label, LABEL_SIZE)
            below, above = y + LABEL_SIZE + 1.0, y - 2.0
            if route.exit_side == "bottom":
                places = [(x + 2.5, y + LABEL_SIZE + 1.5, "start"),
                          (x - 2.5, y + LABEL_SIZE + 1.5, "end")]
            else:
                outward = 2.0 if route.exit_side == "right" else -2.0
                anchor = "start" if route.exit_side == "right" else "end"
                # A return lane goes up, so below its corner is usually free; an onward line
                # goes down at its target, so above is.
                heights = (below, above) if route.css_class == "return-line" else (above, below)
                places = [(x + outward, baseline, anchor) for baseline in heights]

            def clashes(place, width=width, column=shape.column):
                left = place[0] if place[2] == "start" else place[0] - width
                box = (left, place[1] - LABEL_SIZE * 0.75, left + width, place[1] + 1.0)
                hits = sum(_segment_hits_box(segment, box) for segment in segments)
                hits += sum(_overlap(box[0], box[2], other[0], other[2]) > 0
                            and _overlap(box[1], box[3], other[1], other[3]) > 0
                            for other in boxes)
                return hits + (box[0] < column.x + 0.5 or box[2] > column.right - 0.5)

            route.label_at = min(places, key=clashes)

    def svg(self, title: str) -> str:
        width, height = self.table.width, self.height
        body = [_draw_table(self.table, self.row_bounds, height)]
        body += [_draw_route(route) for route in self.routes]
        body += [_draw_shape(shape) for shape in self.shapes.values()]
        body += [_draw_connector(connector) for connector in self.connectors]
        body += [_draw_label(route) for route in self.routes if route.label_at]
        head = (f'<svg xmlns="http://www.w3.org/2000/svg"'
                f'{_attributes({"class": "sop-procedure", "width": f"{_number(width)}pt"})}'
                f'{_attributes({"height": f"{_number(height)}pt"})}'
                f' viewBox="0 0 {_number(width)} {_number(height)}"'
                f'{_attributes({"font_family": FONT_FAMILY, "font_size": BODY_SIZE})}'
                f' role="img">')
        return f"{head}<title>{escape(clean_text(title))}</title>{''.join(body)}</svg>"


# -- drawing ----------------------------------------------------------------------------------

def _draw_shape(shape: _Shape) -> str:
    row, attributes = shape.row, {"fill": "#fff", "stroke": STROKE, "stroke_width": 0.9}
    common = {"class": row.shape, "data_sop_step": row.step.number}
    if row.shape == DECISION:
        points = [shape.anchor(side) for side in ("top", "right", "bottom", "left")]
        return _element("polygon", **common, points=_points(points), **attributes)
    radius = shape.height / 2 if row.shape == TERMINATOR else 0.0
    return _element("rect", **common, x=shape.left, y=shape.cy - shape.height / 2,
                    width=shape.width, height=shape.height,
                    rx=radius or None, ry=radius or None, **attributes)


def _draw_connector(connector: _Connector) -> str:
    half = connector.size / 2
    x, y = connector.cx, connector.cy
    points = [(x - half, y - half), (x + half, y - half), (x + half, y + half * 0.3),
              (x, y + half), (x - half, y + half * 0.3)]
    size = LABEL_SIZE if connector.size < CONNECTOR_SIZE else HEADER_SIZE
    return (_element("polygon", class_="connector", data_connector=connector.label,
                     points=_points(points), fill="#fff", stroke=STROKE, stroke_width=0.9)
            + _text(x, y - half * 0.15 + size * 0.35, connector.label, class_="connector-label",
                    text_anchor="middle", font_size=size, font_weight="bold"))


def _draw_route(route: _Route) -> str:
    line = _element("polyline", class_=route.css_class, points=_points(route.points),
                    fill="none", stroke=STROKE, stroke_width=0.8)
    (x1, y1), (x2, y2) = route.points[-2], route.points[-1]
    length = max(abs(x2 - x1) + abs(y2 - y1), EPSILON)
    dx, dy = (x2 - x1) / length, (y2 - y1) / length
    base = (x2 - dx * ARROW_LENGTH, y2 - dy * ARROW_LENGTH)
    head = [(x2, y2), (base[0] - dy * ARROW_HALF_WIDTH, base[1] + dx * ARROW_HALF_WIDTH),
            (base[0] + dy * ARROW_HALF_WIDTH, base[1] - dx * ARROW_HALF_WIDTH)]
    return line + _element("polygon", class_="arrowhead", points=_points(head), fill=STROKE)


def _draw_label(route: _Route) -> str:
    x, y, anchor = route.label_at
    return _text(x, y, route.label, class_="branch-label", text_anchor=anchor,
                 font_size=LABEL_SIZE, font_style="italic")


def _draw_table(table: _Table, row_bounds: list[tuple[float, float, FlowchartRow | None]],
                height: float) -> str:
    """Grid, header and the text cells. `row_bounds` holds (top, height, row) per table row;
    a connector band has no row."""
    parts = []
    top_height, second_height = table.header_heights
    header_height = table.header_height
    parts.append(_element("rect", class_="header", x=0.0, y=0.0, width=table.width,
                          height=header_height, fill=HEADER_FILL))
    spanning = {"number": "NO", "activity": "KEGIATAN", "remarks": "KETERANGAN"}
    actors = table.actor_columns
    inputs, output = table.column("inputs"), table.column("output")
    groups = [("PELAKSANA", actors[0].x, actors[-1].right),
              ("MUTU BAKU", inputs.x, output.right)]
    middle = {"inputs": "KELENGKAPAN", "time": "WAKTU", "output": "OUTPUT"}
    header_text = {"class": "header-text", "font_size": HEADER_SIZE, "font_weight": "bold",
                   "text_anchor": "middle"}
    for key, label in spanning.items():
        column = table.column(key)
        parts.append(_text(column.center, header_height / 2 + HEADER_SIZE * 0.35, label,
                           **header_text))
    for label, left, right in groups:
        parts.append(_text((left + right) / 2, top_height / 2 + HEADER_SIZE * 0.35, label,
                           **header_text))
        parts.append(_element("line", x1=left, y1=top_height, x2=right, y2=top_height,
                              stroke=STROKE, stroke_width=0.6))
    for key, label in middle.items():
        column = table.column(key)
        parts.append(_text(column.center, top_height + second_height / 2 + HEADER_SIZE * 0.35,
                           label, **header_text))
    line = HEADER_SIZE * LINE_HEIGHT
    for column, lines in zip(actors, table.actor_lines, strict=True):
        first = top_height + second_height / 2 - (len(lines) - 1) * line / 2
        for index, text in enumerate(lines):
            parts.append(_text(column.center, first + index * line + HEADER_SIZE * 0.35, text,
                               **header_text))
    grouped = {column.key for column in actors[1:]} | {"time", "output"}
    for column in table.columns[1:]:
        start = top_height if column.key in grouped else 0.0
        parts.append(_element("line", x1=column.x, y1=start, x2=column.x, y2=height,
                              stroke=STROKE, stroke_width=0.6))
    body_line = BODY_SIZE * LINE_HEIGHT
    for top, row_height, row in row_bounds:
        parts.append(_element("line", x1=0.0, y1=top, x2=table.width, y2=top, stroke=STROKE,
                              stroke_width=0.6))
        if row is None:
            continue
        for key, lines in row.cells.items():
            column = table.column(key)
            first = top + row_height / 2 - (len(lines) - 1) * body_line / 2 + BODY_SIZE * 0.35
            centered = key in CENTERED_COLUMNS
            x = column.center if centered else column.x + CELL_PADDING
            for index, text in enumerate(lines):
                parts.append(_text(x, first + index * body_line, text, class_=f"cell-{key}",
                                   text_anchor="middle" if centered else None))
    parts.append(_element("rect", class_="frame", x=0.3, y=0.3, width=table.width - 0.6,
                          height=height - 0.6, fill="none", stroke=STROKE, stroke_width=1.0))
    return "".join(parts)


def _connector_label(index: int) -> str:
    return chr(ord("A") + index) if index < 26 else str(index + 1)


def flowchart_pages(version: SopVersion, *, rows_per_page: int | None = DEFAULT_ROWS_PER_PAGE,
                    width: float = DEFAULT_WIDTH,
                    max_height: float | None = None) -> list[FlowchartPage]:
    """The procedure table with its flowchart, split into pages of at most `rows_per_page`
    steps (None: no limit) and at most `max_height` points tall (None: no limit).

    Uses `version.actors.all()` and `version.steps.all()`, so a prefetched version costs no
    query. The table's own text is Indonesian, as printed in the official form.
    """
    with translation.override(DOCUMENT_LANGUAGE):
        return _flowchart_pages(version, rows_per_page, width, max_height)


def _flowchart_pages(version: SopVersion, rows_per_page: int | None, width: float,
                     max_height: float | None) -> list[FlowchartPage]:
    actors = sorted(version.actors.all(), key=lambda actor: actor.order)
    table = _table([actor.label for actor in actors], width)
    rows = _rows(version, actors, table)
    if not rows:
        return []
    available = None if max_height is None else max_height - table.header_height
    ranges = _paginate(rows, available, rows_per_page)
    labels = iter(_connector_label(index) for index in range(10_000))
    breaks = [next(labels) for _ in ranges[1:]]
    page_of = {row.step.number: page for page, (start, end) in enumerate(ranges)
               for row in rows[start:end]}
    drawings = [
        _PageDrawing(table, rows[start:end],
                     continues_from=breaks[page - 1] if page else "",
                     continues_to=breaks[page] if page < len(breaks) else "")
        for page, (start, end) in enumerate(ranges)]
    same_page = [[] for _ in drawings]
    off_page = [[] for _ in drawings]
    from_next_pages = [[] for _ in drawings]
    for row in rows:
        if not row.returns_to:
            continue
        source_page, target_page = page_of[row.step.number], page_of[row.returns_to]
        if source_page == target_page:
            same_page[source_page].append((row.step.number, row.returns_to))
        else:
            label = next(labels)
            off_page[source_page].append((row.step.number, label))
            from_next_pages[target_page].append((row.returns_to, label))
    for index, drawing in enumerate(drawings):
        drawing.route_onward()
        drawing.route_returns(same_page[index], off_page[index], from_next_pages[index])
        drawing.place_labels()
    pages = []
    for index, drawing in enumerate(drawings):
        title = f"Prosedur {version.title}, halaman {index + 1} dari {len(drawings)}"
        pages.append(FlowchartPage(
            number=index + 1, page_count=len(drawings), rows=drawing.rows,
            # Safe: every text and attribute in the SVG went through escape/quoteattr.
            svg=mark_safe(drawing.svg(title)),
            width=table.width, height=drawing.height,
            continues_from=drawing.continues_from, continues_to=drawing.continues_to))
    return pages
