"""Master data in the admin: each agency's administrators see and change only their agency."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from kinerja.core.models import AuditEvent
from kinerja.organisation.admin_scope import AGENCY_ADMIN_GROUP
from kinerja.organisation.models import Person, Unit
from kinerja.organisation.setup import ensure_agency_admin_group
from kinerja.sops.models import Sop

pytestmark = pytest.mark.django_db


def test_group_has_the_permissions_it_needs(agency_admin):
    assert agency_admin.has_perm("organisation.change_unit")
    assert agency_admin.has_perm("organisation.add_person")
    assert agency_admin.has_perm("sops.view_sop")
    assert not agency_admin.has_perm("organisation.delete_agency")
    assert not agency_admin.has_perm("accounts.change_user")


def test_agency_admin_sees_only_their_agency(client, org, agency_admin):
    client.force_login(agency_admin)
    listing = client.get(reverse("admin:organisation_unit_changelist"))
    assert listing.status_code == 200
    shown = set(listing.context["cl"].queryset)
    assert org.division_x in shown
    assert org.other_root not in shown
    response = client.get(reverse("admin:organisation_unit_change", args=[org.other_root.id]))
    assert response.status_code == 302  # "does not exist" redirect to the admin index
    assert Unit.objects.get(id=org.other_root.id).name == "Badan B"
    people = set(client.get(reverse("admin:organisation_person_changelist"))
                 .context["cl"].queryset)
    assert org.outsider not in people and org.staff_x in people


def test_agency_admin_cannot_edit_another_agencys_unit(client, org, agency_admin):
    client.force_login(agency_admin)
    url = reverse("admin:organisation_unit_change", args=[org.other_root.id])
    client.post(url, {"name": "Hacked", "kind": "agency", "code": "root", "order": 0})
    assert Unit.objects.get(id=org.other_root.id).name == "Badan B"


def test_new_units_land_in_the_admins_agency_with_parents_from_it(client, org, agency_admin):
    client.force_login(agency_admin)
    add = reverse("admin:organisation_unit_add")
    form = client.get(add).context["adminform"].form
    assert "agency" not in form.fields
    assert org.other_root not in form.fields["parent"].queryset
    response = client.post(add, {
        "name": "Bidang Z", "kind": "division", "code": "bidang-z", "parent": org.root.id,
        "order": 9, "positions-TOTAL_FORMS": 0, "positions-INITIAL_FORMS": 0})
    assert response.status_code == 302, response.context and response.context["errors"]
    created = Unit.objects.get(code="bidang-z")
    assert created.agency == org.agency
    # One audit record of the addition, in the unit's agency, and no admin LogEntry.
    [event] = AuditEvent.objects.filter(object_type="organisation.unit",
                                        object_id=str(created.id))
    assert (event.action, event.agency, event.actor) == (
        "organisation.unit.created", org.agency, agency_admin)
    assert event.data["new"]["code"] == "bidang-z" and event.data["old"] == {}
    assert not LogEntry.objects.exists()


def test_admin_refuses_a_unit_under_the_wrong_kind_of_parent(client, org, agency_admin):
    client.force_login(agency_admin)
    response = client.post(reverse("admin:organisation_unit_add"), {
        "name": "Subbidang Salah", "kind": "subdivision", "code": "salah",
        "parent": org.secretariat.id, "order": 1,
        "positions-TOTAL_FORMS": 0, "positions-INITIAL_FORMS": 0})
    assert response.status_code == 200
    assert "parent" in response.context["adminform"].form.errors
    assert not Unit.objects.filter(code="salah").exists()


def test_admin_create_logins_action(client, org, agency_admin):
    newcomer = Person.objects.create(agency=org.agency, name="Baru",
                                     employee_number="199001012015031001")
    client.force_login(agency_admin)
    response = client.post(reverse("admin:organisation_person_changelist"), {
        "action": "create_logins", "_selected_action": [newcomer.id]}, follow=True)
    assert response.status_code == 200
    newcomer.refresh_from_db()
    assert newcomer.user.username == "199001012015031001"
    assert AuditEvent.objects.filter(action="person.login_created").count() == 1


def test_staff_outside_the_group_and_people_of_other_agencies_see_no_admin_data(
        client, org, agency_admin):
    org.kabid_y.user.is_staff = True
    org.kabid_y.user.save()
    client.force_login(org.kabid_y.user)
    assert client.get(reverse("admin:organisation_unit_changelist")).status_code == 403
    outsider = org.outsider.user
    outsider.is_staff = True
    outsider.save()
    outsider.groups.add(ensure_agency_admin_group())
    client.force_login(outsider)
    units = set(client.get(reverse("admin:organisation_unit_changelist"))
                .context["cl"].queryset)
    assert units == {org.other_root}


def test_sop_upload_in_the_admin(client, org, agency_admin, seed_sop_text):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(agency_admin)
    url = reverse("admin:sops_sop_load")
    form = client.get(url).context["form"]
    assert list(form.fields["agency"].queryset) == [org.agency]
    broken = SimpleUploadedFile("sop.yaml", seed_sop_text.replace("    time_minutes: 60\n", "")
                                .encode())
    response = client.post(url, {"agency": org.agency.id, "file": broken})
    assert any("steps[3].time_minutes" in p for p in response.context["problems"])
    assert not Sop.objects.exists()
    good = SimpleUploadedFile("sop.yaml", seed_sop_text.encode())
    response = client.post(url, {"agency": org.agency.id, "file": good})
    assert response.status_code == 302
    assert Sop.objects.get().agency == org.agency
    other = SimpleUploadedFile("sop.yaml", seed_sop_text.encode())
    response = client.post(url, {"agency": org.other_agency.id, "file": other})
    assert "agency" in response.context["form"].errors
    assert Sop.objects.count() == 1


def test_group_name_is_stable():
    assert AGENCY_ADMIN_GROUP == "Administrator OPD"


def test_agency_admin_sets_the_collection_rules_of_its_agency_only(client, org, agency_admin):
    from kinerja.collection.models import CollectionSettings

    client.force_login(agency_admin)
    add = reverse("admin:collection_collectionsettings_add")
    response = client.post(add, {"explain_below_achievement": "85",
                                 "explain_change_above": "40", "max_evidence_megabytes": "5",
                                 "outlier_factor": "10"})
    assert response.status_code == 302
    rules = CollectionSettings.objects.get()
    assert rules.agency == org.agency and rules.explain_below_achievement == 85
    assert client.get(add).status_code == 403  # one set of rules per agency
    CollectionSettings.objects.create(agency=org.other_agency)
    listing = client.get(reverse("admin:collection_collectionsettings_changelist"))
    assert list(listing.context["cl"].queryset) == [rules]


def test_agency_admin_revokes_a_lost_api_token_of_its_agency_only(client, org, agency_admin):
    from kinerja.accounts.models import ApiToken
    from kinerja.accounts.services import api_token_create

    mine = api_token_create(user=org.staff_x.user, name="skrip")
    theirs = api_token_create(user=org.outsider.user, name="skrip")
    token_of = {t.user_id: t for t in ApiToken.objects.all()}
    client.force_login(agency_admin)
    changelist = reverse("admin:accounts_apitoken_changelist")
    assert set(client.get(changelist).context["cl"].queryset) == {token_of[org.staff_x.user.id]}
    client.post(changelist, {"action": "revoke", "_selected_action": [
        token_of[org.staff_x.user.id].id, token_of[org.outsider.user.id].id]})
    assert ApiToken.objects.get(user=org.staff_x.user).revoked_at is not None
    assert ApiToken.objects.get(user=org.outsider.user).revoked_at is None
    assert mine and theirs
