"""The head's dashboard: its query count with 10 and with 45 agencies in the database.

    .venv/bin/python bench/dashboard_queries.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/dashboard_queries.py
    .venv/bin/python bench/dashboard_queries.py --agencies 12 --units 4   # a quick look

A throw-away database as bench/recap_scale.py makes it (its `prepare_database`, `release`,
`settle`), filled with bulk_create by kinerja/dashboard/tests/factories.py: per agency
`--units` Bidang with a Kabid and a staff member each, the seed SOP, `--indicators` per Bidang,
Q1–Q3 finalised (steps 1–9 done, a finalised recap of every row) and Q4 at data entry. The
agencies differ in size (the first has `--units`, the others 2 to `--units`), so that a count
that grows with the units shows too.

For the first agency's head and for the last agency's head it counts the queries of the
dashboard's selector, of the page (`/dashboard/`, through Django's test client, the session
and the middleware included) and of `GET /api/v1/dashboard`, first with 10 agencies in the
database, then with all of them. **It exits with status 1 if any count differs** between the
two stages or between the two agencies. Counts only: the times of the pages are measured as
bench/README.md says, against a floor, elsewhere.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from recap_scale import prepare_database, release, settle  # noqa: E402

FIRST_STAGE = 10


def count(head_user_id: int) -> dict[str, int]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kinerja.dashboard.selectors import dashboard_for_viewer
    from kinerja.organisation.visibility import Viewer

    user = get_user_model().objects.get(pk=head_user_id)
    viewer = Viewer.for_user(user)
    client = Client()
    client.force_login(user)
    found = {}
    for name, run in (
        ("selector", lambda: dashboard_for_viewer(viewer=viewer)),
        ("page /dashboard/", lambda: client.get("/dashboard/")),
        ("api /api/v1/dashboard", lambda: client.get("/api/v1/dashboard")),
    ):
        run()  # warm: the calendar made on first use, the session's first save
        with CaptureQueriesContext(connection) as captured:
            result = run()
        status = getattr(result, "status_code", 200)
        if status != 200:
            sys.exit(f"{name}: HTTP {status}")
        found[name] = len(captured)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agencies", type=int, default=45)
    parser.add_argument("--units", type=int, default=10, help="Bidang of the first agency")
    parser.add_argument("--indicators", type=int, default=3, help="indicators per Bidang")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    started = time.perf_counter()
    database = prepare_database(args.keep)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from kinerja.dashboard.tests.factories import build_agency

        call_command("migrate", verbosity=0, interactive=False)
        print(f"database: {database.label} ({connection.vendor})")
        built = []
        table = []
        for stage in sorted({min(FIRST_STAGE, args.agencies), args.agencies}):
            before = time.perf_counter()
            while len(built) < stage:
                index = len(built)
                units = args.units if index == 0 else 2 + index % max(args.units - 1, 1)
                built.append(
                    build_agency(
                        f"bench-{index}", units=units, finalised=3, indicators=args.indicators
                    )
                )
            settled = settle(connection.vendor)
            print(f"built {stage} agencies in {time.perf_counter() - before:.1f} s{settled}")
            for label, agency in (("first", built[0]), ("last", built[-1])):
                counts = count(agency.head_user_id)
                table.append((stage, label, counts))
        names = list(table[0][2])
        print()
        print(f"{'agencies':>8}  {'agency':<6}  " + "  ".join(f"{n:>22}" for n in names))
        for stage, label, counts in table:
            print(f"{stage:>8}  {label:<6}  " + "  ".join(f"{counts[n]:>22}" for n in names))
        distinct = {tuple(counts.values()) for _stage, _label, counts in table}
        print(f"\nTotal {time.perf_counter() - started:.0f} s.")
        if len(distinct) != 1:
            print("query counts DIFFER between the stages or the agencies: an N+1.")
            return 1
        print(
            "query counts are the same with 10 and with all agencies, for a small and a "
            "large agency."
        )
        return 0
    finally:
        release(database)


if __name__ == "__main__":
    sys.exit(main())
