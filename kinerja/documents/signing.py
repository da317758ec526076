"""Electronic signatures on the PDF itself (PAdES, with pyHanko), behind one interface.

The default backend signs as the agency, with the PKCS#12 certificate set in the admin.
A legally binding signature in Indonesia needs a certificate from the national
certification authority (BSrE, Balai Sertifikasi Elektronik); such a provider is another
`SigningBackend`, named in KINERJA_SIGNING_BACKEND, and the documents do not change.
"""

from __future__ import annotations

import asyncio
import datetime
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from kinerja.organisation.models import Agency

from .models import DocumentSettings


@dataclass(frozen=True)
class SignedPdf:
    content: bytes
    backend: str  # empty when the document was not signed electronically
    certificate_subject: str = ""
    self_signed: bool = False


class SigningBackend:
    """Signs a finished PDF for an agency. `sign` returns the PDF unchanged (backend "")
    when the agency has no means to sign; the document is then filed unsigned."""

    label = ""

    def can_sign(self, agency: Agency) -> bool:
        raise NotImplementedError

    def sign(self, pdf: bytes, *, agency: Agency, reason: str) -> SignedPdf:
        raise NotImplementedError


# Room for the CMS signature: an RSA-4096 signature with a chain of a few certificates.
SIGNATURE_BYTES_RESERVED = 16384


class CertificateError(ValueError):
    pass


def _passphrase() -> bytes | None:
    return settings.KINERJA_SIGNING_PASSPHRASE.encode() or None


def load_signer(pkcs12: bytes):
    from pyhanko.sign import signers

    try:
        signer = signers.SimpleSigner.load_pkcs12_data(pkcs12, other_certs=(),
                                                       passphrase=_passphrase())
    except Exception as error:  # pyHanko raises several kinds for a bad file or passphrase
        raise CertificateError(str(error)) from error
    if signer is None or signer.signing_cert is None:
        raise CertificateError("no certificate in the file")
    return signer


class AgencyCertificateBackend(SigningBackend):
    label = "PAdES · sertifikat instansi"

    def can_sign(self, agency: Agency) -> bool:
        return DocumentSettings.objects.filter(agency=agency).exclude(
            signing_certificate="").exists()

    def sign(self, pdf: bytes, *, agency: Agency, reason: str) -> SignedPdf:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        doc_settings = DocumentSettings.objects.filter(agency=agency).first()
        if doc_settings is None or not doc_settings.signing_certificate:
            return SignedPdf(pdf, backend="")
        try:
            with doc_settings.signing_certificate.open("rb") as handle:
                pkcs12 = handle.read()
        except OSError as error:  # set in the admin, gone from the media directory
            raise CertificateError(f"the certificate file cannot be read: {error}") from error
        signer = load_signer(pkcs12)
        metadata = signers.PdfSignatureMetadata(
            field_name="Kinerja", subfilter=fields.SigSeedSubFilter.PADES, reason=reason,
            location=agency.name, name=agency.name)
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        # A fixed reservation spares pyHanko a trial signature to size it (half the time).
        signed = run_coroutine(lambda: signers.async_sign_pdf(
            writer, metadata, signer=signer, bytes_reserved=SIGNATURE_BYTES_RESERVED))
        return SignedPdf(signed.getvalue(), backend=self.label,
                         certificate_subject=signer.signing_cert.subject.human_friendly,
                         self_signed=doc_settings.certificate_self_signed)


def run_coroutine(make_coroutine):
    """pyHanko signs in a coroutine, and its plain `sign_pdf` calls asyncio.run(), which fails
    in a thread whose event loop is already running (an ASGI server; Playwright's sync API in
    the browser tests). There the coroutine runs in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


def backend() -> SigningBackend:
    return import_string(settings.KINERJA_SIGNING_BACKEND)()


def self_signed_pkcs12(agency: Agency, *, years: int = 5) -> bytes:
    """A certificate the agency signs itself with: for the demo and the tests only. It is
    encrypted with KINERJA_SIGNING_PASSPHRASE when one is set."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency.government_name[:64]),
        x509.NameAttribute(NameOID.COMMON_NAME, agency.short_name[:64]),
    ])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256()))
    passphrase = _passphrase()
    encryption = (serialization.BestAvailableEncryption(passphrase) if passphrase
                  else serialization.NoEncryption())
    return pkcs12.serialize_key_and_certificates(
        agency.code.encode(), key, certificate, None, encryption)
