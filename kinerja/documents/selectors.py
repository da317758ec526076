"""The documents' getters, written once for the pages (`views.py`) and the API
(`api/documents.py`). Each answers only what the person may see: another agency's document is
a 404, one the person may not read at its unit's stage a 403 (Django's `PermissionDenied`,
which the pages and the API both answer with 403). The rule itself is
`services.may_view_document`."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404

from kinerja.collection.models import Round, Track
from kinerja.organisation.visibility import Viewer

from . import services
from .models import Document


def document_get_for_viewer(*, viewer: Viewer, identifier: UUID | str) -> Document:
    """A filed document of the person's agency that they may read."""
    document = (Document.objects.filter(identifier=identifier, agency_id=viewer.agency_id)
                .select_related("track__unit", "execution__step", "round").first())
    if document is None:
        raise Http404
    if not services.may_view_document(viewer, document):
        raise PermissionDenied
    return document


def document_filed_for_viewer(*, viewer: Viewer, round_: Round, kind: str,
                              track: Track | None) -> Document | None:
    """The round's latest filed document of a kind (of the unit's track, or round-wide), or
    None when none is filed yet. The filed copy's own rule decides: who may read it may
    print it."""
    filed = (Document.objects.filter(round=round_, kind=kind, track=track)
             .order_by("-issued_at", "-id").first())
    if filed is not None and not services.may_view_document(viewer, filed):
        raise PermissionDenied
    return filed


def documents_of_round_for_viewer(*, viewer: Viewer, round_: Round) -> list[Document]:
    """The documents the round's steps filed that the person may read, in step order."""
    return services.documents_of_round(viewer, round_)
