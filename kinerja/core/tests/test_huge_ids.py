"""No URL answers a server error for an id beyond 64 bits: the route walk below fills every
integer or id part of every URL pattern (pages, admin and API) with 2**64 and asks as the
superuser and as a staff member. A new route is covered without a new test."""

import re
import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from kinerja.accounts.services import api_token_create
from kinerja.core.converters import MAX_ID, Id64Converter
from kinerja.organisation.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]

TOO_BIG = str(2**64)
NINJA_PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _route_text(pattern) -> str | None:
    """The route of a pattern as text with `<converter:name>` parts; None for a regex
    pattern, which no route of ours uses for an id."""
    if isinstance(pattern, RoutePattern):
        return str(pattern)
    if isinstance(pattern, RegexPattern):
        return None
    raise AssertionError(f"unknown pattern kind {pattern!r}")


def every_route(resolver=None, prefix=""):
    """(route text, converters by name) of every URL pattern, includes followed."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        text = _route_text(entry.pattern)
        if text is None:
            regex = str(entry.pattern).lstrip("^").rstrip("$")
            if "(?P<" in regex:
                continue  # the admin's app index: an app label, not an id
            text = regex.replace("\\", "")
        if isinstance(entry, URLResolver):
            yield from every_route(entry, prefix + text)
        else:
            assert isinstance(entry, URLPattern)
            yield prefix + text, entry


def _sample(converter: str, name: str) -> str:
    """A value for a URL part: a huge number where a number or an id goes."""
    if converter in {"int", "id64"} or name.endswith("id") or name == "version":
        return TOO_BIG
    if converter == "uuid":
        return str(uuid.uuid4())
    return "x"


def huge_id_urls() -> list[str]:
    urls = []
    for route, _pattern in every_route():
        parts = NINJA_PARAMETER.findall(route)
        if not any(_sample(conv or "str", name) == TOO_BIG for conv, name in parts):
            continue
        urls.append("/" + NINJA_PARAMETER.sub(
            lambda m: _sample(m.group(1) or "str", m.group(2)), route))
    return urls


def test_the_walk_finds_the_routes_with_ids():
    urls = huge_id_urls()
    assert f"/rounds/{TOO_BIG}/units/{TOO_BIG}/" in urls
    assert f"/api/v1/rounds/{TOO_BIG}/tracks/{TOO_BIG}/values" in urls
    assert f"/admin/organisation/person/{TOO_BIG}/history/" in urls
    # The history page lists audit events; there are no version ("revert") pages below it.
    assert not [url for url in urls if "/history/" in url and not url.endswith("/history/")]
    assert len(urls) > 40


def test_no_page_route_uses_the_unbounded_int_converter():
    """Database ids in our URL patterns are `<id64:...>`: at most 2**63-1, else 404."""
    unbounded = [route for route, pattern in every_route()
                 if isinstance(pattern.pattern, RoutePattern)
                 and any(type(c).__name__ == "IntConverter"
                         for c in pattern.pattern.converters.values())
                 and not route.startswith("admin/")]
    assert unbounded == []


def test_the_id64_converter_stops_at_the_largest_bigint():
    converter = Id64Converter()
    assert converter.to_python(str(MAX_ID)) == MAX_ID
    with pytest.raises(ValueError):
        converter.to_python(str(MAX_ID + 1))
    assert re.fullmatch(converter.regex, TOO_BIG) is None  # 20 digits: no match at all


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_huge_id_anywhere_is_never_a_server_error(org, method):
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    staff = Client(raise_request_exception=False)
    staff.force_login(org.staff_x.user)
    admin = Client(raise_request_exception=False)
    admin.force_login(superuser)
    token = {"Authorization": f"Bearer {api_token_create(user=org.head.user, name='t')[1]}"}
    failures = []
    for url in huge_id_urls():
        for client, headers in [(staff, {}), (admin, {}), (Client(), token)]:
            response = getattr(client, method)(url, headers=headers)
            # Our routes refuse the id; the admin may redirect ("does not exist") or refuse.
            refused = url.startswith("/admin/") or response.status_code in {400, 404, 405, 422}
            if response.status_code >= 500 or not refused:
                failures.append((url, response.status_code))
    assert failures == []
