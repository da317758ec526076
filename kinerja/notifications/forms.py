from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Delivery


class PreferenceForm(forms.Form):
    email_enabled = forms.BooleanField(
        label=_("Send me e-mails"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    delivery = forms.ChoiceField(
        label=_("E-mail delivery"),
        choices=Delivery.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
