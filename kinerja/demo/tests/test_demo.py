import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from kinerja.organisation.models import Agency, Capacity, PositionHolding
from kinerja.organisation.visibility import DataStage, Viewer
from kinerja.sops.models import SopVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    with override_settings(DEMO_MODE=True):
        call_command("demo_setup", stdout=StringIO())
        yield


def accounts_json() -> list[dict]:
    out = StringIO()
    call_command("demo_accounts", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_demo_accounts_json_lists_every_account(demo):
    with override_settings(DEMO_MODE=True):
        accounts = accounts_json()
    assert len(accounts) >= 30
    for account in accounts:
        assert set(account) >= {"username", "password", "name", "position", "unit"}
        assert all(account[key] for key in ("username", "password", "name", "position",
                                            "unit"))
    assert len({account["username"] for account in accounts}) == len(accounts)


def test_demo_accounts_log_in_with_the_printed_password(client, demo):
    with override_settings(DEMO_MODE=True):
        accounts = accounts_json()
    for account in accounts[:3] + accounts[-2:]:
        client.post(reverse("accounts:logout"))
        response = client.post(reverse("accounts:login"), {
            "username": account["username"], "password": account["password"]})
        assert response.status_code == 302, account["username"]


def test_demo_has_every_post_the_sop_names(demo):
    bappeda = Agency.objects.get(code="bappeda-banggai")
    kinds = set(PositionHolding.objects.filter(person__agency=bappeda)
                .values_list("position__kind", flat=True))
    assert kinds == {"head", "secretary", "division_head", "subsection_head",
                     "subdivision_head", "staff"}
    assert bappeda.units.filter(kind="division").count() == 4
    assert bappeda.units.filter(functions__code="data").count() == 1
    assert bappeda.units.filter(functions__code="planning").count() == 1
    for unit in bappeda.units.filter(kind__in=["secretariat", "division"]):
        staff = PositionHolding.objects.filter(position__kind="staff",
                                               position__unit__in=[unit, *unit.children.all()])
        assert staff.count() >= 2, unit
    acting = PositionHolding.objects.get(capacity=Capacity.PLT)
    assert acting.signing_title.startswith("Plt. Kepala Bidang")
    assert SopVersion.objects.filter(sop__agency=bappeda).count() == 1
    assert Agency.objects.count() == 2


def test_demo_agencies_are_separate(demo):
    kominfo = Viewer.for_user(
        PositionHolding.objects.get(person__user__username="kominfo.kepala").person.user)
    bappeda = Agency.objects.get(code="bappeda-banggai")
    for unit in bappeda.units.all():
        assert not kominfo.can_open_unit(unit)
        assert not kominfo.can_see_unit_data(unit, DataStage.FINAL)


def test_demo_setup_twice_changes_nothing(demo):
    counts = (PositionHolding.objects.count(), SopVersion.objects.count())
    with override_settings(DEMO_MODE=True):
        call_command("demo_setup", stdout=StringIO())
    assert (PositionHolding.objects.count(), SopVersion.objects.count()) == counts


def test_no_demo_outside_demo_mode():
    with override_settings(DEMO_MODE=False):
        with pytest.raises(CommandError, match="only in demo mode"):
            call_command("demo_accounts", "--json", stdout=StringIO())
        with pytest.raises(CommandError, match="only in demo mode"):
            call_command("demo_setup", stdout=StringIO())
    assert not Agency.objects.exists()


def test_demo_still_builds_after_the_renstra_period_ends():
    import time_machine

    from kinerja.collection.models import Round

    with (time_machine.travel("2027-02-10 09:00 +0800", tick=False),
          override_settings(DEMO_MODE=True)):
        call_command("demo_setup", stdout=StringIO())
    periods = set(Round.objects.values_list("year", "period"))
    # Last year's annual round; this quarter's, its previous quarter's and last year's.
    assert periods == {(2025, "Y"), (2026, "Q4"), (2026, "Q3"), (2025, "Q4")}


def test_the_demo_rounds_documents_are_signed_with_a_self_signed_certificate(demo):
    from kinerja.collection.models import Round
    from kinerja.documents.models import DocumentKind
    from kinerja.documents.services import documents_issue_missing

    # demo_setup's steps file their documents after each commit, which this test's
    # transaction never reaches: the same function files them here, for last year's round.
    finalised = Round.objects.get(agency__code="bappeda-banggai", period="Y")
    documents = documents_issue_missing(finalised)
    assert {document.kind for document in documents} == set(DocumentKind.values)
    assert all(document.signing_backend and document.certificate_self_signed
               for document in documents)
