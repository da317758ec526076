"""An SOP in the PermenPAN-RB 35/2012 form, held as data.

`Sop` is the procedure as the agency knows it (its number); `SopVersion` is one loaded text of
it, never edited afterwards: a changed file makes a new version, and work already started keeps
the version it started with. Each `SopStep` also says what the collection engine needs (kind,
scope, actor, where it can send work back), so another SOP is a new file, not new code.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kinerja.organisation.models import Agency, PositionKind


class ActorPosition(models.TextChoices):
    HEAD = PositionKind.HEAD.value, PositionKind.HEAD.label
    SECRETARY = PositionKind.SECRETARY.value, PositionKind.SECRETARY.label
    DIVISION_HEAD = PositionKind.DIVISION_HEAD.value, PositionKind.DIVISION_HEAD.label
    SUBSECTION_HEAD = PositionKind.SUBSECTION_HEAD.value, PositionKind.SUBSECTION_HEAD.label
    SUBDIVISION_HEAD = PositionKind.SUBDIVISION_HEAD.value, PositionKind.SUBDIVISION_HEAD.label
    STAFF = PositionKind.STAFF.value, PositionKind.STAFF.label
    UNIT_HEAD = "unit_head", _("Head of the reporting unit (Kabid; the secretary for the "
                               "Sekretariat)")


class StepKind(models.TextChoices):
    DISPOSITION = "disposition", _("Disposition")
    FORWARDING = "forwarding", _("Forwarding")
    DATA_REQUEST_FORMAT = "data_request_format", _("Data-request format")
    SENDING = "sending", _("Sending the format")
    MEETING = "meeting", _("Meeting")
    DATA_ENTRY = "data_entry", _("Data entry")
    UNIT_RECAP = "unit_recap", _("Unit recap")
    VALIDATION = "validation", _("Validation")
    HANDOVER = "handover", _("Hand-over")
    AGENCY_RECAP = "agency_recap", _("Agency recap")


class StepScope(models.TextChoices):
    ONCE = "once", _("Once per round")
    PER_UNIT = "per_unit", _("Once per reporting unit")


class Sop(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="sops",
                               verbose_name=_("agency"))
    number = models.CharField(_("SOP number"), max_length=120)

    class Meta:
        verbose_name = _("SOP")
        verbose_name_plural = _("SOPs")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "number"], name="sop_number_unique"),
        ]

    def __str__(self) -> str:
        current = self.current_version
        return f"{self.number} {current.title}" if current else self.number

    @property
    def current_version(self):
        return self.versions.order_by("-version").first()


@dataclass(frozen=True)
class Initialler:
    """One who initials (paraf) the disposition after the forwarding's actor, as the SOP's
    recording section names them: `role_name` is the signature's role ("planning" for the
    Kasubbag Perencanaan: the unit's function, or else the position)."""

    label: str
    position: str
    unit_function: str

    @property
    def role_name(self) -> str:
        return self.unit_function or self.position


class SopVersion(models.Model):
    sop = models.ForeignKey(Sop, on_delete=models.PROTECT, related_name="versions",
                            verbose_name=_("SOP"))
    version = models.PositiveIntegerField(_("version"))
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64)
    title = models.CharField(_("title"), max_length=250)
    government_name = models.CharField(_("government"), max_length=150)
    agency_name = models.CharField(_("agency as named in the SOP"), max_length=250)
    date_made = models.DateField(_("date made"))
    date_revised = models.DateField(_("date revised"), null=True, blank=True)
    date_effective = models.DateField(_("date effective"), null=True, blank=True)
    approver_position = models.CharField(_("approved by (position)"), max_length=250)
    approver_name = models.CharField(_("approved by (name)"), max_length=150)
    approver_rank = models.CharField(_("approver's rank"), max_length=80, blank=True)
    approver_nip = models.CharField(_("approver's NIP"), max_length=18, blank=True)
    legal_basis = models.JSONField(_("legal basis"), default=list)
    executor_qualifications = models.JSONField(_("executor qualifications"), default=list)
    related_sops = models.JSONField(_("related SOPs"), default=list)
    equipment = models.JSONField(_("equipment"), default=list)
    warnings = models.JSONField(_("warnings"), default=list)
    recording = models.JSONField(_("recording and data keeping"), default=list)
    documentation = models.TextField(_("documentation"), blank=True)
    activity_type = models.CharField(_("type of activity"), max_length=40)
    responsible_for_product = models.CharField(_("responsible for the product"), max_length=250)
    responsible_for_activity = models.CharField(_("responsible for the activity"),
                                                max_length=250)
    activity_scope = models.CharField(_("scope"), max_length=250)
    worksheet = models.JSONField(_("activity identification worksheet"), default=dict)
    notes = models.JSONField(_("notes on the source text"), default=list)
    source_name = models.CharField(_("loaded from"), max_length=250, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+",
                                  verbose_name=_("loaded by"))

    class Meta:
        verbose_name = _("SOP version")
        verbose_name_plural = _("SOP versions")
        ordering = ["sop", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["sop", "version"], name="sop_version_unique"),
            models.UniqueConstraint(fields=["sop", "content_hash"],
                                    name="sop_version_content_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.sop.number} v{self.version}"

    def further_initials(self) -> list[Initialler]:
        """The recording lines that name a position other than the disposition's signer and
        the forwarding's actor (who initials as they forward it): each of them initials the
        disposition before the format is sent (docs/sop-contract.md)."""
        acting = {(step.actor_position, step.actor_unit_function)
                  for step in self.steps.filter(kind__in=[StepKind.DISPOSITION,
                                                          StepKind.FORWARDING])}
        return [Initialler(item["actor"], item["position"], item.get("unit_function") or "")
                for item in self.recording
                if item.get("position") and (item["position"],
                                             item.get("unit_function") or "") not in acting]

    @property
    def total_minutes(self) -> int:
        return sum(step.time_standard_minutes for step in self.steps.all())


class SopActor(models.Model):
    """A column of the procedure table (pelaksana), and who fills it in an agency."""

    version = models.ForeignKey(SopVersion, on_delete=models.CASCADE, related_name="actors")
    order = models.PositiveSmallIntegerField(_("order"))
    key = models.SlugField(_("key"), max_length=40)
    label = models.CharField(_("label"), max_length=120)
    position = models.CharField(_("position"), max_length=20, choices=ActorPosition.choices)
    unit_function = models.SlugField(_("unit function"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("SOP actor")
        verbose_name_plural = _("SOP actors")
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="sop_actor_key_unique"),
        ]

    def __str__(self) -> str:
        return self.label


class SopStep(models.Model):
    version = models.ForeignKey(SopVersion, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveSmallIntegerField(_("no."))
    description = models.TextField(_("activity"))
    actor = models.ForeignKey(SopActor, on_delete=models.PROTECT, related_name="steps",
                              verbose_name=_("actor"))
    actor_position = models.CharField(_("actor's position"), max_length=20,
                                      choices=ActorPosition.choices)
    actor_unit_function = models.SlugField(_("actor's unit function"), max_length=40,
                                           blank=True)
    actor_inferred = models.BooleanField(
        _("actor inferred"), default=False,
        help_text=_("The source lost the flowchart; the actor was read from the wording."))
    participants = models.JSONField(_("participants"), default=list)
    recorded_by = models.ForeignKey(
        SopActor, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("recorded by"),
        help_text=_("Who records the step in Kinerja when the actor is a group (a meeting); "
                    "empty means the actor."))
    inputs = models.CharField(_("required inputs"), max_length=250)
    time_standard_minutes = models.PositiveIntegerField(_("time (minutes)"))
    output = models.CharField(_("output"), max_length=250)
    remarks = models.TextField(_("remarks"), blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=StepKind.choices)
    scope = models.CharField(_("scope"), max_length=10, choices=StepScope.choices)
    starts_tracks = models.BooleanField(_("starts the per-unit tracks"), default=False)
    waits_for_tracks = models.BooleanField(_("waits for every track"), default=False)
    returns_to = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("can send back to"))

    class Meta:
        verbose_name = _("SOP step")
        verbose_name_plural = _("SOP steps")
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="sop_step_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.description}"

    @property
    def recorder(self) -> SopActor:
        return self.recorded_by or self.actor

    @property
    def participant_labels(self) -> list[str]:
        labels = {actor.key: actor.label for actor in self.version.actors.all()}
        return [labels.get(key, key) for key in self.participants]
