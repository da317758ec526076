"""Achievement (capaian): the one place that computes it (docs/domain.md §1–3).

Pure functions on `Decimal`, no database. Nothing here rounds: values are rounded only when
shown (`format_percent`). Floats are refused, because a float has already lost the digits an
official typed.

- `effective_target(target, period)`: which target a year or a quarter is measured against.
- `year_value(values_by_quarter, aggregation)` and `quarter_value(...)`: the value measured.
- `achievement(realisation, target, polarity, target_max=None)`: the percentage, or the reason
  it cannot be computed.
- `category(percent, scale)`: the band of an evaluation scale (Permendagri 86/2017 by default).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import IntEnum
from itertools import pairwise
from typing import Any, Protocol, cast

from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from .choices import Aggregation, Polarity

HUNDRED = Decimal(100)
QUARTERS = (1, 2, 3, 4)


def _decimal(value: Any, name: str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise TypeError(f"{name} must be a Decimal or an int, not {type(value).__name__}")


# --- Which target ---------------------------------------------------------------------------

class ReportingPeriod(IntEnum):
    """The whole year, or a quarter (triwulan) of it."""

    YEAR = 0
    Q1 = 1
    Q2 = 2
    Q3 = 3
    Q4 = 4


class QuarterTargetRule(models.TextChoices):
    """What a quarter is measured against when the quarter has no target of its own.

    docs/domain.md §2 marks this "to confirm per agency", so it is a rule to pass in, with the
    default the domain notes give.
    """

    PRO_RATA_FOR_SUM = "pro_rata_for_sum", _(
        "Sum indicators: the year's target pro rata (Q1 1/4, Q2 2/4, Q3 3/4, Q4 the whole "
        "target); other indicators: the year's target")
    YEAR_TARGET = "year_target", _("Every indicator: the year's target")
    QUARTER_TARGET_ONLY = "quarter_target_only", _(
        "Only the quarter's own target; without one the quarter has no target")


DEFAULT_QUARTER_RULE = QuarterTargetRule.PRO_RATA_FOR_SUM


class TargetSource(models.TextChoices):
    QUARTER = "quarter", _("Quarter target")
    PK = "pk", _("Performance agreement (PK) target")
    RENSTRA = "renstra", _("Renstra target")
    PK_PRO_RATA = "pk_pro_rata", _("PK target, pro rata")
    RENSTRA_PRO_RATA = "renstra_pro_rata", _("Renstra target, pro rata")


class YearTargetLike(Protocol):
    """What `effective_target` reads: an `IndicatorYearTarget`, or anything shaped like it."""

    renstra_target: Decimal
    renstra_target_max: Decimal | None
    pk_target: Decimal | None
    pk_target_max: Decimal | None
    q1_target: Decimal | None
    q2_target: Decimal | None
    q3_target: Decimal | None
    q4_target: Decimal | None
    # Read only when `effective_target` is not given the aggregation.
    indicator: Any


@dataclass(frozen=True)
class EffectiveTarget:
    """The target to measure against; `value_max` is set when the target is a range."""

    value: Decimal
    value_max: Decimal | None
    source: TargetSource


def effective_target(indicator_target: YearTargetLike | None, period: int, *,
                     aggregation: str | None = None,
                     quarter_rule: str = DEFAULT_QUARTER_RULE) -> EffectiveTarget | None:
    """The target a year or a quarter of an indicator is measured against, or None.

    The year: the performance agreement (PK) target when the year has one, else the Renstra
    target of that year (with its upper bound when it is a range).

    A quarter (`period` 1–4), in this order:
    1. the quarter's own target (`q1_target` … `q4_target`) when set. For sum indicators it
       is the year-to-date target (what should be reached by the end of the quarter),
       because the quarter's achievement compares the year-to-date value (`quarter_value`);
    2. otherwise, by `quarter_rule`:
       - PRO_RATA_FOR_SUM (default): for sum indicators the year target × quarter / 4
         (Q1 1/4, Q2 2/4, Q3 3/4, Q4 the whole target: year to date); for last-value and
         average indicators the year target itself;
       - YEAR_TARGET: the year target for every indicator;
       - QUARTER_TARGET_ONLY: no target (the achievement cannot be computed).

    `aggregation` defaults to `indicator_target.indicator.aggregation`; pass it (or
    select_related the indicator) to keep this free of queries.
    """
    if indicator_target is None:
        return None
    period = ReportingPeriod(period)
    if indicator_target.pk_target is not None:
        year = EffectiveTarget(indicator_target.pk_target, indicator_target.pk_target_max,
                               TargetSource.PK)
    else:
        year = EffectiveTarget(indicator_target.renstra_target,
                               indicator_target.renstra_target_max, TargetSource.RENSTRA)
    if period == ReportingPeriod.YEAR:
        return year
    own = getattr(indicator_target, f"q{int(period)}_target")
    if own is not None:
        return EffectiveTarget(own, None, TargetSource.QUARTER)
    rule = QuarterTargetRule(quarter_rule)
    if rule == QuarterTargetRule.QUARTER_TARGET_ONLY:
        return None
    if aggregation is None:
        aggregation = indicator_target.indicator.aggregation
    if rule == QuarterTargetRule.YEAR_TARGET or aggregation != Aggregation.SUM:
        return year
    share = Decimal(int(period)) / 4
    source = (TargetSource.PK_PRO_RATA if year.source == TargetSource.PK
              else TargetSource.RENSTRA_PRO_RATA)
    return EffectiveTarget(year.value * share,
                           year.value_max * share if year.value_max is not None else None,
                           source)


# --- Which value ----------------------------------------------------------------------------

QuarterValues = Mapping[int, Decimal | None] | Sequence[Decimal | None]


def _reported(values_by_quarter: QuarterValues, up_to: int = 4) -> list[tuple[int, Decimal]]:
    """(quarter, value) of the reported quarters up to `up_to`, in quarter order. A sequence
    is read as Q1..Q4; a mapping by quarter number. None means "not reported"."""
    items: Iterable[tuple[int, Decimal | None]]
    if isinstance(values_by_quarter, Mapping):
        items = values_by_quarter.items()
    else:
        if len(values_by_quarter) > 4:
            raise ValueError("a year has four quarters")
        items = zip(QUARTERS, values_by_quarter, strict=False)
    reported = []
    for quarter, value in items:
        if quarter not in QUARTERS:
            raise ValueError(f"quarter must be 1 to 4, not {quarter!r}")
        if value is not None and quarter <= up_to:
            reported.append((quarter, _decimal(value, f"the value of Q{quarter}")))
    return sorted(reported)


def year_value(values_by_quarter: QuarterValues, aggregation: str) -> Decimal | None:
    """The year's value from its quarters (docs/domain.md §2), or None when none is reported.

    sum: the sum of the reported quarters; last: the latest reported quarter; average: the
    mean of the reported quarters (an unreported quarter is left out, not counted as 0).
    """
    return _aggregate(_reported(values_by_quarter), Aggregation(aggregation))


def quarter_value(values_by_quarter: QuarterValues, aggregation: str,
                  quarter: int) -> Decimal | None:
    """The value a quarter's achievement measures, or None when that quarter is not reported.

    sum: year to date (the reported quarters up to this one), to compare with a year-to-date
    target (see `effective_target`); last and average: the quarter's own value (for a
    last-value indicator that value already is the position at the quarter's end).
    """
    quarter = int(ReportingPeriod(quarter))
    if quarter == ReportingPeriod.YEAR:
        raise ValueError("quarter must be 1 to 4; use year_value for the year")
    reported = _reported(values_by_quarter, up_to=quarter)
    if not reported or reported[-1][0] != quarter:
        return None
    if Aggregation(aggregation) == Aggregation.SUM:
        return _aggregate(reported, Aggregation.SUM)
    return reported[-1][1]


def _aggregate(reported: list[tuple[int, Decimal]], aggregation: Aggregation) -> Decimal | None:
    if not reported:
        return None
    values = [value for _quarter, value in reported]
    if aggregation == Aggregation.SUM:
        return sum(values, Decimal(0))
    if aggregation == Aggregation.LAST:
        return values[-1]
    return sum(values, Decimal(0)) / len(values)


# --- Achievement ----------------------------------------------------------------------------

class NotComputable(models.TextChoices):
    """Why an achievement cannot be computed. Shown instead of a percentage, never as 0 %."""

    TARGET_ZERO = "target_zero", _("Cannot be computed: the target is 0")
    TARGET_NEGATIVE = "target_negative", _("Cannot be computed: the target is below 0")
    NO_TARGET = "no_target", _("Cannot be computed: there is no target")
    NO_REALISATION = "no_realisation", _("Cannot be computed: there is no realisation yet")


@dataclass(frozen=True)
class AchievementResult:
    """`percent` unrounded and uncapped (it may be above 100 or, for negative polarity, below
    0); or None with `reason` saying why it cannot be computed."""

    percent: Decimal | None
    reason: NotComputable | None = None

    @property
    def computable(self) -> bool:
        return self.percent is not None

    @property
    def message(self) -> str:
        """The reason as shown to users ("Tidak dapat dihitung: ..."), empty when computed."""
        return str(self.reason.label) if self.reason is not None else ""


def achievement(realisation: Decimal | None, target: Decimal | None, polarity: str,
                target_max: Decimal | None = None) -> AchievementResult:
    """Achievement in percent (docs/domain.md §1).

    positive: realisation ÷ target × 100.
    negative: (2 × target − realisation) ÷ target × 100, which goes below 0 when the
    realisation is more than twice the target.
    A range target (`target` to `target_max`): inside the range 100; above it the formula with
    the upper bound; below it the formula with the lower bound.
    Target 0: cannot be computed, except a negative indicator with realisation 0 too: 100.
    A target below 0 makes the ratio meaningless (−2 against −1 would read 200 %), so it
    cannot be computed either (to confirm: no rule for it in the sources).
    """
    polarity = Polarity(polarity)
    if target is None:
        return AchievementResult(None, NotComputable.NO_TARGET)
    if realisation is None:
        return AchievementResult(None, NotComputable.NO_REALISATION)
    realisation = _decimal(realisation, "realisation")
    target = _decimal(target, "target")
    if target_max is not None:
        target_max = _decimal(target_max, "target_max")
        if target_max < target:
            raise ValueError("the upper bound of a range target is below its lower bound")
        if target <= realisation <= target_max:
            return AchievementResult(HUNDRED)
        target = target_max if realisation > target_max else target
    if target == 0:
        if polarity == Polarity.NEGATIVE and realisation == 0:
            return AchievementResult(HUNDRED)
        return AchievementResult(None, NotComputable.TARGET_ZERO)
    if target < 0:
        return AchievementResult(None, NotComputable.TARGET_NEGATIVE)
    if polarity == Polarity.POSITIVE:
        return AchievementResult(realisation / target * HUNDRED)
    return AchievementResult((2 * target - realisation) / target * HUNDRED)


# --- Category -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Band:
    """One band of a scale: from `minimum` (inclusive) up to the next band's minimum; the
    lowest band has no minimum. `label` is the scale's own wording, as the regulation or the
    agency writes it."""

    code: str
    label: str
    minimum: Decimal | None


@dataclass(frozen=True)
class Scale:
    """An evaluation scale: bands from the highest down. Data, so that an agency can keep
    another scale (e.g. six bands from "Memuaskan" to "Kurang") without new code."""

    code: str
    name: str
    bands: tuple[Band, ...]

    def __post_init__(self) -> None:
        if not self.bands or self.bands[-1].minimum is not None:
            raise ValueError("the lowest band of a scale has no minimum")
        minimums = [band.minimum for band in self.bands[:-1]]
        if any(minimum is None for minimum in minimums):
            raise ValueError("only the lowest band of a scale has no minimum")
        if any(higher <= lower for higher, lower in pairwise(cast(list[Decimal], minimums))):
            raise ValueError("band minimums must fall from the first band to the last")
        codes = [band.code for band in self.bands]
        if len(set(codes)) != len(codes):
            raise ValueError("band codes must be unique within a scale")

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Scale:
        """A scale from stored data: {"code", "name", "bands": [{"code", "label",
        "minimum": "91" | null}, ...]}, highest band first."""
        return cls(code=data["code"], name=data["name"], bands=tuple(
            Band(code=band["code"], label=band["label"],
                 minimum=None if band.get("minimum") is None else Decimal(str(band["minimum"])))
            for band in data["bands"]))

    def to_data(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "bands": [
            {"code": band.code, "label": band.label,
             "minimum": None if band.minimum is None else str(band.minimum)}
            for band in self.bands]}


# Permendagri 86/2017 writes 91–100, 76–90, 66–75, 51–65, ≤ 50 on whole numbers; the
# half-open bands place fractions (90.99 is Tinggi, 91 Sangat Tinggi).
DEFAULT_SCALE = Scale(code="permendagri-86-2017", name="Permendagri 86/2017", bands=(
    Band("very_high", "Sangat Tinggi", Decimal(91)),
    Band("high", "Tinggi", Decimal(76)),
    Band("medium", "Sedang", Decimal(66)),
    Band("low", "Rendah", Decimal(51)),
    Band("very_low", "Sangat Rendah", None),
))


def category(percent: Decimal | None, scale: Scale = DEFAULT_SCALE) -> Band | None:
    """The band the achievement falls in, or None when it cannot be computed. The computed
    (unrounded) value decides, so 90.995 is Tinggi even though it shows as "91,00 %"."""
    if percent is None:
        return None
    percent = _decimal(percent, "percent")
    for band in scale.bands:
        if band.minimum is None or percent >= band.minimum:
            return band
    raise AssertionError("unreachable: the lowest band has no minimum")


# --- Display --------------------------------------------------------------------------------

def format_percent(percent: Decimal | None, *, decimals: int = 2, floor_at_zero: bool = False,
                   cap: Decimal | None = None) -> str:
    """"112,50 %" (the agency's number style, kept in English pages too); "" for None.

    Rounds half up, as offices and spreadsheets do. `floor_at_zero` and `cap` are the
    agency's display settings (docs/domain.md §1); the stored value stays unrounded and uncapped.
    """
    if percent is None:
        return ""
    shown = _decimal(percent, "percent")
    if floor_at_zero and shown < 0:
        shown = Decimal(0)
    if cap is not None and shown > cap:
        shown = cap
    shown = shown.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if shown == 0:
        shown = abs(shown)  # never "-0,00 %"
    text = number_format(shown, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    return f"{text} %"


def format_achievement(result: AchievementResult, **options: Any) -> str:
    """The percentage as `format_percent` shows it, or the reason it cannot be computed."""
    return format_percent(result.percent, **options) if result.computable else result.message
