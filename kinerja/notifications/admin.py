"""The agency administrator sets the agency's reminder rules and may look after its people's
e-mail preferences; both limited to their agency (organisation/admin_scope.py)."""

from django.contrib import admin

from kinerja.organisation.admin_scope import AgencyScopedAdmin, AgencySettingsAdmin

from .models import NotificationPreference, ReminderSettings


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(AgencySettingsAdmin):
    """When the first reminder goes out, and whether overdue steps escalate
    (docs/reminders.md)."""

    list_display = ["agency", "reminder_share", "escalation_enabled"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(AgencyScopedAdmin):
    """How a person receives notifications by e-mail; each person also sets it on their
    notifications page."""

    agency_path = "person__agency"
    list_display = ["person", "email_enabled", "delivery", "last_digest_on"]
    list_filter = ["email_enabled", "delivery"]
    search_fields = ["person__name"]
    readonly_fields = ["last_digest_on"]
    autocomplete_fields: list[str] = []

    def get_readonly_fields(self, request, obj=None):
        # A preference stays with its person: choose the person only when adding one.
        if obj is not None:
            return [*self.readonly_fields, "person"]
        return self.readonly_fields
