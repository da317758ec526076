from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RenstraPeriod
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
