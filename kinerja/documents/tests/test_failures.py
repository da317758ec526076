"""A document that cannot be rendered or signed never blocks the step, and never goes missing
in silence: the failure is recorded with its reason, shown on the round page and in the admin,
reported by `issue_documents`, and a retry files the document exactly once."""

import logging
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from kinerja.collection import services as collection
from kinerja.collection.models import ExecutionStatus, StepExecution
from kinerja.conftest import catalogue_of_year, run_pending_tasks
from kinerja.documents import services
from kinerja.documents.models import Document, DocumentFailure, DocumentKind, FailureCause
from kinerja.organisation.setup import ensure_agency_admin_group
from kinerja.sops.services import sop_load

pytestmark = pytest.mark.django_db

PASSPHRASE = "rahasia-uji"  # the one the `agency_certificate` fixture encrypts with


def open_round(person, sop, *, subject="Data triwulan II"):
    today = timezone.localdate()
    disposition = collection.disposition_create(
        user=person.user, sop=sop, year=2026, period="Q2", date=today, speed="biasa",
        security="biasa", subject=subject, instruction="Kumpulkan.",
        deadline=today + timedelta(days=7))
    return collection.disposition_sign(user=person.user, disposition=disposition,
                                       expected_version=disposition.version)


@pytest.fixture
def failed_round(org, sop, agency_certificate, settings):
    """Agency A's round whose step 1 was completed, and its documents job run by the task
    worker, while the passphrase was wrong."""
    settings.KINERJA_SIGNING_PASSPHRASE = "salah"
    round_ = open_round(org.head, sop)
    run_pending_tasks()  # the job succeeds: the failure is recorded, not raised
    return round_


@pytest.fixture
def other_round(org, seed_sop_text):
    """Agency B's round (no certificate: its documents are filed unsigned), step 1 done."""
    other_sop = sop_load(agency=org.other_agency, text=seed_sop_text).version.sop
    catalogue_of_year(org.other_agency, org.other_root)
    return open_round(org.outsider, other_sop, subject="Data Badan B")


def test_a_wrong_passphrase_completes_the_step_and_records_the_failure(org, failed_round):
    step = StepExecution.objects.get(round=failed_round, step__number=1)
    assert step.status == ExecutionStatus.DONE  # the work of the SOP goes on
    assert not Document.objects.exists()
    [failure] = DocumentFailure.objects.all()
    assert (failure.agency, failure.round, failure.execution, failure.track) == (
        org.agency, failed_round, step, None)
    assert failure.kind == DocumentKind.DISPOSITION
    assert failure.cause == FailureCause.CERTIFICATE
    assert failure.detail  # pyHanko's own words, for the administrator
    assert failure.attempts == 1 and failure.resolved_at is None
    assert failure.first_failed_at == failure.last_failed_at


def test_the_round_page_shows_the_failure_to_those_who_may_see_the_document(
        client, org, failed_round):
    url = reverse("collection:round_detail", args=[failed_round.id])
    for person in (org.head, org.staff_y):  # the disposition sheet is the whole agency's
        client.force_login(person.user)
        page = client.get(url).content.decode()
        assert 'id="document-failures"' in page
        failure = DocumentFailure.objects.get()
        assert f'data-failure="{failure.id}"' in page
        assert str(failure.headline) in page
        assert "KINERJA_SIGNING_PASSPHRASE" in page  # the hint for the administrator


def test_a_unit_document_failure_follows_the_unit_visibility(client, org, sent_round):
    track = sent_round.tracks.get(unit=org.division_x)
    execution = track.executions.get(step__number=3)
    failure = DocumentFailure.objects.create(
        agency=org.agency, round=sent_round, execution=execution, track=track,
        kind=DocumentKind.FILLED_FORMAT, title="Format terisi Bidang X",
        cause=FailureCause.RENDERING, detail="boom")
    url = reverse("collection:round_detail", args=[sent_round.id])
    client.force_login(org.kabid_x.user)
    assert f'data-failure="{failure.id}"' in client.get(url).content.decode()
    client.force_login(org.staff_y.user)
    assert f'data-failure="{failure.id}"' not in client.get(url).content.decode()


def test_the_admin_lists_the_failures_of_its_agency_only(client, org, failed_round, agency_admin,
                                                         other_round):
    other_failure = DocumentFailure.objects.create(
        agency=org.other_agency, round=other_round,
        execution=other_round.executions.get(step__number=1), kind=DocumentKind.DISPOSITION,
        title="Lembar disposisi Badan B", cause=FailureCause.SIGNING, detail="other")
    failure = DocumentFailure.objects.get(agency=org.agency)
    client.force_login(agency_admin)
    listing = client.get(reverse("admin:documents_documentfailure_changelist"))
    assert listing.status_code == 200
    assert list(listing.context["cl"].queryset) == [failure]
    assert str(failure.headline) in listing.content.decode()
    detail = client.get(reverse("admin:documents_documentfailure_change", args=[failure.id]))
    assert detail.status_code == 200 and failure.detail in detail.content.decode()
    assert client.get(reverse("admin:documents_documentfailure_change",
                              args=[other_failure.id])).status_code in (302, 403, 404)
    assert client.get(reverse("admin:documents_documentfailure_add")).status_code == 403

    other_admin = org.outsider.user
    other_admin.is_staff = True
    other_admin.save()
    other_admin.groups.add(ensure_agency_admin_group())
    client.force_login(other_admin)
    listing = client.get(reverse("admin:documents_documentfailure_changelist"))
    assert list(listing.context["cl"].queryset) == [other_failure]


def test_the_command_goes_past_a_failure_and_a_retry_files_the_document_once(
        org, failed_round, other_round, settings, caplog):
    out, err = StringIO(), StringIO()
    caplog.set_level(logging.DEBUG)
    with pytest.raises(CommandError) as refused:
        call_command("issue_documents", stdout=out, stderr=err)
    assert "1" in str(refused.value)
    report = out.getvalue()
    assert "Traceback" not in report + err.getvalue()
    assert not [record for record in caplog.records if record.exc_info]  # none in the log
    [filed] = Document.objects.all()
    assert filed.round == other_round and filed.title in report  # the round after the failure
    failure = DocumentFailure.objects.get()
    assert f"{failure.title}: {failure.headline}" in report
    assert "1 documents filed." in report
    failure.refresh_from_db()
    assert failure.attempts == 2 and failure.resolved_at is None

    settings.KINERJA_SIGNING_PASSPHRASE = PASSPHRASE
    out = StringIO()
    call_command("issue_documents", stdout=out)
    [document] = Document.objects.filter(round=failed_round)
    assert document.signing_backend and document.title in out.getvalue()
    failure.refresh_from_db()
    assert failure.resolved_at is not None and failure.attempts == 2
    assert "1 documents filed." in out.getvalue()

    out = StringIO()
    call_command("issue_documents", stdout=out)
    assert out.getvalue().endswith("0 documents filed.\n")
    assert Document.objects.count() == 2


def test_a_resolved_failure_leaves_the_round_page(client, org, failed_round, settings):
    settings.KINERJA_SIGNING_PASSPHRASE = PASSPHRASE
    [document] = services.documents_issue_missing(failed_round)
    assert DocumentFailure.objects.get().resolved_at is not None
    client.force_login(org.head.user)
    page = client.get(reverse("collection:round_detail", args=[failed_round.id]))
    assert 'id="document-failures"' not in page.content.decode()
    assert f'data-document="{document.identifier}"' in page.content.decode()


def test_a_step_with_one_document_filed_and_one_failed_is_retried(org, sent_round,
                                                                   monkeypatch):
    """Step 2 files the disposition sheet and the format; only the format fails to render.
    A later run must still find the step (it has a document) and file the format."""
    render = services.document_render

    def format_fails(spec, **kwargs):
        if spec.kind == DocumentKind.DATA_REQUEST_FORMAT:
            raise ValueError("template exploded")
        return render(spec, **kwargs)

    monkeypatch.setattr(services, "document_render", format_fails)
    report = services.documents_issue_missing_report(sent_round)
    assert report.failures and all(f.kind == DocumentKind.DATA_REQUEST_FORMAT
                                   for f in report.failures)
    assert {f.cause for f in report.failures} == {FailureCause.RENDERING}
    assert "template exploded" in report.failures[0].detail
    filed = len(report.documents)

    monkeypatch.setattr(services, "document_render", render)
    again = services.documents_issue_missing_report(sent_round)
    assert len(again.documents) == len(report.failures) and not again.failures
    assert Document.objects.filter(round=sent_round).count() == filed + len(report.failures)
    assert not DocumentFailure.objects.filter(resolved_at__isnull=True).exists()

    listed = []  # a step that filed its documents and has no open failure is not looked at
    monkeypatch.setattr(services, "specs_for_execution",
                        lambda execution: listed.append(execution) or [])
    assert services.documents_issue_missing(sent_round) == [] and listed == []


def test_a_step_whose_documents_cannot_even_be_listed_is_recorded(org, opened_round,
                                                                  monkeypatch):
    specs = services.specs_for_execution

    def broken(execution):
        raise KeyError("no such signer")

    monkeypatch.setattr(services, "specs_for_execution", broken)
    [failure] = services.documents_issue_missing_report(opened_round).failures
    assert failure.kind == "" and failure.title.startswith("1. ")
    assert failure.cause == FailureCause.RENDERING and "no such signer" in failure.detail

    monkeypatch.setattr(services, "specs_for_execution", specs)
    [document] = services.documents_issue_missing(opened_round)
    failure.refresh_from_db()
    assert failure.resolved_at is not None and document.execution == failure.execution


def test_the_admin_retries_a_failure(client, org, failed_round, agency_admin, settings):
    settings.KINERJA_SIGNING_PASSPHRASE = PASSPHRASE
    failure = DocumentFailure.objects.get()
    client.force_login(agency_admin)
    response = client.post(reverse("admin:documents_documentfailure_changelist"),
                           {"action": "retry_issue", "_selected_action": [failure.id]})
    assert response.status_code == 302
    failure.refresh_from_db()
    assert failure.resolved_at is not None
    assert Document.objects.filter(execution=failure.execution, kind=failure.kind).count() == 1
