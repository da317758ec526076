"""PDF documents and the data-request workbook at scale, in one throw-away database.

    .venv/bin/python bench/documents_scale.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/documents_scale.py

Builds a throw-away database as bench/recap_scale.py does (its helpers, imported), then times
three things against floors measured in the same run:

1. the DRAFT PDF of one agency recap of 300 indicator rows
   (`documents.services.document_render(cycle.agency_recap_spec(round, None))`), against the
   same pipeline's fixed cost: `documents.rendering.render_pdf` of a one-line template in the
   same fonts; the recap data alone (`agency_recap`) and the HTML alone (`render_html`) are
   timed beside it, so the rest is WeasyPrint's layout;
2. the agency recap PDFs of 45 agencies (20–60 indicators each) in one batch, total and per
   agency, against the one-line document × 45;
3. `collection.excel.values_upload` of a data-request workbook with 1,000 values (every value
   cell filled with openpyxl), against one transaction inserting 1,000 rows into the same
   table; and the same file uploaded again (nothing changes), against openpyxl loading it.

The number of queries of a recap PDF must not depend on its rows (exit status 1 otherwise).
See bench/README.md for the options and for reading the figures.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from contextlib import nullcontext
from decimal import Decimal
from pathlib import Path

from recap_scale import (
    ALL_PERIODS,
    Built,
    Result,
    Scale,
    build_agencies,
    paired,
    prepare_database,
    print_environment,
    print_table,
    release,
    settle,
)

BATCH_SIZES = (2, 3, 4, 5, 6)  # reporting units of a batch agency, in turn; 10 indicators each
BATCH_INDICATORS = 10
TRIVIAL_TEMPLATE = "bench/trivial.html"
# One line in both shipped families; render_pdf adds the @font-face rules of all eight faces.
TRIVIAL_HTML = """<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>Bench</title>
<style>html { font-family: "Kinerja Serif"; font-size: 11pt; } b { font-family: "Kinerja Sans"; }
</style></head>
<body><p><b>{{ agency.short_name }}</b> {{ agency.name }}</p></body></html>
"""


def trivial_template_dir() -> Path:
    """The one-line template, in a directory of the run's temporary data directory, added to
    the template engine's DIRS (after django.setup(); override_settings resets the engines)."""
    from django.conf import settings
    from django.test.utils import override_settings

    root = Path(os.environ["KINERJA_DATA_DIR"]) / "bench-templates"
    (root / "bench").mkdir(parents=True, exist_ok=True)
    (root / TRIVIAL_TEMPLATE).write_text(TRIVIAL_HTML, encoding="utf-8")
    engine = settings.TEMPLATES[0]
    override_settings(TEMPLATES=[{**engine, "DIRS": [*engine["DIRS"], root]},
                                 *settings.TEMPLATES[1:]]).enable()
    return root


def runs(count: int) -> str:
    return f"{count} run" + ("" if count == 1 else "s")


def pdf_pages(content: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(content)).pages)


def round_for_print(round_id: int):
    """The round as the print view has it (round_get_for_viewer's select_related)."""
    from kinerja.collection.models import Round

    return Round.objects.select_related("sop_version", "sop", "agency").get(pk=round_id)


def draft_context(spec) -> dict:
    """What document_render hands to render_pdf for a DRAFT."""
    return {**spec.context, "title": spec.title, "signers": spec.signers,
            "footer_text": f"DRAFT · {spec.title}"}


def paired_counting(name: str, run, floor, repeat: int, prepare=tuple, floor_turns: int = 3,
                    extra_run: bool = False) -> tuple[Result, list[str]]:
    """recap_scale.paired for operations of seconds, returning the SQL of the counted run too.

    The floor, a fraction of the run, is taken `floor_turns` times in each turn, so that its
    median does not rest on the three samples of three turns. The queries are counted during
    the last timed run (capturing a dozen queries costs nothing next to seconds of layout, and
    a 300-row PDF is not rendered once more), or on one more run with `extra_run`, as
    recap_scale does, when there are thousands of them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, floor_times, sql = [], [], []
    for attempt in range(repeat + 1):
        floor_elapsed = []
        for _ in range(floor_turns):
            start = time.perf_counter()
            floor()
            floor_elapsed.append((time.perf_counter() - start) * 1000)
        args = prepare()
        captured = None if extra_run else CaptureQueriesContext(connection)
        with nullcontext() if captured is None else captured:
            start = time.perf_counter()
            run(*args)
            elapsed = (time.perf_counter() - start) * 1000
        if attempt:
            times.append(elapsed)
            floor_times += floor_elapsed
            if captured is not None:
                sql = [query["sql"] for query in captured.captured_queries]
    if extra_run:
        args = prepare()
        with CaptureQueriesContext(connection) as captured:
            run(*args)
        sql = [query["sql"] for query in captured.captured_queries]
    return Result(name, times, floor_times, len(sql)), sql


def statements(sql: list[str], at_least: int) -> str:
    """The statements that come `at_least` times or more, as "INSERT table ×n"."""
    import re
    from collections import Counter

    found = Counter()
    for query in sql:
        table = re.search(r'\b(?:INTO|FROM|UPDATE)\s+"?(\w+)', query)
        found[f"{query.split(None, 1)[0].upper()} {table[1] if table else ''}".strip()] += 1
    many = [f"{what} ×{count}" for what, count in found.most_common() if count >= at_least]
    rest = sum(count for count in found.values() if count < at_least)
    return ", ".join(many + ([f"{rest} others"] if rest else []))


# -- 1 and 2: agency recap PDFs ----------------------------------------------------------------

def measure_recap_pdf(round_id: int, rows: int, pdf_repeat: int, repeat: int,
                      ) -> tuple[list[Result], bytes]:
    from kinerja.collection.recap import agency_recap
    from kinerja.documents import cycle, services
    from kinerja.documents.rendering import render_html, render_pdf

    agency = round_for_print(round_id).agency
    pdfs: list[bytes] = []

    def trivial():
        render_pdf(TRIVIAL_TEMPLATE, {}, agency=agency)

    def fresh():
        return (round_for_print(round_id),)

    def pdf(round_):
        pdfs.append(services.document_render(cycle.agency_recap_spec(round_, None)))

    def data(round_):
        found = agency_recap(round_)
        assert len(found.rows) == rows, len(found.rows)

    def with_spec():
        round_ = round_for_print(round_id)
        return round_, cycle.agency_recap_spec(round_, None)

    def html(round_, spec):
        render_html(spec.template, draft_context(spec), agency=round_.agency,
                    landscape=spec.landscape, draft=True)

    results = [
        paired_counting(f"recap PDF ({rows} rows)", pdf, trivial, pdf_repeat, fresh)[0],
        paired("  agency_recap (data only)", data, trivial, repeat, fresh),
        paired("  render_html (template only)", html, trivial, repeat, with_spec),
    ]
    return results, pdfs[-1]


def measure_batch(round_ids: list[int]) -> tuple[Result, int, int, dict[int, set[int]]]:
    """Each agency's recap PDF once, in turns with the one-line document of the same agency;
    the queries of each are counted during its run. Returns the queries by number of rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kinerja.documents import cycle, services
    from kinerja.documents.rendering import render_pdf

    times, floor_times, pages, size = [], [], 0, 0
    counts: dict[int, set[int]] = {}
    for round_id in round_ids:
        round_ = round_for_print(round_id)
        start = time.perf_counter()
        render_pdf(TRIVIAL_TEMPLATE, {}, agency=round_.agency)
        floor_times.append((time.perf_counter() - start) * 1000)
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            spec = cycle.agency_recap_spec(round_, None)
            content = services.document_render(spec)
            times.append((time.perf_counter() - start) * 1000)
        row_count = sum(len(group) for _, objectives in spec.context["groups"]
                        for _, group in objectives)
        counts.setdefault(row_count, set()).add(len(captured))
        pages += pdf_pages(content)
        size += len(content)
    result = Result(f"batch: {len(round_ids)} recaps, each", times, floor_times,
                    max(max(found) for found in counts.values()))
    return result, pages, size, counts


# -- 3: the workbook upload --------------------------------------------------------------------

def measure_upload(agency_code: str, staff_username: str, values: int, long_repeat: int,
                   repeat: int) -> tuple[list[Result], dict]:
    from django.db import connection, transaction
    from django.utils import timezone
    from openpyxl import load_workbook

    from kinerja.accounts.models import User
    from kinerja.collection.excel import (
        DATA,
        FIRST_ROW,
        VALUE_COLUMN,
        format_workbook,
        values_upload,
    )
    from kinerja.collection.models import IndicatorValue, Track

    tracks = Track.objects.select_related("round", "unit").filter(
        round__agency__code=agency_code, unit__code="bidang-0")
    track = tracks.get(round__period="Q4")
    other = tracks.get(round__period="Y")  # the floor's rows go to another track, same table
    user_id = User.objects.get(username=staff_username).pk
    indicator_ids = list(IndicatorValue.objects.filter(track=track)
                         .values_list("indicator_id", flat=True))
    assert len(indicator_ids) == values, len(indicator_ids)
    value_t = IndicatorValue._meta.db_table
    history_t = IndicatorValue.history.model._meta.db_table

    def clear(*track_ids):
        with connection.cursor() as cursor:
            for track_id in track_ids:
                cursor.execute(f"DELETE FROM {value_t} WHERE track_id = %s", [track_id])

    # The format of an empty track (every value new, version 0), filled in with openpyxl.
    clear(track.pk, other.pk)
    start = time.perf_counter()
    blank = format_workbook(track)
    download_ms = (time.perf_counter() - start) * 1000
    book = load_workbook(io.BytesIO(blank))
    sheet = book[DATA]
    for row in range(FIRST_ROW, FIRST_ROW + values):
        sheet[f"{VALUE_COLUMN}{row}"] = row % 97 + 0.25  # ≤ 100 and ≥ 0: valid for every type
    buffer = io.BytesIO()
    book.save(buffer)
    content = buffer.getvalue()

    def fresh_upload():
        clear(track.pk, other.pk)  # the previous upload's values, and the floor's rows
        return (User.objects.get(pk=user_id),)

    def upload(user):
        saved = values_upload(user=user, track=track, content=content)
        assert len(saved) == values, len(saved)

    insert = (f"INSERT INTO {value_t} (track_id, indicator_id, value, explanation, "
              f"change_reason, prefilled_value, version, updated_by_id, updated_at) "
              f"VALUES (%s, %s, %s, '', '', NULL, 1, %s, %s)")

    def insert_floor():
        now = timezone.now()
        rows = [(other.pk, indicator_id, Decimal(n % 97) + Decimal("0.25"), user_id, now)
                for n, indicator_id in enumerate(indicator_ids)]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(insert, rows)

    def fresh_user():
        return (User.objects.get(pk=user_id),)

    def again(user):
        assert values_upload(user=user, track=track, content=content) == []

    def load_floor():
        load_workbook(io.BytesIO(content), data_only=True)

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {history_t}")
        history_before = cursor.fetchone()[0]
    first, sql = paired_counting(f"values_upload ({values:,} new)", upload, insert_floor,
                                 long_repeat, fresh_upload, floor_turns=1, extra_run=True)
    results = [first,
               paired("values_upload again (no change)", again, load_floor, repeat, fresh_user)]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {history_t}")
        history_rows = cursor.fetchone()[0] - history_before
    info = {"download_ms": download_ms, "bytes": len(content), "history_rows": history_rows,
            "uploads": long_repeat + 2, "statements": statements(sql, values // 2)}
    return results, info


# -- main --------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=10,
                        help="reporting units of the agency whose recap is timed alone")
    parser.add_argument("--indicators", type=int, default=30,
                        help="indicators per unit of that agency (10 × 30 = 300 rows)")
    parser.add_argument("--agencies", type=int, default=45,
                        help="agencies of the batch (2–6 units of 10 indicators each, in turn)")
    parser.add_argument("--values", type=int, default=1000, help="rows of the workbook")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs after a warm-up")
    parser.add_argument("--long-repeat", type=int, default=3,
                        help="timed runs of the two long measurements (the large recap PDF, "
                             "the upload of new values) after a warm-up")
    parser.add_argument("--quick", action="store_true",
                        help="a quick look: --agencies 5 --values 200 --repeat 2 --long-repeat 1")
    parser.add_argument("--no-analyze", action="store_true",
                        help="PostgreSQL: time without VACUUM ANALYZE after the bulk load")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if args.quick:
        args.agencies, args.values, args.repeat, args.long_repeat = 5, 200, 2, 1
    rows = args.units * args.indicators

    started = time.perf_counter()
    database = prepare_database(args.keep)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from kinerja.collection.models import Round

        call_command("migrate", verbosity=0, interactive=False)
        trivial_template_dir()
        migrated = time.perf_counter()
        import weasyprint

        print_environment(database, weasyprint=weasyprint.__version__)
        batch_units = [BATCH_SIZES[n % len(BATCH_SIZES)] for n in range(args.agencies)]
        batch_rows = sum(batch_units) * BATCH_INDICATORS
        print(f"scale: 1 agency × {args.units} units × {args.indicators} indicators; "
              f"{args.agencies} agencies × 2–6 units × {BATCH_INDICATORS} indicators "
              f"({batch_rows:,} rows); 1 unit × {args.values:,} indicators; "
              f"5 periods ({', '.join(ALL_PERIODS)}) of {args.year}")
        print(f"migrate: {migrated - started:.1f} s")

        # The agencies: bench-0 (the large recap), bench-1… (the batch), then the workbook's.
        before = time.perf_counter()
        rng = random.Random(args.seed)
        built = Built()
        build_agencies(Scale(1, args.units, args.indicators, ALL_PERIODS, args.year), 0, 1,
                       built, rng)
        for index, units in enumerate(batch_units, start=1):
            build_agencies(Scale(1, units, BATCH_INDICATORS, ALL_PERIODS, args.year), index, 1,
                           built, rng)
        workbook_index = args.agencies + 1
        build_agencies(Scale(1, 1, args.values, ALL_PERIODS, args.year), workbook_index, 1,
                       built, rng)
        took = time.perf_counter() - before
        settled = "" if args.no_analyze else settle(connection.vendor)
        print(f"built {len(built.agency_ids)} agencies ({built.values:,} values) in {took:.1f} s"
              f"{settled} ({time.perf_counter() - before:.1f} s)")

        results, pdf = measure_recap_pdf(built.round_id, rows, args.long_repeat, args.repeat)
        pages = pdf_pages(pdf)
        batch_ids = list(Round.objects.filter(agency_id__in=built.agency_ids[1:-1],
                                              period="Q4")
                         .order_by("agency_id").values_list("id", flat=True))
        batch_started = time.perf_counter()
        batch, batch_pages, batch_bytes, batch_counts = measure_batch(batch_ids)
        batch_wall = time.perf_counter() - batch_started
        results.append(batch)
        upload_results, upload = measure_upload(
            f"bench-{workbook_index}", f"bench-{workbook_index}-staff-0", args.values,
            args.long_repeat, args.repeat)
        results += upload_results

        print()
        print_table(results, None, 0)
        whole, data, html = results[0], results[1], results[2]
        layout = whole.median - data.median - html.median
        print(f"\nrecap PDF: {pages} pages, {len(pdf):,} bytes, {whole.median / pages:.0f} ms a "
              f"page; of its median: agency_recap {data.median / whole.median:.0%}, "
              f"render_html {html.median / whole.median:.0%}, the rest (WeasyPrint layout and "
              f"PDF, the spec's other queries) {layout / whole.median:.0%}.")
        by_rows = ", ".join(f"{'/'.join(map(str, sorted(found)))} ({count} rows)"
                            for count, found in sorted(batch_counts.items()))
        print(f"batch: {len(batch_ids)} agencies, {batch_rows:,} rows, {batch_pages} pages, "
              f"{batch_bytes:,} bytes: {sum(batch.times) / 1000:.1f} s rendering "
              f"({batch_wall:.1f} s with the floors and loading), one-line document × "
              f"{len(batch_ids)}: {sum(batch.floor_times) / 1000:.1f} s; per agency median "
              f"{batch.median:.0f} ms, best {min(batch.times):.0f}, worst "
              f"{max(batch.times):.0f}; queries {by_rows}.")
        first, again = upload_results
        print(f"workbook: {args.values:,} rows, {upload['bytes']:,} bytes (format_workbook "
              f"{upload['download_ms']:.0f} ms, once). Of the first upload's median: openpyxl "
              f"load ≈ {again.floor:.0f} ms, reading and checking the rows ≈ "
              f"{again.median - again.floor:.0f} ms (the second upload less the load), "
              f"saving ≈ {first.median - again.median:.0f} ms (the first upload less the "
              f"second). {first.queries / args.values:.1f} queries a value: "
              f"{upload['statements']}; "
              f"{upload['history_rows'] / upload['uploads'] / args.values:.1f} history rows a "
              f"value.")
        print(f"\nratio = median / floor median; the PDFs' floor is render_pdf of a one-line "
              f"template in the same fonts. {runs(args.long_repeat)} of the recap PDF and of "
              f"the first upload, {args.repeat} of the others, each after a warm-up; the "
              f"batch once per agency. Queries (BEGIN/COMMIT included) counted during the "
              f"last timed run of a PDF, on one more run of the uploads."
              f"\nTotal {time.perf_counter() - started:.0f} s; load average now "
              f"{os.getloadavg()[0]:.1f}.")
        counts = {whole.queries}.union(*batch_counts.values())
        if len(counts) > 1:
            print(f"QUERY COUNT OF A RECAP PDF DEPENDS ON ITS ROWS: {whole.queries} ({rows} "
                  f"rows), {by_rows}")
            return 1
        print(f"recap PDF queries are the same with {min(batch_counts)} to {rows} rows.")
        return 0
    finally:
        release(database)


if __name__ == "__main__":
    sys.exit(main())
