"""The documents' events in a round's history (collection/history.py).

Collection may not import documents (docs/architecture.md, "The layer rule"), so the history
cannot name a document or a hardcopy itself: this module registers the sentences of the
events documents/services.py writes, their builders, and the bulk queries that keep the
history page at a bounded number of queries. `DocumentsConfig.ready` calls `register`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, QuerySet
from django.db.models.functions import Cast
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy

from kinerja.collection import history
from kinerja.collection.models import Round

from .models import Document, Hardcopy

ISSUED = "document.issued"
HARDCOPY = "document.hardcopy_recorded"


def _documents(ids: set[int]) -> dict[int, Document]:
    return Document.objects.in_bulk(ids)


def _hardcopies(ids: set[int]) -> dict[int, Hardcopy]:
    return Hardcopy.objects.select_related("document").in_bulk(ids)


def _hardcopy_steps(round_: Round) -> QuerySet:
    # The hardcopy event has no step number: the paper belongs to its document's step.
    return (Hardcopy.objects.filter(document__round=round_)
            .annotate(key=Cast("pk", models.CharField()),
                      number=F("document__execution__step__number")))


def _issued_built(event, data, lookups, values):
    document = lookups.object_of(event)
    values["title"] = document.title if document else history.NOTHING
    return []


def _hardcopy_built(event, data, lookups, values):
    hardcopy = lookups.object_of(event)
    if hardcopy is None:
        return []
    values["title"] = hardcopy.document.title
    return [(capfirst(Hardcopy._meta.get_field(name).verbose_name), text) for name, text in (
        ("location", hardcopy.location), ("filed_on", date_format(hardcopy.filed_on)),
        ("scan_name", hardcopy.scan_name))]


def register() -> None:
    history.register(
        ISSUED,
        gettext_lazy("The document “%(title)s” was issued with its electronic signature"),
        _issued_built, loader=_documents)
    history.register(
        HARDCOPY,
        gettext_lazy("%(person)s recorded where the signed paper of “%(title)s” is filed"),
        _hardcopy_built, loader=_hardcopies, object_steps=_hardcopy_steps)
