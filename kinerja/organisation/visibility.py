"""The one rule for who sees what. Every page and API route asks here.

- Nobody sees another agency.
- A person sees their own unit and the units below it (the head of the agency sees all).
- Staff and heads of a Subbagian/Subbidang work on the data of its Sekretariat/Bidang: the
  *reporting unit*.
- A reporting unit's data, by how far it has travelled:
  draft      -> only people inside the unit;
  submitted  -> also the head of the agency and the secretary (the unit head is inside);
  handed over-> also the data subsection (units tagged ``data``);
  final      -> the same as handed over.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum
from functools import cached_property
from typing import Protocol

from django.utils import timezone

from .models import PositionKind, Unit, UnitKind

DATA_FUNCTION = "data"
PLANNING_FUNCTION = "planning"


class DataStage(IntEnum):
    DRAFT = 0
    SUBMITTED = 1
    HANDED_OVER = 2
    FINAL = 3


class UnitData(Protocol):
    """A unit's data at a stage: a round's track (collection's `Track`), read by its
    attributes, since the rule sits below the rounds and imports none of their models."""

    @property
    def unit(self) -> Unit: ...

    @property
    def stage(self) -> int: ...


@dataclass(frozen=True)
class Role:
    """One position a person holds on a day; `acting` is "", "plt" or "plh"."""

    position_id: int
    position_kind: str
    position_title: str
    unit_id: int
    acting: str

    @classmethod
    def of_holding(cls, holding) -> Role:
        """The role a `PositionHolding` (with its position loaded) gives."""
        position = holding.position
        return cls(position.id, position.kind, position.title, position.unit_id,
                   "" if holding.capacity == "definitive" else holding.capacity)


@dataclass
class UnitTree:
    """All units of one agency, loaded in one query."""

    units: dict[int, Unit]
    children: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    functions: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def for_agency(cls, agency_id: int) -> UnitTree:
        units = Unit.objects.filter(agency_id=agency_id).prefetch_related("functions")
        tree = cls(units={unit.id: unit for unit in units})
        for unit in tree.units.values():
            if unit.parent_id:
                tree.children[unit.parent_id].append(unit.id)
            tree.functions[unit.id] = {tag.code for tag in unit.functions.all()}
        return tree

    def descendants_and_self(self, unit_id: int) -> set[int]:
        found, stack = set(), [unit_id]
        while stack:
            current = stack.pop()
            if current not in found:
                found.add(current)
                stack.extend(self.children.get(current, []))
        return found

    def reporting_unit_id(self, unit_id: int) -> int | None:
        """The Sekretariat or Bidang whose data a unit's people work on (None for the root)."""
        unit = self.units[unit_id]
        if unit.kind in (UnitKind.SUBSECTION, UnitKind.SUBDIVISION):
            return unit.parent_id
        if unit.kind == UnitKind.AGENCY:
            return None
        return unit.id


# The agency of a viewer who is no person (an administrator without a person, an anonymous
# request): no agency has this id, so every query filtered by it finds nothing, and a typed
# `int` keeps those queries free of a None that would mean "IS NULL".
NO_AGENCY = 0


@dataclass
class Viewer:
    """A signed-in person as the rule sees them on one day. Someone who is no person is a
    viewer with no roles, an empty unit tree and `NO_AGENCY`: every rule answers "no"."""

    person_id: int | None
    agency_id: int
    roles: tuple[Role, ...]
    tree: UnitTree

    @classmethod
    def for_user(cls, user, day: date | None = None) -> Viewer:
        person = getattr(user, "person", None) if user.is_authenticated else None
        if person is None:
            return cls(person_id=None, agency_id=NO_AGENCY, roles=(), tree=UnitTree(units={}))
        holdings = person.holdings_on(day or timezone.localdate())
        roles = tuple(Role.of_holding(holding) for holding in holdings)
        return cls(person.id, person.agency_id, roles, UnitTree.for_agency(person.agency_id))

    @property
    def has_person(self) -> bool:
        return self.person_id is not None

    def holds(self, *kinds: str, unit_function: str | None = None) -> bool:
        return any(
            role.position_kind in kinds
            and (unit_function is None or unit_function in self.tree.functions[role.unit_id])
            for role in self.roles
        )

    @property
    def is_head(self) -> bool:
        return self.holds(PositionKind.HEAD)

    @property
    def is_secretary(self) -> bool:
        return self.holds(PositionKind.SECRETARY)

    @cached_property
    def scope_unit_ids(self) -> frozenset[int]:
        """Own units and everything below them."""
        found: set[int] = set()
        for role in self.roles:
            found |= self.tree.descendants_and_self(role.unit_id)
        return frozenset(found)

    @cached_property
    def working_unit_ids(self) -> frozenset[int]:
        """The reporting units whose drafts this person works on."""
        found = {self.tree.reporting_unit_id(role.unit_id) for role in self.roles}
        return frozenset(unit_id for unit_id in found if unit_id is not None)

    @cached_property
    def in_data_subsection(self) -> bool:
        return any(DATA_FUNCTION in self.tree.functions[role.unit_id] for role in self.roles)

    def can_open_unit(self, unit: Unit) -> bool:
        return unit.agency_id == self.agency_id and unit.id in self.scope_unit_ids

    def can_see_unit_data(self, unit: Unit, stage: DataStage) -> bool:
        if not self.has_person or unit.agency_id != self.agency_id:
            return False
        reporting_unit_id = self.tree.reporting_unit_id(unit.id)
        if reporting_unit_id in self.working_unit_ids:
            return True
        if stage >= DataStage.SUBMITTED and (self.is_head or self.is_secretary):
            return True
        return stage >= DataStage.HANDED_OVER and self.in_data_subsection

    def can_see_track(self, track: UnitData) -> bool:
        """A unit's data at its track's stage (`can_see_unit_data`)."""
        return self.can_see_unit_data(track.unit, DataStage(track.stage))

    def visible_unit_ids(self, tracks: Iterable[UnitData]) -> set[int]:
        """The units of the tracks whose data this person may see at their stages."""
        return {track.unit.id for track in tracks if self.can_see_track(track)}

    def sees_every_unit(self, tracks: Iterable[UnitData]) -> bool:
        """Whether this person may see the data of every track's unit (of a round: what a
        document of all units' data needs). Someone who is no person sees none; otherwise no
        tracks hide nothing. Tracks carry no agency to compare when there are none: the
        caller checks the agency of what it shows."""
        return self.has_person and all(self.can_see_track(track) for track in tracks)
