"""The unit's pages: data entry (step 5), the unit recap (step 6), validation (step 7).

Data entry keeps what the person typed: a refused save shows the page again from the posted
form (never from the database), each refusal beside its row; a stale row (someone else saved
after the page was opened) shows both values and lets the person choose. As the person types,
`track_value_preview` answers the row's achievement, category and plausibility warning,
worked out by the same services and recap as a saved value (docs/domain.md §1–3, §10).
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from kinerja.catalogue.models import Indicator
from kinerja.core import files
from kinerja.core.errors import DomainError
from kinerja.core.numbers import input_text
from kinerja.organisation.decorators import person_required

from . import excel, exports, plausibility, recap, selectors, services
from .forms import (
    ApproveForm,
    EvidenceForm,
    HandoverReturnForm,
    ReturnForm,
    TrackActionForm,
    TypedValues,
    WorkbookUploadForm,
    form_errors,
    posted_id,
)
from .models import Evidence, IndicatorValue, Track
from .services.data_entry import parse_value
from .tasks import track_tasks

EDITING_CODES = {"enter", "submit"}  # the tasks whose page holds the data-entry form


def _track_for(request, round_id: int, track_id: int) -> Track:
    return selectors.track_get_for_viewer(viewer=request.viewer, round_id=round_id,
                                          track_id=track_id)


@dataclass
class Preview:
    """A typed value's row as it would be once saved: its achievement and category, and the
    plausibility rule it breaks; or why the text cannot be read."""

    indicator_id: int
    text: str
    row: recap.RecapRow | None = None
    error: str = ""
    finding: plausibility.Finding | None = None

    @property
    def achievement_display(self) -> str:
        return self.row.achievement_display if self.row is not None else "—"

    @property
    def category_label(self) -> str:
        if self.row is None or self.row.category is None:
            return "—"
        return str(self.row.category.label)


def _previews(track: Track, texts: dict[int, str]) -> dict[int, Preview]:
    """{indicator id: Preview} of the typed texts of indicators in the unit's format: each
    text read by `parse_value`, as a save reads it, and the rows built by the recap."""
    data_format = services.current_format(track.round)
    if data_format is None or not texts:
        return {}
    indicators = {item.indicator_id: item.indicator for item in data_format.items.filter(
        unit=track.unit, indicator_id__in=list(texts)).select_related("indicator")}
    previews: dict[int, Preview] = {}
    values = {}
    for indicator_id, text in texts.items():
        indicator = indicators.get(indicator_id)
        if indicator is None:
            continue
        previews[indicator_id] = preview = Preview(indicator_id, text)
        try:
            values[indicator_id] = parse_value(indicator, text)
        except ValueError as error:
            preview.error = str(error)
    if values:
        factor = recap.settings_for(track.round.agency_id).outlier_factor
        for indicator_id, row in recap.rows_with_values(track, values).items():
            previews[indicator_id].row = row
            previews[indicator_id].finding = plausibility.check_row(row, factor)
    return previews


@dataclass
class EntryState:
    """What one row of the data-entry form shows: the stored value, or what was typed; and
    what the last save said about it."""

    text: str
    explanation: str
    reason: str
    version: int
    confirm: bool = False
    errors: list[str] = field(default_factory=list)
    implausible: str = ""  # the rule's message of an implausible value not yet confirmed
    stale: IndicatorValue | None = None  # someone else's newer value
    preview: Preview | None = None
    focus: bool = False  # the first row in error: its field gets the focus

    @property
    def invalid(self) -> bool:
        return bool(self.errors or self.stale is not None)

    @property
    def warning(self) -> str:
        """The plausibility rule the value breaks, as typed (or as refused)."""
        if self.preview is not None and self.preview.finding is not None:
            return self.preview.finding.message
        return self.implausible


def _stored_state(row: recap.RecapRow) -> EntryState:
    record = row.record
    return EntryState(
        # Never fewer decimals than the stored value has (core/numbers.py input_text): 54,32
        # stays 54,32 after the indicator's decimals were lowered, and saves back unchanged.
        text=input_text(row.value, decimals=row.indicator.decimals),
        explanation=row.explanation, reason=record.change_reason if record else "",
        version=record.version if record else 0)


def _entry_states(track: Track, rows: list, typed: TypedValues | None, refused,
                  from_database: set[int]) -> None:
    """Give each row its `entry`: the posted form where there is one (except the rows in
    `from_database`, just saved or taken back), the stored value otherwise."""
    by_indicator = getattr(refused, "by_indicator", {})
    implausible = getattr(refused, "implausible", {})
    stale = getattr(refused, "stale", {})
    to_preview = {}
    for row in rows:
        indicator_id = row.indicator.id
        stored = _stored_state(row)
        posted = typed.rows.get(indicator_id) if typed is not None else None
        if posted is None or indicator_id in from_database:
            row.entry = stored
            continue
        version = posted.version
        if typed.keep == indicator_id and posted.theirs_version is not None:
            version = posted.theirs_version  # the person chose their own value over the newer
        row.entry = EntryState(
            text=posted.text, explanation=posted.explanation, reason=posted.reason,
            version=version, confirm=posted.confirm,
            errors=by_indicator.get(indicator_id, []),
            implausible=implausible.get(indicator_id, ""), stale=stale.get(indicator_id))
        if posted.text.strip() != stored.text or row.entry.implausible:
            to_preview[indicator_id] = posted.text
    previews = _previews(track, to_preview)
    for row in rows:
        row.entry.preview = previews.get(row.indicator.id)
    first = next((row for row in rows if row.entry.invalid), None)
    if first is not None:
        first.entry.focus = True


def _context(request, track: Track, *, typed: TypedValues | None = None, refused=None,
             from_database: set[int] | frozenset = frozenset()) -> dict:
    rows = recap.unit_recap(track)
    values = {v.indicator_id: v for v in IndicatorValue.objects.filter(track=track)
              .prefetch_related("evidence")}
    for row in rows:
        row.stored = values.get(row.indicator.id)
    _entry_states(track, rows, typed, refused, set(from_database))
    codes = {task.code for task in track_tasks(request.viewer, track)}
    last_return = track.returns.order_by("-returned_at", "-id").first()
    # The reviewer sees what changed since the data was returned: listed, and marked on
    # the rows of the unit's table.
    changes = services.changes_since_return(track) if "validate" in codes else []
    changed = {change.indicator_id: change for change in changes}
    for row in rows:
        row.change = changed.get(row.indicator.id)
    indicators = {row.indicator.id: row.indicator for row in rows}
    gone = set(changed) - set(indicators)  # a change of an indicator no longer in the format
    if gone:
        indicators.update(Indicator.objects.in_bulk(gone))
    return {
        "track": track, "round": track.round, "rows": rows, "codes": codes,
        "editing": bool(codes & EDITING_CODES),
        "missing": recap.missing_for_submission(track) if "submit" in codes else [],
        "returns": track.returns.select_related("returned_by").order_by("returned_at"),
        "last_return": last_return,
        "changes": changes,
        "indicator_names": indicators,
    }


@person_required
def track_detail(request, round_id: int, track_id: int):
    track = _track_for(request, round_id, track_id)
    return TemplateResponse(request, "collection/track_detail.html", _context(request, track))


def _values(request, track: Track):
    """Save the draft, one row, or one stale row as mine; or take someone else's newer value
    back into a row. A refusal shows the page again as it was typed."""
    typed = TypedValues(request.POST)
    one = typed.one_row
    try:
        if typed.take is None:
            services.values_save(user=request.user, track=track, entries=typed.entries())
    except DomainError as error:
        for detail in error.details or [error.message]:
            messages.error(request, detail)
        track.refresh_from_db()
        refused = error if isinstance(error, services.InvalidValues) else None
        return TemplateResponse(request, "collection/track_detail.html",
                                _context(request, track, typed=typed, refused=refused),
                                status=error.status_code)
    if one is None:
        messages.success(request, _("Values saved."))
        return redirect("collection:track_detail", track.round_id, track.id)
    # One row saved (or taken back): the other rows stay as typed, unsaved.
    context = _context(request, track, typed=typed, from_database={one})
    code = next((row.indicator.code for row in context["rows"] if row.indicator.id == one), "")
    if typed.take is not None:
        messages.info(request, _("%(code)s: the value saved by someone else is shown; the "
                                 "other rows are not saved yet.") % {"code": code})
    else:
        messages.success(request, _("%(code)s saved; the other rows are not saved yet.")
                         % {"code": code})
    return TemplateResponse(request, "collection/track_detail.html", context)


@require_GET
@person_required
def track_value_preview(request, round_id: int, track_id: int):
    """The row of one typed value as it would be once saved (achievement, category,
    plausibility warning), or why the text cannot be read. A read, for whoever may enter the
    unit's data now."""
    track = _track_for(request, round_id, track_id)
    if not {task.code for task in track_tasks(request.viewer, track)} & EDITING_CODES:
        raise PermissionDenied
    texts = {posted_id(key.removeprefix("value-")): text for key, text in request.GET.items()
             if key.startswith("value-")}
    texts.pop(None, None)
    if len(texts) != 1:
        return HttpResponseBadRequest(_("Send one value to preview."))
    (indicator_id,) = texts
    preview = _previews(track, texts).get(indicator_id)
    if preview is None:
        raise Http404
    return TemplateResponse(request, "collection/partials/entry_preview.html",
                            {"indicator_id": indicator_id, "preview": preview, "oob": True,
                             "warning": preview.finding.message if preview.finding else ""})


def _versioned(call):
    def run(request, track, form):
        return call(user=request.user, track=track, expected_version=form.cleaned_data["version"])
    return run


def _return(request, track, form: ReturnForm):
    data = form.cleaned_data
    return services.unit_recap_return(user=request.user, track=track, reason=data["reason"],
                                      comments=form.comments(),
                                      expected_version=data["version"])


def _approve(request, track, form: ApproveForm):
    data = form.cleaned_data
    return services.unit_recap_approve(user=request.user, track=track, note=data["note"],
                                       expected_version=data["version"])


def _evidence(request, track, form: EvidenceForm):
    upload = form.cleaned_data["file"]
    return services.evidence_add(user=request.user, value=form.cleaned_data["value"],
                                 name=upload.name, content=upload.read())


def _upload(request, track, form: WorkbookUploadForm):
    changed = excel.values_upload(user=request.user, track=track,
                                  content=form.cleaned_data["file"].read())
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


def _handover_return(request, track, form: HandoverReturnForm):
    data = form.cleaned_data
    return services.handover_return(user=request.user, track=track, reason=data["reason"],
                                    expected_version=data["version"])


# action name -> (form class, service call, success message)
TRACK_ACTIONS = {
    "complete": (TrackActionForm, _versioned(services.data_entry_complete),
                 gettext_noop("Format filled; check the recap.")),
    "submit": (TrackActionForm, _versioned(services.unit_recap_submit),
               gettext_noop("Unit recap submitted.")),
    "approve": (ApproveForm, _approve, gettext_noop("Validated.")),
    "return": (ReturnForm, _return, gettext_noop("Returned to data entry.")),
    "evidence": (EvidenceForm, _evidence, gettext_noop("Evidence attached.")),
    "upload": (WorkbookUploadForm, _upload, gettext_noop("Workbook uploaded.")),
    "handover": (TrackActionForm, _versioned(services.handover_submit),
                 gettext_noop("Handed over to the data subsection.")),
    "acknowledge": (TrackActionForm, _versioned(services.handover_acknowledge),
                    gettext_noop("Receipt acknowledged.")),
    "handover_return": (HandoverReturnForm, _handover_return,
                        gettext_noop("Returned to the unit head.")),
}


def _refused(request, track: Track, shown: list[str], status: int) -> TemplateResponse:
    """The unit page again, with why the action was refused."""
    for message in shown:
        messages.error(request, message)
    track.refresh_from_db()
    return TemplateResponse(request, "collection/track_detail.html", _context(request, track),
                            status=status)


@require_POST
@person_required
def track_action(request, round_id: int, track_id: int, action: str):
    track = _track_for(request, round_id, track_id)
    if action == "values":
        return _values(request, track)
    if action not in TRACK_ACTIONS:
        raise Http404
    form_class, call, success = TRACK_ACTIONS[action]
    form = form_class(request.POST, request.FILES, track=track)
    if not form.is_valid():
        return _refused(request, track, form_errors(form), 400)
    try:
        call(request, track, form)
    except DomainError as error:
        return _refused(request, track, error.details or [error.message], error.status_code)
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
