from dataclasses import dataclass

from django import forms
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kinerja.core.converters import MAX_ID
from kinerja.core.text import MINUTES_MAX_LENGTH, REASON_MAX_LENGTH, normalise_text
from kinerja.organisation.models import Person
from kinerja.sops.models import Sop

from .excel import MAX_UPLOAD_BYTES
from .models import Disposition, IndicatorValue, Meeting, Period, Security, Speed
from .services import ValueEntry, current_format

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


def _label(name: str):
    return capfirst(Disposition._meta.get_field(name).verbose_name)


class PeriodField(forms.ChoiceField):
    """A (year, period) pair of the offer (`services.period_offer`), posted as "2026-Q3".
    Any pair is taken here: the form says why one is not offered (`DispositionFields.clean`)
    rather than "not a valid choice"."""

    def valid_value(self, value) -> bool:
        return True


def parse_pair(value: str) -> tuple[int, str] | None:
    year, _dash, period = (value or "").partition("-")
    if len(year) == 4 and year.isascii() and year.isdigit() and period in Period.values:
        return int(year), period
    return None


class DispositionFields(BootstrapMixin, forms.Form):
    """The disposition's own fields, for writing one and for editing a draft. `offers`
    maps each SOP's id to its `PeriodOffer`."""

    year_period = PeriodField(label=_("Period"))
    date = forms.DateField(label=_label("date"), widget=DATE,
                           input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    speed = forms.ChoiceField(label=_label("speed"), choices=Speed.choices,
                              initial=Speed.NORMAL)
    security = forms.ChoiceField(label=_label("security"), choices=Security.choices,
                                 initial=Security.NORMAL)
    subject = TextField(label=capfirst(_("subject")), single_line=True,
                        max_length=Disposition._meta.get_field("subject").max_length)
    instruction = TextField(label=capfirst(_("instruction")), max_length=REASON_MAX_LENGTH,
                            widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateField(label=_label("deadline"), widget=DATE,
                               input_formats=["%Y-%m-%d", "%d/%m/%Y"])

    def __init__(self, *args, offers: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.offers = offers
        pairs = {}
        for offer in offers.values():
            for choice in offer.offered:
                pairs.setdefault(choice.value, choice.label)
        self.fields["year_period"].choices = [("", "---------"), *pairs.items()]

    def offer_for(self, cleaned: dict):
        return next(iter(self.offers.values()), None)

    def clean(self):
        cleaned = super().clean()
        if "year_period" not in cleaned:
            return cleaned
        pair = parse_pair(cleaned["year_period"])
        if pair is None:
            self.add_error("year_period", gettext("Choose a period from the list."))
            return cleaned
        offer = self.offer_for(cleaned)
        refusal = offer.refusal(*pair) if offer is not None else ""
        if refusal:
            self.add_error("year_period", refusal)
        cleaned["year"], cleaned["period"] = pair
        return cleaned

    def disposition_data(self) -> dict:
        """The cleaned fields as the services take them (year and period apart)."""
        data = dict(self.cleaned_data)
        data.pop("year_period", None)
        return data


class DispositionForm(DispositionFields):
    sop = forms.ModelChoiceField(queryset=None, label=_("SOP"))
    field_order = ["sop", "year_period"]

    def __init__(self, *args, sops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sop"].queryset = Sop.objects.filter(id__in=[sop.id for sop in sops])
        if len(sops) == 1:
            self.fields["sop"].initial = sops[0].id

    def offer_for(self, cleaned: dict):
        sop = cleaned.get("sop")
        return self.offers.get(sop.id) if sop is not None else None


class DispositionEditForm(DispositionFields):
    """A draft disposition, prefilled; carries the version the author saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    @classmethod
    def for_draft(cls, disposition: Disposition, *, offers: dict, data=None):
        initial = {name: getattr(disposition, name) for name in (
            "date", "speed", "security", "subject", "instruction", "deadline", "version")}
        initial["year_period"] = f"{disposition.year}-{disposition.period}"
        return cls(data, offers=offers, initial=initial)

    def changes(self) -> dict:
        """The fields the author changed (the service keeps the others)."""
        data = self.disposition_data()
        data.pop("version", None)
        return data


class CancelForm(VersionForm):
    """The head cancels the round: the reason, and a tick that they know what it does."""

    reason = TextField(label=_("Reason for cancelling"), max_length=REASON_MAX_LENGTH,
                       widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(
        label=_("I understand: the round's waiting steps close, its documents are marked "
                "cancelled, and its period may be started again."))


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


class ReopenForm(ReasonForm):
    """The head reopens a finalised round: the reason and, to have data corrected, the units
    that go back and the step they go back to (none: only the agency recap waits again)."""

    tracks = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        label=_("Units that correct their data"),
        help_text=_("They go back to the step chosen below and through validation again. "
                    "Choose none to have only the agency recap compiled again."))
    step = forms.TypedChoiceField(label=_("Back to step"), required=False, coerce=int,
                                  empty_value=None)

    def __init__(self, *args, tracks, steps, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tracks"].queryset = tracks
        self.fields["tracks"].label_from_instance = lambda track: track.unit.name
        self.fields["step"].choices = [("", "—")] + [
            (step.number, f"{step.number}. {step.get_kind_display()}: {step.description}")
            for step in steps]


# -- the data-entry form of the unit page (track_detail.html) ---------------------------------

def posted_id(text: str | None) -> int | None:
    """A database id as posted, or None for anything else (text, a sign, Arabic-Indic digits,
    beyond 64 bits)."""
    if text and text.isascii() and text.isdigit() and len(text) <= 19:
        number = int(text)
        return number if 0 < number <= MAX_ID else None
    return None


def _posted_version(text: str | None) -> int:
    """A version as posted; -1 (never a stored version) when it is not a number."""
    return int(text) if text and text.isascii() and text.isdigit() and len(text) <= 19 else -1


@dataclass
class TypedRow:
    """One row of the data-entry form as the person typed it."""

    indicator_id: int
    text: str
    explanation: str
    reason: str
    version: int  # the value's version the page showed
    confirm: bool  # "the value is correct" ticked (an implausible value)
    theirs_version: int | None  # a stale row: the version of someone else's newer value


class TypedValues:
    """The posted data-entry form: per indicator what was typed, and what to save.

    The buttons say what to save: "Save draft" every row; a row's own save button (`row`)
    that row only; on a stale row (someone else saved after the page was opened) "Keep mine"
    (`keep`) that row against the newer version it was shown, and "Take theirs" (`take`)
    nothing: the row then shows the stored value.
    """

    def __init__(self, data):
        self.rows: dict[int, TypedRow] = {}
        for key in data:
            if not key.startswith("value-"):
                continue
            indicator_id = posted_id(key.removeprefix("value-"))
            if indicator_id is None:
                continue
            theirs = data.get(f"theirs-{indicator_id}")
            self.rows[indicator_id] = TypedRow(
                indicator_id=indicator_id, text=data.get(key, ""),
                explanation=data.get(f"explanation-{indicator_id}", ""),
                reason=data.get(f"reason-{indicator_id}", ""),
                version=_posted_version(data.get(f"version-{indicator_id}")),
                confirm=bool(data.get(f"confirm-{indicator_id}")),
                theirs_version=_posted_version(theirs) if theirs else None)
        self.only = posted_id(data.get("row"))
        self.keep = posted_id(data.get("keep"))
        self.take = posted_id(data.get("take"))

    @property
    def one_row(self) -> int | None:
        """The indicator whose row alone is saved (or taken back), None for the whole draft."""
        return self.take or self.keep or self.only

    def entries(self) -> list[ValueEntry]:
        """What to hand to `services.values_save`."""
        if self.take is not None:
            return []
        chosen = self.one_row
        entries = []
        for row in self.rows.values():
            if chosen is not None and row.indicator_id != chosen:
                continue
            version = row.version
            if self.keep == row.indicator_id and row.theirs_version is not None:
                version = row.theirs_version  # mine replaces the newer value I was shown
            entries.append(ValueEntry(
                indicator_id=row.indicator_id, value_text=row.text,
                explanation=row.explanation, change_reason=row.reason,
                expected_version=version, confirm_implausible=row.confirm))
        return entries


# -- the unit page's actions (track_views.py), besides the data-entry form ---------------------
# The templates write these fields by hand (track_detail.html): the names are theirs.

INCOMPLETE = _("The form was incomplete. Reload the page and try again.")
COMMENT = "comment-"  # + the indicator's id: a comment of the return form


def form_errors(form: forms.Form) -> list[str]:
    """Each error of a refused form as one message, after its field's label (a form-wide
    error, or a field without a label, as it is)."""
    shown = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        shown += [f"{label}: {error}" if label else error for error in errors]
    return shown


class TrackForm(BootstrapMixin, forms.Form):
    """A form posted from a unit's page: it knows the track it acts on."""

    def __init__(self, *args, track, **kwargs):
        super().__init__(*args, **kwargs)
        self.track = track


class TrackActionForm(TrackForm):
    """An action that moves the unit's work carries the version of the track the page showed,
    so a stale page is refused; a form without it was not posted by the page."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, error_messages={
        "required": INCOMPLETE, "invalid": INCOMPLETE, "min_value": INCOMPLETE})


class ApproveForm(TrackActionForm):
    note = TextField(label=_("Note"), required=False, max_length=REASON_MAX_LENGTH)


class ReturnForm(TrackActionForm):
    """The unit head returns the recap to data entry: the reason (the service says it is
    required, as it does for the API) and a comment per indicator of the unit's format,
    posted as `comment-<indicator id>`."""

    reason = TextField(label=_("Reason"), required=False, max_length=REASON_MAX_LENGTH,
                       widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, track, **kwargs):
        super().__init__(*args, track=track, **kwargs)
        data_format = current_format(track.round)
        items = (data_format.items.filter(unit_id=track.unit_id).select_related("indicator")
                 if data_format is not None else [])
        for item in items:
            self.fields[f"{COMMENT}{item.indicator_id}"] = TextField(
                label=f"{item.indicator.code} {item.indicator.name}", required=False,
                max_length=REASON_MAX_LENGTH)

    def clean(self):
        cleaned = super().clean()
        # A comment the page did not offer (another unit's indicator, a garbled key) is not
        # dropped silently: the unit head would believe it was sent.
        if any(key.startswith(COMMENT) and key not in self.fields for key in self.data):
            raise forms.ValidationError(
                gettext("Comments can only be given on this unit's indicators."),
                code="invalid_comment")
        return cleaned

    def comments(self) -> dict[int, str]:
        """{indicator id: comment} of the comments written."""
        return {int(name.removeprefix(COMMENT)): text
                for name, text in self.cleaned_data.items()
                if name.startswith(COMMENT) and text}


class HandoverReturnForm(TrackActionForm):
    """The data subsection returns the hand-over to the unit head, with the reason (required
    by the service)."""

    reason = TextField(label=_("Reason"), required=False, max_length=REASON_MAX_LENGTH,
                       widget=forms.Textarea(attrs={"rows": 2}))


class EvidenceForm(TrackForm):
    """A file for one of the unit's values. The indicator must be one of the track's with a
    value; anything else posted (text, a sign, a number beyond a database id) is refused with
    the same message as a missing file, never a server error."""

    indicator = forms.CharField(label=_("Evidence for"), required=False)
    # An empty file goes on to the service, which names the types it takes.
    file = forms.FileField(label=_("File"), required=False, allow_empty_file=True)

    def clean(self):
        cleaned = super().clean()
        indicator_id = posted_id(cleaned.get("indicator"))
        value = (IndicatorValue.objects.filter(track=self.track, indicator_id=indicator_id)
                 .select_related("indicator", "track").first()
                 if indicator_id is not None else None)
        if value is None or cleaned.get("file") is None:
            raise forms.ValidationError(
                gettext("Choose a file for an indicator that has a value."))
        cleaned["value"] = value
        return cleaned


class WorkbookUploadForm(TrackForm):
    """The unit's filled-in format (.xlsx), within the upload's size limit."""

    file = forms.FileField(label=_("File"), required=False, allow_empty_file=True)

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is None:
            raise forms.ValidationError(
                gettext("Choose the filled-in format (.xlsx) to upload."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(gettext("The file is larger than %(size)d MB.")
                                        % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)})
        return cleaned
