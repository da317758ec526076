from django import forms
from django.utils.translation import gettext_lazy as _

from kinerja.core.converters import MAX_ID


class RoundPickForm(forms.Form):
    """The dashboard's round picker (GET ?round=<id>)."""

    round = forms.IntegerField(label=_("Round"), min_value=1, max_value=MAX_ID)
