"""A draft disposition (unsigned, no round) is edited and deleted by its author alone, on
its page and over the API (issue 12, item 4); anyone else is refused and nothing is written.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kinerja.accounts.services import api_token_create
from kinerja.api.tests.support import Caller, database_state
from kinerja.collection import services
from kinerja.collection.models import Disposition
from kinerja.core.errors import OutOfTurn, PermissionDenied, StaleEdit
from kinerja.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(org, sop, catalogue):
    today = timezone.localdate()
    return services.disposition_create(
        user=org.head.user, sop=sop, year=2026, period="Q2", date=today, speed="biasa",
        security="biasa", subject="Data kinerja TW II", instruction="Kumpulkan.",
        deadline=today + timedelta(days=7))


@pytest.fixture
def signed(org, draft):
    services.disposition_sign(user=org.head.user, disposition=draft,
                              expected_version=draft.version)
    return Disposition.objects.get(pk=draft.pk)


def _caller(person):
    return Caller(api_token_create(user=person.user, name="t")[1])


def _form(draft, **changes):
    data = {"version": draft.version, "year_period": f"{draft.year}-{draft.period}",
            "date": draft.date.isoformat(), "speed": draft.speed, "security": draft.security,
            "subject": draft.subject, "instruction": draft.instruction,
            "deadline": draft.deadline.isoformat()}
    return {**data, **changes}


# -- the services ----------------------------------------------------------------------------

def test_the_author_deletes_a_draft_and_the_trail_keeps_it(org, draft):
    services.disposition_delete(user=org.head.user, disposition=draft,
                                expected_version=draft.version)
    assert not Disposition.objects.filter(pk=draft.pk).exists()
    event = AuditEvent.objects.get(action="disposition.deleted")
    assert event.object_id == str(draft.pk) and event.actor == org.head.user
    assert event.data["agenda"] == draft.agenda and event.data["period"] == "Q2"


def test_only_changed_fields_are_recorded(org, draft):
    services.disposition_update(user=org.head.user, disposition=draft,
                                expected_version=draft.version, subject="Data kinerja",
                                speed=draft.speed, year=2026)
    event = AuditEvent.objects.get(action="disposition.updated")
    assert event.data["old"] == {"subject": "Data kinerja TW II"}
    assert event.data["new"] == {"subject": "Data kinerja"}


@pytest.mark.parametrize("persona", ["secretary", "kabid_x", "outsider"])
def test_others_neither_edit_nor_delete(org, draft, persona):
    user = getattr(org, persona).user
    before = database_state()
    with pytest.raises(PermissionDenied):
        services.disposition_update(user=user, disposition=draft,
                                    expected_version=draft.version, subject="Lain")
    with pytest.raises(PermissionDenied):
        services.disposition_delete(user=user, disposition=draft,
                                    expected_version=draft.version)
    assert database_state() == before


def test_a_signed_disposition_is_neither_edited_nor_deleted(org, signed):
    before = database_state()
    with pytest.raises(OutOfTurn) as refusal:
        services.disposition_delete(user=org.head.user, disposition=signed,
                                    expected_version=signed.version)
    assert refusal.value.code == "signed"
    with pytest.raises(OutOfTurn):
        services.disposition_update(user=org.head.user, disposition=signed,
                                    expected_version=signed.version, subject="Lain")
    assert database_state() == before


def test_a_stale_delete_is_refused(org, draft):
    services.disposition_update(user=org.head.user, disposition=draft,
                                expected_version=draft.version, subject="Kedua")
    with pytest.raises(StaleEdit):
        services.disposition_delete(user=org.head.user, disposition=draft,
                                    expected_version=draft.version)
    assert Disposition.objects.filter(pk=draft.pk).exists()


# -- the pages -------------------------------------------------------------------------------

def test_the_author_edits_the_draft_on_a_prefilled_form(client, org, draft):
    client.force_login(org.head.user)
    detail = client.get(reverse("collection:disposition_detail", args=[draft.id]))
    assert reverse("collection:disposition_edit", args=[draft.id]).encode() in detail.content
    url = reverse("collection:disposition_edit", args=[draft.id])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["year_period"] == "2026-Q2"
    assert form.initial["subject"] == "Data kinerja TW II"
    assert form.initial["version"] == draft.version

    response = client.post(url, _form(draft, year_period="2026-Q4", subject="Data TW IV"))
    assert response.status_code == 302
    assert response["Location"] == reverse("collection:disposition_detail", args=[draft.id])
    changed = Disposition.objects.get(pk=draft.pk)
    assert (changed.period, changed.subject, changed.version) == ("Q4", "Data TW IV",
                                                                 draft.version + 1)


def test_a_stale_edit_form_is_refused_on_the_page(client, org, draft):
    client.force_login(org.head.user)
    url = reverse("collection:disposition_edit", args=[draft.id])
    client.post(url, _form(draft, subject="Kedua"))
    response = client.post(url, _form(draft, subject="Ketiga"))
    assert response.status_code == 409
    assert response.context["form"].non_field_errors()
    assert Disposition.objects.get(pk=draft.pk).subject == "Kedua"


def test_the_author_deletes_the_draft_on_its_page(client, org, draft):
    client.force_login(org.head.user)
    response = client.post(reverse("collection:disposition_delete", args=[draft.id]),
                           {"version": draft.version})
    assert response.status_code == 302
    assert response["Location"] == reverse("collection:round_list")
    assert not Disposition.objects.filter(pk=draft.pk).exists()


@pytest.mark.parametrize("persona, status", [("secretary", 403), ("kabid_x", 403),
                                             ("outsider", 404)])
def test_others_are_refused_on_the_pages(client, org, draft, persona, status):
    client.force_login(getattr(org, persona).user)
    before = database_state()
    edit = reverse("collection:disposition_edit", args=[draft.id])
    assert client.get(edit).status_code == status
    assert client.post(edit, _form(draft, subject="Lain")).status_code == status
    assert client.post(reverse("collection:disposition_delete", args=[draft.id]),
                       {"version": draft.version}).status_code == status
    assert database_state() == before


def test_a_signed_disposition_has_no_edit_page(client, org, signed):
    client.force_login(org.head.user)
    before = database_state()
    response = client.get(reverse("collection:disposition_edit", args=[signed.id]))
    assert response.status_code == 302
    assert response["Location"] == reverse("collection:round_detail", args=[signed.round_id])
    response = client.post(reverse("collection:disposition_delete", args=[signed.id]),
                           {"version": signed.version})
    assert response.status_code == 302
    assert database_state() == before


# -- the API ---------------------------------------------------------------------------------

def test_the_author_patches_and_deletes_over_the_api(org, draft):
    head = _caller(org.head)
    body = head.ok("PATCH", f"/dispositions/{draft.id}",
                   {"version": draft.version, "subject": "Data kinerja", "period": "Y"})
    assert (body["subject"], body["period"], body["version"]) == ("Data kinerja", "Y",
                                                                   draft.version + 1)
    assert body["instruction"] == "Kumpulkan."
    response = head.request("DELETE", f"/dispositions/{draft.id}", {"version": draft.version})
    assert response.status_code == 409 and response.json()["code"] == "stale"
    response = head.request("DELETE", f"/dispositions/{draft.id}",
                            {"version": draft.version + 1})
    assert response.status_code == 204
    assert not Disposition.objects.filter(pk=draft.pk).exists()


def test_the_api_refuses_others_and_a_signed_disposition(org, draft):
    callers = {persona: _caller(getattr(org, persona))
               for persona in ("secretary", "kabid_x", "outsider", "head")}
    path = f"/dispositions/{draft.id}"
    before = database_state()
    for persona, status in (("secretary", 403), ("kabid_x", 403), ("outsider", 404)):
        caller = callers[persona]
        assert caller.request("PATCH", path, {"version": draft.version,
                                              "subject": "Lain"}).status_code == status
        assert caller.request("DELETE", path,
                              {"version": draft.version}).status_code == status
    assert database_state() == before
    services.disposition_sign(user=org.head.user, disposition=draft,
                              expected_version=draft.version)
    signed = Disposition.objects.get(pk=draft.pk)
    before = database_state()
    response = callers["head"].request("PATCH", path, {"version": signed.version,
                                                       "subject": "Lain"})
    assert response.status_code == 409 and response.json()["code"] == "signed"
    response = callers["head"].request("DELETE", path, {"version": signed.version})
    assert response.status_code == 409 and response.json()["code"] == "signed"
    assert database_state() == before
