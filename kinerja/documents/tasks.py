"""The documents' background work: a completed step's documents are rendered and signed by
the task worker (`manage.py db_worker`, beside the web server), not in the request that
completed the step. Rendering a 300-indicator agency recap takes seconds (bench/README.md);
a web worker must not wait for it.

The job is a row of the database queue (django-tasks' `DatabaseBackend`), written in the
step's own transaction: it commits with the step or not at all, so a step is never done
without its job, nor a job queued for a step that rolled back, and the worker, which reads
only committed rows, never starts before the step's data is there."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task
from django_tasks.base import Task


@task()
def issue_documents_task(execution_id: int) -> dict:
    """Files the documents of a completed step (`services.documents_issue_report`: each once,
    whatever runs it again; a document that cannot be made is a `DocumentFailure`). Anything
    else (the database gone) fails the job, which the worker records with its traceback;
    `manage.py issue_documents` files what is missing later."""
    from .services import documents_issue_report

    report = documents_issue_report(execution_id)
    cancelled = _cancel_if_round_cancelled(execution_id)
    return {"filed": len(report.documents), "filed_before": len(report.filed_before),
            "failed": [failure.kind for failure in report.failures],
            "cancelled": cancelled}


def _cancel_if_round_cancelled(execution_id: int) -> int:
    """A round cancelled while its step's job waited: what the job filed is marked cancelled,
    as the cancelling marked what was filed before it. The round's row is locked as
    `round_cancel` locks it: a cancelling that is under way ends first and is seen here, or
    it comes after and its own marking sees what this job committed."""
    from kinerja.collection.models import Round, RoundStatus, StepExecution

    from .services import documents_cancel

    round_id = StepExecution.objects.filter(pk=execution_id).values_list("round_id", flat=True)
    with transaction.atomic():
        round_ = Round.objects.select_for_update().filter(pk__in=round_id).first()
        if round_ is None or round_.status != RoundStatus.CANCELLED:
            return 0
        return len(documents_cancel(round_, at=round_.cancelled_at))


def queued_in_the_database(job: Task) -> bool:
    """Whether the job's backend is the database queue (TASKS; KINERJA_TASK_BACKEND)."""
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(job.get_backend(), DatabaseBackend)


def issue_documents_later(execution_id: int) -> None:
    """Queue the step's documents for the worker. Called inside the step's transaction.

    With the database backend the job is enqueued right here, in that transaction (see the
    module's docstring). Any other backend is given the job only once the step has committed:
    the ImmediateBackend runs a job as it is enqueued, which inside the transaction would
    render the documents of a step that may still roll back (and hold the request as before);
    a broker's worker could pick the job up before the commit and not find the step done."""
    if queued_in_the_database(issue_documents_task):
        issue_documents_task.enqueue(execution_id)
    else:
        transaction.on_commit(partial(issue_documents_task.enqueue, execution_id))


def run_ready_tasks(job: Task | None = None, *, worker_id: str = "in-process") -> list:
    """Runs the queue's ready jobs (of `job`, or every one) here and now, one after the
    other, as `manage.py db_worker --batch` would, and returns their `DBTaskResult` rows.

    For the demo, which builds its past in one transaction and files each step's documents
    at the step's moment, and for the tests, which run inside a transaction: the worker's
    own loop closes the database connection between jobs (`close_old_connections`), which
    no open transaction survives, and sets the process's signal handlers and logging."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    worker = Worker(queue_names=["*"], interval=0, batch=True,
                    backend_name=DEFAULT_TASK_BACKEND_ALIAS, startup_delay=False,
                    max_tasks=None, worker_id=worker_id, excluded_queue_names=[])
    ready = DBTaskResult.objects.ready().filter(backend_name=DEFAULT_TASK_BACKEND_ALIAS)
    if job is not None:
        ready = ready.filter(task_path=job.module_path)
    ran: list[DBTaskResult] = []
    while True:
        with exclusive_transaction(ready.db):
            result = ready.get_locked()
            if result is not None:
                result.claim(worker_id)
        if result is None:
            return ran
        worker.run_task(result)
        ran.append(result)
