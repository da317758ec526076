"""The people of the load test: for each simulated user a signed-in session of a demo account,
each account's API token, and the pages and API routes that account may open.

Run by run.sh after `manage.py demo_setup`, with the same environment as the server (above all
SECRET_KEY and DATABASE_URL: the sessions are checked against them) and KINERJA_DEMO=1 (the
demo's accounts are read through `demo_accounts()`):

    KINERJA_DEMO=1 .venv/bin/python bench/load/prepare.py --sessions 200 --out people.json

The sessions are made with Django's test client (`force_login`), not by posting the log-in
form: the load test measures people working, not 200 Argon2 hashes at once (a log-in costs
about 0.1–0.3 s of CPU by design). Each URL kept is one the account really gets a 200 for,
found by asking it here through the whole middleware; a URL another account may open but this
one may not (a unit's page for another unit's staff) is left out of its list, so that every
non-200 during the run is an error to look at.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kinerja.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402

from kinerja.accounts.services import api_token_create  # noqa: E402
from kinerja.collection.models import Round, RoundStatus  # noqa: E402
from kinerja.demo.services import demo_accounts  # noqa: E402
from kinerja.organisation.models import Person  # noqa: E402

HOST = "127.0.0.1"
MAX_TRACKS = 4  # per round: enough to give each unit's staff its own page


def candidates(agency_id: int) -> list[tuple[str, str, str]]:
    """(kind, url, name for the statistics) of everything worth opening in the agency."""
    pages = [("page", "/", "/"), ("page", "/tasks/", "/tasks/"),
             ("page", "/rounds/", "/rounds/"), ("page", "/notifications/", "/notifications/"),
             ("page", "/dashboard/", "/dashboard/")]
    api = [("api", "/api/v1/me", "/api/v1/me"), ("api", "/api/v1/tasks", "/api/v1/tasks"),
           ("api", "/api/v1/rounds", "/api/v1/rounds"), ("api", "/api/v1/units", "/api/v1/units"),
           ("api", "/api/v1/sops", "/api/v1/sops")]
    rounds = list(Round.objects.filter(agency_id=agency_id, status=RoundStatus.OPEN)
                  .order_by("-id")[:1])
    rounds += list(Round.objects.filter(agency_id=agency_id, status=RoundStatus.FINALISED)
                   .order_by("-id")[:1])
    for round_ in rounds:
        rid = round_.id
        pages += [("page", f"/rounds/{rid}/", "/rounds/[id]/"),
                  ("page", f"/rounds/{rid}/recap/", "/rounds/[id]/recap/"),
                  ("page", f"/rounds/{rid}/history/", "/rounds/[id]/history/"),
                  ("page", f"/dashboard/rounds/{rid}/", "/dashboard/rounds/[id]/")]
        api += [("api", f"/api/v1/rounds/{rid}", "/api/v1/rounds/[id]"),
                ("api", f"/api/v1/rounds/{rid}/recap", "/api/v1/rounds/[id]/recap")]
        for track_id in round_.tracks.order_by("id").values_list("id", flat=True)[:MAX_TRACKS]:
            pages.append(("page", f"/rounds/{rid}/units/{track_id}/",
                          "/rounds/[id]/units/[id]/"))
            api.append(("api", f"/api/v1/rounds/{rid}/tracks/{track_id}",
                        "/api/v1/rounds/[id]/tracks/[id]"))
    return pages + api


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200,
                        help="signed-in sessions to make (one per simulated user)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    started = time.monotonic()
    users = get_user_model().objects
    accounts = []
    for account in demo_accounts():
        user = users.get(username=account.username)
        person = Person.objects.get(user=user)
        _token, secret = api_token_create(user=user, name="load test")
        probe = Client(SERVER_NAME=HOST)
        probe.force_login(user)
        allowed = []
        for kind, url, name in candidates(person.agency_id):
            headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if kind == "api" else {}
            client = Client(SERVER_NAME=HOST) if kind == "api" else probe
            if client.get(url, **headers).status_code == 200:
                allowed.append({"kind": kind, "url": url, "name": name})
        accounts.append({"username": account.username, "user_id": user.pk, "token": secret,
                         "urls": allowed})
    sessions = []
    for slot in range(args.sessions):
        account = accounts[slot % len(accounts)]
        client = Client(SERVER_NAME=HOST)
        client.force_login(users.get(pk=account["user_id"]))
        sessions.append({"account": slot % len(accounts),
                         "sessionid": client.cookies["sessionid"].value})
    args.out.write_text(json.dumps({"accounts": accounts, "sessions": sessions}, indent=1))
    urls = sum(len(account["urls"]) for account in accounts)
    print(f"prepared {len(sessions)} sessions of {len(accounts)} accounts, {urls} allowed URLs "
          f"in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
