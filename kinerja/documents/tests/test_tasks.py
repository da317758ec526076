"""A completed step's documents are filed by the task worker, not in the request (issue 13,
item 1): the step queues one job in its own transaction, the worker files each document
once, a failure stays a `DocumentFailure`, and the round's pages say "being issued" until the
document is there."""

import logging
import signal
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks_db.models import DBTaskResult

from kinerja.collection import services as collection
from kinerja.collection.models import Round, StepExecution
from kinerja.conftest import fresh, run_pending_tasks, submitted
from kinerja.documents import selectors, services
from kinerja.documents.models import Document, DocumentFailure, DocumentKind, FailureCause
from kinerja.documents.tasks import issue_documents_task
from kinerja.organisation.visibility import Viewer
from kinerja.sops.models import StepKind

pytestmark = pytest.mark.django_db


def queued() -> list[int]:
    """The steps whose documents job waits for the worker, by execution id."""
    return [job.args_kwargs["args"][0] for job in DBTaskResult.objects.filter(
        task_path=issue_documents_task.module_path, status="READY").order_by("enqueued_at")]


def run_jobs(**kwargs) -> list[DBTaskResult]:
    """The worker's run (`run_pending_tasks`: every job queued), the documents jobs of it."""
    return [job for job in run_pending_tasks(**kwargs)
            if job.task_path == issue_documents_task.module_path]


def draft_disposition(org, sop):
    today = timezone.localdate()
    return collection.disposition_create(
        user=org.head.user, sop=sop, year=2026, period="Q2", date=today, speed="biasa",
        security="biasa", subject="Data triwulan II", instruction="Kumpulkan.",
        deadline=today + timedelta(days=7))


def sign(org, disposition) -> Round:
    return collection.disposition_sign(user=org.head.user, disposition=disposition,
                                       expected_version=disposition.version)


def round_page(client, person, round_) -> str:
    client.force_login(person.user)
    response = client.get(reverse("collection:round_detail", args=[round_.id]))
    assert response.status_code == 200
    return response.content.decode()


def being_issued_text() -> str:
    with translation.override("id"):
        return gettext("Being issued…")


def test_completing_a_step_queues_one_job_and_files_nothing(org, sop):
    round_ = sign(org, draft_disposition(org, sop))
    step_1 = round_.executions.get(step__number=1)
    assert queued() == [step_1.id]
    assert not Document.objects.exists() and not DocumentFailure.objects.exists()
    [pending] = selectors.documents_being_issued(round_)
    assert (pending.execution, pending.kind) == (step_1, DocumentKind.DISPOSITION)


def test_the_worker_files_each_document_once(org, opened_round):
    step_1 = opened_round.executions.get(step__number=1)
    [job] = run_jobs()
    assert job.status == "SUCCESSFUL"
    assert job.return_value == {"filed": 1, "filed_before": 0, "failed": [], "cancelled": 0}
    [document] = Document.objects.all()
    assert (document.execution, document.kind) == (step_1, DocumentKind.DISPOSITION)
    assert selectors.documents_being_issued(opened_round) == []

    assert run_jobs() == []  # nothing is left in the queue
    issue_documents_task.enqueue(step_1.id)  # the same job once more
    [again] = run_jobs()
    assert again.return_value["filed"] == 0 and again.return_value["filed_before"] == 1
    assert list(Document.objects.all()) == [document]


def test_a_rendering_failure_is_recorded_and_the_retry_files_the_document_once(
        client, org, opened_round, monkeypatch):
    render = services.document_render

    def exploding(spec, **kwargs):
        raise ValueError("template exploded")

    monkeypatch.setattr(services, "document_render", exploding)
    [job] = run_jobs()
    assert job.status == "SUCCESSFUL"  # the failure is the document's, not the job's
    assert job.return_value["failed"] == [DocumentKind.DISPOSITION]
    assert not Document.objects.exists()
    failure = DocumentFailure.objects.get()
    assert failure.cause == FailureCause.RENDERING and "template exploded" in failure.detail
    page = round_page(client, org.head, opened_round)
    assert f'data-failure="{failure.id}"' in page  # shown as a failure, as before
    assert "data-being-issued" not in page and being_issued_text() not in page

    monkeypatch.setattr(services, "document_render", render)
    issue_documents_task.enqueue(failure.execution_id)  # a retry
    run_jobs()
    issue_documents_task.enqueue(failure.execution_id)  # and one too many
    run_jobs()
    [document] = Document.objects.all()
    failure.refresh_from_db()
    assert failure.resolved_at is not None and failure.attempts == 1
    page = round_page(client, org.head, opened_round)
    assert 'id="document-failures"' not in page
    assert f'data-document="{document.identifier}"' in page


def test_the_round_page_says_being_issued_until_the_worker_has_filed(client, org,
                                                                      opened_round):
    step_1 = opened_round.executions.get(step__number=1)
    page = round_page(client, org.head, opened_round)
    assert f'data-being-issued="{step_1.id}" data-kind="disposition"' in page
    assert being_issued_text() in page
    assert 'id="document-list"' in page and "data-document=" not in page

    run_jobs()
    document = Document.objects.get()
    page = round_page(client, org.head, opened_round)
    assert f'data-document="{document.identifier}"' in page
    assert "data-being-issued" not in page and being_issued_text() not in page


def test_sending_the_format_queues_one_job_per_unit_and_each_unit_page_says_so(
        client, org, opened_round, catalogue):
    round_ = opened_round
    collection.disposition_forward(user=org.secretary.user, round_=round_,
                                   instruction="Siapkan format.",
                                   expected_version=fresh(round_).version)
    collection.disposition_initial(user=org.kasubbag_planning.user, round_=round_,
                                   expected_version=fresh(round_).version)
    collection.format_create(user=org.kasubbid_data.user, round_=round_,
                             due_date=timezone.localdate() + timedelta(days=10),
                             expected_version=fresh(round_).version)
    collection.format_finalise(user=org.kasubbid_data.user, round_=round_,
                               expected_version=fresh(round_).version)
    run_jobs()
    before = Document.objects.count()

    tracks = collection.format_send(user=org.kasubbid_data.user, round_=round_,
                                    expected_version=fresh(round_).version)
    sending = StepExecution.objects.filter(round=round_, step__kind=StepKind.SENDING)
    assert sorted(queued()) == sorted(sending.values_list("id", flat=True))
    assert len(queued()) == len(tracks) == 3  # one PDF a unit, each in a job of its own
    assert Document.objects.count() == before

    track_x = round_.tracks.get(unit=org.division_x)
    client.force_login(org.kabid_x.user)
    page = client.get(reverse("collection:track_detail", args=[round_.id, track_x.id]))
    execution_x = sending.get(track=track_x)
    assert f'data-being-issued="{execution_x.id}" data-kind="data_request_format"' in (
        page.content.decode())

    run_jobs()
    formats = Document.objects.filter(round=round_, kind=DocumentKind.DATA_REQUEST_FORMAT,
                                      track__isnull=False)
    assert sorted(formats.values_list("track_id", flat=True)) == sorted(t.id for t in tracks)
    page = client.get(reverse("collection:track_detail", args=[round_.id, track_x.id]))
    assert "data-being-issued" not in page.content.decode()


def test_a_step_rolled_back_leaves_no_job(org, sop):
    disposition = draft_disposition(org, sop)
    with pytest.raises(RuntimeError), transaction.atomic():
        sign(org, disposition)
        assert len(queued()) == 1  # written in the step's transaction...
        raise RuntimeError("the request fails after the step")
    assert queued() == []  # ...and gone with it
    assert not Round.objects.exists() and not StepExecution.objects.exists()
    assert run_jobs() == [] and not Document.objects.exists()


def test_another_backend_is_given_the_job_only_after_the_commit(
        org, sop, settings, django_capture_on_commit_callbacks):
    """The ImmediateBackend runs a job as it is enqueued: in the step's transaction it would
    render a step that may still roll back. It is handed the job on commit."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks() as callbacks:
        round_ = sign(org, draft_disposition(org, sop))
        assert not Document.objects.exists()
    assert not DBTaskResult.objects.exists()
    for callback in callbacks:
        callback()
    [document] = Document.objects.filter(round=round_)
    assert document.kind == DocumentKind.DISPOSITION


def test_issuing_switched_off_queues_nothing(org, sop, settings):
    settings.KINERJA_ISSUE_DOCUMENTS = False
    round_ = sign(org, draft_disposition(org, sop))
    assert queued() == []
    # No job: nothing is coming, so the page promises nothing; `issue_documents` files it.
    assert selectors.documents_being_issued(round_) == []


def test_a_round_cancelled_while_its_job_waits_has_its_document_marked_cancelled(
        org, opened_round):
    round_ = collection.round_cancel(user=org.head.user, round_=opened_round,
                                     reason="Tahun salah dipilih.",
                                     expected_version=fresh(opened_round).version)
    [job] = run_jobs()
    assert job.return_value["filed"] == 1 and job.return_value["cancelled"] == 1
    [document] = Document.objects.filter(round=round_)
    assert document.cancelled_at == round_.cancelled_at


def test_a_job_that_failed_is_not_being_issued_and_the_command_files_it(
        org, opened_round, monkeypatch):
    def database_gone(execution_id):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "documents_issue_report", database_gone)
    [job] = run_jobs(failed_ok=True)
    assert job.status == "FAILED" and "the database went away" in job.traceback
    assert selectors.documents_being_issued(opened_round) == []  # nothing will file it now
    monkeypatch.undo()

    issue_documents_task.enqueue(job.args_kwargs["args"][0])  # queued again: to come
    assert len(selectors.documents_being_issued(opened_round)) == 1
    call_command("issue_documents", stdout=StringIO())
    assert Document.objects.filter(round=opened_round).count() == 1
    assert selectors.documents_being_issued(opened_round) == []


def test_being_issued_follows_the_unit_visibility(client, org, entry_round, catalogue):
    x1, x2, _y1, _s1 = catalogue
    track = submitted(entry_round, org.division_x, org.staff_x, {x1: "8", x2: "12"})
    data_entry = track.executions.get(step__kind=StepKind.DATA_ENTRY)
    marker = f'data-being-issued="{data_entry.id}" data-kind="filled_format"'
    assert marker in round_page(client, org.kabid_x, entry_round)
    page = round_page(client, org.staff_y, entry_round)
    assert marker not in page
    assert "data-being-issued" in page  # the round's own documents are the whole agency's
    outsider = Viewer.for_user(org.outsider.user)
    assert selectors.documents_being_issued_for_viewer(viewer=outsider,
                                                       round_=entry_round) == []
    client.force_login(org.outsider.user)
    assert client.get(reverse("collection:round_detail",
                              args=[entry_round.id])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_db_worker_command_files_the_queued_documents(org, sop):
    """`manage.py db_worker`, as `make demo` and the worker's unit run it (committed rows;
    the command sets the process's signal handlers and its loggers: put back after)."""
    round_ = sign(org, draft_disposition(org, sop))
    handlers = {number: signal.getsignal(number)
                for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    loggers = [logging.getLogger(name) for name in ("django_tasks", "django_tasks_db")]
    kept = [(logger, logger.level, list(logger.handlers)) for logger in loggers]
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0",
                     stdout=StringIO(), verbosity=0)
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
        for logger, level, logger_handlers in kept:
            logger.setLevel(level)
            logger.handlers[:] = logger_handlers
    [document] = Document.objects.filter(round=round_)
    assert document.kind == DocumentKind.DISPOSITION
    assert DBTaskResult.objects.get(
        task_path=issue_documents_task.module_path).status == "SUCCESSFUL"


def test_a_job_whose_worker_died_is_not_being_issued_for_ever(org, opened_round):
    """A worker killed mid-render leaves its job RUNNING: after half an hour the page stops
    promising the document (nothing will file it but `issue_documents`)."""
    from django_tasks_db.models import DBTaskResult

    [job] = DBTaskResult.objects.filter(task_path=issue_documents_task.module_path)
    job.status, job.started_at = "RUNNING", timezone.now() - timedelta(minutes=5)
    job.save(update_fields=["status", "started_at"])
    assert len(selectors.documents_being_issued(opened_round)) == 1
    job.started_at = timezone.now() - timedelta(minutes=31)
    job.save(update_fields=["started_at"])
    assert selectors.documents_being_issued(opened_round) == []
