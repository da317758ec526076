"""The agency boundary in the admin, walked route by route.

Every URL pattern of every admin registered in `admin.site` is opened and posted to by agency
A's administrator with the ids of agency B's objects. None may show the object, and none may
change it. A model registered in the admin without a builder below fails the walk, so a new
admin cannot be forgotten. The history page lists the object's audit events
(core.AuditEvent, docs/decisions.md); there are no version pages and no "revert" any more.
"""

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, resolve, reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kinerja.accounts.models import ApiToken, User
from kinerja.accounts.services import api_token_create
from kinerja.catalogue.models import Goal, Indicator, Objective, RenstraPeriod
from kinerja.collection import services as collection_services
from kinerja.collection.models import CollectionSettings
from kinerja.conftest import catalogue_of_year
from kinerja.core.models import AuditEvent
from kinerja.documents.models import Document, DocumentFailure, DocumentSettings
from kinerja.documents.services import documents_issue_missing
from kinerja.notifications.models import NotificationPreference, ReminderSettings
from kinerja.notifications.tasks import deliver_notifications
from kinerja.organisation.models import (
    Agency,
    FunctionTag,
    Person,
    Position,
    PositionHolding,
    Unit,
)
from kinerja.organisation.tests.factories import tag
from kinerja.sops.models import Sop, SopVersion
from kinerja.sops.services import sop_load
from kinerja.worktime.models import CalendarDay, SpecialPeriod, WorkCalendar
from kinerja.worktime.services import calendar_for

pytestmark = pytest.mark.django_db

# Written into agency B's objects wherever they have text, so that a page showing one is seen.
SECRET = "RAHASIA-B"

# Reference data every agency reads and only the superuser changes: the agency administrator
# may open it, but may not change it.
SHARED_MODELS = {FunctionTag}


class OtherAgency:
    """One object of agency B for every model in the admin, made on first use."""

    def __init__(self, org, seed_sop_text):
        self.org = org
        self.seed_sop_text = seed_sop_text
        self._made: dict[type[Model], Model] = {}

    def __getitem__(self, model: type[Model]) -> Model:
        if model not in self._made:
            self._made[model] = BUILDERS[model](self)
        return self._made[model]

    @property
    def person(self) -> Person:
        outsider = self.org.outsider
        if SECRET not in outsider.name:
            outsider.name = f"{SECRET} Orang"
            outsider.phone = "0812-RAHASIA"
            outsider.save()
        return outsider


def _round(other: OtherAgency):
    today = timezone.localdate()
    catalogue_of_year(other.org.other_agency, other.org.other_root)
    disposition = collection_services.disposition_create(
        user=other.org.outsider.user, sop=other[Sop], year=2026, period="Q3", date=today,
        speed="segera", security="biasa", subject=f"{SECRET} disposisi",
        instruction="Kumpulkan data.", deadline=today + timedelta(days=14))
    return collection_services.disposition_sign(
        user=other.org.outsider.user, disposition=disposition,
        expected_version=disposition.version)


def _document(other: OtherAgency) -> Document:
    [document] = documents_issue_missing(_round(other))
    return document


def _axes_fields(other: OtherAgency) -> dict:
    return {"username": other.org.outsider.user.username, "ip_address": "10.0.0.2",
            "user_agent": SECRET, "http_accept": "*/*", "path_info": "/accounts/login/"}


BUILDERS: dict[type[Model], Callable[[OtherAgency], Model]] = {
    Group: lambda other: Group.objects.create(name=f"{SECRET} kelompok"),
    AccessAttempt: lambda other: AccessAttempt.objects.create(
        **_axes_fields(other), get_data="", post_data="", failures_since_start=1),
    AccessLog: lambda other: AccessLog.objects.create(**_axes_fields(other)),
    AccessFailureLog: lambda other: AccessFailureLog.objects.create(**_axes_fields(other)),
    AuditEvent: lambda other: AuditEvent.objects.create(
        agency=other.org.other_agency, actor=other.org.outsider.user, action="test.secret",
        object_type="person", object_id=str(other.org.outsider.id), summary=SECRET),
    User: lambda other: other.org.outsider.user,
    ApiToken: lambda other: (api_token_create(user=other.org.outsider.user, name=SECRET),
                             ApiToken.objects.get(name=SECRET))[1],
    Agency: lambda other: other.org.other_agency,
    FunctionTag: lambda other: tag("data"),
    Unit: lambda other: other.org.other_root,
    Position: lambda other: other.person.holdings.get().position,
    Person: lambda other: other.person,
    PositionHolding: lambda other: other.person.holdings.get(),
    Sop: lambda other: sop_load(agency=other.org.other_agency,
                                text=other.seed_sop_text).version.sop,
    SopVersion: lambda other: other[Sop].versions.get(),
    WorkCalendar: lambda other: calendar_for(other.org.other_agency),
    SpecialPeriod: lambda other: SpecialPeriod.objects.create(
        calendar=other[WorkCalendar], name=f"{SECRET} Ramadan", start_date=date(2026, 2, 18),
        end_date=date(2026, 3, 19)),
    CalendarDay: lambda other: CalendarDay.objects.create(
        calendar=other[WorkCalendar], date=date(2026, 7, 1), kind="holiday",
        name=f"{SECRET} libur"),
    RenstraPeriod: lambda other: RenstraPeriod.objects.create(
        agency=other.org.other_agency, name=f"{SECRET} Renstra", start_year=2021,
        end_year=2026),
    Goal: lambda other: Goal.objects.create(period=other[RenstraPeriod], code="T1",
                                            text=f"{SECRET} tujuan"),
    Objective: lambda other: Objective.objects.create(goal=other[Goal], code="S1",
                                                      text=f"{SECRET} sasaran"),
    Indicator: lambda other: Indicator.objects.create(
        period=other[RenstraPeriod], objective=other[Objective], code="I1",
        name=f"{SECRET} indikator", unit_of_measure="dokumen",
        responsible_unit=other.org.other_root),
    CollectionSettings: lambda other: CollectionSettings.objects.create(
        agency=other.org.other_agency),
    DocumentSettings: lambda other: DocumentSettings.objects.create(
        agency=other.org.other_agency, city=SECRET),
    Document: _document,
    DocumentFailure: lambda other: DocumentFailure.objects.create(
        agency=other.org.other_agency, round=other[Document].round,
        execution=other[Document].execution, kind="", title=SECRET, cause="signing",
        detail=SECRET),
    ReminderSettings: lambda other: ReminderSettings.objects.create(
        agency=other.org.other_agency),
    NotificationPreference: lambda other: NotificationPreference.objects.create(
        person=other.person),
    # The task queue's jobs: the superuser's alone (no agency administrator sees them).
    DBTaskResult: lambda other: DBTaskResult.objects.get(
        id=deliver_notifications.enqueue([0]).id),
}


# --- the routes -------------------------------------------------------------------------------

def route_urls(model_admin, object_id) -> list[tuple[URLPattern, str]]:
    """Every URL pattern of the admin, filled with the object's id."""
    opts = model_admin.model._meta
    prefix = f"{reverse('admin:index')}{opts.app_label}/{opts.model_name}/"
    routes = []
    for pattern in model_admin.get_urls():
        text = str(pattern.pattern)
        if text.startswith("^"):  # a regular expression
            parts = re.split(r"\([^)]*\)", text.strip("^$"))
        else:
            parts = re.split(r"<[^>]+>", text)
        url = prefix + "".join(part + (str(object_id) if i < len(parts) - 1 else "")
                               for i, part in enumerate(parts))
        assert resolve(url).func.__name__ == pattern.callback.__name__, url
        routes.append((pattern, url))
    return routes


def takes_an_object(pattern: URLPattern) -> bool:
    return pattern.pattern.regex.groups > 0


def form_data(response) -> dict:
    """What the admin's change form would post back unchanged, read from the page (as the
    superuser sees it, in the walk)."""
    forms = [response.context["adminform"].form]
    for inline in response.context.get("inline_admin_formsets", []):
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False or isinstance(value, FieldFile):
                continue
            if value is True:
                value = "on"
            elif isinstance(value, list | tuple):
                value = [str(item) for item in value]
            data[form.add_prefix(name)] = value
    return data


def posted_data(superuser_client, url: str, pattern: URLPattern) -> dict:
    if pattern.name and pattern.name.endswith("_change"):
        page = superuser_client.get(url)
        if page.status_code == 200 and page.context and "adminform" in page.context:
            return form_data(page)
    return {"post": "yes"}


@pytest.fixture
def other(org, seed_sop_text) -> OtherAgency:
    return OtherAgency(org, seed_sop_text)


@pytest.fixture
def superuser_client(django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    superuser = Client()
    superuser.force_login(root)
    return superuser


# --- the walk ---------------------------------------------------------------------------------

def test_every_registered_admin_has_a_builder_for_another_agencys_object():
    missing = {model._meta.label for model in admin.site._registry} - {
        model._meta.label for model in BUILDERS}
    assert not missing, f"add a builder for {missing} to BUILDERS"


def everything_stored() -> dict[str, list]:
    """Every row of every model in the admin (the audit trail among them), and the admin's
    own log."""
    models = {*admin.site._registry, LogEntry}
    return {model._meta.label: list(model._base_manager.order_by("pk").values())
            for model in models}


REGISTERED = sorted(model._meta.label for model in admin.site._registry)


@pytest.mark.parametrize("label", REGISTERED)
def test_agency_admin_reaches_no_other_agencys_object_through_any_admin_route(
        client, superuser_client, org, agency_admin, other, label):
    model = apps.get_model(label)
    model_admin = admin.site._registry[model]
    obj = other[model]
    calendar_for(org.agency)  # made by the calendar list's first visit, which is no change
    client.force_login(agency_admin)
    before = everything_stored()
    client.raise_request_exception = False  # a server error is reported with the route
    leaks = []
    opts = model._meta
    object_base = f"{reverse('admin:index')}{opts.app_label}/{opts.model_name}/{obj.pk}/"
    for pattern, url in route_urls(model_admin, obj.pk):
        with transaction.atomic():  # a failed request leaves the next one a usable database
            response = client.get(url, follow=True)
        final_url = response.redirect_chain[-1][0] if response.redirect_chain else url
        shown = response.status_code == 200 and SECRET in response.content.decode(
            errors="replace")
        opened = (takes_an_object(pattern) and model not in SHARED_MODELS
                  and response.status_code == 200 and final_url.startswith(object_base))
        listed = (model not in SHARED_MODELS
                  and response.context is not None and "cl" in response.context
                  and obj in response.context["cl"].queryset)
        if shown or opened or listed or response.status_code >= 500:
            leaks.append(f"GET {url} -> {response.status_code} {final_url}")
        data = posted_data(superuser_client, url, pattern)
        with transaction.atomic():
            response = client.post(url, data)
        if response.status_code >= 500 or (
                response.status_code == 200 and SECRET in response.content.decode(
                    errors="replace")):
            leaks.append(f"POST {url} -> {response.status_code}")
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    for action in [*(model_admin.actions or []), "delete_selected"]:
        name = action if isinstance(action, str) else action.__name__
        with transaction.atomic():
            response = client.post(changelist, {"action": name, "_selected_action": [obj.pk],
                                                "post": "yes"})
        if response.status_code >= 500:
            leaks.append(f"POST {changelist} action {name} -> {response.status_code}")
    assert not leaks, "\n".join(leaks)
    after = everything_stored()
    changed = [label for label in before if before[label] != after[label]]
    assert not changed, f"agency A's administrator changed {changed}"


def test_another_agencys_person_history_is_refused_and_there_is_no_revert(
        client, superuser_client, org, agency_admin, other):
    """The finding as first reported: the history pages answered 200 with the person's data,
    and posting a version's form back moved the person into the administrator's agency. The
    history is now the person's audit events, refused for a guessed id; the version pages
    ("revert") are gone."""
    person = other[Person]
    superuser_client.post(reverse("admin:organisation_person_change", args=[person.id]),
                          {**form_data(superuser_client.get(reverse(
                              "admin:organisation_person_change", args=[person.id]))),
                           "phone": "0812-RAHASIA-2"})
    assert AuditEvent.objects.filter(object_type="organisation.person",
                                     object_id=str(person.id)).count() == 1
    history = reverse("admin:organisation_person_history", args=[person.id])
    assert SECRET in superuser_client.get(history).content.decode()
    with pytest.raises(NoReverseMatch):
        reverse("admin:organisation_person_simple_history", args=[person.id, 1])
    client.force_login(agency_admin)
    response = client.get(history)
    assert response.status_code == 403
    assert SECRET not in response.content.decode()
    assert client.post(history, {"post": "yes"}).status_code == 403
    person.refresh_from_db()
    assert person.agency == org.other_agency


def test_an_object_moved_to_another_agency_closes_its_history_to_the_old_agency(
        client, superuser_client, org, agency_admin):
    """A unit the superuser moved from A to B keeps events recorded while it was in A; A's
    administrator no longer opens its history (the object as stored decides)."""
    unit = org.division_y
    url = reverse("admin:organisation_unit_change", args=[unit.id])
    client.force_login(agency_admin)
    data = form_data(client.get(url))
    client.post(url, {**data, "name": "Bidang Y baru"})
    assert AuditEvent.objects.filter(object_type="organisation.unit", object_id=str(unit.id),
                                     agency=org.agency).count() == 1
    unit.refresh_from_db()
    unit.agency = org.other_agency
    unit.parent = org.other_root
    unit.save()
    history = reverse("admin:organisation_unit_history", args=[unit.id])
    assert client.get(history).status_code == 403
    assert superuser_client.get(history).status_code == 200
    unit.refresh_from_db()
    assert unit.agency == org.other_agency and unit.parent == org.other_root


def test_viewing_the_history_needs_view_and_saving_needs_the_change_permission(
        client, org, agency_admin):
    from django.contrib.auth.models import Permission

    group = agency_admin.groups.get()
    group.permissions.remove(Permission.objects.get(codename="change_unit"))
    unit = org.division_x
    client.force_login(agency_admin)
    page = client.get(reverse("admin:organisation_unit_change", args=[unit.id]))
    assert page.status_code == 200  # viewing
    assert client.get(reverse("admin:organisation_unit_history",
                              args=[unit.id])).status_code == 200
    response = client.post(reverse("admin:organisation_unit_change", args=[unit.id]),
                           {**form_data(page), "name": "Diubah"})
    assert response.status_code == 403
    assert not AuditEvent.objects.exists() and not LogEntry.objects.exists()


def test_history_of_a_deleted_object_of_another_agency_stays_closed(client, org, agency_admin):
    unit = Unit.objects.create(agency=org.other_agency, parent=org.other_root, kind="division",
                               code="hapus", name=f"{SECRET} Bidang")
    unit_id = unit.id
    unit.delete()
    client.force_login(agency_admin)
    response = client.get(reverse("admin:organisation_unit_history", args=[unit_id]))
    assert response.status_code in (302, 403, 404)
    assert SECRET not in response.content.decode()


def test_history_of_a_deleted_object_shows_its_own_agencys_events_only(
        client, superuser_client, org, agency_admin):
    """A deleted object's events stay (they are never deleted): its history still opens
    for its own agency's administrator and the superuser, with the deletion last."""
    client.force_login(agency_admin)
    add = reverse("admin:organisation_unit_add")
    client.post(add, {"name": "Bidang Sementara", "kind": "division", "code": "sementara",
                      "parent": org.root.id, "order": 9, "positions-TOTAL_FORMS": 0,
                      "positions-INITIAL_FORMS": 0})
    unit = Unit.objects.get(code="sementara")
    delete = reverse("admin:organisation_unit_delete", args=[unit.id])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    events = AuditEvent.objects.filter(object_type="organisation.unit", object_id=str(unit.id))
    assert [event.action for event in events] == [
        "organisation.unit.deleted", "organisation.unit.created"]
    assert events[0].data["old"]["name"] == "Bidang Sementara" and events[0].data["new"] == {}
    history = reverse("admin:organisation_unit_history", args=[unit.id])
    for reader in (client, superuser_client):
        page = reader.get(history)
        assert page.status_code == 200
        assert [row["event"].id for row in page.context["rows"]] == [e.id for e in events]
    outsider = Client()
    org.outsider.user.is_staff = True
    org.outsider.user.save()
    org.outsider.user.groups.add(agency_admin.groups.get())
    outsider.force_login(org.outsider.user)
    assert outsider.get(history).status_code == 404  # no event of B's agency about it
    assert not LogEntry.objects.exists()


# --- what stays open ----------------------------------------------------------------------------

HISTORY_MODELS_OF_AGENCY_A = {
    "organisation.agency": lambda org: org.agency,
    "organisation.unit": lambda org: org.division_x,
    "organisation.position": lambda org: org.staff_x.holdings.get().position,
    "organisation.person": lambda org: org.staff_x,
    "organisation.positionholding": lambda org: org.staff_x.holdings.get(),
    "worktime.workcalendar": lambda org: calendar_for(org.agency),
    "catalogue.renstraperiod": lambda org: RenstraPeriod.objects.create(
        agency=org.agency, name="Renstra A", start_year=2021, end_year=2026),
}


@pytest.mark.parametrize("label", sorted(HISTORY_MODELS_OF_AGENCY_A))
def test_agency_admin_keeps_using_its_own_agencys_objects_and_their_history(
        client, org, agency_admin, label):
    obj = HISTORY_MODELS_OF_AGENCY_A[label](org)
    app_label, model_name = label.split(".")
    client.force_login(agency_admin)
    change = reverse(f"admin:{app_label}_{model_name}_change", args=[obj.pk])
    history = reverse(f"admin:{app_label}_{model_name}_history", args=[obj.pk])
    page = client.get(change)
    assert page.status_code == 200, change
    assert client.get(history).status_code == 200, history
    # Saving the form unchanged changes nothing and records nothing.
    response = client.post(change, form_data(page))
    assert response.status_code == 302, response.context and response.context["errors"]
    assert not AuditEvent.objects.exists() and not LogEntry.objects.exists()
    agency_path = admin.site._registry[type(obj)].agency_path
    assert type(obj).objects.filter(pk=obj.pk, **{agency_path: org.agency.id}).exists()


def test_an_admin_change_writes_one_audit_event_with_old_and_new_and_no_log_entry(
        client, org, agency_admin):
    unit = org.division_x
    client.force_login(agency_admin)
    change = reverse("admin:organisation_unit_change", args=[unit.id])
    data = form_data(client.get(change))
    old_name = unit.name
    response = client.post(change, {**data, "name": "Bidang X (baru)", "order": "7"})
    assert response.status_code == 302, response.context and response.context["errors"]
    [event] = AuditEvent.objects.all()
    assert (event.action, event.object_type, event.object_id) == (
        "organisation.unit.changed", "organisation.unit", str(unit.id))
    assert (event.agency, event.actor) == (org.agency, agency_admin)
    assert event.data["old"] == {"name": old_name, "order": unit.order}
    assert event.data["new"] == {"name": "Bidang X (baru)", "order": 7}
    assert not LogEntry.objects.exists()
    page = client.get(reverse("admin:organisation_unit_history", args=[unit.id]))
    [row] = page.context["rows"]
    assert row["event"] == event
    assert {change.name: (change.old, change.new) for change in row["changes"]} == {
        "name": (old_name, "Bidang X (baru)"), "order": (str(unit.order), "7")}
    assert "Bidang X (baru)" in page.content.decode()


def test_the_admin_form_gives_its_agency_to_new_objects_only(rf, org, agency_admin):
    """Defence in depth behind the permissions: whatever object the form is bound to, an
    existing one keeps the agency it has."""
    request = rf.get("/")
    request.user = agency_admin
    unit_admin = admin.site._registry[Unit]
    form_class = unit_admin.get_form(request, org.other_root)
    assert form_class(instance=org.other_root).instance.agency == org.other_agency
    assert form_class().instance.agency == org.agency
    person_admin = admin.site._registry[Person]
    form_class = person_admin.get_form(request, org.outsider)
    assert form_class({}, instance=org.outsider).instance.agency == org.other_agency


def test_superuser_opens_every_agencys_objects_and_their_history(superuser_client, other):
    for model, model_admin in admin.site._registry.items():
        obj = other[model]
        app_label, model_name = model._meta.app_label, model._meta.model_name
        urls = [reverse(f"admin:{app_label}_{model_name}_change", args=[obj.pk]),
                reverse(f"admin:{app_label}_{model_name}_history", args=[obj.pk])]
        assert not hasattr(model_admin, "history_form_view"), "no revert to a version"
        for url in urls:
            assert superuser_client.get(url).status_code == 200, url
