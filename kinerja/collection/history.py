"""The round's history as an official reads it (issue 11, item 5).

A round's record is its `AuditEvent`s (docs/decisions.md, "One audit record per change"):
each is written here as a sentence in the reader's language ("Nurhayati Tuliabu meneruskan
disposisi 004/2026 kepada Kepala Subbidang Data"), numbers in the indicator's format
(`core/numbers.py` `shown`: "4" or "4,00", never "4.0000"), fields by their verbose names,
never an event code nor a field key. `SENTENCES` holds one sentence per action code written
anywhere in Kinerja (a test walks the code for them); an edit recorded by
`core.audit.record_change` and the versions copied from the old history have generic ones, and
an unknown code a sentence that names only the kind of object.

Who sees what: an event about a unit's track is shown only to whoever may read a note about
that track at the stage its data had (`selectors.may_read_track_note`, the one rule). The rule
is asked once per track of the round and per stage (the round's tracks are few, the stages
four) and turned into a `Q` over the event's track and stage columns, so that the database
filters, counts and pages the visible events: a page costs the same queries whatever the
number of events (the round's tracks, SOP steps, the page's indicators, documents... each
fetched once).

Filters (unit, step, person) accept only what the reader may see; anything else is no filter.

The apps above collection (docs/architecture.md, "The layer rule": collection never imports
them) tell their own events through `register`: a sentence, a builder, and hooks that fetch
their objects in bulk, so that their events cost the same bounded queries. The documents app
registers "document issued" and "hardcopy filed" this way (documents/history.py, from its
AppConfig.ready).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kinerja.core.models import AuditEvent
from kinerja.core.numbers import shown
from kinerja.organisation.visibility import DataStage, Viewer
from kinerja.sops.models import SopStep, StepKind

from .models import (
    DataRequestFormat,
    Disposition,
    Evidence,
    IndicatorValue,
    Meeting,
    Period,
    PlausibilityFlag,
    Round,
    Track,
)

PER_PAGE = 50
# The workbook builds its rows this many events at a time (the same queries per chunk).
WORKBOOK_CHUNK = 500
# The stages a note can have been written at (None: unknown, an older row).
WRITTEN_AT = (None, *(int(stage) for stage in DataStage))
NOTHING = "—"
MODEL_CHANGE = re.compile(r"^([a-z_]+)\.([a-z_]+)\.(created|changed|deleted)$")
# Events about a return written before the reason was kept in their data: the summary ends
# with it ("…: returned to step 5: <reason>").
RETURNED_SUMMARY = re.compile(r"returned to step \d+: (.*)\Z", re.DOTALL)

# -- the sentences ------------------------------------------------------------------------
# One per action code; the placeholders are filled by the builders below. `person` (who
# acted), `unit` (the track's unit) and `round` are always there; a placeholder without a
# value reads "—".
SENTENCES = {
    # steps 1-2: disposition, forwarding, initials
    "disposition.created": gettext_lazy("%(person)s drafted disposition %(agenda)s"),
    "disposition.updated": gettext_lazy("%(person)s changed draft disposition %(agenda)s"),
    "round.opened": gettext_lazy("%(person)s signed disposition %(agenda)s; the round "
                                 "%(round)s is open"),
    "disposition.forwarded": gettext_lazy("%(person)s forwarded disposition %(agenda)s to "
                                          "%(to)s"),
    "disposition.initialled": gettext_lazy("%(person)s initialled disposition %(agenda)s"),
    # steps 2-4: the data-request format and the meeting
    "format.created": gettext_lazy("%(person)s drafted the data-request format with "
                                   "%(count)s indicators"),
    "format.changed": gettext_lazy("%(person)s changed the indicators of the data-request "
                                   "format"),
    "format.finalised": gettext_lazy("%(person)s made version %(number)s of the data-request "
                                     "format final"),
    "format.sent": gettext_lazy("%(person)s sent the data-request format to %(count)s units"),
    "format.revised": gettext_lazy("%(person)s revised the data-request format to version "
                                   "%(number)s"),
    "meeting.recorded": gettext_lazy("%(person)s recorded the minutes of the meeting: "
                                     "%(present)s of %(invited)s invited attended"),
    # steps 5-7: a unit's data
    "value.saved": gettext_lazy("%(person)s filled in %(indicator)s: %(old)s → %(new)s"),
    "value.prefilled": gettext_lazy("%(indicator)s was started from the quarters' values: "
                                    "%(new)s"),
    "evidence.added": gettext_lazy("%(person)s attached the evidence “%(file)s” to "
                                   "%(indicator)s"),
    "data_entry.completed": gettext_lazy("%(person)s marked the data of %(unit)s as filled "
                                         "in"),
    "unit_recap.submitted": gettext_lazy("%(person)s submitted the recap of %(unit)s to the "
                                         "head of the unit"),
    "unit_recap.approved": gettext_lazy("%(person)s validated the recap of %(unit)s"),
    "unit_recap.returned": gettext_lazy("%(person)s returned the recap of %(unit)s to step "
                                        "%(to)s"),
    # step 8: hand-over
    "handover.submitted": gettext_lazy("%(person)s handed over the data of %(unit)s"),
    "handover.acknowledged": gettext_lazy("%(person)s acknowledged receipt of the data of "
                                          "%(unit)s"),
    "handover.returned": gettext_lazy("%(person)s returned the hand-over of %(unit)s to step "
                                      "%(to)s"),
    # step 9
    "round.finalised": gettext_lazy("%(person)s finalised the round %(round)s"),
    "round.reopened": gettext_lazy("%(person)s reopened the round %(round)s"),
    "round.cancelled": gettext_lazy("%(person)s cancelled the round %(round)s"),
    "disposition.deleted": gettext_lazy("%(person)s deleted draft disposition %(agenda)s"),
    # the documents' own: registered by documents/history.py (see `register`)
    # outside a round (the same sentences serve any list of events)
    "sop.loaded": gettext_lazy("%(person)s loaded a new version of the SOP"),
    "person.login_created": gettext_lazy("%(person)s created a log-in for %(object)s"),
    "catalogue.period_created": gettext_lazy("%(person)s created the Renstra period "
                                             "%(object)s"),
    "catalogue.imported": gettext_lazy("%(person)s imported the catalogue of %(object)s"),
    "api_token.created": gettext_lazy("%(person)s created the API token “%(object)s”"),
    "api_token.revoked": gettext_lazy("%(person)s revoked the API token “%(object)s”"),
    "workcalendar.due_times_recomputed": gettext_lazy(
        "The working calendar changed: the due times of %(count)s open steps were "
        "recomputed"),
}
# collection's own actions, which no other app may register (`register`).
OWN_ACTIONS = frozenset(SENTENCES)
VERSION_SENTENCE = gettext_lazy("Old version of %(object)s")
CHANGE_SENTENCES = {
    "created": gettext_lazy("%(person)s created %(object)s"),
    "changed": gettext_lazy("%(person)s changed %(object)s"),
    "deleted": gettext_lazy("%(person)s deleted %(object)s"),
}
UNKNOWN_SENTENCE = gettext_lazy("%(person)s recorded a change to %(object)s")

# Actions written without their step number (older rows, or a service that does not know
# it): the step is the one of this kind in the round's SOP.
STEP_OF_ACTION = {
    "value.prefilled": StepKind.SENDING,
    "value.saved": StepKind.DATA_ENTRY,
    "evidence.added": StepKind.DATA_ENTRY,
    "disposition.initialled": StepKind.FORWARDING,
    "format.changed": StepKind.FORWARDING,
    "round.reopened": StepKind.AGENCY_RECAP,
}
# Registered by the apps above collection (`register`): action → its objects by id, fetched
# once per page; action → the step of each object of the round, for events written without
# their step number.
LOADERS: dict[str, Callable[[set[int]], dict[int, Any]]] = {}
OBJECT_STEPS: dict[str, Callable[[Round], QuerySet]] = {}


def has_sentence(code: str) -> bool:
    """Whether the action has a sentence of its own (not the fallback)."""
    if code in SENTENCES or code.startswith("version."):
        return True
    match = MODEL_CHANGE.match(code)
    return bool(match and _model(f"{match.group(1)}.{match.group(2)}"))


# -- what the page shows ------------------------------------------------------------------

@dataclass(frozen=True)
class HistoryEntry:
    id: int
    at: datetime
    action: str  # for code and tests; never shown
    person: str
    position: str
    step_number: int | None
    step_name: str
    unit: str
    sentence: str
    details: tuple[tuple[str, str], ...] = ()


@dataclass
class HistoryPage:
    entries: list[HistoryEntry]
    page: Page | None
    units: list[tuple[int, str]]
    steps: list[tuple[int, str]]
    people: list[tuple[int, str]]
    unit_id: int | None = None
    step: int | None = None
    person_id: int | None = None

    @property
    def filters(self) -> str:
        """The filters as a query string, for the paging and download links."""
        return urlencode({name: value for name, value in (
            ("unit", self.unit_id), ("step", self.step), ("person", self.person_id))
            if value is not None})

    @property
    def filtered(self) -> bool:
        return any(value is not None for value in (self.unit_id, self.step, self.person_id))


def filters_from(query) -> dict[str, int | None]:
    """unit_id, step and person_id from a query string; nonsense is no filter."""
    def number(name):
        text = (query.get(name) or "").strip()
        return int(text) if text.isdigit() and len(text) <= 18 else None

    return {"unit_id": number("unit"), "step": number("step"), "person_id": number("person")}


# -- the visibility rule as a query --------------------------------------------------------

def _tracks(round_: Round) -> dict[int, Track]:
    """The round's tracks with their units: round_get_for_viewer's prefetched ones, or one
    query."""
    prefetched = getattr(round_, "_prefetched_objects_cache", {})
    tracks = round_.tracks.all() if "tracks" in prefetched else \
        round_.tracks.select_related("unit")
    return {track.id: track for track in tracks}


def visible_events(*, viewer: Viewer, round_: Round,
                   tracks: dict[int, Track] | None = None) -> QuerySet:
    """The round's events the person may read, oldest first: every event without a track,
    and an event about a track when `selectors.may_read_track_note` allows it at the stage
    the event was written (asked per track and stage, then filtered by the database)."""
    from .selectors import may_read_track_note

    tracks = _tracks(round_) if tracks is None else tracks
    readable: dict[frozenset, list[int]] = defaultdict(list)
    for track in tracks.values():
        stages = frozenset(stage for stage in WRITTEN_AT
                           if may_read_track_note(viewer=viewer, track=track, written_at=stage))
        if stages:
            readable[stages].append(track.id)
    rule = Q(track__isnull=True)
    for stages, track_ids in readable.items():
        written = Q(stage__in=sorted(stage for stage in stages if stage is not None))
        if None in stages:
            written |= Q(stage__isnull=True)
        rule |= Q(track_id__in=track_ids) & written
    return (AuditEvent.objects.filter(rule, agency_id=round_.agency_id, round=round_)
            .order_by("at", "id"))


# -- the page -----------------------------------------------------------------------------

class _Round:
    """What every event of a round needs, fetched once: tracks, SOP steps, executions."""

    def __init__(self, viewer: Viewer, round_: Round):
        self.viewer, self.round = viewer, round_
        self.tracks = _tracks(round_)
        self.steps = {step.number: step for step in
                      SopStep.objects.filter(version_id=round_.sop_version_id)}
        self.step_numbers = {step.id: step.number for step in self.steps.values()}
        self.step_of_kind = {}
        for step in sorted(self.steps.values(), key=lambda s: s.number):
            self.step_of_kind.setdefault(step.kind, step.number)
        self.visible = visible_events(viewer=viewer, round_=round_, tracks=self.tracks)
        self._object_steps: dict[str, dict[str, int]] = {}

    def step_label(self, number: int | None) -> str:
        step = self.steps.get(number)
        return step.description if step else ""

    def inferred_actions(self, number: int) -> list[str]:
        return [action for action, kind in STEP_OF_ACTION.items()
                if self.step_of_kind.get(kind) == number]

    def object_steps(self, action: str) -> dict[str, int]:
        """The registered action's objects of the round (by the event's object id) → their
        step; one query per action and round, kept for the page's events."""
        if action not in self._object_steps:
            self._object_steps[action] = dict(
                OBJECT_STEPS[action](self.round).values_list("key", "number"))
        return self._object_steps[action]

    def step_q(self, number: int) -> Q:
        rule = Q(step=number)
        inferred = self.inferred_actions(number)
        if inferred:
            rule |= Q(step__isnull=True, action__in=inferred)
        for action, steps in OBJECT_STEPS.items():
            keys = steps(self.round).filter(number=number).values("key")
            rule |= Q(step__isnull=True, action=action, object_id__in=keys)
        return rule

    def options(self):
        """(units, steps, people) the person may filter by: those of the events they see."""
        from kinerja.organisation.models import Person

        found = set(self.visible.order_by().values_list("step", "action", "track_id",
                                                        "actor_id").distinct())
        unit_ids = {self.tracks[track_id].unit_id for _s, _a, track_id, _u in found
                    if track_id in self.tracks}
        units = sorted(((track.unit_id, track.unit.name) for track in self.tracks.values()
                        if track.unit_id in unit_ids), key=lambda unit: unit[1])
        numbers = {step for step, _a, _t, _u in found if step is not None}
        for step, action, _t, _u in found:
            if step is None and action in STEP_OF_ACTION:
                numbers.add(self.step_of_kind.get(STEP_OF_ACTION[action]))
        for action in sorted(OBJECT_STEPS.keys() & {action for _s, action, _t, _u in found}):
            numbers |= set(self.object_steps(action).values())
        steps = [(number, f"{number}. {Truncator(self.step_label(number)).chars(60)}")
                 for number in sorted(n for n in numbers if n in self.steps)]
        actor_ids = {actor_id for _s, _a, _t, actor_id in found if actor_id is not None}
        people = [(person.id, person.full_name) for person in
                  Person.objects.filter(user_id__in=actor_ids).order_by("name", "id")]
        return units, steps, people

    def filtered(self, *, unit_id=None, step=None, person_id=None) -> QuerySet:
        events = self.visible
        if unit_id is not None:
            events = events.filter(track__unit_id=unit_id)
        if step is not None:
            events = events.filter(self.step_q(step))
        if person_id is not None:
            events = events.filter(actor__person__id=person_id)
        return events.select_related("actor__person")


def _paged(viewer: Viewer, round_: Round, unit_id, step, person_id, per_page: int):
    context = _Round(viewer, round_)
    units, steps, people = context.options()
    # Only what the person may see filters; anything else is no filter.
    unit_id = unit_id if unit_id in {unit for unit, _n in units} else None
    step = step if step in {number for number, _n in steps} else None
    person_id = person_id if person_id in {person for person, _n in people} else None
    paginator = Paginator(context.filtered(unit_id=unit_id, step=step, person_id=person_id),
                          per_page)
    return context, paginator, HistoryPage(
        entries=[], page=None, units=units, steps=steps, people=people, unit_id=unit_id,
        step=step, person_id=person_id)


def round_history(*, viewer: Viewer, round_: Round, unit_id: int | None = None,
                  step: int | None = None, person_id: int | None = None,
                  page: int | str = 1, per_page: int = PER_PAGE) -> HistoryPage:
    """One page of the round's history as the person may read it (see the module); `page`
    may be "last"."""
    context, paginator, found = _paged(viewer, round_, unit_id, step, person_id, per_page)
    found.page = paginator.get_page(paginator.num_pages if page == "last" else page)
    found.entries = _entries(context, list(found.page.object_list))
    return found


def all_entries(*, viewer: Viewer, round_: Round, unit_id: int | None = None,
                step: int | None = None, person_id: int | None = None):
    """Every entry of the filtered history, in order (the workbook), built a chunk at a
    time with the queries of one page per chunk."""
    context, paginator, _found = _paged(viewer, round_, unit_id, step, person_id,
                                        WORKBOOK_CHUNK)
    for number in paginator.page_range:
        yield from _entries(context, list(paginator.page(number).object_list))


# -- building the sentences ---------------------------------------------------------------

class _Values(dict):
    """Sentence placeholders; one without a value reads "—"."""

    def __missing__(self, key):
        return NOTHING


def _model(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _ints(texts) -> set[int]:
    return {int(text) for text in texts if str(text).isdigit()}


def _number(text: Any, decimals: int | None) -> str:
    """A stored decimal string ("4.0000") in the indicator's format ("4", "4,00")."""
    if text in (None, "", "None"):
        return NOTHING
    try:
        return shown(Decimal(str(text)), decimals=decimals)
    except (InvalidOperation, ValueError, TypeError):
        return str(text)


def _label(obj) -> str:
    """A short name of an object without touching the database."""
    for name in ("code", "name", "title", "original_name"):
        value = getattr(obj, name, None)
        if isinstance(value, str) and value:
            return value
    if isinstance(obj, Disposition):
        return obj.agenda
    return ""


class _Page:
    """What the events of one page refer to, each kind fetched once."""

    def __init__(self, context: _Round, events: list[AuditEvent]):
        from kinerja.catalogue.models import Indicator
        from kinerja.organisation.models import PositionHolding

        self.context = context
        actions = {event.action for event in events}
        ids = defaultdict(set)
        for event in events:
            ids[event.object_type].add(event.object_id)
        self.values = (IndicatorValue.objects.select_related("indicator").in_bulk(
            _ints(ids["collection.indicatorvalue"]))
            if actions & {"value.saved", "value.prefilled"} else {})
        self.evidence = (Evidence.objects.select_related("value__indicator").in_bulk(
            _ints(ids["collection.evidence"])) if "evidence.added" in actions else {})
        # Each registered action's objects in one query, whatever the number of its events.
        self.loaded = {action: LOADERS[action](_ints(event.object_id for event in events
                                                     if event.action == action))
                       for action in sorted(actions & LOADERS.keys())}
        self.dispositions = {}
        if any(action.startswith("disposition.") or action == "round.opened"
               for action in actions):
            found = Disposition.objects.filter(Q(pk__in=_ints(ids["collection.disposition"]))
                                               | Q(round=context.round))
            self.dispositions = {d.pk: d for d in found}
        self.round_disposition = next((d for d in self.dispositions.values()
                                       if d.round_id == context.round.pk), None)
        self.formats = ({f.pk: f for f in DataRequestFormat.objects.filter(
            round=context.round)} if any(a.startswith("format.") for a in actions) else {})
        self.meeting = (Meeting.objects.filter(round=context.round).annotate(
            invited=Count("invitees", distinct=True),
            present=Count("attendees", distinct=True)).first()
            if "meeting.recorded" in actions else None)
        # Indicators named by id in the events' data (format changes, return comments).
        named = set()
        for event in events:
            data = event.data if isinstance(event.data, dict) else {}
            if event.action == "format.changed":
                named |= _ints(list(data.get("old") or []) + list(data.get("new") or []))
            elif event.action == "unit_recap.returned":
                named |= _ints((data.get("comments") or {}).keys())
        self.indicators = Indicator.objects.in_bulk(named) if named else {}
        # Objects and foreign keys of generic events (edits, versions, other codes), one
        # query per kind of object.
        self.objects: dict[str, dict[int, Any]] = {}
        wanted: dict[str, set[int]] = defaultdict(set)
        for event in events:
            if _generic(event.action):
                wanted[event.object_type] |= _ints([event.object_id])
                model = _model(event.object_type)
                for values in _field_dicts(event):
                    for name, value in values.items():
                        related = _related_model(model, name)
                        if related is not None:
                            wanted[related._meta.label_lower] |= _ints([value])
        for label, pks in wanted.items():
            model = _model(label)
            if model is not None and pks:
                self.objects[label] = model._default_manager.in_bulk(pks)
        # Who acted as what: the step's execution they completed, else the positions the
        # person held that day.
        self.acting = {}
        for execution in context.round.executions.all():
            if execution.completed_by_id and execution.acting_as:
                number = context.step_numbers.get(execution.step_id)
                self.acting[(number, execution.track_id, execution.completed_by_id)] = \
                    execution.acting_as
                self.acting.setdefault((number, None, execution.completed_by_id),
                                       execution.acting_as)
        person_ids = {event.actor.person.id for event in events
                      if event.actor_id and hasattr(event.actor, "person")}
        self.holdings = defaultdict(list)
        if person_ids:
            for holding in (PositionHolding.objects.filter(person_id__in=person_ids)
                            .select_related("position").order_by("capacity",
                                                                 "position__kind")):
                self.holdings[holding.person_id].append(holding)

    def object_of(self, event: AuditEvent) -> Any | None:
        """The object of an event of a registered action with a loader, or None."""
        return self.loaded.get(event.action, {}).get(_first_int(event.object_id))

    def position(self, event: AuditEvent, step: int | None) -> str:
        data = event.data if isinstance(event.data, dict) else {}
        if isinstance(data.get("acting_as"), str) and data["acting_as"]:
            return data["acting_as"]
        for key in ((step, event.track_id, event.actor_id), (step, None, event.actor_id)):
            if key in self.acting:
                return self.acting[key]
        person = getattr(event.actor, "person", None) if event.actor_id else None
        if person is None:
            return ""
        day = timezone.localdate(event.at)
        for holding in self.holdings.get(person.id, []):
            if holding.start_date <= day and (holding.end_date is None
                                              or holding.end_date >= day):
                return holding.signing_title
        return ""

    def step_of(self, event: AuditEvent) -> int | None:
        if event.step is not None:
            return event.step
        if event.action in STEP_OF_ACTION:
            return self.context.step_of_kind.get(STEP_OF_ACTION[event.action])
        if event.action in OBJECT_STEPS:
            return self.context.object_steps(event.action).get(event.object_id)
        return None


def _first_int(text) -> int | None:
    return int(text) if str(text).isdigit() else None


def _generic(action: str) -> bool:
    """Whether the event's sentence names its object (fetched with the page)."""
    return action not in SENTENCES or BUILDERS.get(action) is _object_built


def _field_dicts(event: AuditEvent) -> list[dict]:
    data = event.data if isinstance(event.data, dict) else {}
    found = [data.get(key) for key in ("old", "new", "fields")]
    return [values for values in found if isinstance(values, dict)]


def _related_model(model, name: str):
    if model is None:
        return None
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return found.related_model if found.many_to_one or found.one_to_one else None


def _person(event: AuditEvent) -> str:
    if event.actor_id is None:
        return _("Kinerja (automatic)")
    person = getattr(event.actor, "person", None)
    if person is not None:
        return person.full_name
    return event.actor.get_full_name() or event.actor.get_username()


def _entries(context: _Round, events: list[AuditEvent]) -> list[HistoryEntry]:
    lookups = _Page(context, events)
    entries = []
    for event in events:
        step = lookups.step_of(event)
        track = context.tracks.get(event.track_id)
        values = _Values(person=_person(event), unit=track.unit.name if track else NOTHING,
                         round=str(context.round))
        sentence, details = _describe(event, lookups, values)
        entries.append(HistoryEntry(
            id=event.id, at=event.at, action=event.action, person=values["person"],
            position=lookups.position(event, step), step_number=step,
            step_name=context.step_label(step), unit=track.unit.name if track else "",
            sentence=str(sentence) % values,
            details=tuple((str(label), str(text)) for label, text in details if text)))
    return entries


def _describe(event: AuditEvent, lookups: _Page, values: _Values):
    """(sentence, details) of the event; fills `values` for the sentence."""
    data = event.data if isinstance(event.data, dict) else {}
    builder = BUILDERS.get(event.action)
    if builder is not None:
        return SENTENCES[event.action], builder(event, data, lookups, values) or []
    if event.action in SENTENCES:
        return SENTENCES[event.action], _reason(data)
    model = _model(event.object_type)
    values["object"] = _object_name(event, model, lookups)
    if event.action.startswith("version."):
        return VERSION_SENTENCE, _fields(model, data.get("fields") or {}, lookups) + \
            _reason(data)
    match = MODEL_CHANGE.match(event.action)
    if match and model is not None:
        old, new = data.get("old") or {}, data.get("new") or {}
        return CHANGE_SENTENCES[match.group(3)], _changes(model, old, new, lookups) + \
            _reason(data)
    return UNKNOWN_SENTENCE, _reason(data)


def _object_name(event: AuditEvent, model, lookups: _Page) -> str:
    if model is None:
        return _("data")
    found = lookups.objects.get(model._meta.label_lower, {}).get(_first_int(event.object_id))
    name = _label(found) if found is not None else ""
    kind = str(model._meta.verbose_name)
    return f"{kind} {name}" if name else kind


def _reason(data: dict) -> list:
    reason = data.get("reason")
    return [(capfirst(_("reason")), reason)] if isinstance(reason, str) and reason else []


def _field(model, name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _field_text(model_field, raw: Any, lookups: _Page) -> str:
    """A stored value as a person reads it: choices by their label, dates and numbers the
    Indonesian way, a related object by its name."""
    if raw in (None, "", "None"):
        return NOTHING
    if isinstance(raw, list):
        return ", ".join(str(item) for item in raw) or NOTHING
    if model_field.choices:
        labels = {str(key): label for key, label in model_field.flatchoices}
        return str(labels.get(str(raw), raw))
    if isinstance(model_field, models.BooleanField):
        return _("Yes") if raw in (True, "True", "true", 1) else _("No")
    if isinstance(model_field, models.DateTimeField):
        moment = parse_datetime(str(raw))
        return date_format(timezone.localtime(moment) if moment and timezone.is_aware(moment)
                           else moment, "DATETIME_FORMAT") if moment else str(raw)
    if isinstance(model_field, models.DateField):
        day = parse_date(str(raw)[:10])
        return date_format(day) if day else str(raw)
    if isinstance(model_field, models.DecimalField):
        return _number(raw, None)
    if model_field.many_to_one or model_field.one_to_one:
        related = model_field.related_model
        found = lookups.objects.get(related._meta.label_lower, {}).get(_first_int(raw))
        return _label(found) or str(found) if found is not None else NOTHING
    return str(raw)


def _fields(model, values: dict, lookups: _Page) -> list:
    """(verbose name, value) of each known field; keys without a field are left out."""
    if model is None:
        return []
    details = []
    for name, raw in values.items():
        found = _field(model, name)
        if found is None or found.primary_key or name in ("version",):
            continue
        details.append((capfirst(found.verbose_name), _field_text(found, raw, lookups)))
    return details


def _changes(model, old: dict, new: dict, lookups: _Page) -> list:
    details = []
    for name in list(dict.fromkeys([*old, *new])):
        found = _field(model, name)
        if found is None:
            continue
        before = _field_text(found, old.get(name), lookups) if name in old else None
        after = _field_text(found, new.get(name), lookups) if name in new else None
        text = f"{before} → {after}" if before is not None and after is not None \
            else (after if after is not None else before)
        details.append((capfirst(found.verbose_name), text))
    return details


def _agenda(lookups: _Page, event: AuditEvent) -> str:
    disposition = (lookups.dispositions.get(_first_int(event.object_id))
                   if event.object_type == "collection.disposition" else None)
    disposition = disposition or lookups.round_disposition
    return disposition.agenda if disposition else NOTHING


def _disposition_built(event, data, lookups, values):
    values["agenda"] = _agenda(lookups, event)
    disposition = lookups.dispositions.get(_first_int(event.object_id)) \
        if event.object_type == "collection.disposition" else lookups.round_disposition
    if event.action == "disposition.forwarded" and disposition is not None:
        values["to"] = disposition.forwarded_to or NOTHING
        return [(capfirst(Disposition._meta.get_field("forward_instruction").verbose_name),
                 disposition.forward_instruction)]
    if event.action == "disposition.updated":
        return _changes(Disposition, data.get("old") or {}, data.get("new") or {}, lookups)
    return []


def _codes(lookups: _Page, ids) -> str:
    found = [lookups.indicators.get(pk) for pk in sorted(_ints(ids))]
    return ", ".join(indicator.code for indicator in found if indicator is not None)


def _format_built(event, data, lookups, values):
    data_format = lookups.formats.get(_first_int(event.object_id))
    values["number"] = data_format.number if data_format else NOTHING
    if event.action == "format.created":
        values["count"] = data.get("indicators", NOTHING)
    elif event.action == "format.sent":
        units = data.get("units")
        values["count"] = len(units) if isinstance(units, list) else NOTHING
        prefilled = data.get("prefilled_values")
        if isinstance(prefilled, int) and prefilled:
            return [(_("Values added up from the quarters"), str(prefilled))]
    elif event.action == "format.changed":
        old, new = set(_ints(data.get("old") or [])), set(_ints(data.get("new") or []))
        return [(_("Indicators added"), _codes(lookups, new - old)),
                (_("Indicators removed"), _codes(lookups, old - new))]
    elif event.action == "format.revised":
        if data_format is not None and data_format.change_note:
            return [(capfirst(DataRequestFormat._meta.get_field("change_note").verbose_name),
                     data_format.change_note)]
        return [(_("Indicators added"), ", ".join(map(str, data.get("added") or []))),
                (_("Indicators removed"), ", ".join(map(str, data.get("removed") or [])))]
    return []


def _meeting_built(event, data, lookups, values):
    meeting = lookups.meeting
    if meeting is None:
        return []
    values["present"], values["invited"] = meeting.present, meeting.invited
    return [(capfirst(Meeting._meta.get_field("held_at").verbose_name),
             date_format(timezone.localtime(meeting.held_at), "DATETIME_FORMAT")),
            (capfirst(Meeting._meta.get_field("place").verbose_name), meeting.place)]


def _indicator_name(indicator, code: str) -> str:
    if indicator is None:
        return code or NOTHING
    return f"{indicator.code} {indicator.name}"


def _value_built(event, data, lookups, values):
    value = lookups.values.get(_first_int(event.object_id))
    indicator = value.indicator if value is not None else None
    decimals = indicator.decimals if indicator is not None else None
    old = data.get("old") if isinstance(data.get("old"), dict) else {}
    new = data.get("new") if isinstance(data.get("new"), dict) else {}
    values["indicator"] = _indicator_name(indicator, str(data.get("indicator") or ""))
    values["old"] = _number(old.get("value"), decimals)
    values["new"] = _number(new.get("value"), decimals)
    details = []
    for name, raw in new.items():
        found = _field(IndicatorValue, name)
        if name == "value" or found is None or old.get(name, "") == raw:
            continue
        if name == "plausibility" and raw:
            text = str(PlausibilityFlag(raw).label) if raw in PlausibilityFlag.values else raw
        else:
            text = raw if raw not in ("", "None") else NOTHING
        details.append((capfirst(found.verbose_name), text))
    quarters = data.get("quarters") if isinstance(data.get("quarters"), dict) else {}
    for period, raw in sorted(quarters.items()):
        label = Period(period).label if period in Period.values else None
        if label is not None:
            details.append((capfirst(label), _number(raw, decimals)))
    return details


def _evidence_built(event, data, lookups, values):
    evidence = lookups.evidence.get(_first_int(event.object_id))
    if evidence is None:
        values["file"] = values["indicator"] = NOTHING
        return []
    values["file"] = evidence.original_name
    values["indicator"] = _indicator_name(evidence.value.indicator, "")
    return []


def _return_reason(event, data) -> str:
    if isinstance(data.get("reason"), str):
        return data["reason"]
    found = RETURNED_SUMMARY.search(event.summary or "")
    return found.group(1) if found else ""


def _return_built(event, data, lookups, values):
    step = lookups.context.steps.get(event.step)
    back = lookups.context.step_numbers.get(step.returns_to_id) if step else None
    values["to"] = back if back is not None else NOTHING
    details = [(capfirst(_("reason")), _return_reason(event, data))]
    comments = data.get("comments") if isinstance(data.get("comments"), dict) else {}
    for key, text in comments.items():
        indicator = lookups.indicators.get(_first_int(key))
        details.append((_("Note on %(indicator)s") % {
            "indicator": indicator.code if indicator else NOTHING}, text))
    return details


def _finalised_built(event, data, lookups, values):
    details = _reason(data)
    missing = data.get("missing")
    if isinstance(missing, list) and missing:
        details.append((_("Finalised without"), ", ".join(map(str, missing))))
    return details


def _deleted_disposition_built(event, data, lookups, values):
    # The draft is gone: its agenda number is in the event.
    values["agenda"] = data.get("agenda") or NOTHING
    return []


def _object_built(event, data, lookups, values):
    values["object"] = _object_name(event, _model(event.object_type), lookups)
    source = data.get("source")
    return [(_("File"), source)] if isinstance(source, str) and source else []


def _count_built(event, data, lookups, values):
    moved = data.get("moved")
    values["count"] = moved if isinstance(moved, int) else NOTHING
    return []


BUILDERS = {
    "disposition.created": _disposition_built,
    "disposition.updated": _disposition_built,
    "round.opened": _disposition_built,
    "disposition.forwarded": _disposition_built,
    "disposition.initialled": _disposition_built,
    "format.created": _format_built,
    "format.changed": _format_built,
    "format.finalised": _format_built,
    "format.sent": _format_built,
    "format.revised": _format_built,
    "meeting.recorded": _meeting_built,
    "value.saved": _value_built,
    "value.prefilled": _value_built,
    "evidence.added": _evidence_built,
    "unit_recap.returned": _return_built,
    "handover.returned": _return_built,
    "round.finalised": _finalised_built,
    "round.reopened": _finalised_built,
    "round.cancelled": _finalised_built,
    "disposition.deleted": _deleted_disposition_built,
    "person.login_created": _object_built,
    "catalogue.period_created": _object_built,
    "catalogue.imported": _object_built,
    "api_token.created": _object_built,
    "api_token.revoked": _object_built,
    "workcalendar.due_times_recomputed": _count_built,
}


# -- the actions of the apps above collection ----------------------------------------------

def register(action: str, sentence, builder: Callable[..., list | None] | None = None,
             step_kind: str | None = None, *,
             loader: Callable[[set[int]], dict[int, Any]] | None = None,
             object_steps: Callable[[Round], QuerySet] | None = None) -> None:
    """Tell the events of `action`, written by an app that collection may not import, as
    `sentence` (its placeholders as in `SENTENCES`).

    - `builder(event, data, lookups, values)` fills the sentence's placeholders in `values`
      and returns the (label, text) details; the event's object is `lookups.object_of(event)`.
    - `step_kind`: an event written without its step number is under the round's step of
      this kind.
    - `loader(ids)`: the objects the page's events of this action name, by id, in one query
      (whatever the number of events).
    - `object_steps(round_)`: for events written without their step number, the round's
      objects annotated with `key` (the object's id as the event keeps it, as text) and
      `number` (the step the object belongs to); the step filter uses it as a subquery.

    Called from the app's AppConfig.ready(). Registering again replaces: ready() runs again
    whenever the app registry is rebuilt. collection's own actions stay its own.
    """
    if action in OWN_ACTIONS:
        raise ValueError(f"{action!r} is one of collection's own actions")
    SENTENCES[action] = sentence
    for registry, hook in ((BUILDERS, builder), (STEP_OF_ACTION, step_kind),
                           (LOADERS, loader), (OBJECT_STEPS, object_steps)):
        if hook is None:
            registry.pop(action, None)
        else:
            registry[action] = hook


# -- the workbook -------------------------------------------------------------------------

def workbook_filename(round_: Round) -> str:
    return f"riwayat-{round_.year}-{round_.period}.xlsx"


def history_workbook(*, viewer: Viewer, round_: Round, unit_id: int | None = None,
                     step: int | None = None, person_id: int | None = None) -> bytes:
    """The filtered record, every page, as .xlsx: one row per event; every text is written
    as data (core/cells.py `text_cell`), never a formula."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from kinerja.core.cells import text_cell

    book = Workbook()
    sheet = book.active
    sheet.title = _("History")[:31]
    columns = ((_("When"), 18), (_("Who"), 28), (_("Position"), 30), (_("Step"), 30),
               (_("Unit"), 22), (_("What"), 60), (_("Details"), 50))
    for number, (title, width) in enumerate(columns, start=1):
        cell = text_cell(sheet.cell(row=1, column=number), title)
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = "A2"
    wrap = Alignment(wrap_text=True, vertical="top")
    row = 1
    for entry in all_entries(viewer=viewer, round_=round_, unit_id=unit_id, step=step,
                             person_id=person_id):
        row += 1
        moment = sheet.cell(row=row, column=1,
                            value=timezone.localtime(entry.at).replace(tzinfo=None))
        moment.number_format = "DD/MM/YYYY HH:MM"
        step_text = f"{entry.step_number}. {entry.step_name}" if entry.step_number else ""
        details = "\n".join(f"{label}: {text}" for label, text in entry.details)
        for column, text in enumerate((entry.person, entry.position, step_text, entry.unit,
                                       entry.sentence, details), start=2):
            text_cell(sheet.cell(row=row, column=column), text).alignment = wrap
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
