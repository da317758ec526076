"""Uploaded files (hardcopy scans, evidence, the letterhead logo, the signing certificate): the
type is read from the bytes, never the name, and a file is served only as that type, with
nosniff, a sandboxing CSP and a name that cannot turn it into something else. Also the print
route's refusals (finding 4) and its bad input (finding 7).

The same files in a real Chromium: test_browser_files.py."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from kinerja.collection import services as collection
from kinerja.collection.models import Evidence
from kinerja.documents import services
from kinerja.documents.models import Document, DocumentKind, DocumentSettings, Hardcopy
from kinerja.documents.tests.conftest import stored_bytes

# The round at data entry, built once for the module (kinerja/conftest.py: built_once).
pytestmark = [pytest.mark.django_db, pytest.mark.built_once("entry_round")]

# The polyglot pair of finding 2: JPEG's magic bytes, then JavaScript (valid in Latin-1,
# where ÿØÿ are letters); a "PDF" that is an HTML page loading the first as a script.
SCRIPT_SCAN = b"\xff\xd8\xff=1;document.title='pwned'"
HTML_SCAN = b"%PDF-<html><body><script src='/x.js'></script></body></html>"
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg"><script>document.title="pwned"</script>'
       b"</svg>")
HTML = b"<!doctype html><script>document.title='pwned'</script>"


def image_bytes(format_: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format=format_)
    return buffer.getvalue()


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_served_safely(response, content_type: str, *, inline: bool = True):
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline;" if inline else "attachment;")
    return disposition


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def documents(org, entry_round):
    return services.documents_issue_missing(entry_round)


def record_scan(client, person, document, name, content):
    client.force_login(person.user)
    return client.post(reverse("documents:hardcopy", args=[document.identifier]), {
        "filed_on": timezone.localdate().isoformat(), "location": "Arsip",
        "scan": SimpleUploadedFile(name, content, content_type="text/html")})


def scan_of(client, document):
    return client.get(reverse("documents:scan", args=[document.identifier]))


# -- finding 2: hardcopy scans ---------------------------------------------------------------

def test_a_polyglot_scan_is_stored_and_served_as_the_type_its_bytes_say(client, org,
                                                                        documents):
    first, second = documents[0], documents[1]
    assert record_scan(client, org.head, first, "x.js", SCRIPT_SCAN).status_code == 302
    assert record_scan(client, org.head, second, "x.html", HTML_SCAN).status_code == 302
    assert Hardcopy.objects.get(document=first).scan_content_type == "image/jpeg"
    assert Hardcopy.objects.get(document=second).scan_content_type == "application/pdf"

    script = scan_of(client, first)
    disposition = assert_served_safely(script, "image/jpeg")
    assert ".js" not in disposition and 'filename="x.jpg"' in disposition
    assert body(script) == SCRIPT_SCAN
    page = scan_of(client, second)
    disposition = assert_served_safely(page, "application/pdf")
    assert ".html" not in disposition and 'filename="x.pdf"' in disposition


@pytest.mark.parametrize("name, content", [("logo.svg", SVG), ("scan.pdf", HTML),
                                           ("scan.gif", b"GIF89a\x01\x00\x01\x00")])
def test_a_scan_that_is_not_a_pdf_png_or_jpeg_is_refused_with_a_message(client, org,
                                                                        documents, name,
                                                                        content):
    response = record_scan(client, org.head, documents[0], name, content)
    assert response.status_code == 302
    assert not Hardcopy.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "PDF, PNG" in page and "JPEG" in page


def test_a_scan_stored_before_its_type_was_recorded_is_served_by_what_its_bytes_are(
        client, org, documents):
    today = timezone.localdate()
    html, pdf = documents[0], documents[1]
    for document, name, content in [(html, "scan.html", HTML), (pdf, "scan.pdf", HTML_SCAN)]:
        Hardcopy.objects.create(document=document, filed_by=org.head, filed_on=today,
                                location="Arsip", recorded_by=org.head.user, scan_name=name,
                                scan=ContentFile(content, name=name))
    client.force_login(org.head.user)
    # Not one of the allowed types: bytes to save, never a page.
    disposition = assert_served_safely(scan_of(client, html), "application/octet-stream",
                                       inline=False)
    assert ".html" not in disposition
    assert_served_safely(scan_of(client, pdf), "application/pdf")


def test_the_filed_pdf_itself_is_served_with_the_same_headers(client, org, documents):
    client.force_login(org.head.user)
    response = client.get(reverse("documents:download", args=[documents[0].identifier]))
    assert_served_safely(response, "application/pdf")
    assert body(response) == stored_bytes(documents[0])


# -- finding 2: evidence ---------------------------------------------------------------------

@pytest.fixture
def value(org, entry_round, catalogue):
    track = entry_round.tracks.get(unit=org.division_x)
    collection.values_save(user=org.staff_x.user, track=track, entries=[
        collection.ValueEntry(indicator_id=catalogue[0].id, value_text="5")])
    return track.values.get()


def evidence_of(client, evidence):
    return client.get(reverse("collection:evidence_download", args=[evidence.id]))


def test_evidence_is_served_as_its_sniffed_type_under_a_safe_name(client, org, value):
    evidence = collection.evidence_add(user=org.staff_x.user, value=value, name="x.html",
                                       content=HTML_SCAN)
    assert evidence.content_type == "application/pdf"
    client.force_login(org.staff_x.user)
    disposition = assert_served_safely(evidence_of(client, evidence), "application/pdf")
    assert ".html" not in disposition and 'filename="x.pdf"' in disposition


def test_evidence_with_a_stored_type_outside_the_list_is_served_by_its_bytes(client, org,
                                                                            value):
    jpeg = Evidence.objects.create(
        value=value, file=ContentFile(SCRIPT_SCAN, name="a.js"), original_name="a.js",
        content_type="text/javascript", size=len(SCRIPT_SCAN), sha256="0" * 64,
        uploaded_by=org.staff_x.user)
    page = Evidence.objects.create(
        value=value, file=ContentFile(HTML, name="b.html"), original_name="b.html",
        content_type="text/html", size=len(HTML), sha256="0" * 64, uploaded_by=org.staff_x.user)
    client.force_login(org.staff_x.user)
    assert_served_safely(evidence_of(client, jpeg), "image/jpeg")
    assert_served_safely(evidence_of(client, page), "application/octet-stream", inline=False)


@pytest.mark.parametrize("content", [SVG, HTML])
def test_svg_and_html_evidence_is_refused(client, org, value, content):
    client.force_login(org.staff_x.user)
    track = value.track
    response = client.post(reverse("collection:track_action",
                                   args=[track.round_id, track.id, "evidence"]),
                           {"indicator": value.indicator_id,
                            "file": SimpleUploadedFile("bukti.svg", content)})
    assert response.status_code == 409
    assert "PDF, PNG" in response.content.decode()
    assert not Evidence.objects.exists()


# -- finding 7: the evidence form with a bad indicator ---------------------------------------

@pytest.mark.parametrize("indicator", ["abc", "99999999999999999999999", "9" * 5000, "-1", "",
                                       "²"])
def test_the_evidence_form_with_a_bad_indicator_answers_400_with_a_message(client, org, value,
                                                                           indicator):
    client.force_login(org.staff_x.user)
    track = value.track
    response = client.post(reverse("collection:track_action",
                                   args=[track.round_id, track.id, "evidence"]),
                           {"indicator": indicator,
                            "file": SimpleUploadedFile("bukti.pdf", b"%PDF-1.4")})
    assert response.status_code == 400
    assert "alert-danger" in response.content.decode()
    assert not Evidence.objects.exists()


# -- the letterhead logo and the signing certificate ----------------------------------------

def settings_form(files, agency):
    from kinerja.documents.admin import DocumentSettingsForm

    return DocumentSettingsForm({"agency": agency.pk, "paper_size": "A4", "city": "",
                                 "letterhead_lines": ""}, files)


@pytest.mark.parametrize("format_", ["GIF", "BMP", "WEBP", "TIFF"])
def test_a_logo_that_is_not_png_or_jpeg_is_refused(org, format_):
    form = settings_form({"logo": SimpleUploadedFile("logo.png", image_bytes(format_))},
                         org.agency)
    assert not form.is_valid() and "logo" in form.errors


@pytest.mark.parametrize("format_", ["PNG", "JPEG"])
def test_a_png_or_jpeg_logo_is_accepted_whatever_its_name(org, format_):
    form = settings_form({"logo": SimpleUploadedFile("logo.gif", image_bytes(format_))},
                         org.agency)
    assert form.is_valid(), form.errors
    assert form.save().logo


def test_the_signing_certificate_is_never_served(client, org, agency_certificate):
    doc_settings = DocumentSettings.objects.get(agency=org.agency)
    client.force_login(org.head.user)
    stored = doc_settings.signing_certificate.name
    for path in [f"/{stored}", f"/media/{stored}", doc_settings.signing_certificate.url]:
        response = client.get(path if path.startswith("/") else f"/{path}")
        assert agency_certificate not in body(response)
        assert response.status_code in {301, 302, 404}


# -- finding 4: the print route --------------------------------------------------------------

def print_url(round_, kind, track_id):
    return f"{reverse('documents:print', args=[round_.id, kind])}?track={track_id}"


def test_a_units_format_prints_for_whoever_may_read_its_filed_copy(client, org, documents,
                                                                   entry_round):
    track_x = entry_round.tracks.get(unit=org.division_x)
    filed = Document.objects.get(track=track_x, kind=DocumentKind.DATA_REQUEST_FORMAT)
    client.force_login(org.staff_y.user)  # Bidang Y may read the format sent to Bidang X
    assert client.get(reverse("documents:download", args=[filed.identifier])).status_code == 200
    response = client.get(print_url(entry_round, DocumentKind.DATA_REQUEST_FORMAT, track_x.id))
    assert response.status_code == 200
    assert body(response) == stored_bytes(filed)
    # Bidang X's own data stays Bidang X's.
    assert client.get(print_url(entry_round, DocumentKind.FILLED_FORMAT,
                                track_x.id)).status_code == 403


def test_the_format_draft_of_another_unit_follows_the_same_rule(client, org, entry_round):
    track_x = entry_round.tracks.get(unit=org.division_x)
    assert not Document.objects.exists()  # nothing filed: the draft is rendered
    client.force_login(org.staff_y.user)
    response = client.get(print_url(entry_round, DocumentKind.DATA_REQUEST_FORMAT, track_x.id))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("track", ["abc", "99999999999999999999999", "9" * 5000, "-3", "1.5",
                                   "²"])
def test_a_print_with_a_bad_track_answers_404(client, org, entry_round, track):
    client.force_login(org.staff_x.user)
    response = client.get(print_url(entry_round, DocumentKind.FILLED_FORMAT, track))
    assert response.status_code == 404
