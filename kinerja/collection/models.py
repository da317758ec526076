"""A collection round: one run of an SOP version for an agency, year and period.

The round moves only through the services in `services.py` (one function per SOP action).
Status and versions live on the round, on each unit's track and on each step execution;
every action is also written to `core.AuditEvent`.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kinerja.organisation.models import Agency, Person, Unit
from kinerja.sops.models import Sop, SopStep, SopVersion


class Period(models.TextChoices):
    Q1 = "Q1", _("Quarter I")
    Q2 = "Q2", _("Quarter II")
    Q3 = "Q3", _("Quarter III")
    Q4 = "Q4", _("Quarter IV")
    YEAR = "Y", _("Year")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    FINALISED = "finalised", _("Finalised")
    # Cancelled by the head before it was finalised, with a reason: kept, but its period is
    # free for a new round.
    CANCELLED = "cancelled", _("Cancelled")


class Round(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="rounds",
                               verbose_name=_("agency"))
    sop = models.ForeignKey(Sop, on_delete=models.PROTECT, related_name="rounds")
    sop_version = models.ForeignKey(SopVersion, on_delete=models.PROTECT, related_name="rounds",
                                    verbose_name=_("SOP version"))
    year = models.PositiveSmallIntegerField(_("year"))
    period = models.CharField(_("period"), max_length=2, choices=Period.choices)
    status = models.CharField(_("status"), max_length=12, choices=RoundStatus.choices,
                              default=RoundStatus.OPEN)
    version = models.PositiveIntegerField(_("version"), default=1)
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    class Meta:
        verbose_name = _("collection round")
        verbose_name_plural = _("collection rounds")
        ordering = ["-year", "-period", "-id"]
        constraints = [
            # One round per period: a finalised period is reopened, never collected twice
            # (services.disposition refuses a second one and points to reopening). A cancelled
            # round leaves its period free.
            models.UniqueConstraint(fields=["agency", "sop", "year", "period"],
                                    condition=~Q(status="cancelled"),
                                    name="one_round_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.get_period_display()} {self.year}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("collection:round_detail", args=[self.id])


class TrackStage(models.IntegerChoices):
    """How far a unit's data has travelled; the visibility rule reads it (DataStage)."""

    DRAFT = 0, _("Data entry")
    SUBMITTED = 1, _("Recap submitted")
    HANDED_OVER = 2, _("Handed over")
    FINAL = 3, _("Acknowledged")


class Track(models.Model):
    """One reporting unit's way through the per-unit steps of a round."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="tracks")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="tracks",
                             verbose_name=_("unit"))
    stage = models.PositiveSmallIntegerField(_("stage"), choices=TrackStage.choices,
                                             default=TrackStage.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("unit track")
        verbose_name_plural = _("unit tracks")
        ordering = ["round", "unit__order"]
        constraints = [
            models.UniqueConstraint(fields=["round", "unit"], name="one_track_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.unit}"


class ExecutionStatus(models.TextChoices):
    OPEN = "open", _("Waiting")
    DONE = "done", _("Done")
    RETURNED = "returned", _("Sent back")
    CLOSED = "closed", _("Closed unfinished")


class StepExecution(models.Model):
    """One time a step was assigned and done. A return opens a new one; old ones stay."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="executions")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, null=True, blank=True,
                              related_name="executions")
    step = models.ForeignKey(SopStep, on_delete=models.PROTECT, related_name="executions")
    status = models.CharField(_("status"), max_length=10, choices=ExecutionStatus.choices,
                              default=ExecutionStatus.OPEN)
    assigned_at = models.DateTimeField(_("assigned"))
    due_at = models.DateTimeField(_("due"))
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("by"))
    acting_as = models.CharField(_("acting as"), max_length=300, blank=True)
    outcome = models.CharField(_("outcome"), max_length=30, blank=True)
    note = models.TextField(_("note"), blank=True)
    # A unit's note (a return's reason, a validation note) is read by whoever may see the
    # unit's data at the stage it had when the note was written, or at its current stage
    # (selectors.may_read_track_note). Empty for round steps and notes before it was kept.
    note_stage = models.PositiveSmallIntegerField(
        _("stage of the unit's data when the note was written"), null=True, blank=True,
        choices=TrackStage.choices)
    working_minutes = models.PositiveIntegerField(_("working minutes taken"), null=True,
                                                  blank=True)

    class Meta:
        verbose_name = _("step execution")
        verbose_name_plural = _("step executions")
        ordering = ["assigned_at", "id"]
        indexes = [models.Index(fields=["round", "status"])]
        constraints = [
            # Two constraints rather than nulls_distinct=False, which SQLite lacks.
            models.UniqueConstraint(fields=["round", "track", "step"],
                                    condition=Q(status="open", track__isnull=False),
                                    name="one_open_execution_per_track_step"),
            models.UniqueConstraint(fields=["round", "step"],
                                    condition=Q(status="open", track__isnull=True),
                                    name="one_open_execution_per_round_step"),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.step.number} · {self.track or ''}"


class Speed(models.TextChoices):
    NORMAL = "biasa", _("Normal (biasa)")
    URGENT = "segera", _("Urgent (segera)")
    VERY_URGENT = "sangat_segera", _("Very urgent (sangat segera)")


class Security(models.TextChoices):
    NORMAL = "biasa", _("Normal (biasa)")
    LIMITED = "terbatas", _("Limited (terbatas)")
    SECRET = "rahasia", _("Secret (rahasia)")
    TOP_SECRET = "sangat_rahasia", _("Top secret (sangat rahasia)")


class AgendaCounter(models.Model):
    """The per-year sequence of disposition agenda numbers of an agency."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "year"],
                                               name="one_agenda_counter_per_year")]

    def __str__(self) -> str:
        return f"{self.agency} {self.year}: {self.last_number}"


class Disposition(models.Model):
    """The head's written order (lembar disposisi) that opens a round (step 1), forwarded
    by the secretary to the data subsection (step 2)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="dispositions")
    sop = models.ForeignKey(Sop, on_delete=models.PROTECT, related_name="dispositions")
    round = models.OneToOneField(Round, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="disposition")
    agenda_year = models.PositiveSmallIntegerField(_("agenda year"))
    agenda_number = models.PositiveIntegerField(_("agenda number"))
    date = models.DateField(_("date"))
    year = models.PositiveSmallIntegerField(_("data year"))
    period = models.CharField(_("period"), max_length=2, choices=Period.choices)
    speed = models.CharField(_("speed"), max_length=16, choices=Speed.choices,
                             default=Speed.NORMAL)
    security = models.CharField(_("security"), max_length=16, choices=Security.choices,
                                default=Security.NORMAL)
    subject = models.CharField(_("subject"), max_length=300)
    instruction = models.TextField(_("instruction"))
    deadline = models.DateField(_("deadline"))
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=pgettext_lazy("sender", "from"))
    addressed_to = models.CharField(_("to"), max_length=300)
    forward_instruction = models.TextField(_("forwarding instruction"), blank=True)
    forwarded_to = models.CharField(_("forwarded to"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("disposition")
        verbose_name_plural = _("dispositions")
        ordering = ["-agenda_year", "-agenda_number"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "agenda_year", "agenda_number"],
                                    name="agenda_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.agenda_number}/{self.agenda_year} {self.subject}"

    @property
    def agenda(self) -> str:
        return f"{self.agenda_number:03d}/{self.agenda_year}"

    def signed_content(self) -> dict:
        """What the head's signature covers; changing any of it would break the hash."""
        return {
            "agency": self.agency.code, "sop": self.sop.number, "agenda": self.agenda,
            "date": self.date.isoformat(), "year": self.year, "period": self.period,
            "speed": self.speed, "security": self.security, "subject": self.subject,
            "instruction": self.instruction, "deadline": self.deadline.isoformat(),
            "addressed_to": self.addressed_to,
        }

    def forwarded_content(self) -> dict:
        return {**self.signed_content(), "forward_instruction": self.forward_instruction,
                "forwarded_to": self.forwarded_to}


class SignatureKind(models.TextChoices):
    SIGNATURE = "signature", _("Signature")
    INITIALS = "initials", _("Initials (paraf)")


class Signature(models.Model):
    """A signature or paraf: who, when, in which position (Plt./Plh. shown) and a hash of
    what was signed."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    document = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("kind"), max_length=10, choices=SignatureKind.choices)
    role = models.CharField(_("role"), max_length=40,
                            help_text=_("What the signature stands for, e.g. head, secretary"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="signatures")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+")
    position_title = models.CharField(_("position"), max_length=300)
    signed_at = models.DateTimeField(_("signed at"), auto_now_add=True)
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id", "role"],
                                    name="one_signature_per_role"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.position_title}"


class Meeting(models.Model):
    """Step 4: the meeting on filling in the format."""

    round = models.OneToOneField(Round, on_delete=models.PROTECT, related_name="meeting")
    held_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=200)
    invitees = models.ManyToManyField(Person, related_name="+", verbose_name=_("invited"))
    attendees = models.ManyToManyField(Person, related_name="+", blank=True,
                                       verbose_name=_("present"))
    minutes = models.TextField(_("minutes"))
    decisions = models.TextField(_("decisions"), blank=True)
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return f"{self.round} · {self.place}"


class DataRequestFormat(models.Model):
    """Step 2's output: which indicators each unit reports for the round, what is required,
    and by when. A meeting (step 4) may revise it: a new number, with what changed."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="formats")
    number = models.PositiveSmallIntegerField(_("format version"))
    due_date = models.DateField(_("due date"))
    require_value = models.BooleanField(_("value required"), default=True)
    require_explanation = models.BooleanField(_("explanation always required"), default=False)
    require_evidence = models.BooleanField(_("evidence required"), default=False)
    change_note = models.TextField(_("what changed"), blank=True)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)

    class Meta:
        verbose_name = _("data-request format")
        verbose_name_plural = _("data-request formats")
        ordering = ["round", "number"]
        constraints = [
            models.UniqueConstraint(fields=["round", "number"], name="format_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.round} · format v{self.number}"


class FormatItem(models.Model):
    format = models.ForeignKey(DataRequestFormat, on_delete=models.CASCADE,
                               related_name="items")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey("catalogue.Indicator", on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        ordering = ["unit__order", "indicator__order", "indicator__code"]
        constraints = [
            models.UniqueConstraint(fields=["format", "indicator"],
                                    name="indicator_once_per_format"),
        ]

    def __str__(self) -> str:
        return f"{self.format} · {self.indicator_id}"


class CollectionSettings(models.Model):
    """An agency's rules for data entry (docs/domain.md §3: both thresholds are agency settings)."""

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE,
                                  related_name="collection_settings")
    explain_below_achievement = models.DecimalField(
        _("explanation required below this achievement (%)"), max_digits=6, decimal_places=2,
        default=91)
    explain_change_above = models.DecimalField(
        _("explanation required when the value moves more than (%)"), max_digits=6,
        decimal_places=2, default=50)
    max_evidence_megabytes = models.PositiveSmallIntegerField(
        _("largest evidence file (MB)"), default=10)
    outlier_factor = models.DecimalField(
        _("implausible when the value is this many times larger or smaller"), max_digits=6,
        decimal_places=2, default=10, validators=[MinValueValidator(Decimal("1.5"))],
        help_text=_("Compared with the previous period's value and with the target: a value "
                    "more than this many times larger, or smaller than its fraction, must be "
                    "confirmed and explained."))

    class Meta:
        verbose_name = _("collection settings")
        verbose_name_plural = _("collection settings")

    def __str__(self) -> str:
        return str(self.agency)


class PlausibilityFlag(models.TextChoices):
    """The plausibility rule a confirmed value broke (docs/domain.md §10)."""

    BELOW_MINIMUM = "below_minimum", _("below the indicator's lowest plausible value")
    ABOVE_MAXIMUM = "above_maximum", _("above the indicator's highest plausible value")
    FAR_FROM_PREVIOUS = "far_previous", _("far from the previous period's value")
    FAR_FROM_TARGET = "far_target", _("far from the target")


class IndicatorValue(models.Model):
    """A unit's realised value of one indicator in one round (step 5), with its explanation.
    Each value carries its own version, so people editing different values never collide."""

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey("catalogue.Indicator", on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("indicator"))
    value = models.DecimalField(_("realisation"), max_digits=20, decimal_places=4, null=True,
                                blank=True)
    explanation = models.TextField(_("explanation"), blank=True)
    change_reason = models.TextField(
        _("reason for changing the quarters' value"), blank=True,
        help_text=_("In a year round, why the value differs from the one added up from the "
                    "quarters."))
    prefilled_value = models.DecimalField(_("value from the quarters"), max_digits=20,
                                          decimal_places=4, null=True, blank=True)
    plausibility = models.CharField(
        _("plausibility"), max_length=20, choices=PlausibilityFlag.choices, blank=True,
        help_text=_("Set when the value broke a plausibility rule and the staff member "
                    "confirmed it with an explanation."))
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["track", "indicator__order", "indicator__code"]
        constraints = [
            models.UniqueConstraint(fields=["track", "indicator"], name="one_value_per_track"),
        ]

    def __str__(self) -> str:
        return f"{self.track} · {self.indicator_id}: {self.value}"


class Evidence(models.Model):
    """A supporting file (PDF or image) of a value, served only through a permission check."""

    value = models.ForeignKey(IndicatorValue, on_delete=models.CASCADE,
                              related_name="evidence")
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=60)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class ReturnRecord(models.Model):
    """A validation (step 7) or hand-over (step 8) sent back, with the reason, the comments
    per indicator and the values as they stood, so the next reviewer sees what changed."""

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="returns")
    execution = models.OneToOneField(StepExecution, on_delete=models.PROTECT,
                                     related_name="return_record")
    reason = models.TextField(_("reason"))
    comments = models.JSONField(_("comments per indicator"), default=dict, blank=True)
    snapshot = models.JSONField(_("values when returned"), default=dict)
    returned_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    returned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["returned_at", "id"]

    def __str__(self) -> str:
        return f"{self.track}: {self.reason[:40]}"


class FinalisedRecap(models.Model):
    """The agency recap as it stood when the round was finalised (docs/architecture.md,
    "Finalised recaps"). Every view of a finalised round reads it; an open round is computed
    live. Reopening marks it superseded and keeps it; finalising again makes the next one."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="finalised_recaps")
    number = models.PositiveSmallIntegerField(_("number"))
    finalised_at = models.DateTimeField(_("finalised at"))
    finalised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("finalised by"))
    format_number = models.PositiveSmallIntegerField(_("format version"), null=True,
                                                     blank=True)
    # The units whose data was not acknowledged when the head finalised without them.
    missing_units = models.JSONField(_("units missing"), default=list, blank=True)
    # `achievement.Scale.to_data()` and the quarter-target rule the figures were computed by.
    scale = models.JSONField(_("category scale"), default=dict)
    quarter_rule = models.CharField(_("quarter target rule"), max_length=30)
    superseded_at = models.DateTimeField(_("superseded at (reopened)"), null=True, blank=True)

    class Meta:
        verbose_name = _("finalised recap")
        verbose_name_plural = _("finalised recaps")
        ordering = ["round", "number"]
        constraints = [
            models.UniqueConstraint(fields=["round", "number"], name="finalised_recap_number"),
            models.UniqueConstraint(fields=["round"], condition=Q(superseded_at__isnull=True),
                                    name="one_current_finalised_recap"),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.number}"


class FinalisedRow(models.Model):
    """One recap row of a finalised round, with everything it showed: the catalogue's words
    and rules as they were, the target used and where it came from, and the figures."""

    recap = models.ForeignKey(FinalisedRecap, on_delete=models.PROTECT, related_name="rows")
    position = models.PositiveIntegerField(_("position"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("unit"))
    unit_name = models.CharField(_("unit"), max_length=200)
    indicator = models.ForeignKey("catalogue.Indicator", on_delete=models.PROTECT,
                                  related_name="finalised_rows", verbose_name=_("indicator"))
    indicator_code = models.CharField(_("code"), max_length=40)
    indicator_name = models.CharField(_("indicator"), max_length=500)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=60)
    data_type = models.CharField(_("data type"), max_length=12)
    decimals = models.PositiveSmallIntegerField(_("decimals"))
    polarity = models.CharField(_("polarity"), max_length=10)
    aggregation = models.CharField(_("year value"), max_length=10)
    is_iku = models.BooleanField(_("key indicator (IKU)"), default=False)
    # The goal and objective are kept by id (for grouping) and by their words then.
    goal_key = models.PositiveBigIntegerField()
    goal_code = models.CharField(_("goal code"), max_length=40)
    goal_text = models.TextField(_("goal"))
    objective_key = models.PositiveBigIntegerField()
    objective_code = models.CharField(_("objective code"), max_length=40)
    objective_text = models.TextField(_("objective"))
    # Six places: a pro-rata quarter of a four-place target (7,3333 × 3/4 = 5,499975).
    target = models.DecimalField(_("target"), max_digits=26, decimal_places=6, null=True,
                                 blank=True)
    target_max = models.DecimalField(_("target, upper bound"), max_digits=26,
                                     decimal_places=6, null=True, blank=True)
    # The Renstra target of the period's last year (the LKjIP table's column I).
    renstra_end_target = models.DecimalField(_("Renstra target at the end of the period"),
                                             max_digits=20, decimal_places=4, null=True,
                                             blank=True)
    # `achievement.TargetSource`: quarter, pk, renstra, pk_pro_rata, renstra_pro_rata.
    target_source = models.CharField(_("source of the target"), max_length=20, blank=True)
    target_year = models.PositiveSmallIntegerField(_("target year"), null=True, blank=True)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4, null=True,
                                blank=True)
    # Computed figures are kept as the exact Decimal's text: an average or a ratio has more
    # digits than a column keeps, and the snapshot must give back what the live recap gave.
    realisation = models.CharField(_("realisation"), max_length=60, blank=True)
    achievement = models.CharField(_("achievement (%)"), max_length=60, blank=True)
    # `achievement.NotComputable` when there is no achievement.
    achievement_reason = models.CharField(_("why no achievement"), max_length=30, blank=True)
    category_code = models.CharField(_("category"), max_length=30, blank=True)
    category_label = models.CharField(_("category"), max_length=100, blank=True)
    previous = models.DecimalField(_("previous period"), max_digits=20, decimal_places=4,
                                   null=True, blank=True)
    previous_achievement = models.CharField(max_length=60, blank=True)
    previous_achievement_reason = models.CharField(max_length=30, blank=True)
    # False when the previous period had no realisation (no previous achievement at all).
    has_previous_achievement = models.BooleanField(default=False)
    change_percent = models.CharField(max_length=60, blank=True)
    last_year = models.DecimalField(_("same period last year"), max_digits=20,
                                    decimal_places=4, null=True, blank=True)
    explanation = models.TextField(_("explanation"), blank=True)
    explanation_reasons = models.JSONField(default=list, blank=True)
    needs_explanation = models.BooleanField(default=False)
    plausibility = models.CharField(_("plausibility"), max_length=20, blank=True)
    evidence_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("finalised recap row")
        verbose_name_plural = _("finalised recap rows")
        ordering = ["recap", "position"]
        constraints = [
            models.UniqueConstraint(fields=["recap", "position"], name="finalised_row_position"),
            models.UniqueConstraint(fields=["recap", "indicator"],
                                    name="finalised_row_indicator"),
        ]

    def __str__(self) -> str:
        return f"{self.recap} · {self.indicator_code}"
