from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from kinerja.organisation.admin_scope import AgencySettingsAdmin, ReadOnlyAdmin

from . import services, signing
from .models import Document, DocumentFailure, DocumentSettings


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


class FailureStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("still missing")), ("resolved", _("filed since"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(DocumentFailure)
class DocumentFailureAdmin(ReadOnlyAdmin):
    """Documents a completed step could not file (rendering or signing failed), with the
    reason. Read-only; "Issue again" retries once the cause is fixed."""

    list_display = ["title", "round", "step_number", "track", "headline", "attempts",
                    "last_failed_at", "resolved_at"]
    list_filter = [FailureStateFilter, "cause"]
    search_fields = ["title", "detail"]
    fields = ["title", "round", "execution", "track", "kind", "headline", "hint", "detail",
              "attempts", "first_failed_at", "last_failed_at", "resolved_at"]
    readonly_fields = ["headline", "hint"]
    actions = ["retry_issue"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("round", "track__unit",
                                                            "execution__step")

    @admin.display(description=_("step"), ordering="execution__step__number")
    def step_number(self, failure):
        return failure.execution.step.number

    @admin.display(description=_("reason"))
    def headline(self, failure):
        return failure.headline

    @admin.display(description=_("what to do"))
    def hint(self, failure):
        return failure.hint

    @admin.action(description=_("Issue the selected documents again"))
    def retry_issue(self, request, queryset):
        report = services.IssueReport()
        execution_ids = (queryset.filter(resolved_at__isnull=True)
                         .values_list("execution_id", flat=True).distinct())
        for execution_id in execution_ids:
            report += services.documents_issue_report(execution_id)
        if report.documents:
            self.message_user(request, ngettext(
                "%(count)d document filed.", "%(count)d documents filed.",
                len(report.documents)) % {"count": len(report.documents)}, messages.SUCCESS)
        for failure in report.failures:
            self.message_user(request, gettext("Still failing: %(title)s: %(reason)s") % {
                "title": failure.title, "reason": failure.headline}, messages.ERROR)
        if not report.documents and not report.failures:
            self.message_user(request, gettext("Nothing was missing."), messages.INFO)
