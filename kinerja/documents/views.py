"""Thin views over `services`: download, print (stored or DRAFT), verify, hardcopy, archive."""

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kinerja.collection import selectors as collection_selectors
from kinerja.collection.models import Track
from kinerja.core import files
from kinerja.core.converters import MAX_ID
from kinerja.core.errors import DomainError
from kinerja.core.errors import PermissionDenied as DomainPermissionDenied
from kinerja.organisation.decorators import person_required

from . import cycle, selectors, services
from .forms import HardcopyForm, VerifyForm
from .models import Document, DocumentKind


def _pdf_response(content: bytes, filename: str):
    """A DRAFT Kinerja just made: served as every file is (kinerja/core/files.py)."""
    return files.file_response(io.BytesIO(content), content_type=files.PDF, filename=filename)


@person_required
def document_download(request, identifier):
    document = selectors.document_get_for_viewer(viewer=request.viewer, identifier=identifier)
    return files.stored_file_response(document.file, stored_type=files.PDF,
                                      filename=document.file_name)


@person_required
def scan_download(request, identifier):
    document = selectors.document_get_for_viewer(viewer=request.viewer, identifier=identifier)
    hardcopy = getattr(document, "hardcopy", None)
    if hardcopy is None or not hardcopy.scan:
        raise Http404
    # The type its bytes were sniffed as when uploaded, never one guessed from its name.
    return files.stored_file_response(hardcopy.scan, stored_type=hardcopy.scan_content_type,
                                      filename=hardcopy.scan_name or "scan")


def _track_of(round_, raw: str | None) -> Track | None:
    """The round's track named by `?track=`; none when absent; anything that is not one of the
    round's tracks (text, a sign, beyond 64 bits, another round's) is a 404."""
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19 and 0 < int(raw) <= MAX_ID):
        raise Http404
    return get_object_or_404(Track.objects.select_related("unit"), round=round_, id=int(raw))


@person_required
def document_print(request, round_id: int, kind: str):
    """The step's filed document when there is one; otherwise a DRAFT of the data as it
    stands, stored nowhere."""
    if kind not in DocumentKind.values:
        raise Http404
    round_ = collection_selectors.round_get_for_viewer(viewer=request.viewer, round_id=round_id)
    track = _track_of(round_, request.GET.get("track"))
    if (kind in cycle.TRACK_DOCUMENTS and track is None) or (
            track is not None and kind not in cycle.PER_TRACK_DOCUMENTS):
        raise Http404
    filed = selectors.document_filed_for_viewer(viewer=request.viewer, round_=round_,
                                                kind=kind, track=track)
    if filed is not None:
        return files.stored_file_response(filed.file, stored_type=files.PDF,
                                          filename=filed.file_name)
    if not selectors.may_view_track_draft(viewer=request.viewer, round_=round_, track=track,
                                          kind=kind):
        raise PermissionDenied
    if not cycle.draft_available(kind, round_, track):
        raise Http404
    spec = cycle.draft_spec(kind, round_, track,
                            unit_ids=selectors.unit_ids_visible_to(viewer=request.viewer,
                                                                   round_=round_))
    content = services.document_render(spec)
    return _pdf_response(content, f"DRAFT-{kind}.pdf")


@person_required
def disposition_print(request, disposition_id: int):
    """A disposition not yet signed, printed as a DRAFT by its author; once signed, the
    round's filed sheet."""
    disposition = collection_selectors.disposition_readable_by_viewer(
        viewer=request.viewer, disposition_id=disposition_id)
    if disposition.round_id:
        return redirect("documents:print", disposition.round_id, DocumentKind.DISPOSITION)
    content = services.document_render(cycle.disposition_sheet_spec(disposition))
    return _pdf_response(content, f"DRAFT-disposisi-{disposition.agenda_number}.pdf")


@person_required
def round_archive(request, round_id: int):
    round_ = collection_selectors.round_get_for_viewer(viewer=request.viewer, round_id=round_id)
    response = HttpResponse(services.round_archive(request.viewer, round_),
                            content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="arsip-{round_.year}-{round_.period}-{round_.agency.code}.zip"')
    return response


@person_required
@require_POST
def hardcopy_record(request, identifier):
    document = selectors.document_get_for_viewer(viewer=request.viewer, identifier=identifier)
    form = HardcopyForm(request.POST, request.FILES)
    if form.is_valid():
        scan = form.cleaned_data["scan"]
        try:
            services.hardcopy_record(
                user=request.user, document=document, filed_on=form.cleaned_data["filed_on"],
                location=form.cleaned_data["location"], scan_name=scan.name if scan else "",
                scan=scan.read() if scan else None,
                expected_version=form.cleaned_data["version"])
        except DomainPermissionDenied:
            raise PermissionDenied from None
        except DomainError as error:
            for detail in error.details or [error.message]:
                messages.error(request, detail)
        else:
            messages.success(request, _("The hardcopy is recorded."))
    else:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label}: {error}")
    return redirect(f"{document.round.get_absolute_url()}#documents")


def verify(request, identifier):
    """Public: what was signed, by whom, when, and its hash; an uploaded file is checked
    against the filed bytes."""
    document = get_object_or_404(Document.objects.select_related("agency", "round"),
                                 identifier=identifier)
    result = None
    form = VerifyForm()
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            result = services.document_verify_upload(document, form.cleaned_data["file"])
    return TemplateResponse(request, "documents/verify.html", {
        "document": document, "form": form, "result": result})
