from django.contrib import admin, messages
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .admin_scope import ScopedHistoryAdmin, admin_agency_id
from .models import Agency, FunctionTag, Person, Position, PositionHolding, Unit
from .services import person_create_login


@admin.register(Agency)
class AgencyAdmin(ScopedHistoryAdmin):
    agency_path = "id"
    list_display = ["short_name", "code", "government_name"]
    search_fields = ["name", "short_name", "code"]

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        return [] if request.user.is_superuser else ["code"]


@admin.register(FunctionTag)
class FunctionTagAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]

    def has_module_permission(self, request):
        return True if request.user.is_superuser else super().has_module_permission(request)


class PositionInline(admin.TabularInline):
    model = Position
    extra = 0
    fields = ["kind", "title"]


@admin.register(Unit)
class UnitAdmin(ScopedHistoryAdmin):
    list_display = ["name", "kind", "parent", "code", "order"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    filter_horizontal = ["functions"]
    inlines = [PositionInline]

    def get_list_filter(self, request):
        return [*self.list_filter, "agency"] if request.user.is_superuser else self.list_filter


@admin.register(Position)
class PositionAdmin(ScopedHistoryAdmin):
    agency_path = "unit__agency"
    list_display = ["title", "kind", "unit"]
    list_filter = ["kind"]
    search_fields = ["title", "unit__name"]


class HoldingInline(admin.TabularInline):
    model = PositionHolding
    extra = 0
    fields = ["position", "capacity", "start_date", "end_date", "decree"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "position" and not request.user.is_superuser:
            field.queryset = field.queryset.filter(unit__agency=admin_agency_id(request.user))
        return field


@admin.register(Person)
class PersonAdmin(ScopedHistoryAdmin):
    list_display = ["full_name", "formatted_number", "rank", "user"]
    search_fields = ["name", "employee_number"]
    list_filter = ["number_kind", "rank"]
    readonly_fields = ["user"]
    inlines = [HoldingInline]
    actions = ["create_logins"]

    @admin.action(description=_("Create log-ins for the selected people"))
    def create_logins(self, request, queryset):
        created = []
        for person in queryset.filter(user__isnull=True):
            password = get_random_string(14)
            user = person_create_login(person=person, password=password, actor=request.user)
            created.append(f"{user.username}: {password}")
        if created:
            messages.success(request, ngettext(
                "%(count)d log-in created. Hand each password over once: %(list)s",
                "%(count)d log-ins created. Hand each password over once: %(list)s",
                len(created)) % {"count": len(created), "list": "; ".join(created)})
        else:
            messages.info(request, _("Everyone selected already has a log-in."))


@admin.register(PositionHolding)
class PositionHoldingAdmin(ScopedHistoryAdmin):
    agency_path = "person__agency"
    list_display = ["person", "position", "capacity", "start_date", "end_date"]
    list_filter = ["capacity"]
    search_fields = ["person__name", "position__title"]
