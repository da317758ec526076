from django import forms
from django.utils.translation import gettext_lazy as _

from kinerja.organisation.models import Person
from kinerja.sops.models import Sop

from .models import Disposition

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


class VersionForm(BootstrapMixin, forms.Form):
    """Every action carries the version the user saw, so a stale page is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class DispositionForm(BootstrapMixin, forms.ModelForm):
    sop = forms.ModelChoiceField(queryset=None, label=_("SOP"))

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
    instruction = forms.CharField(label=_("Instruction to the data subsection"),
                                  widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


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
    change_note = forms.CharField(label=_("What the meeting changed"),
                                  widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    due_date = forms.DateField(label=_("Data due on"), widget=DATE, required=False,
                               input_formats=["%Y-%m-%d", "%d/%m/%Y"])


class MeetingForm(VersionForm):
    held_at = forms.DateTimeField(label=_("Date and time"), widget=DATETIME,
                                  input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H.%M"])
    place = forms.CharField(label=_("Place"), max_length=200)
    invitees = forms.ModelMultipleChoiceField(queryset=None, label=_("Invited"),
                                              widget=forms.CheckboxSelectMultiple)
    attendees = forms.ModelMultipleChoiceField(queryset=None, label=_("Present"),
                                               required=False,
                                               widget=forms.CheckboxSelectMultiple)
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 4}))
    decisions = forms.CharField(label=_("Decisions"), required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        people = Person.objects.filter(agency=agency, user__isnull=False).order_by("name")
        self.fields["invitees"].queryset = people
        self.fields["attendees"].queryset = people


class ReasonForm(VersionForm):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
