"""The documents panel of a round's and a unit's page: print buttons, what was filed, its
hardcopy. A template tag, so that the collection pages need not know the documents app."""

from django import template
from django.urls import reverse

from kinerja.documents import cycle, selectors, services
from kinerja.documents.forms import HardcopyForm
from kinerja.documents.models import DocumentKind

register = template.Library()

ROUND_PRINTS = [DocumentKind.DISPOSITION, DocumentKind.DATA_REQUEST_FORMAT,
                DocumentKind.MEETING_INVITATION, DocumentKind.MEETING_MINUTES,
                DocumentKind.AGENCY_RECAP]
TRACK_PRINTS = [DocumentKind.DATA_REQUEST_FORMAT, DocumentKind.FILLED_FORMAT,
                DocumentKind.UNIT_RECAP, DocumentKind.VALIDATION_RECORD,
                DocumentKind.HANDOVER_RECEIPT]


def _prints(round_, track, filed):
    kinds = TRACK_PRINTS if track else ROUND_PRINTS
    filed_kinds = {document.kind for document in filed}
    found = []
    for kind in kinds:
        if kind == DocumentKind.AGENCY_RECAP and not round_.tracks.exists():
            continue
        if kind not in filed_kinds and not cycle.draft_available(kind, round_, track):
            continue
        url = reverse("documents:print", args=[round_.id, kind])
        if track is not None:
            url += f"?track={track.id}"
        found.append({"kind": kind, "label": DocumentKind(kind).label, "url": url,
                      "filed": kind in filed_kinds})
    return found


@register.inclusion_tag("documents/partials/panel.html", takes_context=True)
def documents_panel(context, round_, track=None):
    request = context["request"]
    viewer = request.viewer
    documents = selectors.documents_of_round_for_viewer(viewer=viewer, round_=round_)
    if track is not None:
        documents = [document for document in documents if document.track_id == track.id]
    failures = selectors.document_failures_of_round_for_viewer(viewer=viewer, round_=round_)
    if track is not None:
        failures = [failure for failure in failures if failure.track_id == track.id]
    rows = [{"document": document, "hardcopy": getattr(document, "hardcopy", None),
             "may_file": services.may_file_hardcopy(viewer, document)}
            for document in documents]
    for row in rows:
        if row["may_file"]:
            hardcopy = row["hardcopy"]
            row["form"] = HardcopyForm(
                initial={"version": hardcopy.version if hardcopy else None,
                         "location": hardcopy.location if hardcopy else ""},
                auto_id=f"hc-{row['document'].identifier}-%s")
    return {
        "round": round_, "track": track, "rows": rows, "request": request,
        "csrf_token": context.get("csrf_token"),
        "prints": _prints(round_, track, documents),
        "lacking": services.steps_lacking_hardcopy(documents),
        "filed_count": len(documents),
        "failures": failures,
    }
