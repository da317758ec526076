"""The agency boundary in the admin, walked route by route.

Every URL pattern of every admin registered in `admin.site` is opened and posted to by agency
A's administrator with the ids of agency B's objects (and the id of one of their historical
versions). None may show the object, and none may change it. A model registered in the admin
without a builder below fails the walk, so a new admin cannot be forgotten.
"""

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.test import Client
from django.urls import URLPattern, resolve, reverse
from django.utils import timezone

from kinerja.accounts.models import ApiToken, User
from kinerja.accounts.services import api_token_create
from kinerja.catalogue.models import Goal, Indicator, Objective, RenstraPeriod
from kinerja.collection import services as collection_services
from kinerja.collection.models import CollectionSettings
from kinerja.core.models import AuditEvent
from kinerja.documents.models import Document, DocumentFailure, DocumentSettings
from kinerja.documents.services import documents_issue_missing
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
            outsider.save()  # a second historical version, whose form is the one reverted
        return outsider


def _round(other: OtherAgency):
    today = timezone.localdate()
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
}


# --- the routes -------------------------------------------------------------------------------

def route_urls(model_admin, object_id, history_id) -> list[tuple[URLPattern, str]]:
    """Every URL pattern of the admin, filled with the object's id and its version's id."""
    opts = model_admin.model._meta
    prefix = f"{reverse('admin:index')}{opts.app_label}/{opts.model_name}/"
    routes = []
    for pattern in model_admin.get_urls():
        text = str(pattern.pattern)
        values = [str(object_id), str(history_id)]
        if text.startswith("^"):  # a regular expression (simple_history's history form)
            parts = re.split(r"\([^)]*\)", text.strip("^$"))
        else:
            parts = re.split(r"<[^>]+>", text)
        url = prefix + "".join(part + (values[i] if i < len(parts) - 1 else "")
                               for i, part in enumerate(parts))
        assert resolve(url).func.__name__ == pattern.callback.__name__, url
        routes.append((pattern, url))
    return routes


def takes_an_object(pattern: URLPattern) -> bool:
    return pattern.pattern.regex.groups > 0


def latest_history_id(obj) -> int | None:
    history = getattr(obj, "history", None)
    return history.latest("history_date").history_id if history is not None else None


def form_data(response) -> dict:
    """What the admin's change (or history) form would post back unchanged, read from the
    page as the superuser sees it."""
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
    if pattern.name and (pattern.name.endswith("_change")
                         or pattern.name.endswith("_simple_history")):
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
    """Every row of every model in the admin, and of their histories."""
    models = set(admin.site._registry)
    models |= {model.history.model for model in models if hasattr(model, "history")}
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
    for pattern, url in route_urls(model_admin, obj.pk, latest_history_id(obj)):
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


def test_reverting_another_agencys_person_through_the_history_form_is_refused(
        client, superuser_client, org, agency_admin, other):
    """The finding as reported: the history pages answered 200 with the person's data, and
    posting the history form back moved the person into the administrator's agency."""
    person = other[Person]
    history_id = latest_history_id(person)
    history = reverse("admin:organisation_person_history", args=[person.id])
    version = reverse("admin:organisation_person_simple_history", args=[person.id, history_id])
    data = form_data(superuser_client.get(version))
    client.force_login(agency_admin)
    assert client.get(history).status_code in (302, 403, 404)
    assert client.get(version).status_code in (302, 403, 404)
    assert client.post(version, data).status_code in (302, 403, 404)
    person.refresh_from_db()
    assert person.agency == org.other_agency
    assert person.history.count() == 2


def test_a_version_of_the_admins_agency_does_not_open_an_object_now_of_another(
        client, superuser_client, org, agency_admin):
    """A unit the superuser moved from A to B keeps A in its old versions; reverting one of
    them must not pull it back into A."""
    unit = org.division_y
    old_version = latest_history_id(unit)
    unit.agency = org.other_agency
    unit.parent = org.other_root
    unit.save()
    url = reverse("admin:organisation_unit_simple_history", args=[unit.id, old_version])
    data = form_data(superuser_client.get(url))
    client.force_login(agency_admin)
    assert client.get(url).status_code in (302, 403, 404)
    client.post(url, data)
    unit.refresh_from_db()
    assert unit.agency == org.other_agency and unit.parent == org.other_root


def test_reverting_needs_the_permission_to_change_not_only_to_view(
        client, org, agency_admin):
    from django.contrib.auth.models import Permission

    group = agency_admin.groups.get()
    group.permissions.remove(Permission.objects.get(codename="change_unit"))
    unit = org.division_x
    url = reverse("admin:organisation_unit_simple_history",
                  args=[unit.id, latest_history_id(unit)])
    client.force_login(agency_admin)
    page = client.get(url)
    assert page.status_code == 200  # reading the version is viewing
    response = client.post(url, form_data(page))
    assert response.status_code == 403
    assert unit.history.count() == 1


def test_history_of_a_deleted_object_of_another_agency_stays_closed(client, org, agency_admin):
    unit = Unit.objects.create(agency=org.other_agency, parent=org.other_root, kind="division",
                               code="hapus", name=f"{SECRET} Bidang")
    unit_id = unit.id
    unit.delete()
    client.force_login(agency_admin)
    response = client.get(reverse("admin:organisation_unit_history", args=[unit_id]))
    assert response.status_code in (302, 403, 404)
    assert SECRET not in response.content.decode()


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
        client, superuser_client, org, agency_admin, label):
    obj = HISTORY_MODELS_OF_AGENCY_A[label](org)
    app_label, model_name = label.split(".")
    version = latest_history_id(obj)
    versions = obj.history.count()
    client.force_login(agency_admin)
    for name, args in [("change", [obj.pk]), ("history", [obj.pk]),
                       ("simple_history", [obj.pk, version])]:
        url = reverse(f"admin:{app_label}_{model_name}_{name}", args=args)
        assert client.get(url).status_code == 200, url
    # Reverting to a version saves it again, and the object stays where it was.
    revert = reverse(f"admin:{app_label}_{model_name}_simple_history", args=[obj.pk, version])
    response = client.post(revert, form_data(client.get(revert)))
    assert response.status_code == 302, response.context and response.context["errors"]
    assert obj.history.count() == versions + 1
    agency_path = admin.site._registry[type(obj)].agency_path
    assert type(obj).objects.filter(pk=obj.pk, **{agency_path: org.agency.id}).exists()


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
        if hasattr(model_admin, "history_form_view"):
            urls.append(reverse(f"admin:{app_label}_{model_name}_simple_history",
                                args=[obj.pk, latest_history_id(obj)]))
        for url in urls:
            assert superuser_client.get(url).status_code == 200, url
