"""The history of the demo's finalised round, read in a real Chromium (issue 11, item 5): in
Indonesian, each event a sentence, no event code and no field key on the page; the filters
and the download work; on a phone (390 px) the page fits the screen.

Fixtures: `demo_built` (kinerja/demo/tests/conftest.py) builds the demo in the test database,
`live_site` (kinerja/conftest.py) serves it with its collected static files, `new_context` is
pytest-playwright's, on Debian's Chromium. One test, so the demo is built once.
"""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from kinerja.collection import history
from kinerja.collection.models import Round, RoundStatus
from kinerja.demo.tests import conftest as demo_fixtures
from kinerja.organisation.visibility import Viewer

pytestmark = [pytest.mark.browser, pytest.mark.demo]
# The demo's fixture lives with the demo's tests; this module uses it as it is.
demo_built = demo_fixtures.demo_built

HEAD = "kepala"  # the demo's head of Bappeda & Litbang: reads every unit's submitted data
CODE = re.compile(r"\b[a-z_]+\.[a-z_]+\b")
FIELD_KEYS = ("change_reason", "explanation", "acting_as", "forwarded_to", "prefilled")
NARROW = 390  # px: a phone


@pytest.fixture(autouse=True)
def _patient_expect():
    """A loaded machine answers slower than expect's 5 s at times; 10 s here only."""
    expect.set_options(timeout=10_000)
    yield
    expect.set_options(timeout=5_000)


def _log_in(new_context, base_url: str, username: str) -> tuple[Page, list[str]]:
    context = new_context(base_url=base_url, viewport={"width": 1280, "height": 900},
                          locale="en-US")  # an English browser: the office default stands
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script: {error}"))
    page.on("response", lambda response: response.status >= 500 and problems.append(
        f"{response.status} {response.url}"))
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(settings.DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("form:has(#id_password) [type=submit]").click()
    return page, problems


def _fits(page: Page) -> dict:
    return page.evaluate("""() => ({
        page: document.documentElement.scrollWidth,
        view: document.documentElement.clientWidth})""")


@pytest.mark.usefixtures("demo_built")
def test_the_finalised_rounds_history_reads_in_indonesian(live_site, new_context):
    from django.contrib.auth import get_user_model

    finalised = Round.objects.filter(agency__code="bappeda-banggai", period="Y",
                                     status=RoundStatus.FINALISED).get()
    head = get_user_model().objects.get(username=HEAD)
    with translation.override("id"):
        expected = history.round_history(viewer=Viewer.for_user(head), round_=finalised)
    assert expected.entries, "the demo's finalised round has a record"

    page, problems = _log_in(new_context, live_site.url, HEAD)
    page.goto(reverse("collection:round_history", args=[finalised.id]))
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("#history tbody tr")).to_have_count(len(expected.entries))
    text = page.locator("main").inner_text()
    assert CODE.findall(text) == [], CODE.findall(text)[:5]
    for key in FIELD_KEYS:
        assert key not in text, key
    # Sentences, in Indonesian: the first and the last event of the page as the module
    # writes them, and the words of the disposition's signing.
    table = " ".join(page.locator("#history").inner_text().split())
    for entry in (expected.entries[0], expected.entries[-1]):
        assert " ".join(entry.sentence.split()) in table
    assert "menandatangani disposisi" in table
    assert "4.0000" not in table

    # A filter by step keeps to that step; the download link carries it.
    page.locator("#filter-step").select_option(str(expected.steps[0][0]))
    with page.expect_navigation():
        page.locator("#history-filter [type=submit]").click()
    assert f"step={expected.steps[0][0]}" in page.url
    numbers = page.locator("#history tbody td:nth-child(3)").all_inner_texts()
    assert numbers and all(n.split()[0] == str(expected.steps[0][0]) for n in numbers)
    href = page.locator("#history-download").get_attribute("href")
    assert href.endswith(f"history.xlsx?step={expected.steps[0][0]}")
    with page.expect_download() as download:
        page.locator("#history-download").click()
    assert download.value.suggested_filename == f"riwayat-{finalised.year}-Y.xlsx"

    # On a phone every row is a card and nothing runs off the screen.
    page.set_viewport_size({"width": NARROW, "height": 800})
    page.goto(reverse("collection:round_history", args=[finalised.id]))
    fits = _fits(page)
    assert fits["page"] <= fits["view"], fits
    assert problems == []
    page.context.close()
