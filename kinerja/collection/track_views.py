"""The unit's pages: data entry (step 5), the unit recap (step 6), validation (step 7)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from kinerja.core import files
from kinerja.core.converters import MAX_ID
from kinerja.core.errors import DomainError
from kinerja.organisation.decorators import person_required

from . import excel, exports, recap, selectors, services
from .forms import VersionForm
from .models import Evidence, IndicatorValue, Track
from .tasks import track_tasks


def _track_for(request, round_id: int, track_id: int) -> Track:
    return selectors.track_get_for_viewer(viewer=request.viewer, round_id=round_id,
                                          track_id=track_id)


def _context(request, track: Track) -> dict:
    rows = recap.unit_recap(track)
    values = {v.indicator_id: v for v in IndicatorValue.objects.filter(track=track)
              .prefetch_related("evidence")}
    for row in rows:
        row.stored = values.get(row.indicator.id)
    codes = {task.code for task in track_tasks(request.viewer, track)}
    last_return = track.returns.order_by("-returned_at", "-id").first()
    return {
        "track": track, "round": track.round, "rows": rows, "codes": codes,
        "missing": recap.missing_for_submission(track) if "submit" in codes else [],
        "returns": track.returns.select_related("returned_by").order_by("returned_at"),
        "last_return": last_return,
        "changes": services.changes_since_return(track) if "validate" in codes else [],
        "indicator_names": {row.indicator.id: row.indicator for row in rows},
    }


@person_required
def track_detail(request, round_id: int, track_id: int):
    track = _track_for(request, round_id, track_id)
    return TemplateResponse(request, "collection/track_detail.html", _context(request, track))


def _entries(post, track: Track) -> list:
    entries = []
    for key in post:
        if not key.startswith("value-"):
            continue
        raw_id = key.removeprefix("value-")
        if not raw_id.isdigit():
            continue
        version = post.get(f"version-{raw_id}", "0")
        entries.append(services.ValueEntry(
            indicator_id=int(raw_id), value_text=post.get(key, ""),
            explanation=post.get(f"explanation-{raw_id}", ""),
            change_reason=post.get(f"reason-{raw_id}", ""),
            expected_version=int(version) if version.isdigit() else -1))
    return entries


def _save(request, track):
    return services.values_save(user=request.user, track=track,
                                entries=_entries(request.POST, track))


def _seen_version(request) -> int:
    """The version of the track the person's page showed; a form without it is refused."""
    form = VersionForm(request.POST)
    if not form.is_valid():
        raise DomainError(_("The form was incomplete. Reload the page and try again."))
    return form.cleaned_data["version"]


def _versioned(call):
    def run(request, track):
        return call(user=request.user, track=track, expected_version=_seen_version(request))
    return run


def _return(request, track):
    comments = {int(key.removeprefix("comment-")): text for key, text in request.POST.items()
                if key.startswith("comment-") and key.removeprefix("comment-").isdigit()}
    return services.unit_recap_return(user=request.user, track=track,
                                      reason=request.POST.get("reason", ""),
                                      comments=comments,
                                      expected_version=_seen_version(request))


def _approve(request, track):
    return services.unit_recap_approve(user=request.user, track=track,
                                       note=request.POST.get("note", ""),
                                       expected_version=_seen_version(request))


def _evidence(request, track):
    upload = request.FILES.get("file")
    indicator_id = request.POST.get("indicator", "")
    # Not a database id (text, a sign, beyond 64 bits): no such value, not a server error.
    value = (IndicatorValue.objects.filter(track=track, indicator_id=int(indicator_id)).first()
             if indicator_id.isascii() and indicator_id.isdigit() and len(indicator_id) <= 19
             and 0 < int(indicator_id) <= MAX_ID else None)
    if upload is None or value is None:
        raise DomainError(_("Choose a file for an indicator that has a value."))
    return services.evidence_add(user=request.user, value=value, name=upload.name,
                                 content=upload.read())


def _upload(request, track):
    upload = request.FILES.get("file")
    if upload is None:
        raise DomainError(_("Choose the filled-in format (.xlsx) to upload."))
    if upload.size > excel.MAX_UPLOAD_BYTES:
        raise DomainError(_("The file is larger than %(size)d MB.")
                          % {"size": excel.MAX_UPLOAD_BYTES // (1024 * 1024)})
    changed = excel.values_upload(user=request.user, track=track, content=upload.read())
    if changed:
        messages.info(request, _("Changed: %(codes)s.")
                      % {"codes": ", ".join(value.indicator.code for value in changed)})
    else:
        messages.info(request, _("The file holds no change: nothing was saved."))
    return changed


@person_required
def track_format_download(request, round_id: int, track_id: int):
    """The unit's data-request format as an .xlsx; whoever may see the unit page may have it."""
    track = _track_for(request, round_id, track_id)
    response = HttpResponse(
        excel.format_workbook(track),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{excel.filename_for(track)}"'
    return response


@person_required
def track_recap_download(request, round_id: int, track_id: int):
    """The unit recap as .xlsx; whoever may see the unit page may have it."""
    track = _track_for(request, round_id, track_id)
    response = HttpResponse(exports.unit_recap_workbook(track), content_type=exports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{exports.unit_filename(track)}"'
    return response


def _handover_return(request, track):
    return services.handover_return(user=request.user, track=track,
                                    reason=request.POST.get("reason", ""),
                                    expected_version=_seen_version(request))


TRACK_ACTIONS = {
    "values": (_save, gettext_noop("Values saved.")),
    "complete": (_versioned(services.data_entry_complete),
                 gettext_noop("Format filled; check the recap.")),
    "submit": (_versioned(services.unit_recap_submit), gettext_noop("Unit recap submitted.")),
    "approve": (_approve, gettext_noop("Validated.")),
    "return": (_return, gettext_noop("Returned to data entry.")),
    "evidence": (_evidence, gettext_noop("Evidence attached.")),
    "upload": (_upload, gettext_noop("Workbook uploaded.")),
    "handover": (_versioned(services.handover_submit),
                 gettext_noop("Handed over to the data subsection.")),
    "acknowledge": (_versioned(services.handover_acknowledge),
                    gettext_noop("Receipt acknowledged.")),
    "handover_return": (_handover_return, gettext_noop("Returned to the unit head.")),
}


@require_POST
@person_required
def track_action(request, round_id: int, track_id: int, action: str):
    track = _track_for(request, round_id, track_id)
    if action not in TRACK_ACTIONS:
        raise Http404
    call, success = TRACK_ACTIONS[action]
    try:
        call(request, track)
    except DomainError as error:
        for detail in error.details or [error.message]:
            messages.error(request, detail)
        track.refresh_from_db()
        return TemplateResponse(request, "collection/track_detail.html",
                                _context(request, track), status=error.status_code)
    messages.success(request, _(success))
    return redirect("collection:track_detail", round_id, track_id)


@person_required
def evidence_download(request, evidence_id: int):
    evidence = (Evidence.objects.filter(id=evidence_id,
                                        value__track__round__agency_id=request.viewer.agency_id)
                .select_related("value__track__unit").first())
    if evidence is None:
        raise Http404
    if not services.may_view_evidence(request.user, evidence):
        raise PermissionDenied
    return files.stored_file_response(evidence.file, stored_type=evidence.content_type,
                                      filename=evidence.original_name)
