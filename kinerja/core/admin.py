from django.contrib import admin

from kinerja.organisation.admin_scope import AgencyScopedAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(AgencyScopedAdmin):
    list_display = ["at", "action", "summary", "actor"]
    list_filter = ["action"]
    search_fields = ["summary", "object_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
