"""Every page and API route refuses people of another agency, unit or role.

`ROUTES` lists each route with who must be refused; a test below fails when a route is added
to the URL configuration without an entry here.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from kinerja.collection import services as collection
from kinerja.collection.models import Disposition, Signature
from kinerja.documents.models import Document, DocumentKind, Hardcopy

# The round at data entry, built once for the module (kinerja/conftest.py: built_once).
pytestmark = [pytest.mark.django_db, pytest.mark.built_once("entry_round")]

# name -> (kwargs builder, persona allowed, personas refused with 403, personas refused 404)
PAGES = {
    "core:home": (lambda o, s: {}, "staff_x", [], []),
    "core:my_tasks": (lambda o, s: {}, "staff_x", [], []),
    # The head's dashboard: the leadership and unit heads; staff are refused.
    "dashboard:dashboard": (lambda o, s: {}, "head", ["staff_x", "staff_y"], []),
    "dashboard:round_dashboard": (lambda o, s: {"round_id": s.round.id}, "head", ["staff_x"],
                                  ["outsider"]),
    "organisation:unit_list": (lambda o, s: {}, "kabid_x", [], []),
    "organisation:unit_detail": (lambda o, s: {"unit_id": o.division_x.id}, "kabid_x",
                                 ["kabid_y", "staff_y", "secretary"], ["outsider"]),
    "sops:sop_list": (lambda o, s: {}, "staff_y", [], []),
    "sops:sop_detail": (lambda o, s: {"sop_id": s.sop_id}, "staff_y", [], ["outsider"]),
    "sops:sop_version_detail": (lambda o, s: {"sop_id": s.sop_id, "version": 1}, "staff_y",
                                [], ["outsider"]),
    "sops:sop_document_pdf": (lambda o, s: {"sop_id": s.sop_id}, "staff_y", [], ["outsider"]),
    "sops:sop_version_document_pdf": (lambda o, s: {"sop_id": s.sop_id, "version": 1},
                                      "staff_y", [], ["outsider"]),
    "collection:round_list": (lambda o, s: {}, "staff_x", [], []),
    "collection:disposition_new": (lambda o, s: {}, "head",
                                   ["secretary", "kabid_x", "staff_x"], []),
    "collection:disposition_detail": (lambda o, s: {"disposition_id": s.draft.id}, "head",
                                      ["secretary"], ["outsider"]),
    # A draft: its author only, as its page.
    "collection:disposition_edit": (lambda o, s: {"disposition_id": s.draft.id}, "head",
                                    ["secretary", "kabid_x"], ["outsider"]),
    "collection:round_detail": (lambda o, s: {"round_id": s.round.id}, "staff_y", [],
                                ["outsider"]),
    "collection:agency_recap": (lambda o, s: {"round_id": s.track.round_id}, "staff_y", [],
                                ["outsider"]),
    "collection:agency_recap_download": (lambda o, s: {"round_id": s.track.round_id},
                                         "staff_y", [], ["outsider"]),
    "collection:lkjip_download": (lambda o, s: {"round_id": s.track.round_id}, "staff_y", [],
                                  ["outsider"]),
    "collection:round_history": (lambda o, s: {"round_id": s.track.round_id}, "staff_y", [],
                                 ["outsider"]),
    "collection:round_history_download": (lambda o, s: {"round_id": s.track.round_id},
                                          "staff_y", [], ["outsider"]),
    # A unit's draft: inside the unit only, not even the head or the secretary.
    "collection:track_detail": (lambda o, s: {"round_id": s.track.round_id,
                                              "track_id": s.track.id}, "staff_x",
                                ["staff_y", "kabid_y", "head", "secretary", "kasubbag_planning"],
                                ["outsider"]),
    "collection:track_format_download": (lambda o, s: {"round_id": s.track.round_id,
                                                      "track_id": s.track.id}, "staff_x",
                                        ["staff_y", "kabid_y", "head", "secretary",
                                         "kasubbag_planning"], ["outsider"]),
    "collection:track_recap_download": (lambda o, s: {"round_id": s.track.round_id,
                                                     "track_id": s.track.id}, "staff_x",
                                       ["staff_y", "kabid_y", "head", "secretary",
                                        "kasubbag_planning"], ["outsider"]),
    "collection:evidence_download": (lambda o, s: {"evidence_id": s.evidence.id}, "kabid_x",
                                     ["staff_y", "head", "secretary"], ["outsider"]),
    # A unit's document at the draft stage: like its data, inside the unit only.
    "documents:download": (lambda o, s: {"identifier": s.unit_document.identifier}, "staff_x",
                           ["staff_y", "kabid_y", "head", "secretary"], ["outsider"]),
    "documents:scan": (lambda o, s: {"identifier": s.round_document.identifier}, "staff_y",
                       [], ["outsider"]),
    "documents:print": (lambda o, s: {"round_id": s.round.id, "kind": "disposition"},
                        "staff_y", [], ["outsider"]),
    "documents:disposition_print": (lambda o, s: {"disposition_id": s.draft.id}, "head",
                                    ["secretary"], ["outsider"]),
    "documents:archive": (lambda o, s: {"round_id": s.round.id}, "staff_y", [], ["outsider"]),
}

# POST routes: name -> (kwargs, data, persona allowed, refused with 403, refused with 404,
# check that nothing changed)
ACTIONS = {
    "collection:disposition_sign": (
        lambda o, s: {"disposition_id": s.draft.id}, lambda s: {"version": s.draft.version},
        "head", ["secretary"], ["outsider"],
        lambda s: Disposition.objects.get(id=s.draft.id).round_id is None),
    "collection:disposition_delete": (
        lambda o, s: {"disposition_id": s.draft.id}, lambda s: {"version": s.draft.version},
        "head", ["secretary", "kabid_x"], ["outsider"],
        lambda s: Disposition.objects.filter(id=s.draft.id).exists()),
    "collection:round_action": (
        lambda o, s: {"round_id": s.round.id, "action": "forward"},
        lambda s: {"version": s.round.version, "instruction": "Siapkan format."},
        "secretary", ["head", "kabid_x", "staff_x", "kasubbid_data"], ["outsider"],
        lambda s: not Signature.objects.filter(
            role="secretary", object_id=Disposition.objects.get(round=s.round).id).exists()),
    "collection:track_action": (
        lambda o, s: {"round_id": s.track.round_id, "track_id": s.track.id,
                      "action": "values"},
        lambda s: {f"value-{s.track.values.get().indicator_id}": "9",
                   f"version-{s.track.values.get().indicator_id}": "1"},
        "staff_x", ["kabid_x", "staff_y", "kabid_y", "head"], ["outsider"],
        lambda s: s.track.values.get().value == 5),
    "documents:hardcopy": (
        lambda o, s: {"identifier": s.unit_document.identifier},
        lambda s: {"filed_on": timezone.localdate().isoformat(), "location": "Arsip"},
        "staff_x", ["staff_y", "kabid_y", "head"], ["outsider"],
        lambda s: not Hardcopy.objects.filter(document=s.unit_document).exists()),
}

API = {
    "api:me": (lambda o, s: {}, "staff_x", [], []),
    "api:units": (lambda o, s: {}, "staff_x", [], []),
    "api:unit": (lambda o, s: {"unit_id": o.division_x.id}, "staff_x",
                 ["kabid_y", "staff_y"], ["outsider"]),
    "api:sops": (lambda o, s: {}, "staff_x", [], []),
    "api:sop_current": (lambda o, s: {"sop_id": s.sop_id}, "staff_x", [], ["outsider"]),
    "api:sop_version": (lambda o, s: {"sop_id": s.sop_id, "version": 1}, "staff_x", [],
                        ["outsider"]),
}

# Routes covered by their own tests (named there), not by the table above.
ELSEWHERE = {
    "healthz",  # public by design: core/tests/test_healthz.py
    "accounts:login", "accounts:logout", "accounts:password_change",
    "accounts:password_change_done", "accounts:set_language",  # accounts/tests/test_login.py
    "api:openapi-json", "api:openapi-view",  # the API's own description, login required
    "api:api-root",  # django-ninja's root: answers 404, tested below
    "documents:verify",  # public by design: documents/tests/test_signing.py
    # A GET with the typed value, which the PAGES table does not send:
    "collection:track_value_preview",  # collection/tests/test_entry_page.py
    "notifications:list", "notifications:read", "notifications:read_all",
    "notifications:preferences",  # notifications/tests/test_pages.py
    "dashboard:remind",  # dashboard/tests/test_dashboard.py (remind)
}


@dataclass
class Context:
    """What the routes need: the SOP version, an open round and an unsigned draft."""

    sop_version: object
    round: object
    draft: object
    track: object = None
    evidence: object = None
    unit_document: object = None
    round_document: object = None

    @property
    def sop_id(self):
        return self.sop_version.sop_id


@pytest.fixture
def sop_version(org, entry_round, catalogue):
    version = entry_round.sop_version
    track = entry_round.tracks.get(unit=org.division_x)
    collection.values_save(user=org.staff_x.user, track=track, entries=[
        collection.ValueEntry(indicator_id=catalogue[0].id, value_text="5")])
    evidence = collection.evidence_add(user=org.staff_x.user, value=track.values.get(),
                                       name="bukti.pdf", content=b"%PDF-1.4 bukti")
    today = timezone.localdate()

    def draft(period):
        return collection.disposition_create(
            user=org.head.user, sop=version.sop, year=2026, period=period, date=today,
            speed="biasa", security="biasa", subject="Data kinerja", instruction="Kumpulkan.",
            deadline=today + timedelta(days=7))

    first = draft("Q1")
    round_ = collection.disposition_sign(user=org.head.user, disposition=first,
                                        expected_version=first.version)
    # Filed documents as rows with a stand-in file: what is tested is who may reach them.
    unit_document = _document(track.round, track.executions.get(step__number=5), track,
                              DocumentKind.FILLED_FORMAT)
    round_document = _document(round_, round_.executions.get(step__number=1), None,
                               DocumentKind.DISPOSITION)
    Hardcopy.objects.create(document=round_document, filed_by=org.head, filed_on=today,
                            location="Arsip", recorded_by=org.head.user,
                            scan=ContentFile(b"%PDF-1.4 scan", name="scan.pdf"))
    return Context(version, round_, draft("Q2"), track, evidence, unit_document,
                   round_document)


def _document(round_, execution, track, kind):
    return Document.objects.create(
        agency=round_.agency, round=round_, track=track, execution=execution, kind=kind,
        title=kind, size=13, sha256="0" * 64,
        file=ContentFile(b"%PDF-1.4 test", name=f"{kind}.pdf"))


def _names(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _names(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{prefix}{pattern.name}"


def test_every_route_has_an_authorization_test():
    routes = set(_names(get_resolver().url_patterns))
    # Every API operation is covered by kinerja/api/tests/test_authorization.py, which lists
    # them from the OpenAPI document.
    api_routes = {name for name in routes if name.startswith("api:")}
    covered = set(PAGES) | set(API) | set(ACTIONS) | ELSEWHERE | api_routes
    assert routes - covered == set(), "add these routes to the authorization table"
    assert covered - routes == set(), "these routes no longer exist"


@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages_refuse_other_units_and_agencies(client, org, sop_version, name):
    kwargs, allowed, forbidden, hidden = PAGES[name]
    url = reverse(name, kwargs=kwargs(org, sop_version))

    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    client.force_login(getattr(org, allowed).user)
    assert client.get(url).status_code in (200, 302)
    for persona in forbidden:
        client.force_login(getattr(org, persona).user)
        assert client.get(url).status_code == 403, persona
    for persona in hidden:
        client.force_login(getattr(org, persona).user)
        assert client.get(url).status_code == 404, persona


@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages_refuse_a_login_without_a_person(client, org, sop_version, django_user_model,
                                               name):
    kwargs = PAGES[name][0](org, sop_version)
    client.force_login(django_user_model.objects.create_user("nobody"))
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 403
    assert "core/no_person.html" in [template.name for template in response.templates]


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_actions_refuse_other_units_roles_and_agencies(client, org, sop_version, name):
    kwargs, data, allowed, forbidden, hidden, unchanged = ACTIONS[name]
    url = reverse(name, kwargs=kwargs(org, sop_version))

    response = client.post(url, data(sop_version))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(url).status_code in (302, 405)
    for persona in forbidden:
        client.force_login(getattr(org, persona).user)
        assert client.post(url, data(sop_version)).status_code == 403, persona
        assert unchanged(sop_version), persona
    for persona in hidden:
        client.force_login(getattr(org, persona).user)
        assert client.post(url, data(sop_version)).status_code == 404, persona
        assert unchanged(sop_version), persona
    client.force_login(getattr(org, allowed).user)
    assert client.post(url, data(sop_version)).status_code == 302
    assert not unchanged(sop_version)


@pytest.mark.parametrize("name", sorted(API))
def test_api_refuses_other_units_and_agencies(client, org, sop_version, django_user_model,
                                              name):
    kwargs, allowed, forbidden, hidden = API[name]
    url = reverse(name, kwargs=kwargs(org, sop_version))

    assert client.get(url).status_code == 401
    client.force_login(getattr(org, allowed).user)
    assert client.get(url).status_code == 200
    for persona in forbidden:
        client.force_login(getattr(org, persona).user)
        response = client.get(url)
        assert response.status_code == 403, persona
        assert response.json()["code"] == "forbidden"
    for persona in hidden:
        client.force_login(getattr(org, persona).user)
        assert client.get(url).status_code == 404, persona
    client.force_login(django_user_model.objects.create_user("nobody"))
    assert client.get(url).status_code == 403


def test_openapi_description_needs_a_login(client, org):
    for name in ("api:openapi-json", "api:openapi-view"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(reverse("api:api-root")).status_code == 404
    client.force_login(org.staff_x.user)
    schema = client.get(reverse("api:openapi-json")).json()
    assert "/api/v1/units/{unit_id}" in schema["paths"]
    docs = client.get(reverse("api:openapi-view"))
    assert docs.status_code == 200
    assert "'unsafe-inline'" in docs["Content-Security-Policy"]
