"""The PDF signature validates with the agency's certificate as trust root; a changed byte
fails pyHanko and the public verification page alike."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from kinerja.documents import services, signing
from kinerja.documents.tests.conftest import stored_bytes

pytestmark = pytest.mark.django_db


def signature_status(content: bytes, pkcs12: bytes):
    trust_root = signing.load_signer(pkcs12).signing_cert
    reader = PdfFileReader(io.BytesIO(content), strict=False)
    [signature] = reader.embedded_signatures
    # pyHanko's plain validate_pdf_signature calls asyncio.run(), which fails where a browser
    # test on this worker left Playwright's event loop running: the coroutine runs as the
    # signing does.
    return signing.run_coroutine(lambda: async_validate_pdf_signature(
        signature, ValidationContext(trust_roots=[trust_root])))


@pytest.fixture
def signed_document(org, opened_round, agency_certificate):
    [document] = services.documents_issue_missing(opened_round)
    return document


def test_the_signature_validates_with_the_agency_certificate(signed_document,
                                                             agency_certificate):
    assert signed_document.signing_backend
    assert signed_document.certificate_self_signed
    status = signature_status(stored_bytes(signed_document), agency_certificate)
    assert status.bottom_line, status.pretty_print_details()
    assert status.intact and status.valid and status.trusted


def test_another_certificate_is_not_trusted(org, signed_document, settings):
    other = signing.self_signed_pkcs12(org.other_agency)
    status = signature_status(stored_bytes(signed_document), other)
    assert status.intact and not status.trusted and not status.bottom_line


def _changed(content: bytes) -> bytes:
    # A digit of the agenda number inside the signed content stream would be compressed;
    # change a byte of the first object instead, which the signature covers.
    position = content.index(b"obj") + 10
    return content[:position] + bytes([content[position] ^ 0x01]) + content[position + 1:]


def test_a_changed_byte_fails_pyhanko_and_the_verification_page(client, signed_document,
                                                                 agency_certificate):
    content = stored_bytes(signed_document)
    changed = _changed(content)
    try:
        status = signature_status(changed, agency_certificate)
    except Exception:  # pyHanko may refuse to read the changed file at all
        status = None
    assert status is None or not status.bottom_line

    url = reverse("documents:verify", args=[signed_document.identifier])
    page = client.get(url)
    assert page.status_code == 200
    assert signed_document.sha256 in page.content.decode()
    assert "demo" in page.content.decode().lower()  # the self-signed warning
    same = client.post(url, {"file": SimpleUploadedFile("a.pdf", content)})
    assert "alert-success" in same.content.decode()
    other = client.post(url, {"file": SimpleUploadedFile("a.pdf", changed)})
    assert "alert-danger" in other.content.decode()
    shorter = client.post(url, {"file": SimpleUploadedFile("a.pdf", content[:-1])})
    assert "alert-danger" in shorter.content.decode()
    assert not services.document_verify(signed_document, changed)
    assert services.document_verify(signed_document, content)


def test_a_wrong_passphrase_is_a_clear_certificate_error(org, agency_certificate, settings):
    settings.KINERJA_SIGNING_PASSPHRASE = "salah"
    with pytest.raises(signing.CertificateError):
        signing.load_signer(agency_certificate)


def test_a_document_is_signed_while_an_event_loop_runs_in_the_thread(
        transactional_db, org, opened_round, agency_certificate):
    """Playwright's sync API (the browser tests) marks an event loop as running in the main
    thread while the test's own code runs there; pyHanko's plain sign_pdf then failed with
    "asyncio.run() cannot be called from a running event loop", and the document was not
    filed. The loop is marked running here the way Playwright does it (with a running loop,
    Django's connection is another one, so the rows must be committed: transactional_db)."""
    import asyncio

    from kinerja.documents.models import Document

    # Committed, the step already filed its document; it is filed again below.
    Document.objects.filter(round=opened_round).delete()
    loop = asyncio.new_event_loop()
    asyncio.events._set_running_loop(loop)
    try:
        [document] = services.documents_issue_missing(opened_round)
    finally:
        asyncio.events._set_running_loop(None)
        loop.close()
    status = signature_status(stored_bytes(document), agency_certificate)
    assert document.signing_backend and status.intact and status.valid
