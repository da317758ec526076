"""The document actions: issue a step's documents, print a draft, verify a file, record the
hardcopy, and pack a round's paper trail. Views, the API and the tests call these."""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import uuid
import zipfile
from datetime import date
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kinerja.collection.engine import acting_role
from kinerja.collection.models import Round, StepExecution, Track
from kinerja.collection.services.data_entry import file_suffix, uploaded_file_type
from kinerja.core.audit import record_event
from kinerja.core.errors import DomainError, PermissionDenied, StaleEdit
from kinerja.organisation.visibility import DataStage, Viewer

from . import signing
from .cycle import DocumentSpec, specs_for_execution
from .models import Document, DocumentKind, Hardcopy
from .qr import qr_data_uri, verification_url
from .rendering import render_pdf

logger = logging.getLogger(__name__)


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def document_render(spec: DocumentSpec, *, identifier=None,
                    signed_electronically: bool = False) -> bytes:
    """The PDF of a spec: with its identifier and QR code when it is being issued, marked
    DRAFT without one."""
    context = {**spec.context, "title": spec.title, "signers": spec.signers}
    if identifier is not None:
        url = verification_url(identifier)
        context |= {"identifier": identifier, "verification_url": url,
                    "qr_uri": qr_data_uri(url), "signed_electronically": signed_electronically,
                    "footer_text": f"{spec.title} · {identifier}"}
    else:
        context["footer_text"] = f"DRAFT · {spec.title}"
    return render_pdf(spec.template, context, agency=spec.agency,
                      landscape=spec.landscape, draft=identifier is None)


def document_issue(execution: StepExecution, spec: DocumentSpec) -> Document:
    """Render, sign and store a step's document once; a second call returns the first."""
    existing = Document.objects.filter(execution=execution, kind=spec.kind).first()
    if existing is not None:
        return existing
    round_ = execution.round
    identifier = uuid.uuid4()
    backend = signing.backend()
    agency_can_sign = backend.can_sign(round_.agency)
    pdf = document_render(spec, identifier=identifier,
                          signed_electronically=agency_can_sign)
    signed = backend.sign(pdf, agency=round_.agency, reason=spec.title)
    digest = sha256_of(signed.content)
    document = Document(
        identifier=identifier, agency=round_.agency, round=round_, track=spec.track,
        execution=execution, kind=spec.kind, title=spec.title[:300], size=len(signed.content),
        sha256=digest, signers=spec.signers, signing_backend=signed.backend,
        certificate_subject=signed.certificate_subject[:300],
        certificate_self_signed=signed.self_signed)
    document.file.save(f"{digest[:16]}.pdf", ContentFile(signed.content), save=False)
    try:
        with transaction.atomic():
            document.save()
            record_event(action="document.issued", obj=document, actor=execution.completed_by,
                         agency=round_.agency, summary=f"{spec.title} ({digest[:12]})",
                         data={"round": round_.pk, "track": spec.track and spec.track.pk,
                               "sha256": digest, "kind": spec.kind})
    except IntegrityError:
        document.file.delete(save=False)
        return Document.objects.get(execution=execution, kind=spec.kind)
    return document


def documents_issue_for(execution_id: int) -> list[Document]:
    """Every document a completed step files (nothing for a step still open)."""
    execution = (StepExecution.objects
                 .select_related("round__agency", "round__sop_version", "step", "track__unit",
                                 "completed_by__person")
                 .get(pk=execution_id))
    return [document_issue(execution, spec) for spec in specs_for_execution(execution)]


def documents_issue_missing(round_: Round) -> list[Document]:
    """Files the documents of completed steps that filed none (a render that failed after
    the step's commit); safe to run any time."""
    issued = []
    done = round_.executions.filter(status__in=["done", "returned"]).exclude(
        documents__isnull=False).values_list("id", flat=True)
    for execution_id in done:
        issued += documents_issue_for(execution_id)
    return issued


def issue_after_commit(execution_id: int) -> None:
    try:
        documents_issue_for(execution_id)
    except Exception:
        # The step itself is done; `manage.py issue_documents` files what is missing.
        logger.exception("Could not issue the documents of step execution %s", execution_id)


# -- who sees what ---------------------------------------------------------------------------

# A unit's copy of the format carries no data of the unit: the whole agency may read it.
AGENCY_WIDE_KINDS = {DocumentKind.DATA_REQUEST_FORMAT}


def may_view_document(viewer: Viewer, document: Document) -> bool:
    if not viewer.has_person or document.agency_id != viewer.agency_id:
        return False
    if document.kind == DocumentKind.AGENCY_RECAP:
        # Every unit's data: only for those who may see every unit's data at its stage.
        return unit_ids_visible_to(viewer, document.round) == set(
            document.round.tracks.values_list("unit_id", flat=True))
    track = document.track
    if track is None or document.kind in AGENCY_WIDE_KINDS:
        return True
    return viewer.can_see_unit_data(track.unit, DataStage(track.stage))


def unit_ids_visible_to(viewer: Viewer, round_: Round) -> set[int]:
    """The units whose data in the round the person may see at their tracks' stages."""
    return {track.unit_id for track in round_.tracks.select_related("unit")
            if viewer.can_see_unit_data(track.unit, DataStage(track.stage))}


def may_view_track_draft(viewer: Viewer, round_: Round, track: Track | None) -> bool:
    if not viewer.has_person or round_.agency_id != viewer.agency_id:
        return False
    return track is None or viewer.can_see_unit_data(track.unit, DataStage(track.stage))


def documents_of_round(viewer: Viewer, round_: Round) -> list[Document]:
    documents = (Document.objects.filter(round=round_)
                 .select_related("track__unit", "execution__step", "hardcopy__filed_by")
                 .order_by("execution__step__number", "track__unit__order", "issued_at", "id"))
    return [document for document in documents if may_view_document(viewer, document)]


def document_verify(document: Document, content: bytes) -> bool:
    """The same bytes as filed: valid; anything else: not valid."""
    return sha256_of(content) == document.sha256


def document_verify_upload(document: Document, upload) -> bool:
    """An uploaded file (public page): a file of another size is not read at all."""
    return upload.size == document.size and document_verify(document, upload.read())


# -- hardcopy --------------------------------------------------------------------------------

def may_file_hardcopy(viewer: Viewer, document: Document) -> bool:
    """The step's own actor files its paper, and so do the secretariat's head and the data
    subsection, who keep the round's file."""
    if not may_view_document(viewer, document):
        return False
    execution = document.execution
    return (acting_role(viewer, execution.step, execution.track) is not None
            or viewer.is_secretary or viewer.in_data_subsection or viewer.is_head)


def hardcopy_record(*, user, document: Document, filed_on: date, location: str,
                    scan_name: str = "", scan: bytes | None = None,
                    expected_version: int | None = None) -> Hardcopy:
    """Record that the printed copy was signed and filed, with a scan when there is one.
    Recording again (a better scan, another place) needs the version the page showed."""
    viewer = Viewer.for_user(user)
    if not may_file_hardcopy(viewer, document):
        raise PermissionDenied(_("You may not record the hardcopy of this document."))
    problems = {}
    location = location.strip()
    if not location:
        problems["location"] = _("Say where the signed copy is filed.")
    if filed_on > timezone.localdate():
        problems["filed_on"] = _("The filing date cannot be in the future.")
    if filed_on < timezone.localtime(document.issued_at).date():
        problems["filed_on"] = _("The copy cannot be filed before the document was issued.")
    content_type = None
    if scan is not None:
        content_type = uploaded_file_type(scan[:16])
        if content_type is None:
            problems["scan"] = _("The scan must be a PDF, PNG or JPEG file.")
        from kinerja.collection.recap import settings_for

        limit = settings_for(document.agency).max_evidence_megabytes * 1024 * 1024
        if len(scan) > limit:
            problems["scan"] = _("The file is larger than %(size)d MB.") % {
                "size": limit // (1024 * 1024)}
    if problems:
        raise DomainError(" ".join(problems.values()), code="invalid",
                          details=list(problems.values()))
    with transaction.atomic():
        hardcopy = Hardcopy.objects.select_for_update().filter(document=document).first()
        if hardcopy is not None:
            if expected_version is None or hardcopy.version != expected_version:
                raise StaleEdit(_("Someone else saved this first. Reload the page and try "
                                  "again."))
            hardcopy.version += 1
        else:
            hardcopy = Hardcopy(document=document)
        hardcopy.filed_by = user.person
        hardcopy.recorded_by = user
        hardcopy.filed_on = filed_on
        hardcopy.location = location[:250]
        if scan is not None:
            digest = sha256_of(scan)
            hardcopy.scan.save(f"{digest[:16]}{file_suffix(content_type)}", ContentFile(scan),
                               save=False)
            hardcopy.scan_name = scan_name[:255]
            hardcopy.scan_sha256 = digest
        hardcopy.save()
        record_event(action="document.hardcopy_recorded", obj=hardcopy, actor=user,
                     agency=document.agency,
                     summary=f"{document.title}: {location}",
                     data={"round": document.round_id, "track": document.track_id,
                           "document": str(document.identifier),
                           "scan_sha256": hardcopy.scan_sha256})
    return hardcopy


def steps_lacking_hardcopy(documents: list[Document]) -> list[tuple[int, int]]:
    """(step number, documents without their hardcopy), in step order."""
    lacking: dict[int, int] = {}
    for document in documents:
        if not hasattr(document, "hardcopy"):
            number = document.execution.step.number
            lacking[number] = lacking.get(number, 0) + 1
    return sorted(lacking.items())


# -- the archive -----------------------------------------------------------------------------

INDEX_COLUMNS = ["file", "step", "unit", "document", "issued", "sha256", "hardcopy_filed_on",
                 "hardcopy_filed_by", "hardcopy_location", "scan_file", "scan_sha256"]


def round_archive(viewer: Viewer, round_: Round) -> bytes:
    """Every document of the round the person may see, the scans beside them, an index
    (CSV) and a SHA256SUMS file that `sha256sum -c` checks."""
    documents = documents_of_round(viewer, round_)
    buffer = io.BytesIO()
    index = io.StringIO()
    writer = csv.writer(index)
    writer.writerow(INDEX_COLUMNS)
    sums = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for number, document in enumerate(documents, start=1):
            name = f"{number:02d}-langkah-{document.execution.step.number}-{document.file_name}"
            with document.file.open("rb") as handle:
                archive.writestr(name, handle.read())
            sums.append(f"{document.sha256}  {name}")
            hardcopy = getattr(document, "hardcopy", None)
            scan_file = ""
            if hardcopy is not None and hardcopy.scan:
                scan_file = f"{number:02d}-scan{Path(hardcopy.scan.name).suffix}"
                with hardcopy.scan.open("rb") as handle:
                    archive.writestr(scan_file, handle.read())
                sums.append(f"{hardcopy.scan_sha256}  {scan_file}")
            writer.writerow([
                name, document.execution.step.number,
                document.track.unit.name if document.track else "", document.title,
                timezone.localtime(document.issued_at).isoformat(timespec="seconds"),
                document.sha256,
                hardcopy.filed_on.isoformat() if hardcopy else "",
                hardcopy.filed_by.full_name if hardcopy else "",
                hardcopy.location if hardcopy else "", scan_file,
                hardcopy.scan_sha256 if hardcopy else ""])
        archive.writestr("index.csv", index.getvalue())
        archive.writestr("SHA256SUMS", "\n".join(sums) + "\n")
    return buffer.getvalue()
