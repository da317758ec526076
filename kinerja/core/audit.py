from django.db import models

from .models import AuditEvent


def record_event(*, action: str, obj: models.Model, summary: str, actor=None, agency=None,
                 data: dict | None = None) -> AuditEvent:
    return AuditEvent.objects.create(
        agency=agency,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        summary=summary[:500],
        data=data or {},
    )
