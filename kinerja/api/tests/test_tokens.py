"""Personal API tokens: hashed at rest, refused once revoked or expired, issued only for the
right password with django-axes' lock-out; Bearer requests need no CSRF token, session writes
do."""

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kinerja.accounts.models import ApiToken
from kinerja.accounts.services import api_token_create
from kinerja.core.models import AuditEvent
from kinerja.organisation.tests.factories import UserFactory

from .support import PASSWORD, Caller, database_state, issue_token

pytestmark = pytest.mark.django_db


def token_request(client, username, password, address="10.1.2.3"):
    return client.post("/api/v1/auth/token",
                       {"username": username, "password": password, "name": "script"},
                       content_type="application/json", REMOTE_ADDR=address)


def test_the_secret_is_shown_once_and_only_its_hash_is_stored(org):
    response = Caller().post("/auth/token", {"username": "staff_x", "password": PASSWORD,
                                             "name": "Laporan otomatis",
                                             "expires_in_days": 30})
    assert response.status_code == 201
    answer = response.json()
    secret = answer["token"]
    assert len(secret) >= 40 and answer["prefix"] == secret[:8]
    token = ApiToken.objects.get()
    assert token.user == org.staff_x.user and token.name == "Laporan otomatis"
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.expires_at - timezone.now() > timedelta(days=29)
    stored = [*ApiToken.objects.values_list(), *AuditEvent.objects.values_list()]
    assert not any(secret in str(column) for row in stored for column in row)
    assert AuditEvent.objects.filter(action="api_token.created").exists()

    me = Caller(secret).get("/me")
    assert me.status_code == 200 and me.json()["username"] == "staff_x"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_token_is_refused(org):
    secret = issue_token("staff_x")
    other = issue_token("staff_x")
    response = Caller(secret).delete("/auth/token")
    assert response.status_code == 200 and response.json()["revoked_at"]
    assert Caller(secret).get("/me").status_code == 401
    assert Caller(secret).delete("/auth/token").status_code == 401
    assert Caller(other).get("/me").status_code == 200  # only the token used is revoked


def test_an_expired_token_is_refused(org):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        response = Caller().post("/auth/token", {"username": "staff_x", "password": PASSWORD,
                                                 "name": "script", "expires_in_days": 1})
        secret = response.json()["token"]
        assert Caller(secret).get("/me").status_code == 200
        traveller.shift(timedelta(days=1, seconds=1))
        assert Caller(secret).get("/me").status_code == 401
    _token, stale = api_token_create(user=org.staff_y.user, name="old",
                                     expires_at=timezone.now() - timedelta(minutes=1))
    assert Caller(stale).get("/me").status_code == 401


def test_unknown_malformed_and_inactive_users_tokens_are_refused(org):
    assert Caller("not-a-token").get("/me").status_code == 401
    secret = issue_token("staff_x")
    client = Client()
    assert client.get("/api/v1/me", headers={"Authorization": f"Token {secret}"}
                      ).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": secret}).status_code == 401
    user = org.staff_x.user
    user.is_active = False
    user.save()
    response = Caller(secret).get("/me")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_a_log_in_without_a_person_gets_a_token_but_no_data(org):
    UserFactory(username="admin-script")
    secret = issue_token("admin-script")
    assert Caller(secret).get("/me").status_code == 403
    assert Caller(secret).get("/tasks").status_code == 403


def test_five_wrong_passwords_lock_the_token_route_and_the_log_in_form(org):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = token_request(client, "staff_x", "wrong-password")
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_credentials"
    # The fifth failure locks the user name out at once; axes answers it.
    assert token_request(client, "staff_x", "wrong-password").status_code == 429
    locked = token_request(client, "staff_x", PASSWORD)
    assert locked.status_code == settings.AXES_HTTP_RESPONSE_CODE == 429
    assert not ApiToken.objects.exists()
    # The same lock-out as the log-in form: it is locked too ...
    form = client.post(reverse("accounts:login"), {"username": "staff_x",
                                                   "password": PASSWORD},
                       REMOTE_ADDR="10.1.2.3")
    assert form.status_code == 429
    # ... for this user name from this address only.
    assert token_request(client, "staff_y", PASSWORD).status_code == 201
    assert token_request(client, "staff_x", PASSWORD, address="10.9.9.9").status_code == 201


def test_failures_made_on_the_log_in_form_count_on_the_token_route(org):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "staff_x", "password": "nope"},
                    REMOTE_ADDR="10.1.2.3")
    assert token_request(client, "staff_x", PASSWORD).status_code == 429


def test_a_token_resets_the_failed_attempts_as_a_log_in_does(org):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        token_request(client, "staff_x", "wrong-password")
    assert token_request(client, "staff_x", PASSWORD).status_code == 201
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        token_request(client, "staff_x", "wrong-password")
    assert token_request(client, "staff_x", PASSWORD).status_code == 201


def test_the_lock_out_ends_after_the_cool_off(org):
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            token_request(client, "staff_x", "wrong-password")
        assert token_request(client, "staff_x", PASSWORD).status_code == 429
        traveller.shift(settings.AXES_COOLOFF_TIME + timedelta(minutes=1))
        assert token_request(client, "staff_x", PASSWORD).status_code == 201


def test_bearer_writes_need_no_csrf_token(org, opened_round):
    caller = Caller(issue_token("secretary"))  # a client that enforces CSRF
    response = caller.post(f"/rounds/{opened_round.id}/forward",
                           {"version": opened_round.version, "instruction": "Siapkan."})
    assert response.status_code == 200, response.content
    assert response.json()["version"] == opened_round.version + 1


def test_session_writes_need_the_csrf_token(org, opened_round):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.secretary.user)
    url = f"/api/v1/rounds/{opened_round.id}/forward"
    body = {"version": opened_round.version, "instruction": "Siapkan."}
    assert client.get(f"/api/v1/rounds/{opened_round.id}").status_code == 200  # reads: none
    before = database_state()
    refused = client.post(url, body, content_type="application/json")
    assert refused.status_code == 403
    assert database_state() == before
    csrf = "k" * 32
    client.cookies[settings.CSRF_COOKIE_NAME] = csrf
    accepted = client.post(url, body, content_type="application/json",
                           headers={"X-CSRFToken": csrf})
    assert accepted.status_code == 200, accepted.content


def test_anonymous_callers_get_401_not_a_csrf_error(org, opened_round):
    response = Caller().post(f"/rounds/{opened_round.id}/forward",
                             {"version": opened_round.version, "instruction": "Siapkan."})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_the_token_route_needs_its_fields(org):
    response = Caller().post("/auth/token", {"username": "staff_x", "password": PASSWORD})
    assert response.status_code == 422
    assert not ApiToken.objects.exists()
