import json
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from kinerja.conftest import demo_for_module
from kinerja.organisation.models import Agency, Capacity, Person, PositionHolding
from kinerja.organisation.visibility import DataStage, Viewer
from kinerja.sops.models import SopVersion

pytestmark = [pytest.mark.django_db, pytest.mark.demo]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    # The PDFs of every round (seconds each): the signing test files last year's.
    with demo_for_module(django_db_blocker, KINERJA_ISSUE_DOCUMENTS=False):
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
        # Every demo person gets the reminders by e-mail, written under data/mail/.
        assert account["email"] == f"{account['username']}@demo.kinerja.test"
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


@pytest.mark.parametrize(("agency", "least_checked"), [("bappeda-banggai", 100),
                                                       ("diskominfo-banggai", 20)])
def test_every_demo_value_is_plausible_or_flagged_and_explained(demo, agency, least_checked):
    """The demo's data passes the plausibility rules (docs/domain.md §10) unless a value's flag
    and explanation say why; its current round shows the previous period and last year."""
    from kinerja.collection import plausibility, recap
    from kinerja.collection.models import Round, RoundStatus

    rounds = list(Round.objects.filter(agency__code=agency).order_by("id"))
    assert len(rounds) == 4
    checked = 0
    for round_ in rounds:
        result = recap.agency_recap(round_)
        factor = recap.settings_for(round_.agency_id).outlier_factor
        for row in result.rows:
            if row.value is None:
                continue
            checked += 1
            finding = plausibility.check_row(row, factor)
            where = f"{round_} {row.indicator.code} {row.value}"
            if finding is None:
                assert row.flag == "", where
            else:
                assert row.flag == finding.flag, f"{where}: {finding.message}"
                assert row.explanation.strip(), where
        assert result.implausible_count == sum(bool(row.flag) for row in result.rows)
    assert checked > least_checked
    # This quarter's round looks back to two finished rounds: every row shows both.
    (current,) = [round_ for round_ in rounds if round_.status == RoundStatus.OPEN]
    rows = recap.agency_recap(current).rows
    assert rows and all(row.previous is not None for row in rows)
    assert all(row.last_year is not None for row in rows)


# -- the second agency, on its own procedure ----------------------------------------------------

KOMINFO_STEPS = ["disposition", "forwarding", "sending", "data_entry", "validation",
                 "agency_recap"]


def test_the_two_agencies_run_their_own_procedures(demo):
    bappeda = SopVersion.objects.get(sop__agency__code="bappeda-banggai")
    kominfo = SopVersion.objects.get(sop__agency__code="diskominfo-banggai")
    assert list(bappeda.steps.order_by("number").values_list("kind", flat=True)) == [
        "disposition", "forwarding", "sending", "meeting", "data_entry", "unit_recap",
        "validation", "handover", "agency_recap"]
    assert [(i.position, i.unit_function) for i in bappeda.further_initials()] == [
        ("subsection_head", "planning")]
    assert list(kominfo.steps.order_by("number").values_list("kind", flat=True)) == (
        KOMINFO_STEPS)
    assert kominfo.sop.number == "045/DISKOMINFO/SOP/2021"
    assert kominfo.further_initials() == []
    assert kominfo.steps.get(kind="validation").returns_to.number == 4


def test_diskominfo_has_its_small_catalogue(demo):
    from kinerja.catalogue.models import Indicator, RenstraPeriod

    period = RenstraPeriod.objects.get(agency__code="diskominfo-banggai")
    assert (period.start_year, period.end_year) == (2021, 2026)
    indicators = Indicator.objects.filter(period=period)
    assert sorted(indicators.values_list("code", "responsible_unit__code")) == [
        ("I1.1.1", "sekretariat"), ("I1.2.1", "sekretariat"), ("I1.2.2", "sekretariat"),
        ("I2.1.1", "bidang-statistik"), ("I2.2.1", "bidang-statistik"),
        ("I2.2.2", "bidang-statistik")]
    # Bappeda's catalogue is its own, as it was.
    assert Indicator.objects.filter(period__agency__code="bappeda-banggai").count() == 37


def test_diskominfos_finished_rounds_are_final_and_recapped(demo):
    from kinerja.collection import recap
    from kinerja.collection.models import (
        FinalisedRecap,
        IndicatorValue,
        Meeting,
        Round,
        RoundStatus,
        TrackStage,
    )

    rounds = list(Round.objects.filter(agency__code="diskominfo-banggai").order_by("id"))
    assert len(rounds) == 4
    finished = [r for r in rounds if r.status == RoundStatus.FINALISED]
    assert len(finished) == 3
    assert "Y" in {r.period for r in finished}
    for round_ in finished:
        tracks = round_.tracks.order_by("unit__order")
        assert [(t.unit.code, t.stage) for t in tracks] == [
            ("sekretariat", TrackStage.FINAL), ("bidang-statistik", TrackStage.FINAL)]
        executions = round_.executions.order_by("step__number", "track__unit__order")
        assert [(e.step.kind, e.status) for e in executions] == [
            ("disposition", "done"), ("forwarding", "done"), ("sending", "done"),
            ("sending", "done"), ("data_entry", "done"), ("data_entry", "done"),
            ("validation", "done"), ("validation", "done"), ("agency_recap", "done")]
        (finalised,) = FinalisedRecap.objects.filter(round=round_)
        assert finalised.missing_units == []
        assert finalised.finalised_by.username == "kominfo.staf1"
        result = recap.agency_recap(round_)
        assert len(result.rows) == 6
        assert all(row.value is not None for row in result.rows)
        assert IndicatorValue.objects.filter(track__round=round_).count() == 6
        assert not Meeting.objects.filter(round=round_).exists()


def test_diskominfos_current_round_waits_at_data_entry_with_tasks_for_its_staff(demo):
    from kinerja.collection.models import IndicatorValue, Round, RoundStatus, TrackStage
    from kinerja.collection.selectors import task_list_for_viewer
    from kinerja.collection.services import waiting_executions
    from kinerja.organisation.models import Person

    (current,) = Round.objects.filter(agency__code="diskominfo-banggai",
                                      status=RoundStatus.OPEN)
    assert [(t.unit.code, t.stage) for t in current.tracks.order_by("unit__order")] == [
        ("sekretariat", TrackStage.SUBMITTED), ("bidang-statistik", TrackStage.DRAFT)]
    assert sorted((e.step.number, e.step.kind, e.track.unit.code)
                  for e in waiting_executions(current)) == [
        (4, "data_entry", "bidang-statistik"), (5, "validation", "sekretariat")]
    # Bidang Statistik's values are saved, not yet marked as filled in.
    assert IndicatorValue.objects.filter(track__round=current,
                                         track__unit__code="bidang-statistik").count() == 3

    def tasks(username):
        viewer = Viewer.for_user(Person.objects.get(user__username=username).user)
        return [(task.code, task.execution.track.unit.code)
                for task in task_list_for_viewer(viewer=viewer)
                if task.execution.round_id == current.id]

    assert tasks("kominfo.staf1") == [("enter", "bidang-statistik")]
    assert tasks("kominfo.sekretaris") == [("validate", "sekretariat")]
    assert tasks("kominfo.kasubbag") == []  # the short SOP asks no initials of it


def test_bappedas_rounds_are_as_they_were(demo):
    from kinerja.collection.models import Round, RoundStatus, TrackStage

    rounds = list(Round.objects.filter(agency__code="bappeda-banggai").order_by("id"))
    assert sorted(r.status for r in rounds) == [RoundStatus.FINALISED] * 3 + [
        RoundStatus.OPEN]
    for round_ in rounds:
        assert round_.tracks.count() == 5
        if round_.status == RoundStatus.FINALISED:
            assert round_.executions.count() == 29
            assert set(round_.tracks.values_list("stage", flat=True)) == {TrackStage.FINAL}
    (current,) = [r for r in rounds if r.status == RoundStatus.OPEN]
    assert [t.stage for t in current.tracks.order_by("unit__order")] == [
        TrackStage.SUBMITTED, TrackStage.SUBMITTED, TrackStage.DRAFT, TrackStage.DRAFT,
        TrackStage.DRAFT]


def test_every_demo_account_logs_in_and_opens_its_tasks_and_its_sop(client, demo):
    """Every account through the pages a newcomer opens first, over the test client: the
    browser test (test_browser_demo.py) walks one account of each post and agency."""
    from kinerja.demo.data import DEMO_AGENCIES
    from kinerja.demo.services import sop_text_for

    steps = {spec["short_name"]: len(yaml.safe_load(sop_text_for(spec))["steps"])
             for spec in DEMO_AGENCIES}
    with override_settings(DEMO_MODE=True):
        accounts = accounts_json()
    assert len(accounts) == 32
    for account in accounts:
        client.post(reverse("accounts:logout"))
        response = client.post(reverse("accounts:login"), {
            "username": account["username"], "password": account["password"]})
        assert response.status_code == 302, account["username"]
        tasks = client.get(reverse("core:my_tasks"))
        assert tasks.status_code == 200 and account["name"] in tasks.content.decode()
        person = Person.objects.get(user__username=account["username"])
        sop = person.agency.sops.get()
        listing = client.get(reverse("sops:sop_list")).content.decode()
        assert sop.current_version.title in listing, account["username"]
        page = client.get(reverse("sops:sop_detail", args=[sop.id])).content.decode()
        assert page.count("data-step=") == steps[person.agency.short_name], account["username"]
