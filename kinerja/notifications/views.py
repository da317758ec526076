"""The signed-in person's notifications: the list, marking as read, and how they want them
by e-mail. Each page asks one service of services.py; a person reaches only their own."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kinerja.core.errors import DomainError
from kinerja.organisation.decorators import person_required

from . import services, text
from .forms import PreferenceForm

PER_PAGE = 50


def _list_page(request, form=None, status=200):
    viewer = request.viewer
    page = Paginator(services.notifications_of(viewer.person_id), PER_PAGE).get_page(
        request.GET.get("page")
    )
    preference = services.preference_for(viewer.person_id)
    form = form or PreferenceForm(
        initial={"email_enabled": preference.email_enabled, "delivery": preference.delivery}
    )
    rows = [
        {
            "notification": notification,
            "title": text.title(notification),
            "body": text.body(notification),
            "url": text.link(notification, viewer),
        }
        for notification in page.object_list
    ]
    return TemplateResponse(
        request,
        "notifications/list.html",
        {
            "rows": rows,
            "page_obj": page,
            "form": form,
            "has_email": bool(request.user.person.email),
            "unread": services.unread_count(viewer.person_id),
        },
        status=status,
    )


@person_required
def notification_list(request):
    return _list_page(request)


@require_POST
@person_required
def notification_read(request, notification_id: int):
    services.mark_read(person_id=request.viewer.person_id, notification_id=notification_id)
    return redirect("notifications:list")


@require_POST
@person_required
def notification_read_all(request):
    count = services.mark_all_read(person_id=request.viewer.person_id)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:list")


@require_POST
@person_required
def preferences(request):
    form = PreferenceForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    try:
        services.preference_save(
            person_id=request.viewer.person_id,
            email_enabled=form.cleaned_data["email_enabled"],
            delivery=form.cleaned_data["delivery"],
        )
    except DomainError as error:
        form.add_error(None, error.message)
        return _list_page(request, form, status=error.status_code)
    messages.success(request, _("Your e-mail settings are saved."))
    return redirect("notifications:list")
