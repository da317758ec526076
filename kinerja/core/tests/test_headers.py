"""Response headers the app controls (kinerja/core/headers.py): nothing a signed-in person
or an API client receives is kept by a browser or proxy cache, and the app sends no `Server`
banner. Static files and /healthz keep their own caching."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from kinerja.accounts.services import api_token_create
from kinerja.core.headers import ResponseHeadersMiddleware

pytestmark = pytest.mark.django_db


def not_stored(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_pages_for_signed_in_people_are_not_stored(client, org):
    client.force_login(org.staff_x.user)
    response = client.get(reverse("core:my_tasks"))
    assert response.status_code == 200 and not_stored(response)
    assert "private" in response["Cache-Control"]
    # Also a refusal, a redirect and a page that is not there.
    assert not_stored(client.get(reverse("admin:index")))
    assert not_stored(client.get("/no-such-page/"))


def test_api_answers_are_not_stored_with_a_token_or_without(client, org):
    _token, secret = api_token_create(user=org.staff_x.user, name="test")
    answer = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert answer.status_code == 200 and not_stored(answer)
    refused = client.get("/api/v1/me")
    assert refused.status_code == 401 and not_stored(refused)


def test_a_page_for_an_anonymous_visitor_is_left_alone(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "Cache-Control" not in response


def run(path: str, response: HttpResponse, user=None) -> HttpResponse:
    request = RequestFactory().get(path)
    request.user = user or AnonymousUser()
    return ResponseHeadersMiddleware(lambda request: response)(request)


def test_static_files_keep_their_long_cache_even_for_signed_in_people(org):
    static = HttpResponse("body{}", content_type="text/css")
    static["Cache-Control"] = "max-age=315360000, public, immutable"
    answered = run("/static/css/kinerja.css", static, user=org.staff_x.user)
    assert answered["Cache-Control"] == "max-age=315360000, public, immutable"


def test_the_app_sends_no_server_banner(client, org):
    response = HttpResponse("ok")
    response["Server"] = "Kinerja/1.0 Django/5.2"  # what a view or a library might set
    assert "Server" not in run("/", response)
    client.force_login(org.staff_x.user)
    assert "Server" not in client.get(reverse("core:my_tasks"))
