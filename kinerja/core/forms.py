"""Form fields that speak Kinerja's number language (kinerja/core/numbers.py): the admin's
baselines, targets, plausible bounds and thresholds read "12,85" as 12,85 and "12.500" as the
data-entry page does, and show a stored number the Indonesian way."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from .numbers import input_text, read_typed


class IndonesianDecimalField(forms.DecimalField):
    """A decimal typed the Indonesian way: "12,85", "1.234,5", "1.234.567".

    `decimals` is the indicator's number of decimals, as on the data-entry page: with 0,
    "12.500" is the whole number 12500; with any other (or None, for a number that belongs to
    no indicator) it is refused, naming both readings. The model field's own limits (digits,
    decimal places, validators) still apply. A stored number is shown with a decimal comma and
    the indicator's decimals ("12,85"; "12.500,00"), grouped only where the grouped text
    reads back as the same number."""

    widget = forms.TextInput

    def __init__(self, *, decimals: int | None = None, **kwargs):
        kwargs.pop("localize", None)  # the field reads and writes Indonesian in any language
        super().__init__(**kwargs)
        self.decimals = decimals
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value)
        try:
            return read_typed(str(value), decimals=self.decimals)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from None

    def prepare_value(self, value):
        if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
            return input_text(Decimal(value), decimals=self.decimals)
        return value  # the text as typed, shown again beside its error


def posted_decimals(data, name: str, fallback: int | None) -> int | None:
    """The indicator's decimals as a form posts them (the field `name` of `data`), so that the
    numbers of the same form are read with the decimals being saved; `fallback` (the stored
    ones) when the form is not posted or the posted value is not 0–4."""
    raw = (data or {}).get(name)
    if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
        number = int(raw.strip())
        if 0 <= number <= 4:
            return number
    return fallback
