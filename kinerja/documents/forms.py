from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kinerja.core import files


class HardcopyForm(forms.Form):
    filed_on = forms.DateField(label=_("Filed on"), initial=timezone.localdate,
                               widget=forms.DateInput(attrs={"type": "date"}))
    location = forms.CharField(label=_("Where it is filed"), max_length=250,
                               help_text=_("e.g. Arsip Subbidang Data, ordner 2026/3"))
    scan = forms.FileField(label=_("Scan of the signed page (PDF, PNG or JPEG)"),
                           required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_scan(self):
        """PDF, PNG or JPEG by its bytes, whatever its name says (`hardcopy_record` checks
        again for the API and the tests)."""
        scan = self.cleaned_data.get("scan")
        if scan:
            head = scan.read(files.SNIFF_BYTES)
            scan.seek(0)
            if files.sniff(head) is None:
                raise forms.ValidationError(_("The scan must be a PDF, PNG or JPEG file."),
                                            code="file_type")
        return scan


class VerifyForm(forms.Form):
    file = forms.FileField(label=_("The file to check"))
