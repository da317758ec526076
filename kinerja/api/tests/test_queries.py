"""List routes read a fixed number of queries, however many rows they return.

GET /tasks is not pinned: its selector (collection.selectors.task_list_for_viewer, shared
with the "My tasks" page) reads one more query per waiting forwarding step."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kinerja.accounts.services import api_token_create
from kinerja.collection import services

from .support import Caller

pytestmark = pytest.mark.django_db


def open_round(org, sop, period):
    today = timezone.localdate()
    draft = services.disposition_create(
        user=org.head.user, sop=sop, year=2026, period=period, date=today, speed="biasa",
        security="biasa", subject="Data", instruction="Kumpulkan.",
        deadline=today + timedelta(days=7))
    return services.disposition_sign(user=org.head.user, disposition=draft,
                                     expected_version=draft.version)


def queries(caller, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert caller.get(path).status_code == 200
    return len(captured)


def test_the_round_list_does_not_grow_with_the_rounds(org, sop):
    caller = Caller(api_token_create(user=org.secretary.user, name="t")[1])
    open_round(org, sop, "Q1")
    queries(caller, "/rounds")  # the first call marks the token as used
    one = queries(caller, "/rounds")
    open_round(org, sop, "Q2")
    open_round(org, sop, "Q3")
    assert queries(caller, "/rounds") == one
    assert len(caller.get("/rounds").json()) == 3
