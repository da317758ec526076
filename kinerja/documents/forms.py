from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class HardcopyForm(forms.Form):
    filed_on = forms.DateField(label=_("Filed on"), initial=timezone.localdate,
                               widget=forms.DateInput(attrs={"type": "date"}))
    location = forms.CharField(label=_("Where it is filed"), max_length=250,
                               help_text=_("e.g. Arsip Subbidang Data, ordner 2026/3"))
    scan = forms.FileField(label=_("Scan of the signed page (PDF, PNG or JPEG)"),
                           required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class VerifyForm(forms.Form):
    file = forms.FileField(label=_("The file to check"))
