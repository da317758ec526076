from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kinerja.organisation.admin_scope import AgencySettingsAdmin, ReadOnlyAdmin

from . import signing
from .models import Document, DocumentSettings


class DocumentSettingsForm(forms.ModelForm):
    class Meta:
        model = DocumentSettings
        fields = ["agency", "paper_size", "logo", "city", "letterhead_lines",
                  "signing_certificate"]

    def clean_signing_certificate(self):
        uploaded = self.cleaned_data.get("signing_certificate")
        if uploaded and hasattr(uploaded, "content_type"):  # a new upload, not the stored one
            try:
                signing.load_signer(uploaded.read())
            except signing.CertificateError:
                raise forms.ValidationError(_(
                    "This certificate cannot be opened. Check that it is a PKCS#12 file "
                    "(.p12, .pfx) with its key, and that KINERJA_SIGNING_PASSPHRASE holds its "
                    "passphrase.")) from None
            uploaded.seek(0)
        return uploaded


@admin.register(DocumentSettings)
class DocumentSettingsAdmin(AgencySettingsAdmin):
    """Paper size, letterhead logo and the certificate the agency signs its PDFs with. The
    letterhead's text is the agency's own name, government, address and contacts."""

    form = DocumentSettingsForm
    list_display = ["agency", "paper_size", "city", "certificate_self_signed"]
    readonly_fields = ["certificate_self_signed"]

    def save_model(self, request, obj, form, change):
        if "signing_certificate" in form.changed_data:
            obj.certificate_self_signed = False  # an uploaded certificate is the agency's own
        super().save_model(request, obj, form, change)


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    """Filed documents are never edited: the list is for finding one and its hash."""

    list_display = ["title", "kind", "issued_at", "sha256"]
    list_filter = ["kind"]
    search_fields = ["title", "sha256", "identifier"]
