"""A round's documents through the API: the list with hashes and hardcopy, the filed PDF,
and the hardcopy record. The same getters (documents/selectors.py), services and visibility as
the pages."""

from datetime import date
from uuid import UUID

from ninja import Field, Router, Schema

from kinerja.collection import selectors
from kinerja.core import files
from kinerja.core.converters import MAX_ID
from kinerja.documents import selectors as document_selectors
from kinerja.documents import services
from kinerja.documents.models import Document

from .auth import viewer_of
from .schemas import Id

router = Router(tags=["documents"])


class HardcopyOut(Schema):
    filed_on: date
    location: str
    filed_by: str
    scan_sha256: str
    version: int


class DocumentOut(Schema):
    identifier: UUID
    kind: str
    title: str
    step: int
    track_id: int | None
    unit: str | None
    issued_at: str
    sha256: str
    size: int
    signed_electronically: bool
    hardcopy: HardcopyOut | None


class HardcopyIn(Schema):
    filed_on: date
    location: str = Field(min_length=1, max_length=250)
    version: int | None = Field(None, ge=1, le=MAX_ID,
                                description="The hardcopy record's version you saw, when "
                                            "changing one.")


def _hardcopy_out(hardcopy) -> dict:
    return {"filed_on": hardcopy.filed_on, "location": hardcopy.location,
            "filed_by": hardcopy.filed_by.full_name, "scan_sha256": hardcopy.scan_sha256,
            "version": hardcopy.version}


def _document_out(document: Document) -> dict:
    hardcopy = getattr(document, "hardcopy", None)
    return {
        "identifier": document.identifier, "kind": document.kind, "title": document.title,
        "step": document.execution.step.number, "track_id": document.track_id,
        "unit": document.track.unit.name if document.track else None,
        "issued_at": document.issued_at.isoformat(), "sha256": document.sha256,
        "size": document.size, "signed_electronically": bool(document.signing_backend),
        "hardcopy": _hardcopy_out(hardcopy) if hardcopy else None,
    }


def _document_for(request, identifier: UUID) -> Document:
    return document_selectors.document_get_for_viewer(viewer=viewer_of(request),
                                                      identifier=identifier)


@router.get("/rounds/{round_id}/documents", response=list[DocumentOut])
def round_documents(request, round_id: Id):
    """The documents the round's steps filed that you may see, with their SHA-256 and the
    state of their signed paper copy."""
    viewer = viewer_of(request)
    round_ = selectors.round_get_for_viewer(viewer=viewer, round_id=round_id)
    return [_document_out(document) for document in
            document_selectors.documents_of_round_for_viewer(viewer=viewer, round_=round_)]


@router.get("/documents/{identifier}", response={200: None})
def document_file(request, identifier: UUID):
    """The filed PDF, byte for byte (its SHA-256 is in the list)."""
    document = _document_for(request, identifier)
    return files.stored_file_response(document.file, stored_type=files.PDF,
                                      filename=document.file_name)


@router.post("/documents/{identifier}/hardcopy", response=HardcopyOut)
def hardcopy(request, identifier: UUID, payload: HardcopyIn):
    """Record that the printed copy was signed and filed (a scan is uploaded on the round
    page)."""
    document = _document_for(request, identifier)
    return _hardcopy_out(services.hardcopy_record(
        user=request.user, document=document, filed_on=payload.filed_on,
        location=payload.location, expected_version=payload.version))
