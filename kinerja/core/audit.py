"""Writing the audit trail: one `AuditEvent` per change (docs/decisions.md)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models

from .models import AuditEvent


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
