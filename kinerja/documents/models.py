"""The paper trail of a round: every step's output document, stored once with the SHA-256 of
its final bytes, and the record of its printed, wet-signed copy (hardcopy).

The SOP asks for every step in softcopy and hardcopy. The softcopy is `Document`; the
hardcopy is `Hardcopy`, with the scan of the signed page kept beside the softcopy.
"""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kinerja.core.files import validate_png_or_jpeg
from kinerja.core.rendering import Letterhead, PaperSize, Stationery
from kinerja.organisation.models import Agency, Person


class DocumentSettings(models.Model):
    """How an agency's documents look and are signed. The letterhead reads the agency's own
    name, government, address and contacts; the logo is set here."""

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE,
                                  related_name="document_settings", verbose_name=_("agency"))
    paper_size = models.CharField(_("paper size"), max_length=2, choices=PaperSize.choices,
                                  default=PaperSize.A4)
    logo = models.ImageField(_("letterhead logo"), upload_to="letterhead/", blank=True,
                             validators=[validate_png_or_jpeg],
                             help_text=_("The regency's coat of arms, PNG or JPEG."))
    letterhead_lines = models.TextField(
        _("extra letterhead lines"), blank=True,
        help_text=_("Printed under the agency's address, one line each (e.g. a website)."))
    city = models.CharField(_("place of signing"), max_length=80, blank=True,
                            help_text=_("Printed before the date above a signature, "
                                        "e.g. Luwuk"))
    signing_certificate = models.FileField(
        _("signing certificate (PKCS#12)"), upload_to="certificates/", blank=True,
        help_text=_("A .p12/.pfx file with the agency's key and certificate. Its passphrase "
                    "is read from the KINERJA_SIGNING_PASSPHRASE environment variable."))
    certificate_self_signed = models.BooleanField(
        _("self-signed demo certificate"), default=False,
        help_text=_("Set by the demo: such a certificate proves nothing outside Kinerja."))

    class Meta:
        verbose_name = _("document settings")
        verbose_name_plural = _("document settings")

    def __str__(self) -> str:
        return str(self.agency)

    @classmethod
    def for_agency(cls, agency: Agency) -> "DocumentSettings":
        """The agency's settings; the defaults (unsaved) when it has set none."""
        found = cls.objects.filter(agency=agency).first()
        return found or cls(agency=agency)

    def stationery(self) -> Stationery:
        agency = self.agency
        contacts = " · ".join(part for part in (
            agency.address,
            f"Telp. {agency.phone}" if agency.phone else "",
            f"E-mail: {agency.email}" if agency.email else "") if part)
        lines = [contacts] if contacts else []
        lines += [line.strip() for line in self.letterhead_lines.splitlines() if line.strip()]
        logo_uri = Path(self.logo.path).resolve().as_uri() if self.logo else ""
        return Stationery(self.paper_size, Letterhead(agency.government_name, agency.name,
                                                      lines, logo_uri))


class DocumentKind(models.TextChoices):
    DISPOSITION = "disposition", _("Disposition sheet")
    DATA_REQUEST_FORMAT = "data_request_format", _("Data-request format")
    MEETING_INVITATION = "meeting_invitation", _("Meeting invitation")
    MEETING_MINUTES = "meeting_minutes", _("Meeting minutes and attendance list")
    FILLED_FORMAT = "filled_format", _("Filled data-request format")
    UNIT_RECAP = "unit_recap", _("Unit recap")
    VALIDATION_RECORD = "validation_record", _("Validation record")
    HANDOVER_RECEIPT = "handover_receipt", _("Hand-over receipt")
    AGENCY_RECAP = "agency_recap", _("Agency recap")


class Document(models.Model):
    """A step's output as filed: the PDF exactly as issued, never rendered again."""

    identifier = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True,
                                  editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="documents",
                               verbose_name=_("agency"))
    round = models.ForeignKey("collection.Round", on_delete=models.PROTECT,
                              related_name="documents", verbose_name=_("round"))
    track = models.ForeignKey("collection.Track", on_delete=models.PROTECT, null=True,
                              blank=True, related_name="documents", verbose_name=_("unit"))
    execution = models.ForeignKey("collection.StepExecution", on_delete=models.PROTECT,
                                  related_name="documents", verbose_name=_("step"))
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(_("file"), upload_to="documents/%Y/%m/")
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    signers = models.JSONField(_("signed by"), default=list, blank=True)
    signing_backend = models.CharField(_("electronic signature"), max_length=120, blank=True)
    certificate_subject = models.CharField(_("certificate"), max_length=300, blank=True)
    certificate_self_signed = models.BooleanField(_("self-signed certificate"), default=False)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    # Set when its round was cancelled: the document stays filed, marked as void.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["issued_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["execution", "kind"], name="one_document_per_step"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def file_name(self) -> str:
        return f"{self.kind}-{str(self.identifier)[:8]}.pdf"


class Hardcopy(models.Model):
    """The printed copy of a document: signed and filed (by whom, when, where), with a scan
    of the wet-signed page when one was uploaded."""

    document = models.OneToOneField(Document, on_delete=models.PROTECT,
                                    related_name="hardcopy", verbose_name=_("document"))
    filed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("filed by"))
    filed_on = models.DateField(_("filed on"))
    location = models.CharField(_("where it is filed"), max_length=250)
    scan = models.FileField(_("scan of the signed page"), upload_to="hardcopies/%Y/%m/",
                            blank=True)
    scan_name = models.CharField(_("scan file name"), max_length=255, blank=True)
    # Read from the scan's bytes (kinerja/core/files.py), never from its name; empty for
    # rows made before it was recorded, which are sniffed again when served.
    scan_content_type = models.CharField(_("scan type"), max_length=60, blank=True)
    scan_sha256 = models.CharField(_("scan SHA-256"), max_length=64, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("hardcopy")
        verbose_name_plural = _("hardcopies")

    def __str__(self) -> str:
        return f"{self.document} · {self.location}"


class FailureCause(models.TextChoices):
    """Why a document could not be filed: the headline shown to the users, in their language
    (the exception's own words are kept apart, for the administrator)."""

    CERTIFICATE = "certificate", _("the signing certificate could not be opened")
    SIGNING = "signing", _("the PDF could not be signed")
    RENDERING = "rendering", _("the PDF could not be made")
    STORAGE = "storage", _("the PDF could not be stored")


FAILURE_HINTS = {
    FailureCause.CERTIFICATE: _(
        "The administrator checks the certificate in the document settings and the server's "
        "KINERJA_SIGNING_PASSPHRASE, then issues it again."),
    FailureCause.SIGNING: _(
        "The administrator checks the signing certificate (is it still valid?) or the signing "
        "service, then issues it again."),
    FailureCause.RENDERING: _(
        "The administrator finds the details under Document failures in the admin and issues "
        "it again once the cause is fixed."),
    FailureCause.STORAGE: _(
        "The administrator checks the free space and the permissions of the media directory, "
        "then issues it again."),
}


class DocumentFailure(models.Model):
    """A document a completed step should have filed and could not (rendering or signing
    failed). The step stays done; the failure is shown on the round page and in the admin
    until a retry files the document, which sets `resolved_at`. One row per (step, kind):
    a retry that fails again counts an attempt."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("agency"))
    round = models.ForeignKey("collection.Round", on_delete=models.CASCADE,
                              related_name="document_failures", verbose_name=_("round"))
    track = models.ForeignKey("collection.Track", on_delete=models.CASCADE, null=True,
                              blank=True, related_name="document_failures",
                              verbose_name=_("unit"))
    execution = models.ForeignKey("collection.StepExecution", on_delete=models.CASCADE,
                                  related_name="document_failures", verbose_name=_("step"))
    # Empty when the step's documents could not even be listed (none of them was made).
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices, blank=True)
    title = models.CharField(_("document"), max_length=300)
    cause = models.CharField(_("reason"), max_length=20, choices=FailureCause.choices)
    detail = models.TextField(_("technical detail"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    first_failed_at = models.DateTimeField(_("first failed at"), default=timezone.now)
    last_failed_at = models.DateTimeField(_("last failed at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("document failure")
        verbose_name_plural = _("document failures")
        ordering = ["-last_failed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["execution", "kind"],
                                    name="one_failure_per_step_document"),
        ]

    def __str__(self) -> str:
        return f"{self.title}: {self.headline}"

    @property
    def headline(self) -> str:
        return self.get_cause_display()

    @property
    def hint(self) -> str:
        return FAILURE_HINTS[FailureCause(self.cause)]


def agency_stationery(agency: Agency) -> Stationery:
    return DocumentSettings.for_agency(agency).stationery()

