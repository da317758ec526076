"""Finalising a round of 300 indicators: the request, and the task worker's filing after it.

    .venv/bin/python bench/finalise_scale.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/finalise_scale.py

Builds a throw-away database as bench/recap_scale.py does (its helpers, imported): 2 × (
`--repeat` + 1) agencies of `--units` × `--indicators` (10 × 30 = 300 rows), a year of rounds
each, with a self-signed agency certificate, so that the filed recap is signed as in
production. Each agency's Q3 round is put back to step 9 (agency recap) waiting, every unit
acknowledged, and the data subsection's staff finalises it, one agency after the other:

1. the request: `round_finalise(user=…, round_=…, expected_version=…)`, what the finalise
   form's POST calls (its own transaction; the view's redirect is not timed), with the
   database task backend (settings.TASKS): it queues one job and renders nothing. Floor: one
   `UPDATE` of the round's row in a transaction (one statement, one commit);
2. the task worker: `documents.tasks.run_ready_tasks(issue_documents_task)`, the worker's
   claim-run-record of that job (`db_worker`'s own loop adds only its `--interval` between
   polls), which renders, signs and files the agency recap. Floor: `render_pdf` of a one-line
   template in the same fonts (bench/documents_scale.py), the renderer's fixed cost;
3. for comparison, the request as it was before the worker: the same finalising with the
   ImmediateBackend, whose job the step hands over on commit and which runs it there and then,
   in the request (`transaction.on_commit`, as `issue_after_commit` did). Floor as in 1.

The script exits with status 1 unless every request of 1 queued exactly one job and filed
nothing, and every job of 2 succeeded and filed the round's agency recap, once.
See bench/README.md for reading the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

from documents_scale import TRIVIAL_TEMPLATE, pdf_pages, runs, trivial_template_dir
from recap_scale import (
    ALL_PERIODS,
    Built,
    Result,
    Scale,
    build_agencies,
    prepare_database,
    print_environment,
    print_table,
    release,
    settle,
)

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSPHRASE = "bench-passphrase"


def waiting_at_step_9(agency_id: int) -> int:
    """The agency's Q3 round, finalised by the build, open again with step 9 waiting and
    every unit acknowledged; its staff of Bidang 0 in the data subsection. Returns its id."""
    from django.core.files.base import ContentFile

    from kinerja.collection.models import Round, StepExecution, TrackStage
    from kinerja.documents import signing
    from kinerja.documents.models import DocumentSettings
    from kinerja.organisation.models import Agency, FunctionTag, Unit
    from kinerja.sops.models import StepKind

    agency = Agency.objects.get(pk=agency_id)
    Unit.objects.get(agency=agency, code="bidang-0").functions.add(
        FunctionTag.objects.get(code="data"))
    settings_row, _ = DocumentSettings.objects.get_or_create(agency=agency)
    settings_row.signing_certificate.save("agency.p12",
                                          ContentFile(signing.self_signed_pkcs12(agency)))
    settings_row.certificate_self_signed = True
    settings_row.city = "Luwuk"
    settings_row.save()
    round_ = Round.objects.get(agency=agency, period="Q3")
    Round.objects.filter(pk=round_.pk).update(status="open", finalised_at=None)
    assert not round_.tracks.exclude(stage=TrackStage.FINAL).exists()
    StepExecution.objects.filter(round=round_, step__kind=StepKind.AGENCY_RECAP).update(
        status="open", started_at=None, completed_at=None, outcome="", completed_by=None)
    return round_.pk


def finalise(round_id: int) -> None:
    """What the finalise form's POST does, as a new request: the user and the round read
    afresh, then the service, in its transaction."""
    from kinerja.accounts.models import User
    from kinerja.collection.models import Round
    from kinerja.collection.services import round_finalise

    round_ = Round.objects.select_related("agency").get(pk=round_id)
    user = User.objects.get(username=f"{round_.agency.code}-staff-0")
    round_finalise(user=user, round_=round_, expected_version=round_.version)


def recaps_of(round_id: int) -> list:
    from kinerja.documents.models import Document, DocumentKind

    return list(Document.objects.filter(round_id=round_id, kind=DocumentKind.AGENCY_RECAP))


def measure(pairs: list[tuple[int, int]]) -> tuple[list[Result], list[str], dict]:
    """In turns for each pair of rounds (the first pair a warm-up): the request and its floor,
    the worker and its floor, the request as before and its floor."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext, override_settings
    from django_tasks_db.models import DBTaskResult

    from kinerja.collection.models import Round
    from kinerja.documents.rendering import render_pdf
    from kinerja.documents.tasks import issue_documents_task, run_ready_tasks

    table = Round._meta.db_table
    agency = Round.objects.get(pk=pairs[0][0]).agency
    sample: dict = {}
    problems: list[str] = []
    columns = {name: ([], []) for name in ("request", "worker", "before")}
    counted = {}

    def floor_update(round_id):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET version = version WHERE id = %s", [round_id])

    def floor_pdf(round_id):
        render_pdf(TRIVIAL_TEMPLATE, {}, agency=agency)

    def timed(name, run, floor, round_id):
        start = time.perf_counter()
        floor(round_id)
        floor_ms = (time.perf_counter() - start) * 1000
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            outcome = run(round_id)
            elapsed = (time.perf_counter() - start) * 1000
        counted[name] = len(captured)
        return elapsed, floor_ms, outcome

    def worker(round_id):
        return run_ready_tasks(issue_documents_task, worker_id="bench")

    for attempt, (round_id, before_id) in enumerate(pairs):
        jobs_before = DBTaskResult.objects.count()
        request = timed("request", finalise, floor_update, round_id)
        queued = list(DBTaskResult.objects.filter(status="READY"))
        if len(queued) != 1 or DBTaskResult.objects.count() != jobs_before + 1:
            problems.append(f"round {round_id}: the request queued {len(queued)} jobs")
        if recaps_of(round_id):
            problems.append(f"round {round_id}: the request filed the recap itself")
        work = timed("worker", worker, floor_pdf, round_id)
        ran = work[2]
        recaps = recaps_of(round_id)
        if [job.status for job in ran] != ["SUCCESSFUL"] or len(recaps) != 1:
            problems.append(f"round {round_id}: the worker ran {[j.status for j in ran]} and "
                            f"filed {len(recaps)} recaps")
        with override_settings(TASKS=IMMEDIATE):
            old = timed("before", finalise, floor_update, before_id)
        if len(recaps_of(before_id)) != 1:
            problems.append(f"round {before_id}: the request as before filed no recap")
        if attempt:
            for name, (elapsed, floor_ms, _outcome) in (("request", request), ("worker", work),
                                                         ("before", old)):
                columns[name][0].append(elapsed)
                columns[name][1].append(floor_ms)
        if recaps:
            document = recaps[0]
            with document.file.open("rb") as handle:
                content = handle.read()
            sample = {"pages": pdf_pages(content), "bytes": document.size,
                      "signed": bool(document.signing_backend),
                      "job": ran[0].return_value if ran else None,
                      "issued_after_ms": (document.issued_at - Round.objects.get(
                          pk=round_id).finalised_at).total_seconds() * 1000}
    results = [
        Result("finalise request (queues job)", *columns["request"], counted["request"]),
        Result("worker: job files recap PDF", *columns["worker"], counted["worker"]),
        Result("finalise request, as before", *columns["before"], counted["before"]),
    ]
    return results, problems, sample


# -- main --------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=10, help="reporting units per agency")
    parser.add_argument("--indicators", type=int, default=30,
                        help="indicators per unit (10 × 30 = 300 rows)")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs after a warm-up")
    parser.add_argument("--no-analyze", action="store_true",
                        help="PostgreSQL: time without VACUUM ANALYZE after the bulk load")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    rows = args.units * args.indicators

    started = time.perf_counter()
    database = prepare_database(args.keep)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import override_settings

        call_command("migrate", verbosity=0, interactive=False)
        trivial_template_dir()
        override_settings(KINERJA_SIGNING_PASSPHRASE=PASSPHRASE).enable()
        migrated = time.perf_counter()
        import weasyprint
        from django.conf import settings

        print_environment(database, weasyprint=weasyprint.__version__)
        print(f"task backend: {settings.TASKS['default']['BACKEND']} (as before: "
              f"{IMMEDIATE['default']['BACKEND']})")
        count = 2 * (args.repeat + 1)
        print(f"scale: {count} agencies × {args.units} units × {args.indicators} indicators "
              f"({rows} rows a recap), 5 periods ({', '.join(ALL_PERIODS)}) of {args.year}")
        print(f"migrate: {migrated - started:.1f} s")

        before = time.perf_counter()
        built = Built()
        build_agencies(Scale(count, args.units, args.indicators, ALL_PERIODS, args.year), 0,
                       count, built, random.Random(args.seed))
        round_ids = [waiting_at_step_9(agency_id) for agency_id in built.agency_ids]
        took = time.perf_counter() - before
        settled = "" if args.no_analyze else settle(connection.vendor)
        print(f"built {count} agencies ({built.values:,} values) in {took:.1f} s{settled}")

        pairs = list(zip(round_ids[0::2], round_ids[1::2], strict=True))
        results, problems, sample = measure(pairs)
        print()
        print_table(results, None, 0)
        request, worker, old = results
        print(f"\nThe request now takes {request.median:.0f} ms (median), "
              f"{old.median / request.median:.0f} times less than as before "
              f"({old.median:.0f} ms); the task worker then takes {worker.median:.0f} ms to "
              f"file the recap. Request + worker {request.median + worker.median:.0f} ms: the "
              f"same work, moved out of the web worker.")
        if sample:
            print(f"recap PDF filed by the worker: {sample['pages']} pages, "
                  f"{sample['bytes']:,} bytes, {'signed' if sample['signed'] else 'unsigned'}; "
                  f"issued {sample['issued_after_ms'] / 1000:.1f} s after the round was "
                  f"finalised; the job returned {sample['job']}.")
        print(f"\nratio = median / floor median. Floors: the requests', one UPDATE of the "
              f"round in a transaction; the worker's, render_pdf of a one-line template. "
              f"{runs(args.repeat)} of each after a warm-up, each on a round of its own; "
              f"queries (BEGIN/COMMIT included) counted during the last run."
              f"\nTotal {time.perf_counter() - started:.0f} s; load average now "
              f"{os.getloadavg()[0]:.1f}.")
        if problems:
            print("PROBLEMS:\n  " + "\n  ".join(problems))
            return 1
        print(f"Every request queued one job and filed nothing; the worker filed each "
              f"round's recap PDF once ({args.repeat + 1} rounds).")
        return 0
    finally:
        release(database)


if __name__ == "__main__":
    sys.exit(main())
