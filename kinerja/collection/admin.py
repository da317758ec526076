from django.contrib import admin

from kinerja.organisation.admin_scope import AgencyScopedAdmin, admin_agency_id

from .models import CollectionSettings


@admin.register(CollectionSettings)
class CollectionSettingsAdmin(AgencyScopedAdmin):
    """The agency's rules for data entry: when an explanation is required, evidence size."""

    list_display = ["agency", "explain_below_achievement", "explain_change_above",
                    "max_evidence_megabytes"]

    def has_add_permission(self, request):
        if request.user.is_superuser:
            return True
        agency_id = admin_agency_id(request.user)
        return (super().has_add_permission(request) and agency_id is not None
                and not CollectionSettings.objects.filter(agency_id=agency_id).exists())

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
