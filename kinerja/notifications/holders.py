"""Who holds an open step now, and who stands above them (docs/reminders.md).

"Who holds it" is exactly what "My tasks" shows: a person holds an execution when
`collection.tasks.tasks_of` gives them a task on it, asked through a `Viewer` built for each
person who holds a position in the agency on the day (definitively or as Plt./Plh.). So a
forwarding waits on the secretary, then on the format's builder and whoever still initials;
a hand-over on the unit head, then on its receiver; nothing here repeats those rules.

The escalation chain goes up by post from each holder's post that gives them the task:
staff of a Subbidang/Subbagian -> its head -> the head of its Bidang/Sekretariat; staff
directly in a Bidang/Sekretariat -> its Kabid/Sekretaris; then the Sekretaris, then the
Kepala. Vacant posts are skipped (the next post up moves into their level).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.utils import timezone

from kinerja.collection.models import Disposition, StepExecution
from kinerja.collection.signing import remember_signatures
from kinerja.collection.tasks import tasks_of
from kinerja.organisation.models import (
    Agency,
    Person,
    Position,
    PositionHolding,
    PositionKind,
    UnitKind,
)
from kinerja.organisation.visibility import Role, UnitTree, Viewer


class Holders:
    """The agency's people and posts on one day, loaded once (three queries), answering for
    any number of its open executions."""

    def __init__(self, agency_id: int, day: date):
        self.agency_id = agency_id
        self.day = day
        self.tree = UnitTree.for_agency(agency_id)
        holdings = (
            PositionHolding.objects.on(day).filter(position__unit__agency_id=agency_id)
            .select_related("person", "position")
            .order_by("capacity", "position__kind", "id")
        )
        roles: dict[int, list[Role]] = defaultdict(list)
        self.people: dict[int, Person] = {}
        self.holders_of_post: dict[int, set[int]] = defaultdict(set)
        for holding in holdings:
            position = holding.position
            self.people[holding.person_id] = holding.person
            roles[holding.person_id].append(Role.of_holding(holding))
            self.holders_of_post[position.id].add(holding.person_id)
        self.viewers = {
            person_id: Viewer(person_id, agency_id, tuple(found), self.tree)
            for person_id, found in roles.items()
        }
        # Every head post, held or vacant: a vacant one is skipped when escalating.
        self.head_post_of_unit: dict[int, int] = dict(
            Position.objects.filter(unit__agency_id=agency_id)
            .exclude(kind=PositionKind.STAFF)
            .values_list("unit_id", "id")
        )
        self._of: dict[int, list[Person]] = {}

    @classmethod
    def for_agency(cls, agency: Agency | int, day: date | None = None) -> Holders:
        agency_id = agency if isinstance(agency, int) else agency.pk
        return cls(agency_id, day or timezone.localdate())

    # -- who holds it --------------------------------------------------------------------------

    def of(self, execution: StepExecution, disposition: Disposition | None) -> list[Person]:
        """The people with a task on the execution now, by name."""
        if execution.pk not in self._of:
            if disposition is not None:
                remember_signatures(disposition)
            found = [
                self.people[person_id]
                for person_id, viewer in self.viewers.items()
                if tasks_of(viewer, execution, disposition)
            ]
            self._of[execution.pk] = sorted(found, key=lambda person: (person.name, person.pk))
        return self._of[execution.pk]

    def _task_roles(
        self, person_id: int, execution: StepExecution, disposition: Disposition | None
    ) -> list[Role]:
        """The holder's posts that give them the task: escalation starts above these, not
        above a second post they hold for something else."""
        viewer = self.viewers[person_id]
        if len(viewer.roles) == 1:
            return list(viewer.roles)
        fitting = [
            role
            for role in viewer.roles
            if tasks_of(
                Viewer(person_id, self.agency_id, (role,), self.tree), execution, disposition
            )
        ]
        return fitting or list(viewer.roles)

    # -- who stands above them -----------------------------------------------------------------

    def posts_above(self, role: Role) -> list[int]:
        """The head posts above a post, nearest first, held ones only (vacant ones skipped)."""
        if role.position_kind == PositionKind.HEAD:
            return []
        units = self.tree.units
        unit = units[role.unit_id]
        chain: list[int] = []
        # Staff answer to the head of their own unit; a head to the unit above.
        current = (
            unit
            if role.position_kind == PositionKind.STAFF
            else (units.get(unit.parent_id) if unit.parent_id else None)
        )
        root = None
        while current is not None:
            if current.kind == UnitKind.AGENCY:
                root = current
                break
            chain.append(current.id)
            current = units.get(current.parent_id) if current.parent_id else None
        if root is None:
            root = next((u for u in units.values() if u.kind == UnitKind.AGENCY), None)
        posts = [self.head_post_of_unit.get(unit_id) for unit_id in chain]
        secretariat = next((u.id for u in units.values() if u.kind == UnitKind.SECRETARIAT), None)
        if secretariat is not None:
            posts.append(self.head_post_of_unit.get(secretariat))
        if root is not None:
            posts.append(self.head_post_of_unit.get(root.id))
        found: list[int] = []
        for post in posts:
            if (
                post is not None
                and post != role.position_id
                and post not in found
                and self.holders_of_post.get(post)
            ):
                found.append(post)
        return found

    def escalation_levels(
        self, execution: StepExecution, disposition: Disposition | None
    ) -> list[list[Person]]:
        """Level n (index n-1): the people of the n-th held post above the holders, over all
        holders; a holder, or a person already in a lower level (a Plt. of two posts), is
        left out, so each person is in one level at most. Empty levels are kept, so that the
        index stays the level."""
        holder_ids = [person.pk for person in self.of(execution, disposition)]
        chains = [
            self.posts_above(role)
            for person_id in holder_ids
            for role in self._task_roles(person_id, execution, disposition)
        ]
        depth = max((len(chain) for chain in chains), default=0)
        told = set(holder_ids)
        levels: list[list[Person]] = []
        for index in range(depth):
            posts = {chain[index] for chain in chains if len(chain) > index}
            people = {person_id for post in posts for person_id in self.holders_of_post[post]}
            new = sorted(people - told)
            told |= people
            levels.append(
                sorted(
                    (self.people[person_id] for person_id in new),
                    key=lambda person: (person.name, person.pk),
                )
            )
        return levels


def holders(execution: StepExecution) -> list[Person]:
    """The people who hold the open execution today (a dashboard's one-off question; a sweep
    over many executions builds one `Holders` per agency instead)."""
    round_ = execution.round
    disposition = Disposition.objects.filter(round_id=round_.pk).first()
    return Holders.for_agency(round_.agency_id).of(execution, disposition)
