from django import forms
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kinerja.core.text import MINUTES_MAX_LENGTH, REASON_MAX_LENGTH, normalise_text
from kinerja.organisation.models import Person
from kinerja.sops.models import Sop

from .models import Disposition, Meeting

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"},
                               format="%Y-%m-%dT%H:%M")


class BootstrapMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control")


def _limit_hint(max_length: int) -> str:
    return gettext("At most %(limit)s characters.") % {"limit": number_format(
        max_length, use_l10n=True, force_grouping=True)}


limit_hint = lazy(_limit_hint, str)


class TextField(forms.CharField):
    """A free text as the services store it (kinerja/core/text.py): control characters
    normalised before the length is checked, so that `maxlength`, the limit in the hint and
    the service's limit count the same characters."""

    def __init__(self, *, max_length: int, single_line: bool = False, **kwargs):
        kwargs.setdefault("help_text", limit_hint(max_length))
        super().__init__(max_length=max_length, **kwargs)
        self.single_line = single_line

    def to_python(self, value):
        return normalise_text(super().to_python(value), single_line=self.single_line)


class VersionForm(BootstrapMixin, forms.Form):
    """Every action carries the version the user saw, so a stale page is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class DispositionForm(BootstrapMixin, forms.ModelForm):
    sop = forms.ModelChoiceField(queryset=None, label=_("SOP"))
    subject = TextField(label=capfirst(_("subject")), single_line=True,
                        max_length=Disposition._meta.get_field("subject").max_length)
    instruction = TextField(label=capfirst(_("instruction")), max_length=REASON_MAX_LENGTH,
                            widget=forms.Textarea(attrs={"rows": 3}))

    class Meta:
        model = Disposition
        fields = ["sop", "year", "period", "date", "speed", "security", "subject",
                  "instruction", "deadline"]
        widgets = {"date": DATE, "deadline": DATE,
                   "instruction": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, sops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sop"].queryset = Sop.objects.filter(id__in=[sop.id for sop in sops])
        if len(sops) == 1:
            self.fields["sop"].initial = sops[0].id
        self.fields["date"].input_formats = ["%Y-%m-%d", "%d/%m/%Y"]
        self.fields["deadline"].input_formats = ["%Y-%m-%d", "%d/%m/%Y"]


class ForwardForm(VersionForm):
    instruction = TextField(label=_("Instruction to the data subsection"),
                            widget=forms.Textarea(attrs={"rows": 2}),
                            max_length=REASON_MAX_LENGTH)


class FormatCreateForm(VersionForm):
    due_date = forms.DateField(label=_("Data due on"), widget=DATE,
                               input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    require_value = forms.BooleanField(label=_("Value required"), required=False,
                                       initial=True)
    require_explanation = forms.BooleanField(label=_("Explanation always required"),
                                             required=False)
    require_evidence = forms.BooleanField(label=_("Evidence required"), required=False)


class IndicatorsForm(VersionForm):
    indicators = forms.ModelMultipleChoiceField(queryset=None, label=_("Indicators"),
                                                widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicators"].queryset = indicators
        self.fields["indicators"].label_from_instance = (
            lambda i: f"{i.code} {i.name} ({i.responsible_unit.name})")


class FormatReviseForm(IndicatorsForm):
    change_note = TextField(label=_("What the meeting changed"),
                            widget=forms.Textarea(attrs={"rows": 2}),
                            max_length=REASON_MAX_LENGTH)
    due_date = forms.DateField(label=_("Data due on"), widget=DATE, required=False,
                               input_formats=["%Y-%m-%d", "%d/%m/%Y"])


class MeetingForm(VersionForm):
    held_at = forms.DateTimeField(label=_("Date and time"), widget=DATETIME,
                                  input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H.%M"])
    place = TextField(label=_("Place"), single_line=True,
                      max_length=Meeting._meta.get_field("place").max_length)
    invitees = forms.ModelMultipleChoiceField(queryset=None, label=_("Invited"),
                                              widget=forms.CheckboxSelectMultiple)
    attendees = forms.ModelMultipleChoiceField(queryset=None, label=_("Present"),
                                               required=False,
                                               widget=forms.CheckboxSelectMultiple)
    minutes = TextField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 4}),
                        max_length=MINUTES_MAX_LENGTH)
    decisions = TextField(label=_("Decisions"), required=False,
                          widget=forms.Textarea(attrs={"rows": 2}),
                          max_length=MINUTES_MAX_LENGTH)

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        people = Person.objects.filter(agency=agency, user__isnull=False).order_by("name")
        self.fields["invitees"].queryset = people
        self.fields["attendees"].queryset = people


class ReasonForm(VersionForm):
    reason = TextField(label=_("Reason"), required=False, max_length=REASON_MAX_LENGTH,
                       widget=forms.Textarea(attrs={"rows": 2}))
