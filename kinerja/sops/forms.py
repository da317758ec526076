from django import forms
from django.utils.translation import gettext_lazy as _

from kinerja.core import limits
from kinerja.organisation.models import Agency


class SopUploadForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("Agency"))
    file = forms.FileField(label=_("SOP file (YAML)"))

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        if agencies.count() == 1:
            self.fields["agency"].initial = agencies.first()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # The same limit as the loadsop command's (and the loader's own).
        if upload.size > limits.SOP_FILE_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than %(size)d KB.")
                                        % {"size": limits.SOP_FILE_MAX_BYTES // 1024})
        try:
            return upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from None
