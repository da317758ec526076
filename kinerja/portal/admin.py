from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from kinerja.core.audit import ChangeReader
from kinerja.core.models import AuditEvent
from kinerja.organisation.admin_scope import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit trail, read-only; an agency's administrator sees their agency's events
    (the round filter lists only rounds that have events in that scope)."""

    list_display = ["at", "actor_name", "action", "summary", "round", "step", "object"]
    list_filter = [("round", admin.RelatedOnlyFieldListFilter), "action", "step"]
    list_select_related = ["actor", "round"]
    search_fields = ["summary", "object_id"]
    date_hierarchy = "at"
    fields = ["at", "actor", "agency", "action", "summary", "object", "round", "track",
              "stage", "step", "reason", "changes", "data"]
    readonly_fields = ["object", "reason", "changes"]

    @admin.display(description=_("by"), ordering="actor__first_name")
    def actor_name(self, event: AuditEvent) -> str:
        if event.actor is None:
            return "—"
        return event.actor.get_full_name() or event.actor.get_username()

    @admin.display(description=_("object"))
    def object(self, event: AuditEvent) -> str:
        return f"{event.object_type} #{event.object_id}"

    @admin.display(description=_("Reason"))
    def reason(self, event: AuditEvent) -> str:
        data = event.data if isinstance(event.data, dict) else {}
        return str(data.get("reason") or "—")

    @admin.display(description=_("What changed"))
    def changes(self, event: AuditEvent):
        """The fields before and after, by their labels and in the Indonesian number form."""
        rows = ChangeReader([event]).changes(event)
        if not rows:
            return "—"
        return format_html("<ul>{}</ul>", format_html_join(
            "", "<li><strong>{}</strong>: {} &rarr; {}</li>",
            ((change.label, change.old, change.new) for change in rows)))
