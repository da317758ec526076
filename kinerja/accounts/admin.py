from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kinerja.organisation.admin_scope import AgencyScopedAdmin

from .models import ApiToken, User
from .services import api_token_revoke


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Log-ins are the installation superuser's; agency administrators create them from the
    people list (action "create log-ins")."""

    fieldsets = (*DjangoUserAdmin.fieldsets, ("Kinerja", {"fields": ("language",)}))


@admin.register(ApiToken)
class ApiTokenAdmin(AgencyScopedAdmin):
    """The agency's API tokens: who has one, when it was last used, and a way to revoke a
    lost one. Secrets are never shown (only their hash is stored)."""

    agency_path = "user__person__agency"
    list_display = ["prefix", "name", "user", "created_at", "last_used_at", "expires_at",
                    "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at", "expires_at",
                       "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # tokens are issued to their owner through POST /api/v1/auth/token

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, not deleted: the audit trail keeps pointing at it

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token, user=request.user)
            revoked += 1
        messages.success(request, ngettext("%(count)d token revoked.",
                                           "%(count)d tokens revoked.", revoked)
                         % {"count": revoked})
