from django.http import HttpResponse
from django.template.response import TemplateResponse

from kinerja.organisation.decorators import person_required

from .document import sop_document_filename, sop_document_pdf
from .flowchart import flowchart_pages
from .selectors import sop_list_for_viewer, sop_version_get_for_viewer


@person_required
def sop_list(request):
    return TemplateResponse(request, "sops/sop_list.html",
                            {"sops": sop_list_for_viewer(viewer=request.viewer)})


@person_required
def sop_detail(request, sop_id: int, version: int | None = None):
    sop_version = sop_version_get_for_viewer(viewer=request.viewer, sop_id=sop_id,
                                             version=version)
    other_versions = sop_version.sop.versions.order_by("-version").only("version", "loaded_at")
    return TemplateResponse(request, "sops/sop_detail.html", {
        "version": sop_version,
        "sop": sop_version.sop,
        "steps": sop_version.steps.all(),
        "actors": sop_version.actors.all(),
        "other_versions": other_versions,
        "flowchart_pages": flowchart_pages(sop_version, rows_per_page=None),
    })


@person_required
def sop_document(request, sop_id: int, version: int | None = None):
    """The SOP document in the PermenPAN-RB 35/2012 form, as PDF."""
    sop_version = sop_version_get_for_viewer(viewer=request.viewer, sop_id=sop_id,
                                             version=version)
    response = HttpResponse(sop_document_pdf(sop_version), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="{sop_document_filename(sop_version)}"')
    return response
