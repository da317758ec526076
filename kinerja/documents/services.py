"""The document actions: issue a step's documents, print a draft, verify a file, record the
hardcopy, and pack a round's paper trail. Views, the API and the tests call these."""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from kinerja.collection.engine import acting_role
from kinerja.collection.models import Round, StepExecution, Track
from kinerja.core import files
from kinerja.core.audit import record_event
from kinerja.core.cells import csv_row
from kinerja.core.errors import DomainError, PermissionDenied, StaleEdit
from kinerja.core.text import TextTooLong, clean_text
from kinerja.organisation.visibility import Viewer

from . import selectors, signing
from .cycle import DocumentSpec, specs_for_execution
from .models import Document, DocumentFailure, FailureCause, Hardcopy
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


class DocumentIssueError(Exception):
    """A document could not be rendered, signed or stored. Not the user's fault and not a
    reason to undo the step: it is recorded as a `DocumentFailure`."""

    def __init__(self, cause: str, detail: str):
        super().__init__(detail)
        self.cause = cause
        self.detail = detail


def _technical(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _document_issue(execution: StepExecution, spec: DocumentSpec) -> tuple[Document, bool]:
    """(the step's document of this kind, whether it was filed just now)."""
    existing = Document.objects.filter(execution=execution, kind=spec.kind).first()
    if existing is not None:
        _failures_resolve(execution, spec.kind)
        return existing, False
    round_ = execution.round
    identifier = uuid.uuid4()
    backend = signing.backend()
    agency_can_sign = backend.can_sign(round_.agency)
    try:
        pdf = document_render(spec, identifier=identifier,
                              signed_electronically=agency_can_sign)
    except Exception as error:  # WeasyPrint, a template or its data: any of them
        raise DocumentIssueError(FailureCause.RENDERING, _technical(error)) from error
    try:
        signed = backend.sign(pdf, agency=round_.agency, reason=spec.title)
    except signing.CertificateError as error:
        raise DocumentIssueError(FailureCause.CERTIFICATE, _technical(error)) from error
    except Exception as error:  # pyHanko or a provider's service
        raise DocumentIssueError(FailureCause.SIGNING, _technical(error)) from error
    digest = sha256_of(signed.content)
    document = Document(
        identifier=identifier, agency=round_.agency, round=round_, track=spec.track,
        execution=execution, kind=spec.kind, title=spec.title[:300], size=len(signed.content),
        sha256=digest, signers=spec.signers, signing_backend=signed.backend,
        certificate_subject=signed.certificate_subject[:300],
        certificate_self_signed=signed.self_signed)
    try:
        document.file.save(f"{digest[:16]}.pdf", ContentFile(signed.content), save=False)
    except OSError as error:
        raise DocumentIssueError(FailureCause.STORAGE, _technical(error)) from error
    try:
        with transaction.atomic():
            document.save()
            record_event(action="document.issued", obj=document, actor=execution.completed_by,
                         agency=round_.agency, summary=f"{spec.title} ({digest[:12]})",
                         round_=round_, track=spec.track, step=execution.step.number,
                         data={"sha256": digest, "kind": spec.kind})
            _failures_resolve(execution, spec.kind)
    except IntegrityError:
        document.file.delete(save=False)
        return Document.objects.get(execution=execution, kind=spec.kind), False
    return document, True


def document_issue(execution: StepExecution, spec: DocumentSpec) -> Document:
    """Render, sign and store a step's document once; a second call returns the first.
    Raises `DocumentIssueError` when it cannot be made."""
    return _document_issue(execution, spec)[0]


def _failures_resolve(execution: StepExecution, kind: str) -> None:
    DocumentFailure.objects.filter(execution=execution, kind=kind,
                                   resolved_at__isnull=True).update(resolved_at=timezone.now())


def _failure_record(execution: StepExecution, *, kind: str, title: str, track: Track | None,
                    error: DocumentIssueError) -> DocumentFailure:
    """One row per (step, kind); a failed retry counts an attempt and reopens it."""
    now = timezone.now()
    logger.warning("Document %r of step execution %s could not be issued (%s): %s",
                   title, execution.pk, error.cause, error.detail)
    logger.debug("The cause of the failure above", exc_info=error.__cause__)
    with transaction.atomic():
        failure, created = DocumentFailure.objects.select_for_update().get_or_create(
            execution=execution, kind=kind,
            defaults={"agency": execution.round.agency, "round": execution.round,
                      "track": track, "title": title[:300], "cause": error.cause,
                      "detail": error.detail, "first_failed_at": now, "last_failed_at": now})
        if not created:
            failure.attempts += 1
            failure.title = title[:300]
            failure.cause, failure.detail = error.cause, error.detail
            failure.last_failed_at, failure.resolved_at = now, None
            failure.save(update_fields=["attempts", "title", "cause", "detail",
                                        "last_failed_at", "resolved_at"])
    return failure


@dataclass
class IssueReport:
    """What a run filed (new documents only) and what it could not file."""

    documents: list[Document] = field(default_factory=list)
    failures: list[DocumentFailure] = field(default_factory=list)
    filed_before: list[Document] = field(default_factory=list)

    def __iadd__(self, other: IssueReport) -> IssueReport:
        self.documents += other.documents
        self.failures += other.failures
        self.filed_before += other.filed_before
        return self


def documents_issue_report(execution_id: int) -> IssueReport:
    """Files every document a completed step files (nothing for a step still open). A
    document that cannot be made is recorded as a failure and the others are still filed."""
    execution = (StepExecution.objects
                 .select_related("round__agency", "round__sop_version", "step", "track__unit",
                                 "completed_by__person")
                 .get(pk=execution_id))
    report = IssueReport()
    try:
        with transaction.atomic():
            specs = specs_for_execution(execution)
    except Exception as error:  # the data for the documents could not be gathered
        report.failures.append(_failure_record(
            execution, kind="", track=execution.track,
            title=f"{execution.step.number}. {execution.step.description}",
            error=DocumentIssueError(FailureCause.RENDERING, _technical(error))))
        return report
    _failures_resolve(execution, "")
    for spec in specs:
        try:
            # No transaction around the rendering: on SQLite (IMMEDIATE transactions) it would
            # hold the write lock for the seconds a PDF takes. `_document_issue` writes in its
            # own transaction, after the PDF is made.
            document, filed_now = _document_issue(execution, spec)
        except DocumentIssueError as error:
            report.failures.append(_failure_record(
                execution, kind=spec.kind, title=spec.title, track=spec.track, error=error))
            continue
        (report.documents if filed_now else report.filed_before).append(document)
    return report


def documents_issue_for(execution_id: int) -> list[Document]:
    """Every document a completed step has filed, filing the missing ones first (failures
    are recorded, not raised)."""
    report = documents_issue_report(execution_id)
    return report.filed_before + report.documents


def documents_issue_missing_report(round_: Round) -> IssueReport:
    """Files the documents of completed steps that filed none or whose documents failed
    (a render or signature that failed after the step's commit); safe to run any time."""
    report = IssueReport()
    done = round_.executions.filter(status__in=["done", "returned"])
    open_failures = DocumentFailure.objects.filter(execution=OuterRef("pk"),
                                                   resolved_at__isnull=True)
    lacking = done.filter(~Exists(Document.objects.filter(execution=OuterRef("pk")))
                          | Exists(open_failures))
    for execution_id in lacking.order_by("id").values_list("id", flat=True):
        report += documents_issue_report(execution_id)
    return report


def documents_issue_missing(round_: Round) -> list[Document]:
    """The documents filed just now (see `documents_issue_missing_report`)."""
    return documents_issue_missing_report(round_).documents


def documents_cancel(round_: Round, *, at) -> list[int]:
    """A cancelled round's filed documents stay in the record, marked cancelled; returns
    their ids (the round's audit event lists them)."""
    documents = Document.objects.filter(round=round_, cancelled_at__isnull=True)
    ids = sorted(documents.values_list("id", flat=True))
    documents.update(cancelled_at=at)
    return ids


def document_verify(document: Document, content: bytes) -> bool:
    """The same bytes as filed: valid; anything else: not valid."""
    return sha256_of(content) == document.sha256


def document_verify_upload(document: Document, upload) -> bool:
    """An uploaded file (public page): a file of another size is not read at all."""
    return upload.size == document.size and document_verify(document, upload.read())


# -- hardcopy --------------------------------------------------------------------------------

def may_file_hardcopy(viewer: Viewer, document: Document) -> bool:
    """Who may read the document (`selectors.may_view_document`) and is the step's own
    actor, who files its paper, or the secretariat's head or the data subsection, who keep
    the round's file."""
    if not selectors.may_view_document(viewer=viewer, document=document):
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
    try:
        location = clean_text(location, max_length=250, field=_("the place"),
                              single_line=True)
    except TextTooLong as error:
        problems["location"] = error.message
        location = ""
    if not location and "location" not in problems:
        problems["location"] = _("Say where the signed copy is filed.")
    if filed_on > timezone.localdate():
        problems["filed_on"] = _("The filing date cannot be in the future.")
    if filed_on < timezone.localtime(document.issued_at).date():
        problems["filed_on"] = _("The copy cannot be filed before the document was issued.")
    content_type = None
    if scan is not None:
        content_type = files.sniff(scan[:files.SNIFF_BYTES])
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
        hardcopy.location = location
        if scan is not None:
            digest = sha256_of(scan)
            hardcopy.scan.save(f"{digest[:16]}{files.suffix_for(content_type)}",
                               ContentFile(scan), save=False)
            hardcopy.scan_name = scan_name[:255]
            hardcopy.scan_content_type = content_type
            hardcopy.scan_sha256 = digest
        hardcopy.save()
        record_event(action="document.hardcopy_recorded", obj=hardcopy, actor=user,
                     agency=document.agency,
                     summary=f"{document.title}: {location}",
                     round_=document.round_id, track=document.track_id,
                     data={"document": str(document.identifier),
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

# `cancelled`: when the document's round was cancelled (empty for a valid document).
INDEX_COLUMNS = ["file", "step", "unit", "document", "issued", "sha256", "hardcopy_filed_on",
                 "hardcopy_filed_by", "hardcopy_location", "scan_file", "scan_sha256",
                 "cancelled"]


def round_archive(viewer: Viewer, round_: Round) -> bytes:
    """Every document of the round the person may see, the scans beside them, an index
    (CSV) and a SHA256SUMS file that `sha256sum -c` checks."""
    documents = selectors.documents_of_round_for_viewer(viewer=viewer, round_=round_)
    buffer = io.BytesIO()
    index = io.StringIO()
    # Every field quoted, and people's text (locations, names, titles) never read as a
    # formula by a spreadsheet (`csv_row`: OWASP's rule against CSV injection).
    writer = csv.writer(index, quoting=csv.QUOTE_ALL)
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
            writer.writerow(csv_row([
                name, document.execution.step.number,
                document.track.unit.name if document.track else "", document.title,
                timezone.localtime(document.issued_at).isoformat(timespec="seconds"),
                document.sha256,
                hardcopy.filed_on.isoformat() if hardcopy else "",
                hardcopy.filed_by.full_name if hardcopy else "",
                hardcopy.location if hardcopy else "", scan_file,
                hardcopy.scan_sha256 if hardcopy else "",
                timezone.localtime(document.cancelled_at).isoformat(timespec="seconds")
                if document.cancelled_at else ""]))
        archive.writestr("index.csv", index.getvalue())
        # The names in SHA256SUMS are Kinerja's own (number, step, kind, identifier, the
        # stored scan's suffix): no person's text, so no line break or backslash to escape.
        archive.writestr("SHA256SUMS", "\n".join(sums) + "\n")
    return buffer.getvalue()
