from django.contrib import admin
from django.db import models

from kinerja.core.forms import IndonesianDecimalField
from kinerja.organisation.admin_scope import AgencySettingsAdmin

from .models import CollectionSettings


@admin.register(CollectionSettings)
class CollectionSettingsAdmin(AgencySettingsAdmin):
    """The agency's rules for data entry: when an explanation is required, evidence size."""

    list_display = ["agency", "explain_below_achievement", "explain_change_above",
                    "outlier_factor", "max_evidence_megabytes"]
    # Thresholds and the outlier factor typed and shown the Indonesian way ("12,5"); they
    # belong to no indicator, so "12.500" is refused with both readings.
    formfield_overrides = {models.DecimalField: {"form_class": IndonesianDecimalField}}
