"""Signed-in demo people using Kinerja at once: pages in the browser and the JSON API.

Each simulated user takes its own session (made by prepare.py) of one of the demo accounts,
round robin, and that account's API token; it then opens, with a pause between two clicks
(WAIT_MIN–WAIT_MAX seconds, 5–15 by default), one of the pages or API routes its account may
open, chosen by the weights below. Every answer but a 200 is a failure: redirects are not
followed, so a session the server no longer knows (a 302 to the log-in page) counts as one.

    PEOPLE=people.json .venv/bench/bin/locust -f bench/load/locustfile.py --headless \
        -u 200 -r 20 -t 70s --host http://127.0.0.1:8765 --csv out/u200 --reset-stats
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path

from locust import HttpUser, between, task

PEOPLE = json.loads(Path(os.environ.get("PEOPLE", "people.json")).read_text(encoding="utf-8"))
WAIT_MIN = float(os.environ.get("WAIT_MIN", "5"))
WAIT_MAX = float(os.environ.get("WAIT_MAX", "15"))

# How often each kind of request comes, relative to the others: the pages people open most
# (their tasks, a round, their unit's data) and the API a script polls.
WEIGHTS = {
    "/": 3, "/tasks/": 4, "/rounds/": 2, "/rounds/[id]/": 4, "/rounds/[id]/units/[id]/": 4,
    "/rounds/[id]/recap/": 2, "/rounds/[id]/history/": 1, "/notifications/": 1,
    "/dashboard/": 1, "/dashboard/rounds/[id]/": 1,
    "/api/v1/me": 1, "/api/v1/tasks": 3, "/api/v1/rounds": 2, "/api/v1/rounds/[id]": 2,
    "/api/v1/rounds/[id]/recap": 1, "/api/v1/rounds/[id]/tracks/[id]": 2, "/api/v1/units": 1,
    "/api/v1/sops": 1,
}

_slots = itertools.count()


class Person(HttpUser):
    wait_time = between(WAIT_MIN, WAIT_MAX)

    def on_start(self) -> None:
        slot = PEOPLE["sessions"][next(_slots) % len(PEOPLE["sessions"])]
        account = PEOPLE["accounts"][slot["account"]]
        self.client.cookies.set("sessionid", slot["sessionid"])
        self.bearer = {"Authorization": f"Bearer {account['token']}"}
        self.urls = account["urls"]
        self.weights = [WEIGHTS.get(url["name"], 1) for url in self.urls]

    @task
    def open_something(self) -> None:
        [url] = random.choices(self.urls, weights=self.weights)
        headers = self.bearer if url["kind"] == "api" else {}
        with self.client.get(url["url"], name=url["name"], headers=headers,
                             allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
