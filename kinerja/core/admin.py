from django.contrib import admin

from kinerja.organisation.admin_scope import ReadOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "summary", "actor"]
    list_filter = ["action"]
    search_fields = ["summary", "object_id"]
    date_hierarchy = "at"
