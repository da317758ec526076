"""Is a value plausible? The rules of docs/domain.md §10, as DHIS2 applies min–max and
outlier rules to data entry.

A value is implausible when it lies below the indicator's lowest or above its highest plausible
value, or when it is more than `factor` times larger, or smaller than the `factor`-th part, of
the previous period's value or of the target (the agency's `CollectionSettings.outlier_factor`,
10 by default). An implausible value is not refused: it is saved only when the staff member
confirms it and explains it, and it then carries its flag to the unit head's validation page
and to the agency recap.

The previous period's value is compared with the value entered (the same kind of figure); the
target with the realisation the achievement measures (for a quarter of a sum indicator, the
year to date), so that a cumulative target is not compared with one quarter.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .models import PlausibilityFlag


@dataclass(frozen=True)
class Finding:
    """A broken rule: which one, and a sentence for the person who typed the value."""

    flag: PlausibilityFlag
    message: str


def _shown(value: Decimal, decimals: int) -> str:
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _far(value: Decimal, reference: Decimal | None, factor: Decimal) -> bool:
    """More than `factor` times the reference, or less than its `factor`-th part (by size; a
    reference of 0 gives no measure)."""
    if reference is None or reference == 0:
        return False
    size, reference_size = abs(value), abs(reference)
    return size > reference_size * factor or size * factor < reference_size


def check(*, indicator, value: Decimal | None, realisation: Decimal | None,
          previous: Decimal | None, target_low: Decimal | None, target_high: Decimal | None,
          factor: Decimal) -> Finding | None:
    """The first rule `value` breaks, or None. `realisation` is what the achievement measures
    with this value; `target_low`/`target_high` the target used (equal unless a range)."""
    if value is None:
        return None
    decimals = indicator.decimals
    if indicator.minimum is not None and value < indicator.minimum:
        return Finding(PlausibilityFlag.BELOW_MINIMUM, _(
            "%(value)s is below the lowest plausible value of this indicator (%(bound)s).")
            % {"value": _shown(value, decimals), "bound": _shown(indicator.minimum, decimals)})
    if indicator.maximum is not None and value > indicator.maximum:
        return Finding(PlausibilityFlag.ABOVE_MAXIMUM, _(
            "%(value)s is above the highest plausible value of this indicator (%(bound)s).")
            % {"value": _shown(value, decimals), "bound": _shown(indicator.maximum, decimals)})
    factor_text = _shown(factor, 0 if factor == factor.to_integral_value() else 2)
    if _far(value, previous, factor):
        return Finding(PlausibilityFlag.FAR_FROM_PREVIOUS, _(
            "%(value)s is more than %(factor)s times larger or smaller than the previous "
            "period's value (%(previous)s).")
            % {"value": _shown(value, decimals), "factor": factor_text,
               "previous": _shown(previous, decimals)})
    if realisation is not None and target_low is not None:
        high = target_high if target_high is not None else target_low
        below = _far(realisation, target_low, factor) and abs(realisation) < abs(target_low)
        above = _far(realisation, high, factor) and abs(realisation) > abs(high)
        if below or above:
            return Finding(PlausibilityFlag.FAR_FROM_TARGET, _(
                "%(value)s is more than %(factor)s times larger or smaller than the target "
                "(%(target)s).")
                % {"value": _shown(realisation, decimals), "factor": factor_text,
                   "target": _shown(target_low if below else high, decimals)})
    return None


def check_row(row, factor: Decimal) -> Finding | None:
    """`check` for a recap row (`recap.RecapRow`), with the row's own value, realisation,
    previous value and target."""
    target = row.target
    return check(indicator=row.indicator, value=row.value, realisation=row.realisation,
                 previous=row.previous,
                 target_low=target.value if target is not None else None,
                 target_high=target.value_max if target is not None else None,
                 factor=Decimal(factor))
