from django import forms
from django.utils.translation import gettext_lazy as _

from kinerja.core.forms import IndonesianDecimalField, posted_decimals
from kinerja.core.text import REASON_MAX_LENGTH

from . import guard
from .models import Indicator, IndicatorYearTarget, RenstraPeriod
from .services import MAX_FILE_BYTES


def change_reason_field() -> forms.CharField:
    """The reason an administrator gives for changing what finalised rounds or stored values
    depend on (guard.py); kept in the change's audit event. Not a model field."""
    return forms.CharField(
        label=_("Reason for changing data that finalised rounds use"), required=False,
        max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("Needed only when a finalised round or stored values depend on what "
                    "changes: a target of a finalised year, the polarity, the year value, the "
                    "data type, or decimals fewer than a stored value has. The finalised "
                    "recaps stay as they were; the reason is kept in the record."))


class CatalogueImportForm(forms.Form):
    period = forms.ModelChoiceField(queryset=RenstraPeriod.objects.none(),
                                    label=_("Renstra period"))
    file = forms.FileField(label=_("Catalogue workbook (.xlsx)"))
    change_reason = change_reason_field()

    def __init__(self, *args, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = periods
        if periods.count() == 1:
            self.fields["period"].initial = periods.first()

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload.read()


def _read_with(form: forms.BaseForm, names, decimals: int | None) -> None:
    for name in names:
        field = form.fields.get(name)
        if isinstance(field, IndonesianDecimalField):
            field.decimals = decimals


class IndicatorForm(forms.ModelForm):
    """The admin's indicator: baseline and plausible bounds read as data entry reads a value
    of this indicator (kinerja/core/forms.py), with the decimals the form is saving."""

    NUMBER_FIELDS = ("baseline", "minimum", "maximum")
    change_reason = change_reason_field()

    class Meta:
        model = Indicator
        fields = ["objective", "code", "name", "unit_of_measure", "data_type", "decimals",
                  "polarity", "aggregation", "responsible_unit", "baseline", "baseline_year",
                  "minimum", "maximum", "is_iku", "order"]
        field_classes = {name: IndonesianDecimalField for name in ("baseline", "minimum",
                                                                    "maximum")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = self.instance.decimals
        decimals = (posted_decimals(self.data, self.add_prefix("decimals"), stored)
                    if self.is_bound else stored)
        _read_with(self, self.NUMBER_FIELDS, decimals)
        # The indicator as stored, before the form sets the posted values on it: what the
        # guard compares and the audit event keeps as "old".
        self.stored = guard.versioned_values(self.instance) if self.instance.pk else None

    def clean(self):
        cleaned = super().clean()
        if self.stored is None:
            return cleaned
        after = {name: cleaned[name] for name in ("code", *guard.RULE_FIELDS, "decimals")
                 if name in cleaned}
        if (cleaned.get("change_reason") or "").strip() or not guard.needs_values(
                self.stored, after):
            return cleaned
        dependents = guard.Dependents.load([self.instance.pk])
        for refusal in guard.indicator_refusals(
                self.stored, after, code=after.get("code") or self.instance.code,
                dependents=dependents, indicator_id=self.instance.pk):
            self.add_error(refusal.field if refusal.field in self.fields else None,
                           refusal.message)
        return cleaned


class IndicatorYearTargetForm(forms.ModelForm):
    """A year's targets (quarters and range bounds too), read with the indicator's decimals;
    the admin passes the decimals its indicator form is saving (`decimals`)."""

    class Meta:
        model = IndicatorYearTarget
        fields = ["year", *IndicatorYearTarget.VALUE_FIELDS]
        field_classes = {name: IndonesianDecimalField
                         for name in IndicatorYearTarget.VALUE_FIELDS}

    def __init__(self, *args, decimals: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if decimals is None:
            indicator = self.instance._indicator()
            decimals = indicator.decimals if indicator is not None else None
        _read_with(self, IndicatorYearTarget.VALUE_FIELDS, decimals)
        # The target as stored (guard.py compares it; its audit event keeps it as "old").
        self.stored = guard.versioned_values(self.instance) if self.instance.pk else None
