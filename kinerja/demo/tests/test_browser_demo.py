"""The demo, walked through in a real Chromium: every demo account logs in, finds the SOP and
reads it in Indonesian; the first account of each agency reads it in English too.

Fixtures (conftest.py): `live_site` is pytest-django's live server with WhiteNoise serving the
collected static files; `demo_built` builds the demo in the test database; `new_context` is
pytest-playwright's, on one browser shared by the whole session. Here both come from
`demo_site` (conftest.py): one demo and one live server for the module. Runs alone or with -n 2
(each worker has its own browser, live server and database).
"""

import re

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.utils import translation
from django.utils.formats import date_format
from playwright.sync_api import Page, expect

from kinerja.dashboard.selectors import lands_on_dashboard
from kinerja.demo.data import DEMO_AGENCIES
from kinerja.demo.services import sop_text_for
from kinerja.organisation.nip import format_nip
from kinerja.organisation.visibility import Viewer
from kinerja.sops.models import Sop

pytestmark = [pytest.mark.browser, pytest.mark.demo, pytest.mark.django_db]


# The demo and a live server, built once for the module (conftest.py: demo_site) rather than
# once per test; these tests read the demo (what a browser writes is rolled back after each).
@pytest.fixture
def demo_built(demo_site) -> dict:
    return demo_site.accounts


@pytest.fixture
def live_site(demo_site):
    return demo_site

# Every demo log-in, read from the demo data without a database (someone acting in a second
# post appears twice there, once here). test_every_demo_account_reads_the_sop checks that
# this is exactly what demo_accounts() returns.
USERNAMES = list(dict.fromkeys(row[0] for spec in DEMO_AGENCIES for row in spec["people"]))

# The SOP file each agency loads, read as plain YAML (not through Kinerja's loader): the page
# must show what it says. Bappeda & Litbang runs the seed's nine steps, Diskominfo its own six.
SEEDS = {spec["short_name"]: yaml.safe_load(sop_text_for(spec)) for spec in DEMO_AGENCIES}
SEED = SEEDS["Bappeda & Litbang"]
SOP_TITLES = {"Bappeda & Litbang": "Mekanisme Pengumpulan Data Kinerja",
              "Diskominfo": "Pengumpulan Data Kinerja"}
STEP_COUNTS = {"Bappeda & Litbang": 9, "Diskominfo": 6}

# Labels, Indonesian (the office default) and English.
MY_TASKS = {"id": "Tugas saya", "en": "My tasks"}
SECTIONS = {"id": ["Identitas", "Prosedur"], "en": ["Identity", "Procedure"]}
STEP_COLUMNS = {"id": ["Mutu baku", "Kelengkapan"], "en": ["Quality standard", "Required inputs"]}
# The rows of #sop-identity in order, (Indonesian, English). An Indonesian label is checked
# only where it was agreed; the others must merely be there and differ from the English.
IDENTITY_LABELS = [
    (None, "Government"),
    (None, "Agency"),
    ("Nomor SOP", "SOP number"),
    (None, "Date made"),
    (None, "Date revised"),
    (None, "Date effective"),
    ("Disahkan oleh", "Approved by"),
    (None, "SOP title"),
    ("Dasar hukum", "Legal basis"),
    (None, "Executor qualifications"),
    (None, "Related SOPs"),
    (None, "Equipment"),
    (None, "Warning"),
    (None, "Recording and data keeping"),
]

# What the SOP page shows, read in one round trip to the browser.
READ_SOP_PAGE = """() => {
    const text = element => element.innerText.replace(/\\s+/g, " ").trim();
    const identity = document.querySelector("#sop-identity");
    return {
        lang: document.documentElement.lang,
        h1: Array.from(document.querySelectorAll("h1"), text),
        h2: Array.from(document.querySelectorAll("main h2"), text),
        stepColumns: Array.from(document.querySelectorAll("#sop-steps thead th"), text),
        identity: identity && Array.from(identity.tBodies[0].rows, row => ({
            label: text(row.cells[0]),
            text: text(row.cells[1]),
            strong: Array.from(row.cells[1].querySelectorAll("strong"), text),
            items: Array.from(row.cells[1].querySelectorAll("li"), text),
        })),
        steps: Array.from(document.querySelectorAll("#sop-steps tbody tr[data-step]"), row => ({
            number: row.dataset.step,
            description: text(row.cells[1]),
        })),
        worksheet: document.querySelectorAll("#sop-worksheet tr").length,
        // Bootstrap collapses table borders; a browser on its own does not.
        styled: getComputedStyle(document.querySelector("#sop-steps")).borderCollapse ===
                "collapse",
    };
}"""


def _open(new_context, live_site, **context_args) -> tuple[Page, list[str]]:
    """A page in a fresh browser context (no cookies), and the list its problems go to:
    failed requests, console errors, uncaught script errors (CSP refusals among them)."""
    page = new_context(base_url=live_site.url, **context_args).new_page()
    problems: list[str] = []
    page.on("response", lambda response: response.status >= 400 and problems.append(
        f"{response.status} {response.request.method} {response.url}"))
    page.on("requestfailed", lambda request: problems.append(
        f"failed {request.method} {request.url}: {request.failure}"))
    # "Failed to load resource" repeats a failed response, counted above; the browser's own
    # /favicon.ico request (no page names an icon, so it is a 404) only ever shows up here.
    page.on("console", lambda message: message.type == "error" and not message.text.startswith(
        "Failed to load resource") and problems.append(f"console: {message.text}"))
    page.on("pageerror", lambda error: problems.append(f"script: {error}"))
    return page, problems


def _log_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form:has(#id_password) [type=submit]").click()


def _switch_language(page: Page, language: str) -> None:
    """Press the footer's language button; the form posts and comes back to the same page."""
    before = page.url
    page.locator(f'footer button[data-language="{language}"]').click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.wait_for_url(before)  # and its load event


def _check_sop_page(page: Page, language: str, short_name: str) -> None:
    """The SOP page as shown, in `language` ("id" or "en"), against the agency's SOP file."""
    seed = SEEDS[short_name]
    shown = page.evaluate(READ_SOP_PAGE)
    assert shown["lang"] == language
    assert shown["h1"] == [SOP_TITLES[short_name]]
    assert all(section in shown["h2"] for section in SECTIONS[language]), shown["h2"]
    assert all(column in shown["stepColumns"] for column in STEP_COLUMNS[language]), (
        shown["stepColumns"])
    assert shown["styled"], "the page's CSS did not apply"

    steps = shown["steps"]
    assert [step["number"] for step in steps] == [
        str(n) for n in range(1, STEP_COUNTS[short_name] + 1)]
    # The description cell also holds a small line on the step's kind and scope.
    for shown_step, step in zip(steps, seed["steps"], strict=True):
        assert shown_step["description"].startswith(" ".join(step["description"].split())), (
            shown_step)
    assert shown["worksheet"] > 0, "no #sop-worksheet"

    rows = shown["identity"]
    assert rows is not None, "no #sop-identity"
    assert len(rows) == len(IDENTITY_LABELS), [row["label"] for row in rows]
    for row, (indonesian, english) in zip(rows, IDENTITY_LABELS, strict=True):
        if language == "en":
            assert row["label"] == english
        elif indonesian is not None:
            assert row["label"] == indonesian
        else:
            assert row["label"] and row["label"] != english, f"{english!r} not translated"
    (government, agency, number, made, revised, effective, approved, title, legal_basis,
     qualifications, related, equipment, warning, recording) = rows
    assert government["text"] == seed["government"] == "Pemerintah Kabupaten Banggai"
    assert agency["text"] == seed["agency_name"]
    assert number["text"] == seed["number"]
    assert made["text"] == _date(seed["dates"]["made"], language)
    if seed is SEED:  # the seed's own date, written out by hand once
        assert made["text"] == {"id": "5 Februari 2020", "en": "5 February 2020"}[language]
    assert revised["text"] == _date(seed["dates"]["revised"], language)
    assert effective["text"] == _date(seed["dates"]["effective"], language)
    approver = seed["approved_by"]
    assert approved["strong"] == [approver["name"]]
    assert approved["text"] == (f"{approver['position']} {approver['name']} {approver['rank']} "
                                f"NIP. {format_nip(approver['nip'])}")
    assert title["text"] == seed["title"] == SOP_TITLES[short_name]
    assert legal_basis["items"] == seed["legal_basis"]
    assert qualifications["items"] == seed["executor_qualifications"]
    assert related["items"] == seed["related_sops"]
    assert equipment["items"] == seed["equipment"]
    assert warning["items"] == seed["warnings"]
    assert recording["items"] == [f"{item['actor']}: {item['records']}"
                                  for item in seed["recording"]]
    assert recording["text"].endswith(seed["documentation"])


def _date(value, language: str) -> str:
    """A date of the SOP as the page shows it; "—" when the source leaves it empty."""
    if value is None:
        return "—"
    with translation.override(language):
        return date_format(value)


def _saved_language(username: str) -> str:
    return get_user_model().objects.get(username=username).language


# The accounts that also switch the SOP page to English and back: the first of each agency
# (the pages' English does not depend on who reads them; the saved choice is per account).
BILINGUAL = {next(row[0] for row in spec["people"]) for spec in DEMO_AGENCIES}


def _lands_on_dashboard(username: str) -> bool:
    """The head and the secretary open Kinerja on the dashboard."""
    return lands_on_dashboard(Viewer.for_user(get_user_model().objects.get(username=username)))


def _walk_through(account, live_site, new_context) -> None:
    """Log in, My tasks, the SOP list, the SOP in Indonesian; for the accounts of
    `BILINGUAL`, then in English and in Indonesian again."""
    # An English browser: the pages must open in Indonesian all the same, the office default.
    page, problems = _open(new_context, live_site, locale="en-US")
    try:
        _log_in(page, account.username, account.password)
        if _lands_on_dashboard(account.username):
            page.wait_for_url(f"{live_site.url}/dashboard/")
            page.locator('a[data-nav="tasks"]').click()
        page.wait_for_url(f"{live_site.url}/tasks/")
        expect(page.locator("html")).to_have_attribute("lang", "id")
        expect(page.locator("h1")).to_have_text(MY_TASKS["id"])
        expect(page.locator("#user-menu")).to_have_text(account.name)
        expect(page.locator("#my-roles li")).to_have_count(len(account.position.split("; ")))

        page.locator('a[data-nav="sops"]').click()
        page.wait_for_url(f"{live_site.url}/sops/")
        page.locator("main table a", has_text=SOP_TITLES[account.agency]).click()
        page.wait_for_url(re.compile(rf"^{re.escape(live_site.url)}/sops/\d+/$"))
        _check_sop_page(page, "id", account.agency)
        if account.username not in BILINGUAL:
            assert problems == []
            return

        _switch_language(page, "en")
        _check_sop_page(page, "en", account.agency)
        assert _saved_language(account.username) == "en"

        _switch_language(page, "id")  # back to the default, for whoever comes next
        _check_sop_page(page, "id", account.agency)
        assert _saved_language(account.username) == "id"
        assert problems == []
    finally:
        page.context.close()


# In the browser, one account of each post in each agency (the acting head of a Bidang too):
# the test client walks every account through the same pages
# (test_demo.py::test_every_demo_account_logs_in_and_opens_its_tasks_and_its_sop).
WALKED = list(dict.fromkeys(
    {(spec["code"], row[7], bool(row[9])): row[0]
     for spec in DEMO_AGENCIES for row in reversed(spec["people"])}.values()))
# In two groups over the module's one demo (each a test, in a transaction of its own). Every
# account is reported as a subtest of its own.
GROUPS = {f"posts-{n + 1}-of-2": WALKED[n::2] for n in range(2)}


@pytest.mark.parametrize("usernames", list(GROUPS.values()), ids=list(GROUPS))
def test_one_account_of_each_post_reads_the_sop(demo_built, live_site, new_context, subtests,
                                                usernames):
    assert list(demo_built) == USERNAMES  # the demo's accounts
    assert len(USERNAMES) == 32 and len(WALKED) == 13
    assert set(WALKED) >= BILINGUAL
    for username in usernames:
        with subtests.test(msg=username):
            _walk_through(demo_built[username], live_site, new_context)


def test_language_choice_follows_the_user_to_another_browser(demo_built, live_site,
                                                             new_context):
    account = demo_built["staf.data1"]
    first, _ = _open(new_context, live_site)
    _log_in(first, account.username, account.password)
    expect(first.locator("h1")).to_have_text(MY_TASKS["id"])
    _switch_language(first, "en")
    expect(first.locator("h1")).to_have_text(MY_TASKS["en"])

    # A browser without the language cookie: the English comes from the saved preference.
    second, problems = _open(new_context, live_site, locale="id-ID")
    _log_in(second, account.username, account.password)
    second.wait_for_url(f"{live_site.url}/tasks/")
    expect(second.locator("h1")).to_have_text(MY_TASKS["en"])
    _switch_language(second, "id")
    expect(second.locator("h1")).to_have_text(MY_TASKS["id"])
    assert _saved_language(account.username) == "id"
    assert problems == []


def test_wrong_password_shows_the_error_and_stays_on_log_in(demo_built, live_site,
                                                            new_context):
    account = demo_built["staf.data1"]
    page, problems = _open(new_context, live_site)
    _log_in(page, account.username, account.password + "-wrong")

    expect(page).to_have_url(f"{live_site.url}/accounts/login/")
    username_label = get_user_model()._meta.get_field("username").verbose_name
    with translation.override("id"):
        message = AuthenticationForm.error_messages["invalid_login"] % {
            "username": username_label}
    expect(page.locator(".alert-danger")).to_have_text(message)
    expect(page.locator("#id_username")).to_have_value(account.username)
    expect(page.locator("#id_password")).to_have_value("")
    expect(page.locator("#user-menu")).to_have_count(0)
    assert problems == []

    page.goto("/tasks/")  # still signed out
    expect(page).to_have_url(f"{live_site.url}/accounts/login/?next=/tasks/")


def test_other_agency_cannot_open_the_bappeda_sop(demo_built, live_site, new_context):
    account = demo_built["kominfo.staf1"]
    assert account.agency == "Diskominfo"
    bappeda_sop = Sop.objects.get(agency__code="bappeda-banggai")
    own_sop = Sop.objects.get(agency__code="diskominfo-banggai")
    page, _ = _open(new_context, live_site)
    _log_in(page, account.username, account.password)
    page.wait_for_url(f"{live_site.url}/tasks/")

    # Its own agency's copy opens, so the refusal below is not a broken URL.
    response = page.goto(f"/sops/{own_sop.id}/")
    assert response is not None and response.status == 200
    expect(page.locator("#sop-steps tr[data-step]")).to_have_count(6)

    response = page.goto(f"/sops/{bappeda_sop.id}/")
    assert response is not None and response.status == 404
    expect(page.locator("#sop-identity")).to_have_count(0)
    expect(page.locator("#sop-steps")).to_have_count(0)
    expect(page.locator("#user-menu")).to_have_text(account.name)  # still signed in

    # Nor does the SOP list lead there.
    page.goto("/sops/")
    expect(page.locator(f'a[href="/sops/{bappeda_sop.id}/"]')).to_have_count(0)
    expect(page.locator(f'a[href="/sops/{own_sop.id}/"]')).to_have_count(1)
