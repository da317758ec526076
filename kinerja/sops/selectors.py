from django.db.models import Prefetch
from django.http import Http404

from kinerja.organisation.visibility import Viewer

from .models import Sop, SopStep, SopVersion


def sop_list_for_viewer(*, viewer: Viewer):
    """SOPs of the person's agency with their current version (two queries)."""
    sops = list(Sop.objects.filter(agency_id=viewer.agency_id).order_by("number"))
    latest: dict[int, SopVersion] = {}
    for version in SopVersion.objects.filter(sop__in=sops).order_by("sop_id", "version"):
        latest[version.sop_id] = version
    for sop in sops:
        sop.current = latest.get(sop.id)
    return sops


def sop_version_get_for_viewer(*, viewer: Viewer, sop_id: int,
                               version: int | None = None) -> SopVersion:
    """An SOP version of the person's agency with its actors and steps; 404 otherwise."""
    versions = SopVersion.objects.filter(sop_id=sop_id, sop__agency_id=viewer.agency_id)
    versions = versions.filter(version=version) if version else versions.order_by("-version")
    found = (
        versions.select_related("sop", "sop__agency")
        .prefetch_related(
            "actors",
            Prefetch("steps", queryset=SopStep.objects.select_related("actor", "returns_to")),
        )
        .first()
    )
    if found is None:
        raise Http404
    return found
