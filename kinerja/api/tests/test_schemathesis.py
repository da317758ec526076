"""A bounded schemathesis run against the real application (WSGI, the test database): every
operation of the OpenAPI document, as a staff member and as the head, with valid and invalid
input; all of schemathesis' checks, so no answer is a server error and every status is one the
document declares. The run is bounded (few examples per operation, a deadline per example)
to keep `make test` fast.

The data: agency A with a round in data entry, so that some generated ids exist. Writes run
in the test's transaction and are rolled back with it."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from kinerja.accounts.services import api_token_create
from kinerja.api.api import api
from kinerja.collection import services

ROLES = ["staff_x", "head"]
CONFIG = {
    "seed": 2026,
    "generation": {"max-examples": 6, "mode": "all", "deterministic": True},
    "phases": {"examples": {"enabled": False}, "stateful": {"enabled": False}},
    "checks": {"enabled": True},
}


@pytest.fixture
def tokens(org):
    return {role: api_token_create(user=getattr(org, role).user, name="schemathesis")[1]
            for role in ROLES}


@pytest.fixture
def known_ids(org, sop, entry_round, catalogue):
    """Ids that exist, for the positive cases that draw them: random ids find nothing."""
    today = timezone.localdate()
    draft = services.disposition_create(
        user=org.head.user, sop=sop, year=2026, period="Q4", date=today, speed="biasa",
        security="biasa", subject="Data kinerja", instruction="Kumpulkan.", deadline=today)
    return {"round_id": entry_round.id, "sop_id": sop.id, "unit_id": org.division_x.id,
            "track_id": entry_round.tracks.get(unit=org.division_x).id,
            "disposition_id": draft.id, "version": 1,
            "period_id": catalogue[0].period_id, "indicator_id": catalogue[0].id}


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The WSGI handler closes the database connection at each request's start and end, as
    it should in production; here that would end the test's transaction. (Django's test
    client does the same.)"""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# The document the API serves at /api/v1/openapi.json (test_error_shape.py reads it there
# with a token); one test per operation, each in a fresh test database.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(),
                                        config=schemathesis.Config.from_dict(CONFIG))
schema.app = WSGIHandler()


@pytest.mark.django_db
@schema.parametrize()
@schema.given(role=st.sampled_from(ROLES), existing=st.booleans())
@settings(max_examples=6, deadline=2000, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_contract(case, role, existing, tokens, known_ids, org):
    if existing and case.path_parameters and not case.meta.generation.mode.is_negative:
        case.path_parameters = {name: known_ids.get(name, value)
                                for name, value in case.path_parameters.items()}
    if case.method == "DELETE" and case.path == "/api/v1/auth/token":
        # Revoking: a token of its own, so that the run keeps its tokens.
        secret = api_token_create(user=getattr(org, role).user, name="revoked")[1]
    else:
        secret = tokens[role]
    headers = {"Authorization": f"Bearer {secret}"}
    response = case.call(headers=headers)
    # A meeting's people must be of the agency and have a log-in: a rule of the data, not of
    # the schema, answered 422 "invalid_choice" as the form's invalid choice is; the other
    # checks still apply to that answer.
    by_the_rules = response.status_code == 422 and response.json()["code"] == "invalid_choice"
    case.validate_response(response, headers=headers,
                           excluded_checks=[positive_data_acceptance] if by_the_rules else None)
