from django import forms
from django.utils.translation import gettext_lazy as _

from kinerja.core.forms import IndonesianDecimalField, posted_decimals

from .models import Indicator, IndicatorYearTarget, RenstraPeriod
from .services import MAX_FILE_BYTES


class CatalogueImportForm(forms.Form):
    period = forms.ModelChoiceField(queryset=RenstraPeriod.objects.none(),
                                    label=_("Renstra period"))
    file = forms.FileField(label=_("Catalogue workbook (.xlsx)"))

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
