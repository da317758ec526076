"""The guarded catalogue (docs/domain.md, issue 11): what a finalised round or a stored value
depends on does not change silently.

The admin and the catalogue import refuse, naming the indicator's code and the rounds, to

- delete or change a year target (Renstra and PK targets, both bounds of a range, the quarter
  targets) that a finalised round of that year uses. A round uses an indicator when its
  current data-request format has it, or its current finalised recap has a row of it. Only the
  rounds of the target's own year count: a round of the next year whose "previous period"
  column reads last year's figures takes them from last year's finalised round (its snapshot),
  not from the target;
- change the polarity, the year value (aggregation) or the data type of an indicator that a
  finalised round uses or that has a stored value (a collection.IndicatorValue with a value,
  in any round);
- lower the decimals below the places a stored value needs (54,32 needs 2), naming the value
  and its round,

unless the administrator gives the reason for the change. The change then goes through and the
caller records it as one AuditEvent with the reason (core.audit.record_change); the finalised
snapshots do not move in any case.

The rules are functions returning refusals (sentences through gettext) and run on what is
loaded once for all the indicators at hand (`Dependents`): a bounded number of queries for a
whole import, never one per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from kinerja.core.audit import field_values, json_value
from kinerja.core.errors import DomainError
from kinerja.core.numbers import shown

from .models import Indicator, IndicatorYearTarget

# The indicator's fields that finalised figures and stored values are computed by.
RULE_FIELDS = ("polarity", "aggregation", "data_type")
TARGET_FIELDS = IndicatorYearTarget.VALUE_FIELDS
MAX_ROUNDS_NAMED = 6


class CatalogueChangeRefused(DomainError):
    """A catalogue change that finalised rounds or stored values depend on, made without a
    reason. `problems` holds one sentence per refusal."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__(" ".join(self.problems), code="catalogue_change_refused",
                         details=self.problems)


@dataclass(frozen=True)
class Refusal:
    """One refused change: the sentence, and the field it concerns (the importer and the admin
    put it beside that field's column or input)."""

    message: str
    field: str | None = None

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class RoundRef:
    """A round as the refusals name it ("Triwulan III 2026", str(Round)), without loading it."""

    id: int
    year: int
    period: str

    def __str__(self) -> str:
        from kinerja.collection.models import Period

        return f"{Period(self.period).label} {self.year}"

    @property
    def order(self) -> tuple:
        return (self.year, self.period, self.id)


@dataclass
class Dependents:
    """What depends on some indicators: the finalised rounds that use each one, and its stored
    values (with their rounds). Load with `Dependents.load`."""

    rounds: dict[int, list[RoundRef]] = field(default_factory=dict)
    values: dict[int, list[tuple[Decimal, RoundRef]]] = field(default_factory=dict)

    @classmethod
    def load(cls, indicator_ids: Iterable[int], *, values_of: Iterable[int] | None = None
             ) -> Dependents:
        """Two queries for the finalised rounds of all `indicator_ids`, one for the stored
        values of `values_of` (default: the same indicators; none when empty)."""
        ids = sorted({i for i in indicator_ids if i is not None})
        value_ids = ids if values_of is None else sorted({i for i in values_of if i})
        return cls(rounds=finalised_rounds(ids) if ids else {},
                   values=stored_values(value_ids) if value_ids else {})

    def rounds_of(self, indicator_id: int | None, year: int | None = None) -> list[RoundRef]:
        return [round_ for round_ in self.rounds.get(indicator_id, [])
                if year is None or round_.year == year]

    def values_of(self, indicator_id: int | None) -> list[tuple[Decimal, RoundRef]]:
        return self.values.get(indicator_id, [])


def finalised_rounds(indicator_ids: Iterable[int]) -> dict[int, list[RoundRef]]:
    """{indicator id: the finalised rounds that use it}, by year and period: rounds whose
    current format (the highest number) has the indicator, and rounds whose current finalised
    recap has a row of it. Two queries whatever the number of indicators."""
    from kinerja.collection.models import (
        DataRequestFormat,
        FinalisedRow,
        FormatItem,
        RoundStatus,
    )

    ids = list(indicator_ids)
    latest = (DataRequestFormat.objects.filter(round=OuterRef("format__round"))
              .order_by("-number").values("number")[:1])
    in_format = (FormatItem.objects
                 .filter(indicator_id__in=ids, format__round__status=RoundStatus.FINALISED,
                         format__number=Subquery(latest))
                 .values_list("indicator_id", "format__round_id", "format__round__year",
                              "format__round__period"))
    in_recap = (FinalisedRow.objects
                .filter(indicator_id__in=ids, recap__superseded_at__isnull=True,
                        recap__round__status=RoundStatus.FINALISED)
                .values_list("indicator_id", "recap__round_id", "recap__round__year",
                             "recap__round__period"))
    found: dict[int, dict[int, RoundRef]] = {}
    for rows in (in_format, in_recap):
        for indicator_id, round_id, year, period in rows:
            found.setdefault(indicator_id, {})[round_id] = RoundRef(round_id, year, period)
    return {indicator_id: sorted(rounds.values(), key=lambda r: r.order)
            for indicator_id, rounds in found.items()}


def stored_values(indicator_ids: Iterable[int]) -> dict[int, list[tuple[Decimal, RoundRef]]]:
    """{indicator id: [(value, round)]} of the values stored for the indicators, in any
    round, by year and period. One query."""
    from kinerja.collection.models import IndicatorValue

    found: dict[int, list[tuple[Decimal, RoundRef]]] = {}
    rows = (IndicatorValue.objects
            .filter(indicator_id__in=list(indicator_ids), value__isnull=False)
            .values_list("indicator_id", "value", "track__round_id", "track__round__year",
                         "track__round__period"))
    for indicator_id, value, round_id, year, period in rows:
        found.setdefault(indicator_id, []).append((value, RoundRef(round_id, year, period)))
    for values in found.values():
        values.sort(key=lambda item: item[1].order)
    return found


def versioned_values(obj) -> dict[str, Any]:
    """The object's fields as its audit event keeps them (core.audit.field_values), decimals
    written with their column's places ("95.0000") whether the object was read from the
    database or given a typed 95, so that only real changes show as changes."""
    values = field_values(obj)
    for model_field in obj._meta.concrete_fields:
        value = getattr(obj, model_field.attname)
        if isinstance(model_field, models.DecimalField) and isinstance(value, Decimal):
            values[model_field.name] = json_value(
                value.quantize(Decimal(1).scaleb(-model_field.decimal_places)))
    return values


def places_needed(value: Decimal) -> int:
    """The decimal places a value needs to be written without loss: 54,32 needs 2, 54,3200
    needs 2, 100 needs 0."""
    exponent = Decimal(value).normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


# --- the rules ------------------------------------------------------------------------------

def _rounds_text(rounds: list[RoundRef]) -> str:
    labels = list(dict.fromkeys(str(round_) for round_ in rounds))
    if len(labels) <= MAX_ROUNDS_NAMED:
        return ", ".join(labels)
    return _("%(rounds)s and %(count)d more") % {
        "rounds": ", ".join(labels[:MAX_ROUNDS_NAMED]), "count": len(labels) - MAX_ROUNDS_NAMED}


def _as_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _same(name: str, old: Any, new: Any) -> bool:
    if name in TARGET_FIELDS or name == "decimals":
        return _as_decimal(old) == _as_decimal(new)
    return old == new


def _field_label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def target_refusals(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, *,
                    code: str, year: int, dependents: Dependents,
                    indicator_id: int | None) -> list[Refusal]:
    """Refusals of creating (`before` None), changing or deleting (`after` None) the year
    target of an indicator: the finalised rounds of that year that use the indicator.
    `before` and `after` map target field names to values (text or Decimal)."""
    if before is None and after is None:
        return []
    rounds = dependents.rounds_of(indicator_id, year)
    if not rounds:
        return []
    rounds_text = _rounds_text(rounds)
    if after is None:
        return [Refusal(_(
            "%(code)s: the finalised round(s) %(rounds)s use the %(year)d target; give the "
            "reason for deleting it.") % {"code": code, "rounds": rounds_text, "year": year})]
    old = before or {}
    changed = [name for name in TARGET_FIELDS
               if name in after and not _same(name, old.get(name), after.get(name))]
    if not changed:
        return []
    return [Refusal(_(
        "%(code)s: the finalised round(s) %(rounds)s use the %(year)d target (%(fields)s); give "
        "the reason for changing it.") % {
            "code": code, "rounds": rounds_text, "year": year,
            "fields": ", ".join(_field_label(IndicatorYearTarget, name) for name in changed)},
        field=changed[0])]


def indicator_refusals(before: Mapping[str, Any] | None, after: Mapping[str, Any], *,
                       code: str, dependents: Dependents,
                       indicator_id: int | None) -> list[Refusal]:
    """Refusals of changing an indicator's polarity, year value or data type (finalised rounds
    or stored values depend on them) or lowering its decimals below what a stored value
    needs. A new indicator (`before` None) has nothing depending on it."""
    if before is None or indicator_id is None:
        return []
    refusals: list[Refusal] = []
    changed = [name for name in RULE_FIELDS
               if name in after and not _same(name, before.get(name), after.get(name))]
    if changed:
        finalised = dependents.rounds_of(indicator_id)
        finalised_ids = {round_.id for round_ in finalised}
        with_values = [round_ for _value, round_ in dependents.values_of(indicator_id)
                       if round_.id not in finalised_ids]
        if finalised or with_values:
            if finalised and with_values:
                uses = _("the finalised round(s) %(finalised)s and the values stored in "
                         "%(rounds)s") % {"finalised": _rounds_text(finalised),
                                          "rounds": _rounds_text(with_values)}
            elif finalised:
                uses = _("the finalised round(s) %(rounds)s") % {
                    "rounds": _rounds_text(finalised)}
            else:
                uses = _("the values stored in %(rounds)s") % {
                    "rounds": _rounds_text(with_values)}
            for name in changed:
                refusals.append(Refusal(_(
                    "%(code)s: %(uses)s depend on its %(field)s; give the reason for changing "
                    "it.") % {"code": code, "uses": uses,
                              "field": _field_label(Indicator, name)}, field=name))
    old_decimals, new_decimals = before.get("decimals"), after.get("decimals")
    if (new_decimals is not None and old_decimals is not None
            and int(new_decimals) < int(old_decimals)):
        needing = [(value, round_) for value, round_ in dependents.values_of(indicator_id)
                   if places_needed(value) > int(new_decimals)]
        if needing:
            value, round_ = max(needing, key=lambda item: places_needed(item[0]))
            refusals.append(Refusal(_(
                "%(code)s: the value %(value)s stored in %(round)s needs %(places)d decimal(s); "
                "give the reason for lowering the decimals to %(decimals)d.") % {
                    "code": code, "value": shown(value), "round": round_,
                    "places": places_needed(value), "decimals": int(new_decimals)},
                field="decimals"))
    return refusals


def needs_values(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> bool:
    """Whether `indicator_refusals` reads the stored values for this change (so that callers
    load them only for the indicators that need them)."""
    if before is None:
        return False
    if any(name in after and not _same(name, before.get(name), after.get(name))
           for name in RULE_FIELDS):
        return True
    old, new = before.get("decimals"), after.get("decimals")
    return old is not None and new is not None and int(new) < int(old)


# --- the contract's entry points ------------------------------------------------------------

def check_indicator_change(indicator_before: Mapping[str, Any] | None,
                           indicator_after: Mapping[str, Any], *, indicator: Indicator,
                           reason: str = "") -> list[str]:
    """The refusals (sentences) of changing `indicator` from `indicator_before` to
    `indicator_after` (field name → value, as core.audit.field_values gives them); none when a
    reason is given or nothing depends on the fields changed. At most three queries, none when
    no guarded field changes."""
    if (reason or "").strip() or not needs_values(indicator_before, indicator_after):
        return []
    dependents = Dependents.load([indicator.pk])
    return [refusal.message for refusal in indicator_refusals(
        indicator_before, indicator_after, code=indicator_after.get("code") or indicator.code,
        dependents=dependents, indicator_id=indicator.pk)]


def check_target_change(target: IndicatorYearTarget | Mapping[str, Any] | None,
                        new_values: Mapping[str, Any] | None, *, indicator: Indicator,
                        year: int, reason: str = "") -> list[str]:
    """The refusals (sentences) of creating (`target` None), changing or deleting
    (`new_values` None) an indicator's year target; none when a reason is given or no
    finalised round of that year uses the indicator. Two queries."""
    if (reason or "").strip() or indicator is None or indicator.pk is None:
        return []
    before = target_values(target)
    dependents = Dependents(rounds=finalised_rounds([indicator.pk]))
    return [refusal.message for refusal in target_refusals(
        before, new_values, code=indicator.code, year=year, dependents=dependents,
        indicator_id=indicator.pk)]


def target_values(target: IndicatorYearTarget | Mapping[str, Any] | None
                  ) -> dict[str, Any] | None:
    """The target's values as the rules compare them (field name → value)."""
    if target is None:
        return None
    if isinstance(target, Mapping):
        return dict(target)
    return {name: getattr(target, name) for name in TARGET_FIELDS}


def raise_if_refused(problems: list[str] | list[Refusal]) -> None:
    if problems:
        raise CatalogueChangeRefused([str(problem) for problem in problems])


def deletion_problems(indicator_ids: Iterable[int]) -> dict[int, str]:
    """{indicator id: why it cannot be deleted}, for indicators that a round's format, a stored
    value or a finalised recap holds (the database protects them): the sentence names the
    rounds. Three queries."""
    from kinerja.collection.models import FinalisedRow, FormatItem, IndicatorValue

    ids = list(indicator_ids)
    uses: dict[int, dict[str, dict[int, RoundRef]]] = {}

    def collect(kind: str, rows) -> None:
        for indicator_id, round_id, year, period in rows:
            uses.setdefault(indicator_id, {}).setdefault(kind, {})[round_id] = RoundRef(
                round_id, year, period)

    collect("finalised", FinalisedRow.objects.filter(indicator_id__in=ids).values_list(
        "indicator_id", "recap__round_id", "recap__round__year", "recap__round__period"))
    collect("values", IndicatorValue.objects.filter(indicator_id__in=ids).values_list(
        "indicator_id", "track__round_id", "track__round__year", "track__round__period"))
    collect("format", FormatItem.objects.filter(indicator_id__in=ids).values_list(
        "indicator_id", "format__round_id", "format__round__year", "format__round__period"))
    codes = dict(Indicator.objects.filter(id__in=list(uses)).values_list("id", "code"))
    sentences = {}
    for indicator_id, kinds in uses.items():
        parts = []
        labels = {
            "finalised": _("the finalised recap of %(rounds)s"),
            "values": _("the values stored in %(rounds)s"),
            "format": _("the data-request format of %(rounds)s"),
        }
        for kind in ("finalised", "values", "format"):
            if kind in kinds:
                rounds = sorted(kinds[kind].values(), key=lambda r: r.order)
                parts.append(labels[kind] % {"rounds": _rounds_text(rounds)})
        sentences[indicator_id] = _(
            "%(code)s cannot be deleted: %(uses)s hold it.") % {
                "code": codes.get(indicator_id, indicator_id), "uses": "; ".join(parts)}
    return sentences
