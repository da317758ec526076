from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """The one audit record of Kinerja (docs/decisions.md, "One audit record per change").

    Every change of data or status writes exactly one event, in the transaction of the
    change: an SOP action (with its round, its unit's track and the stage the unit's data
    had), an edit in the admin or a catalogue import (with the fields before and after, and
    the administrator's reason where one was required). `data` holds the action's own data;
    `round`, `track`, `stage` and `step` are columns so that a round's history is one
    indexed query.
    """

    agency = models.ForeignKey("organisation.Agency", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+", verbose_name=_("agency"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+", verbose_name=_("by"))
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object id"), max_length=40)
    summary = models.CharField(_("summary"), max_length=500)
    data = models.JSONField(_("data"), default=dict, blank=True)
    round = models.ForeignKey("collection.Round", on_delete=models.PROTECT, null=True,
                              blank=True, related_name="events", verbose_name=_("round"))
    track = models.ForeignKey("collection.Track", on_delete=models.PROTECT, null=True,
                              blank=True, related_name="events", verbose_name=_("unit track"))
    # The stage the unit's data had when the event happened: who may read the event
    # (collection.selectors.may_read_track_note).
    stage = models.PositiveSmallIntegerField(_("stage of the unit's data"), null=True,
                                             blank=True)
    step = models.PositiveSmallIntegerField(_("SOP step"), null=True, blank=True)
    # A default, not auto_now_add: a version copied from the old history keeps its time,
    # and the demo dates last year's round in last year.
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["agency", "round", "at"], name="audit_round_history"),
            models.Index(fields=["object_type", "object_id", "at"], name="audit_object_history"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.summary}"
