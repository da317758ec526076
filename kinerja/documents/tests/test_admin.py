"""The agency administrator sets the letterhead, the paper and the signing certificate."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from kinerja.documents import services, signing
from kinerja.documents.models import DocumentSettings
from kinerja.documents.tests.conftest import stored_bytes

pytestmark = pytest.mark.django_db


def test_the_certificate_must_open_with_the_passphrase_from_the_environment(
        client, org, agency_admin, settings):
    settings.KINERJA_SIGNING_PASSPHRASE = "rahasia"
    pkcs12 = signing.self_signed_pkcs12(org.agency)
    client.force_login(agency_admin)
    add = reverse("admin:documents_documentsettings_add")
    settings.KINERJA_SIGNING_PASSPHRASE = "lain"
    refused = client.post(add, {"paper_size": "F4", "city": "Luwuk", "letterhead_lines": "",
                                "signing_certificate": SimpleUploadedFile("a.p12", pkcs12)})
    assert refused.status_code == 200
    assert "KINERJA_SIGNING_PASSPHRASE" in str(refused.context["adminform"].form.errors)
    assert not DocumentSettings.objects.exists()

    settings.KINERJA_SIGNING_PASSPHRASE = "rahasia"
    saved = client.post(add, {"paper_size": "F4", "city": "Luwuk", "letterhead_lines": "",
                              "signing_certificate": SimpleUploadedFile("a.p12", pkcs12)})
    assert saved.status_code == 302
    doc_settings = DocumentSettings.objects.get()
    assert doc_settings.agency == org.agency and doc_settings.paper_size == "F4"
    assert not doc_settings.certificate_self_signed
    assert signing.backend().can_sign(org.agency)
    assert client.get(add).status_code == 403  # one row per agency
    DocumentSettings.objects.create(agency=org.other_agency)
    listing = client.get(reverse("admin:documents_documentsettings_changelist"))
    assert list(listing.context["cl"].queryset) == [doc_settings]


def test_f4_paper_gives_folio_pages(org, opened_round):
    DocumentSettings.objects.create(agency=org.agency, paper_size="F4")
    [document] = services.documents_issue_missing(opened_round)
    page = PdfReader(io.BytesIO(stored_bytes(document))).pages[0]
    width_mm, height_mm = (float(v) * 25.4 / 72 for v in page.mediabox[2:])
    assert (round(width_mm), round(height_mm)) == (215, 330)
