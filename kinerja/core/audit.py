"""Writing the audit trail: one `AuditEvent` per change (docs/decisions.md)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext

from .models import AuditEvent
from .numbers import shown


def record_event(*, action: str, obj: models.Model, summary: str, actor=None, agency=None,
                 data: dict | None = None, round_=None, track=None, stage: int | None = None,
                 step: int | None = None, at: datetime.datetime | None = None) -> AuditEvent:
    """Write one event. `round_` and `track` are model instances or ids; `stage` is the stage
    the unit's data had (who may read the event), `step` the SOP step number."""
    fields: dict[str, Any] = {}
    if at is not None:
        fields["at"] = at
    return AuditEvent.objects.create(
        agency=agency,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        summary=summary[:500],
        data=data or {},
        round_id=getattr(round_, "pk", round_),
        track_id=getattr(track, "pk", track),
        stage=None if stage is None else int(stage),
        step=step,
        **fields,
    )


def json_value(value: Any) -> Any:
    """A field's value as the audit trail keeps it: exact decimals and dates as text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def field_values(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """{field name: value} of the object's concrete fields (foreign keys by id)."""
    chosen = None if fields is None else set(fields)
    values = {}
    for field in obj._meta.concrete_fields:
        if chosen is not None and field.name not in chosen and field.attname not in chosen:
            continue
        name = field.name
        values[name] = json_value(getattr(obj, field.attname))
    return values


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple]:
    """{field: (old, new)} of the fields whose value differs."""
    return {name: (before.get(name), after.get(name))
            for name in sorted(set(before) | set(after))
            if before.get(name) != after.get(name)}


def record_change(obj: models.Model, *, actor, agency, before: dict[str, Any] | None,
                  after: dict[str, Any] | None, reason: str = "", action: str | None = None,
                  summary: str = "", **extra: Any) -> AuditEvent | None:
    """One event for a created (`before` None), changed or deleted (`after` None) object,
    with the fields before and after and the reason given. Nothing when nothing changed.

    The action is "<app>.<model>.created|changed|deleted" unless given."""
    kind = "created" if before is None else "deleted" if after is None else "changed"
    changes = changed_fields(before or {}, after or {})
    if kind == "changed" and not changes:
        return None
    label = obj._meta.label_lower
    data = {"old": {name: old for name, (old, _new) in changes.items()} if before else {},
            "new": {name: new for name, (_old, new) in changes.items()} if after else {},
            **extra}
    if reason:
        data["reason"] = reason
    return record_event(action=action or f"{label}.{kind}", obj=obj, actor=actor,
                        agency=agency, summary=summary or f"{obj} {kind}", data=data)


def many_to_many_values(obj: models.Model) -> dict[str, list]:
    """{field name: sorted ids} of the object's many-to-many links as stored."""
    if obj.pk is None:
        return {}
    return {field.name: sorted(json_value(pk) for pk in
                               getattr(obj, field.name).values_list("pk", flat=True))
            for field in obj._meta.many_to_many}


# --- Reading the trail: what an event changed, in words and the Indonesian number form -------


@dataclass(frozen=True)
class Change:
    """One field of an event: its label, and its value before and after as shown."""

    name: str
    label: str
    old: str
    new: str


def event_model(event: AuditEvent) -> type[models.Model] | None:
    try:
        return apps.get_model(event.object_type)
    except (LookupError, ValueError):
        return None


def _raw_changes(event: AuditEvent, previous: dict | None) -> tuple[dict, dict]:
    """(old, new) field values of the event: from `old`/`new` (an edit recorded by
    record_change or a service), or, for a version copied from django-simple-history
    ("version.*", all fields), by comparing with the object's version before."""
    data = event.data if isinstance(event.data, dict) else {}
    if event.action.startswith("version.") and isinstance(data.get("fields"), dict):
        fields = data["fields"]
        if event.action == "version.deleted":
            return fields, {}
        before = previous or {}
        changes = changed_fields(before, fields)
        return ({name: old for name, (old, _new) in changes.items() if previous is not None},
                {name: new for name, (_old, new) in changes.items()})
    old, new = data.get("old"), data.get("new")
    return (old if isinstance(old, dict) else {}), (new if isinstance(new, dict) else {})


def previous_versions(events: Iterable[AuditEvent]) -> dict[int, dict]:
    """{event id: the fields of the version before it} for the copied versions among the
    events (one query per object that has them)."""
    objects = {(event.object_type, event.object_id) for event in events
               if event.action.startswith("version.")}
    previous: dict[int, dict] = {}
    for object_type, object_id in objects:
        fields = None
        for event_id, data in (AuditEvent.objects
                               .filter(object_type=object_type, object_id=object_id,
                                       action__startswith="version.")
                               .order_by("at", "id").values_list("id", "data")):
            if fields is not None:
                previous[event_id] = fields
            fields = data.get("fields") if isinstance(data, dict) else None
    return previous


class ChangeReader:
    """Turns the events' field values into `Change`s a person reads: the field's label,
    choices by their label, related objects by name (one query per related model), numbers
    the Indonesian way without padding zeros ("4", never "4.0000"), dates as dates."""

    def __init__(self, events: Iterable[AuditEvent]):
        self.events = list(events)
        self.previous = previous_versions(self.events)
        self.raw = {event.id: _raw_changes(event, self.previous.get(event.id))
                    for event in self.events}
        self.names: dict[tuple[type[models.Model], Any], str] = {}
        self._load_related()

    def _field(self, event: AuditEvent, name: str):
        model = event_model(event)
        if model is None:
            return None
        try:
            return model._meta.get_field(name)
        except FieldDoesNotExist:
            return None

    def _load_related(self) -> None:
        wanted: dict[type[models.Model], set] = {}
        for event in self.events:
            old, new = self.raw[event.id]
            for name, value in [*old.items(), *new.items()]:
                field = self._field(event, name)
                if field is None or not field.is_relation or value in (None, "", []):
                    continue
                ids = value if isinstance(value, list) else [value]
                wanted.setdefault(field.related_model, set()).update(
                    i for i in ids if isinstance(i, (int, str)))
        for model, pks in wanted.items():
            for pk, obj in model._base_manager.in_bulk(list(pks)).items():
                self.names[(model, pk)] = str(obj)

    def text(self, field, value: Any) -> str:
        if value is None or value == "" or value == []:
            return "—"
        if field is None:
            return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        try:
            if field.is_relation:
                ids = value if isinstance(value, list) else [value]
                return ", ".join(self.names.get((field.related_model, i), f"#{i}")
                                 for i in ids)
            if field.choices:
                return str(dict(field.flatchoices).get(value, value))
            if isinstance(field, models.BooleanField):
                return gettext("Yes") if value else gettext("No")
            if isinstance(field, (models.DecimalField, models.FloatField)):
                return shown(Decimal(str(value)).normalize())
            if isinstance(field, models.DateTimeField):
                moment = datetime.datetime.fromisoformat(str(value))
                if timezone.is_aware(moment):
                    moment = timezone.localtime(moment)
                return date_format(moment, "DATETIME_FORMAT")
            if isinstance(field, models.DateField):
                return date_format(datetime.date.fromisoformat(str(value)), "DATE_FORMAT")
            if isinstance(field, models.TimeField):
                return datetime.time.fromisoformat(str(value)).strftime("%H:%M")
        except (ValueError, TypeError, ArithmeticError):
            pass
        return str(value)

    def changes(self, event: AuditEvent) -> list[Change]:
        old, new = self.raw[event.id]
        rows = []
        for name in sorted(set(old) | set(new)):
            field = self._field(event, name)
            if field is not None and getattr(field, "primary_key", False):
                continue  # the object's own id says nothing to a reader
            label = capfirst(str(field.verbose_name)) if field is not None and hasattr(
                field, "verbose_name") else name
            rows.append(Change(name, label, self.text(field, old.get(name)),
                               self.text(field, new.get(name))))
        return rows
