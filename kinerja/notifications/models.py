"""Reminders and escalations of open steps, and how each person wants them delivered
(docs/reminders.md).

A notification stores what happened as structured fields (the execution, the kind, the
escalation level); its sentence is written in the reader's language when it is shown
(`text.py`), so a person who switches language reads every notification in the new one.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kinerja.collection.models import StepExecution
from kinerja.organisation.models import Agency, Person


class NotificationKind(models.TextChoices):
    REMINDER_SHARE = "reminder_share", _("Reminder: part of the time standard used")
    REMINDER_DUE = "reminder_due", _("Reminder: the time standard is used up")
    ESCALATION = "escalation", _("Escalation: a step is overdue")
    MANUAL = "manual", _("Reminder from the leadership")


# The kinds the sweep writes: each at most once per execution, person and level.
AUTOMATIC_KINDS = (
    NotificationKind.REMINDER_SHARE,
    NotificationKind.REMINDER_DUE,
    NotificationKind.ESCALATION,
)


class Notification(models.Model):
    recipient = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="+", verbose_name=_("agency")
    )
    execution = models.ForeignKey(
        StepExecution,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("step"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    # 0 for reminders; n for the n-th post above the step's holders.
    level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    # Who sent a manual reminder (the head or the secretary); empty for the sweep's.
    sender = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    created_at = models.DateTimeField(_("created"))
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The badge's count and the list: one person's unread, newest first.
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["emailed_at"], name="notification_to_mail"),
        ]
        constraints = [
            # The sweep's idempotency: running it twice (or two at once) writes nothing twice.
            models.UniqueConstraint(
                fields=["execution", "recipient", "kind", "level"],
                condition=Q(kind__in=["reminder_share", "reminder_due", "escalation"]),
                name="one_automatic_notification",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.recipient}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", _("At once, one e-mail per notification")
    DIGEST = "digest", _("Once a day, one e-mail listing them")


class NotificationPreference(models.Model):
    """How one person wants their notifications by e-mail; without a row: at once."""

    person = models.OneToOneField(
        Person,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("person"),
    )
    email_enabled = models.BooleanField(_("send e-mails"), default=True)
    delivery = models.CharField(
        _("delivery"), max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE
    )
    # The day of the last digest: at most one a day, claimed before it is sent.
    last_digest_on = models.DateField(_("last daily digest"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.person)


class ReminderSettings(models.Model):
    """An agency's rules for reminders and escalation (docs/reminders.md)."""

    agency = models.OneToOneField(
        Agency, on_delete=models.CASCADE, related_name="reminder_settings", verbose_name=_("agency")
    )
    reminder_share = models.PositiveSmallIntegerField(
        _("first reminder after this share of the time standard (%)"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_(
            "Counted in working minutes from when the step was assigned; a second "
            "reminder follows when the whole time standard is used."
        ),
    )
    escalation_enabled = models.BooleanField(
        _("escalate overdue steps"),
        default=True,
        help_text=_(
            "Each further time standard overdue tells the next post above the "
            "people who hold the step."
        ),
    )

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(reminder_share__gte=1, reminder_share__lte=99),
                name="reminder_share_between_1_and_99",
            ),
        ]

    def __str__(self) -> str:
        return str(self.agency)
