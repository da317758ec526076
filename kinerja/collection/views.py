"""Pages of the collection cycle. Each POST parses a form, calls one service, and reports."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kinerja.core.errors import DomainError
from kinerja.organisation.decorators import person_required

from . import exports, history, selectors, services
from .forms import (
    CancelForm,
    DispositionEditForm,
    DispositionForm,
    FormatCreateForm,
    FormatReviseForm,
    ForwardForm,
    IndicatorsForm,
    MeetingForm,
    ReasonForm,
    ReopenForm,
    VersionForm,
    form_errors,
)
from .round_page import reopen_choices, round_page_context


@person_required
def round_list(request):
    viewer = request.viewer
    return TemplateResponse(request, "collection/round_list.html", {
        "rounds": selectors.round_list_for_viewer(viewer=viewer),
        "drafts": selectors.draft_dispositions_for_viewer(viewer=viewer),
        "can_start": bool(selectors.sops_viewer_may_start(viewer=viewer)),
    })


def _offers(sops) -> dict:
    return {sop.id: services.period_offer(sop) for sop in sops}


def _disposition_form_page(request, form, offers, *, disposition=None, status=200):
    return TemplateResponse(request, "collection/disposition_form.html", {
        "form": form, "disposition": disposition,
        "missing": [choice for offer in offers.values() for choice in offer.missing]},
        status=status)


@person_required
def disposition_new(request):
    sops = selectors.sops_viewer_may_start(viewer=request.viewer)
    if not sops:
        return TemplateResponse(request, "403.html", status=403)
    offers = _offers(sops)
    form = DispositionForm(request.POST or None, sops=sops, offers=offers)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            disposition = services.disposition_create(user=request.user,
                                                      **form.disposition_data())
        except DomainError as error:
            form.add_error(None, error.message)
            status = error.status_code
        else:
            messages.success(request, _("Disposition drafted. Check it, then sign it."))
            return redirect("collection:disposition_detail", disposition.id)
    return _disposition_form_page(request, form, offers, status=status)


@person_required
def disposition_detail(request, disposition_id: int):
    disposition = selectors.disposition_readable_by_viewer(viewer=request.viewer,
                                                           disposition_id=disposition_id)
    if disposition.round_id:
        return redirect("collection:round_detail", disposition.round_id)
    return TemplateResponse(request, "collection/disposition_detail.html",
                            {"disposition": disposition})


@person_required
def disposition_edit(request, disposition_id: int):
    """Its author edits a draft disposition (403 for anyone else, as its page)."""
    disposition = selectors.disposition_readable_by_viewer(viewer=request.viewer,
                                                           disposition_id=disposition_id)
    if disposition.round_id:
        return redirect("collection:round_detail", disposition.round_id)
    offers = _offers([disposition.sop])
    form = DispositionEditForm.for_draft(disposition, offers=offers,
                                         data=request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.disposition_update(user=request.user, disposition=disposition,
                                        expected_version=form.cleaned_data["version"],
                                        **form.changes())
        except DomainError as error:
            form.add_error(None, error.message)
            status = error.status_code
        else:
            messages.success(request, _("Draft disposition saved."))
            return redirect("collection:disposition_detail", disposition.id)
    return _disposition_form_page(request, form, offers, disposition=disposition,
                                  status=status)


def _posted_version(request) -> int | None:
    """The version the page was read at, or None after telling the person the form was
    incomplete."""
    form = VersionForm(request.POST)
    if form.is_valid():
        return form.cleaned_data["version"]
    messages.error(request, _("The form was incomplete. Reload the page and try again."))
    return None


@require_POST
@person_required
def disposition_delete(request, disposition_id: int):
    disposition = selectors.disposition_readable_by_viewer(viewer=request.viewer,
                                                           disposition_id=disposition_id)
    version = _posted_version(request)
    if version is None:
        return redirect("collection:disposition_detail", disposition.id)
    try:
        services.disposition_delete(user=request.user, disposition=disposition,
                                    expected_version=version)
    except DomainError as error:
        messages.error(request, error.message)
        if disposition.round_id:
            return redirect("collection:round_detail", disposition.round_id)
        return TemplateResponse(request, "collection/disposition_detail.html",
                                {"disposition": disposition}, status=error.status_code)
    messages.success(request, _("Draft disposition deleted."))
    return redirect("collection:round_list")


@require_POST
@person_required
def disposition_sign(request, disposition_id: int):
    disposition = selectors.disposition_get_for_viewer(viewer=request.viewer,
                                                       disposition_id=disposition_id)
    version = _posted_version(request)
    if version is None:
        return redirect("collection:disposition_detail", disposition.id)
    try:
        round_ = services.disposition_sign(user=request.user, disposition=disposition,
                                           expected_version=version)
    except DomainError as error:
        messages.error(request, error.message)
        mine = disposition.created_by_id == request.viewer.person_id
        return TemplateResponse(
            request, "collection/disposition_detail.html" if mine else "403.html",
            {"disposition": disposition}, status=error.status_code)
    messages.success(request, _("Signed. The round is open and the secretary has the "
                                "disposition."))
    return redirect("collection:round_detail", round_.id)


@person_required
def agency_recap(request, round_id: int):
    round_ = selectors.round_get_for_viewer(viewer=request.viewer, round_id=round_id)
    return TemplateResponse(request, "collection/agency_recap.html",
                            selectors.agency_recap_for_viewer(viewer=request.viewer,
                                                              round_=round_))


def _visible_rows(request, round_id: int):
    round_ = selectors.round_get_for_viewer(viewer=request.viewer, round_id=round_id)
    context = selectors.agency_recap_for_viewer(viewer=request.viewer, round_=round_)
    rows = [row for _goal, objectives in context["groups"]
            for _objective, objective_rows in objectives for row in objective_rows]
    return round_, rows


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@person_required
def agency_recap_download(request, round_id: int):
    """The agency recap as .xlsx, with only the units the person may see."""
    round_, rows = _visible_rows(request, round_id)
    return _xlsx(exports.agency_recap_workbook(rows, round_), exports.agency_filename(round_))


@person_required
def lkjip_download(request, round_id: int):
    """The agency recap in the table layout of the LKjIP's chapter III, as .xlsx."""
    round_, rows = _visible_rows(request, round_id)
    return _xlsx(exports.lkjip_workbook(rows, round_), exports.lkjip_filename(round_))


@person_required
def round_history(request, round_id: int):
    """The round's record as sentences, filtered by unit, step and person, a page at a
    time (collection/history.py)."""
    round_ = selectors.round_get_for_viewer(viewer=request.viewer, round_id=round_id)
    found = history.round_history(viewer=request.viewer, round_=round_,
                                  page=request.GET.get("page") or 1,
                                  **history.filters_from(request.GET))
    return TemplateResponse(request, "collection/round_history.html", {
        "round": round_, "history": found, "events": found.entries})


@person_required
def round_history_download(request, round_id: int):
    """The filtered record, every page, as .xlsx."""
    round_ = selectors.round_get_for_viewer(viewer=request.viewer, round_id=round_id)
    return _xlsx(history.history_workbook(viewer=request.viewer, round_=round_,
                                          **history.filters_from(request.GET)),
                 history.workbook_filename(round_))


@person_required
def round_detail(request, round_id: int):
    round_ = selectors.round_get_for_viewer(viewer=request.viewer, round_id=round_id)
    return TemplateResponse(request, "collection/round_detail.html",
                            round_page_context(request, round_))


def _forward(request, round_, form):
    return services.disposition_forward(user=request.user, round_=round_,
                                        instruction=form.cleaned_data["instruction"],
                                        expected_version=form.cleaned_data["version"])


def _initial(request, round_, form):
    return services.disposition_initial(user=request.user, round_=round_,
                                        expected_version=form.cleaned_data["version"])


def _format_create(request, round_, form):
    data = form.cleaned_data
    return services.format_create(
        user=request.user, round_=round_, due_date=data["due_date"],
        require_value=data["require_value"], require_explanation=data["require_explanation"],
        require_evidence=data["require_evidence"], expected_version=data["version"])


def _format_indicators(request, round_, form):
    return services.format_set_indicators(
        user=request.user, round_=round_,
        indicator_ids=[i.id for i in form.cleaned_data["indicators"]],
        expected_version=form.cleaned_data["version"])


def _format_finalise(request, round_, form):
    return services.format_finalise(user=request.user, round_=round_,
                                    expected_version=form.cleaned_data["version"])


def _format_send(request, round_, form):
    return services.format_send(user=request.user, round_=round_,
                                expected_version=form.cleaned_data["version"])


def _format_revise(request, round_, form):
    data = form.cleaned_data
    return services.format_revise(user=request.user, round_=round_,
                                  indicator_ids=[i.id for i in data["indicators"]],
                                  change_note=data["change_note"], due_date=data["due_date"],
                                  expected_version=data["version"])


def _meeting(request, round_, form):
    data = form.cleaned_data
    return services.meeting_record(
        user=request.user, round_=round_, held_at=data["held_at"], place=data["place"],
        invitees=list(data["invitees"]), attendees=list(data["attendees"]),
        minutes=data["minutes"], decisions=data["decisions"],
        expected_version=data["version"])


def _finalise(request, round_, form):
    return services.round_finalise(user=request.user, round_=round_,
                                   reason=form.cleaned_data["reason"],
                                   expected_version=form.cleaned_data["version"])


def _reopen(request, round_, form):
    data = form.cleaned_data
    return services.round_reopen(user=request.user, round_=round_, reason=data["reason"],
                                 track_ids=[track.pk for track in data["tracks"]],
                                 step_number=data["step"],
                                 expected_version=data["version"])


def _reopen_choices(round_):
    return reopen_choices(round_)


def _cancel(request, round_, form):
    return services.round_cancel(user=request.user, round_=round_,
                                 reason=form.cleaned_data["reason"],
                                 expected_version=form.cleaned_data["version"])


def _agency(round_):
    return {"agency": round_.agency}


def _indicators(round_):
    return {"indicators": services.indicators_for_round(round_)}


# action name -> (form class, extra form kwargs, service call, success message)
ACTIONS = {
    "forward": (ForwardForm, None, _forward, gettext_lazy("Disposition forwarded.")),
    "initial": (VersionForm, None, _initial, gettext_lazy("Initials recorded.")),
    "format_create": (FormatCreateForm, None, _format_create,
                      gettext_lazy("Format drafted.")),
    "format_indicators": (IndicatorsForm, _indicators, _format_indicators,
                          gettext_lazy("Indicators saved.")),
    "format_finalise": (VersionForm, None, _format_finalise,
                        gettext_lazy("The format is final.")),
    "format_send": (VersionForm, None, _format_send,
                    gettext_lazy("The format was sent to every unit.")),
    "format_revise": (FormatReviseForm, _indicators, _format_revise,
                      gettext_lazy("Format revised.")),
    "meeting": (MeetingForm, _agency, _meeting,
                gettext_lazy("Minutes recorded; data entry has started.")),
    "finalise": (ReasonForm, None, _finalise, gettext_lazy("The round is finalised.")),
    "reopen": (ReopenForm, _reopen_choices, _reopen,
               gettext_lazy("The round is open again.")),
    "cancel": (CancelForm, None, _cancel,
               gettext_lazy("The round is cancelled; its period may be started again.")),
}


@require_POST
@person_required
def round_action(request, round_id: int, action: str):
    round_ = selectors.round_get_for_viewer(viewer=request.viewer, round_id=round_id)
    if action not in ACTIONS:
        messages.error(request, _("Unknown action."))
        return redirect("collection:round_detail", round_.id)
    form_class, extra, call, success = ACTIONS[action]
    form = form_class(request.POST, **(extra(round_) if extra else {}))
    if form.is_valid():
        try:
            call(request, round_, form)
        except DomainError as error:
            status = error.status_code
            for detail in error.details or [error.message]:
                messages.error(request, detail)
        else:
            messages.success(request, success)
            return redirect("collection:round_detail", round_.id)
    else:
        status = 400
        for message in form_errors(form):
            messages.error(request, message)
    context = round_page_context(request, round_, failed_action=action, failed_form=form)
    return TemplateResponse(request, "collection/round_detail.html", context, status=status)
