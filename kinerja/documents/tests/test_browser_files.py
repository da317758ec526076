"""Finding 2 in a real Chromium: the polyglot pair of hardcopy scans runs no script in the
head's browser, and a scan served under the sandbox still shows.

The pair: a "scan" that starts with JPEG's magic bytes and goes on as JavaScript, named x.js
(in Latin-1 the magic bytes ÿØÿ are letters, so `ÿØÿ=1;...` is a valid script), and a second
"scan" that starts with %PDF- and goes on as an HTML page loading the first with
<script src="/documents/<id>/scan/">. Served by the uploader's file names, the page is HTML,
the script is JavaScript from Kinerja's own origin (which the site's CSP allows), and it would
set the page's title and fetch a marker URL. Served as kinerja/core/files.py serves them, the
page is a PDF (nosniff, sandboxed) and nothing runs.

Set-up as in the other browser tests (kinerja/conftest.py): Debian's Chromium, `live_site`,
collected static files.
"""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from kinerja.documents import services
from kinerja.documents.models import Document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # every persona's (organisation/tests/factories.py)
MARKER = "/the-uploaded-script-ran/"
PWNED = "pwned"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def head_page(live_site, new_context, org):
    """The head, logged in through the form; every URL the page asks for is recorded."""
    context = new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    page.goto(f"{live_site.url}{reverse('accounts:login')}")
    page.locator("#id_username").fill(org.head.user.username)
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form:has(#id_username) button[type=submit]").click()
    assert "/accounts/login/" not in page.url
    yield page
    context.close()


def filed_documents(round_) -> list[Document]:
    services.documents_issue_missing(round_)  # filed after each step's commit already
    return list(Document.objects.filter(round=round_))


def scan_url(document) -> str:
    return reverse("documents:scan", args=[document.identifier])


def file_scan(org, document, name: str, content: bytes) -> None:
    """What the data subsection's staff (who keep the round's paper) may do for any
    document: record its hardcopy with a scan."""
    services.hardcopy_record(user=org.staff_data.user, document=document,
                             filed_on=timezone.localdate(), location="Arsip",
                             scan_name=name, scan=content)


def test_the_polyglot_scan_pair_runs_no_script_in_the_heads_browser(media, org, entry_round,
                                                                    live_site, head_page):
    script_document, page_document = filed_documents(entry_round)[:2]
    script = (b"\xff\xd8\xff=1;document.title='" + PWNED.encode() + b"';"
              b"fetch('" + MARKER.encode() + b"');")
    page = (b"%PDF-<!doctype html><html><head><meta charset='windows-1252'>"
            b"<title>scan</title><script src='" + scan_url(script_document).encode() + b"'>"
            b"</script></head><body>scan</body></html>")
    file_scan(org, script_document, "x.js", script)
    file_scan(org, page_document, "x.html", page)

    head_page.goto(f"{live_site.url}{scan_url(page_document)}")
    head_page.wait_for_timeout(1500)  # time for a script, had one been loaded, to run
    title = head_page.evaluate("document.title")
    assert title != PWNED, "the uploaded script ran on Kinerja's origin"
    assert not [url for url in head_page.requested if MARKER in url]
    # Nor did the page load the "script" at all: it was never parsed as HTML.
    assert not [url for url in head_page.requested if scan_url(script_document) in url]


def test_a_scan_still_shows_in_the_browser_under_the_sandbox(media, org, entry_round,
                                                             live_site, head_page):
    document = filed_documents(entry_round)[0]
    buffer = io.BytesIO()
    Image.new("RGB", (7, 5), "blue").save(buffer, format="PNG")
    file_scan(org, document, "halaman.png", buffer.getvalue())
    response = head_page.goto(f"{live_site.url}{scan_url(document)}")
    assert response.headers["content-security-policy"].startswith("sandbox")
    assert head_page.evaluate("document.images.length && document.images[0].naturalWidth") == 7
