"""Who may read the documents, and the getters built on it, written once for the pages
(`views.py`, the round's documents panel) and the API (`api/documents.py`).

A document is read under the rule of the unit's data it carries
(organisation/visibility.py): a unit's document by whoever may see the unit's data at its
track's stage, the agency recap by whoever may see every unit's, a round-wide document and a
unit's copy of the format by the whole agency. The getters answer only what the person may
see: another agency's document is a 404, one the person may not read at its unit's stage a 403
(Django's `PermissionDenied`, which the pages and the API both answer with 403)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from kinerja.collection.models import ExecutionStatus, Round, StepExecution, Track
from kinerja.organisation.visibility import Viewer

from .cycle import STEP_DOCUMENTS, document_kinds_for
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


# -- documents still to come -----------------------------------------------------------------

@dataclass(frozen=True)
class BeingIssued:
    """A document a completed step files and has not filed yet, nor failed to file."""

    execution: StepExecution
    kind: str

    @property
    def track(self) -> Track | None:
        return self.execution.track

    @property
    def label(self) -> str:
        return str(DocumentKind(self.kind).label)


# A job RUNNING for longer than this lost its worker (killed mid-render): nothing files it.
STALLED_AFTER = timedelta(minutes=30)


def _executions_with_a_live_job(execution_ids: set[int]) -> set[int]:
    """The steps whose documents job waits for the worker or runs now. Without one (the job
    failed, its worker died, it was pruned, or issuing is switched off) nothing is coming:
    `manage.py issue_documents` files what is missing."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from .tasks import issue_documents_task

    live = (Q(status=TaskResultStatus.READY)
            | Q(status=TaskResultStatus.RUNNING,
                started_at__gte=timezone.now() - STALLED_AFTER))
    jobs = (DBTaskResult.objects
            .filter(live, task_path=issue_documents_task.module_path,
                    args_kwargs__args__0__in=sorted(execution_ids))
            .order_by().values_list("args_kwargs", flat=True))
    return {args_kwargs["args"][0] for args_kwargs in jobs}


def documents_being_issued(round_: Round) -> list[BeingIssued]:
    """The documents the round's completed steps file that are neither filed nor failed and
    whose job waits for the task worker or runs now (tasks.py), in step order. A document
    that could not be made is a `DocumentFailure`, shown as such, not here."""
    executions = list(
        round_.executions.filter(status__in=[ExecutionStatus.DONE, ExecutionStatus.RETURNED],
                                 step__kind__in=list(STEP_DOCUMENTS))
        .select_related("step", "track__unit")
        .order_by("step__number", "track__unit__order", "id"))
    if not executions:
        return []
    done = set(Document.objects.filter(round=round_).values_list("execution_id", "kind"))
    done |= set(DocumentFailure.objects.filter(round=round_, resolved_at__isnull=True)
                .values_list("execution_id", "kind"))
    missing = []
    for execution in executions:
        if (execution.id, "") in done:  # none of its documents could even be listed
            continue
        missing += [BeingIssued(execution, kind) for kind in document_kinds_for(execution)
                    if (execution.id, kind) not in done]
    if not missing:
        return []
    coming = _executions_with_a_live_job({item.execution.id for item in missing})
    return [item for item in missing if item.execution.id in coming]


def documents_being_issued_for_viewer(*, viewer: Viewer, round_: Round) -> list[BeingIssued]:
    """`documents_being_issued` that the person will read once filed (`may_view_document`)."""
    if not _of_viewers_agency(viewer, round_.agency_id):
        return []
    found = documents_being_issued(round_)
    sees_all = None
    visible = []
    for item in found:
        if item.kind == DocumentKind.AGENCY_RECAP:
            if sees_all is None:
                sees_all = viewer.sees_every_unit(round_.tracks.select_related("unit"))
            if sees_all:
                visible.append(item)
        elif _may_view_copy(viewer, item.track, item.kind):
            visible.append(item)
    return visible
