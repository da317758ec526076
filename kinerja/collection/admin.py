from django.contrib import admin

from kinerja.organisation.admin_scope import AgencySettingsAdmin

from .models import CollectionSettings


@admin.register(CollectionSettings)
class CollectionSettingsAdmin(AgencySettingsAdmin):
    """The agency's rules for data entry: when an explanation is required, evidence size."""

    list_display = ["agency", "explain_below_achievement", "explain_change_above",
                    "max_evidence_megabytes"]
