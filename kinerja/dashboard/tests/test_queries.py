"""The dashboard's queries do not grow with the units, rounds or people of the agency, nor
with the agencies in the database (bench/dashboard_queries.py counts them at the regency's
scale). A query count, not a time."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .factories import build_agency

pytestmark = pytest.mark.django_db


def _count(client, user_id: int, url: str) -> int:
    client.force_login(get_user_model().objects.get(pk=user_id))
    client.get(url)  # the session, the content types and the calendar made once
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(captured)


def test_queries_do_not_grow_with_units_rounds_or_agencies(client):
    small = build_agency("small", units=2, finalised=1)
    counts = {
        url: _count(client, small.head_user_id, url) for url in ("/dashboard/", "/api/v1/dashboard")
    }
    large = build_agency("large", units=4, finalised=3, indicators=3)
    for agency in [build_agency(f"more-{n}", units=3, finalised=2) for n in range(3)]:
        assert agency.open_round_id
    for url, count in counts.items():
        assert _count(client, large.head_user_id, url) == count, url
        assert _count(client, small.head_user_id, url) == count, url
