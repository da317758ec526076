"""Where a request's time goes, without pg_stat_statements: for each endpoint of the load test,
the SQL queries one request makes and the time it takes in this process (the median of a few,
after one to warm up), split into the time spent in the database and the rest (Python:
views, templates, middleware). Run by run.sh on the load test's database, with its
environment, after prepare.py:

    .venv/bin/python bench/load/queries.py people.json
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kinerja.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

REPEAT = 5


class Timed:
    """Counts the queries and the time inside the database driver."""

    def __init__(self):
        self.queries = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


def measure(client: Client, url: str, headers: dict, *,
            new_connection: bool = False) -> tuple[int, float, float]:
    """(queries, median ms, median ms in SQL); with `new_connection` each request opens its
    own database connection, as DB_CONN_MAX_AGE=0 does."""
    client.get(url, **headers)  # warm-up
    runs = []
    for _ in range(REPEAT):
        if new_connection:
            connection.close()
        timed = Timed()
        with connection.execute_wrapper(timed):
            started = time.perf_counter()
            response = client.get(url, **headers)
            total = time.perf_counter() - started
        assert response.status_code == 200, (url, response.status_code)
        runs.append((timed.queries, total, timed.seconds))
    queries = runs[-1][0]
    return (queries, statistics.median(run[1] for run in runs) * 1000,
            statistics.median(run[2] for run in runs) * 1000)


def main() -> None:
    people = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    # The account that may open the most (the head of the first agency) shows every endpoint.
    account = max(people["accounts"], key=lambda account: len(account["urls"]))
    user = get_user_model().objects.get(pk=account["user_id"])
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)
    seen = set()
    print(f"Per request as {account['username']} (median of {REPEAT}, in-process, "
          f"no network):\n")
    print(f"| {'endpoint':<34} | queries | total ms | in SQL ms | new connection: total ms |")
    print(f"|{'-' * 36}|--------:|---------:|----------:|-------------------------:|")
    with CaptureQueriesContext(connection):  # keeps connection.queries on without DEBUG
        for url in account["urls"]:
            if url["name"] in seen:
                continue
            seen.add(url["name"])
            headers = ({"HTTP_AUTHORIZATION": f"Bearer {account['token']}"}
                       if url["kind"] == "api" else {})
            queries, total, in_sql = measure(client, url["url"], headers)
            _queries, fresh, _in_sql = measure(client, url["url"], headers,
                                               new_connection=True)
            print(f"| {url['name']:<34} | {queries:>7} | {total:>8.1f} | {in_sql:>9.1f} | "
                  f"{fresh:>24.1f} |")


if __name__ == "__main__":
    main()
