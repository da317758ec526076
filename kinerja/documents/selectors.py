"""Who may read the documents, and the getters built on it, written once for the pages
(`views.py`, the round's documents panel) and the API (`api/documents.py`).

A document is read under the rule of the unit's data it carries
(organisation/visibility.py): a unit's document by whoever may see the unit's data at its
track's stage, the agency recap by whoever may see every unit's, a round-wide document and a
unit's copy of the format by the whole agency. The getters answer only what the person may
see: another agency's document is a 404, one the person may not read at its unit's stage a 403
(Django's `PermissionDenied`, which the pages and the API both answer with 403)."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404

from kinerja.collection.models import Round, Track
from kinerja.organisation.visibility import Viewer

from .models import Document, DocumentFailure, DocumentKind

# A unit's copy of the format carries no data of the unit: the whole agency may read it.
AGENCY_WIDE_KINDS = {DocumentKind.DATA_REQUEST_FORMAT}


def _of_viewers_agency(viewer: Viewer, agency_id: int) -> bool:
    return viewer.has_person and agency_id == viewer.agency_id


def _may_view_copy(viewer: Viewer, track: Track | None, kind: str) -> bool:
    """A unit's copy under the rule of the unit's data; a round-wide copy, and a unit's copy
    of the format, for the whole agency."""
    return track is None or kind in AGENCY_WIDE_KINDS or viewer.can_see_track(track)


def may_view_document(*, viewer: Viewer, document: Document | DocumentFailure) -> bool:
    """A filed document, or one a step failed to file (a failure carries the document's
    agency, round, track and kind, so the same rule decides)."""
    if not _of_viewers_agency(viewer, document.agency_id):
        return False
    if document.kind == DocumentKind.AGENCY_RECAP:
        # Every unit's data: only for those who may see every unit's data at its stage.
        return viewer.sees_every_unit(document.round.tracks.select_related("unit"))
    return _may_view_copy(viewer, document.track, document.kind)


def may_view_track_draft(*, viewer: Viewer, round_: Round, track: Track | None,
                         kind: str) -> bool:
    """Who may print a DRAFT: the rule of `may_view_document` for the copy it will become (a
    unit's copy of the format is the agency's). A round-wide draft, the agency recap among
    them, shows only the units the person may see (`unit_ids_visible_to`)."""
    return _of_viewers_agency(viewer, round_.agency_id) and _may_view_copy(viewer, track, kind)


def unit_ids_visible_to(*, viewer: Viewer, round_: Round) -> set[int]:
    """The units whose data in the round the person may see at their tracks' stages."""
    return viewer.visible_unit_ids(round_.tracks.select_related("unit"))


def document_get_for_viewer(*, viewer: Viewer, identifier: UUID | str) -> Document:
    """A filed document of the person's agency that they may read."""
    document = (Document.objects.filter(identifier=identifier, agency_id=viewer.agency_id)
                .select_related("track__unit", "execution__step", "round").first())
    if document is None:
        raise Http404
    if not may_view_document(viewer=viewer, document=document):
        raise PermissionDenied
    return document


def document_filed_for_viewer(*, viewer: Viewer, round_: Round, kind: str,
                              track: Track | None) -> Document | None:
    """The round's latest filed document of a kind (of the unit's track, or round-wide), or
    None when none is filed yet. The filed copy's own rule decides: who may read it may
    print it."""
    filed = (Document.objects.filter(round=round_, kind=kind, track=track)
             .order_by("-issued_at", "-id").first())
    if filed is not None and not may_view_document(viewer=viewer, document=filed):
        raise PermissionDenied
    return filed


def documents_of_round_for_viewer(*, viewer: Viewer, round_: Round) -> list[Document]:
    """The documents the round's steps filed that the person may read, in step order."""
    documents = (Document.objects.filter(round=round_)
                 .select_related("round", "track__unit", "execution__step",
                                 "hardcopy__filed_by")
                 .order_by("execution__step__number", "track__unit__order", "issued_at", "id"))
    return [document for document in documents
            if may_view_document(viewer=viewer, document=document)]


def document_failures_of_round_for_viewer(*, viewer: Viewer,
                                          round_: Round) -> list[DocumentFailure]:
    """The round's documents that could not be filed and are still missing, for those who
    would see the document."""
    failures = (DocumentFailure.objects.filter(round=round_, resolved_at__isnull=True)
                .select_related("round", "track__unit", "execution__step")
                .order_by("execution__step__number", "track__unit__order", "id"))
    return [failure for failure in failures
            if may_view_document(viewer=viewer, document=failure)]
