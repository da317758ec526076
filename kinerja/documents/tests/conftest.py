import io

import pytest
from django.core.files.base import ContentFile
from pypdf import PdfReader

from kinerja.documents import signing
from kinerja.documents.models import Document, DocumentSettings


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def stored_bytes(document: Document) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


@pytest.fixture
def agency_certificate(org, settings):
    settings.KINERJA_SIGNING_PASSPHRASE = "rahasia-uji"
    pkcs12 = signing.self_signed_pkcs12(org.agency)
    doc_settings, _ = DocumentSettings.objects.get_or_create(agency=org.agency)
    doc_settings.signing_certificate.save("agency.p12", ContentFile(pkcs12))
    doc_settings.certificate_self_signed = True
    doc_settings.city = "Luwuk"
    doc_settings.save()
    return pkcs12


