"""Master data is kept in the Django admin by each agency's administrators, limited to their
agency. The installation's superuser creates agencies and their first administrator only."""

from django.contrib import admin
from django.core.exceptions import ObjectDoesNotExist

from .models import Agency

AGENCY_ADMIN_GROUP = "Administrator OPD"

# The models an agency administrator manages, with the permissions they get on each.
AGENCY_ADMIN_PERMISSIONS = {
    "organisation": {"unit": "avcd", "position": "avcd", "person": "avcd",
                     "positionholding": "avcd", "functiontag": "v", "agency": "vc"},
    "sops": {"sop": "v", "sopversion": "v", "sopactor": "v", "sopstep": "v"},
    "core": {"auditevent": "v"},
    "collection": {"collectionsettings": "avc"},
    "documents": {"documentsettings": "avc", "document": "v", "documentfailure": "v"},
    "accounts": {"apitoken": "vc"},
    "catalogue": {"renstraperiod": "avcd", "goal": "avcd", "objective": "avcd",
                  "indicator": "avcd", "indicatoryeartarget": "avcd"},
    "worktime": {"workcalendar": "vc", "workinghours": "avcd", "specialperiod": "avcd",
                 "specialperiodhours": "avcd", "calendarday": "avcd"},
}


def is_agency_admin(user) -> bool:
    if not user.is_authenticated or not user.is_staff:
        return False
    return user.groups.filter(name=AGENCY_ADMIN_GROUP).exists() and admin_agency_id(user)


def admin_agency_id(user) -> int | None:
    person = getattr(user, "person", None)
    return person.agency_id if person is not None else None


class AgencyScopedAdmin(admin.ModelAdmin):
    """Shows and edits only the rows of the administrator's own agency.

    `agency_path` is the lookup from the model to its agency ("agency", "unit__agency", ...).
    The scope is kept twice: the queryset is filtered (lists, and the views that look the
    object up through it), and every per-object permission checks the object's own agency,
    because some views build the object without the queryset (django-simple-history's history
    pages make it from a historical row). Choices of foreign keys are limited the same way, so
    nothing of another agency can even be picked. An object keeps the agency it has: only a
    new one gets the administrator's.
    """

    agency_path = "agency"
    scoped_choices = {
        "agency": "id",
        "parent": "agency",
        "unit": "agency",
        "position": "unit__agency",
        "person": "agency",
    }

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        agency_id = admin_agency_id(request.user)
        if agency_id is None:
            return queryset.none()
        if self.agency_path == "id":
            return queryset.filter(id=agency_id)
        return queryset.filter(**{self.agency_path: agency_id})

    def agency_id_of(self, obj) -> int | None:
        """The agency of this object, followed along `agency_path` from the object itself
        (which may be an old version, not the row as stored)."""
        if self.agency_path == "id":
            return obj.pk
        *relations, last = self.agency_path.split("__")
        try:
            for relation in relations:
                obj = getattr(obj, relation)
                if obj is None:
                    return None
        except ObjectDoesNotExist:
            return None
        return getattr(obj, f"{last}_id")

    def is_in_scope(self, request, obj=None) -> bool:
        if obj is None or request.user.is_superuser:
            return True
        agency_id = admin_agency_id(request.user)
        return agency_id is not None and self.agency_id_of(obj) == agency_id

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self.is_in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.is_in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.is_in_scope(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        lookup = self.scoped_choices.get(db_field.name)
        if field is not None and lookup and not request.user.is_superuser:
            field.queryset = field.queryset.filter(**{lookup: admin_agency_id(request.user)})
        return field

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if not request.user.is_superuser and self.agency_path == "agency":
            exclude.append("agency")
        return exclude

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)
        if request.user.is_superuser or self.agency_path != "agency":
            return form_class
        agency = Agency.objects.get(id=admin_agency_id(request.user))

        class AgencyForm(form_class):
            # Set before validation, so that the model's clean() sees the agency. Only on a
            # new object: an existing one keeps its own (the per-object permissions decide
            # whether this administrator may save it at all).
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if self.instance._state.adding:
                    self.instance.agency = agency

        return AgencyForm

    def has_module_permission(self, request):
        return request.user.is_superuser or (
            is_agency_admin(request.user) and super().has_module_permission(request))


class ScopedHistoryAdmin(AgencyScopedAdmin):
    """An agency-scoped admin whose history page shows the object's audit events
    (core.AuditEvent, docs/decisions.md). Being rewritten for issue 11."""


class AgencySettingsAdmin(AgencyScopedAdmin):
    """An agency's one row of settings: an administrator adds it once, only the superuser
    deletes it."""

    def has_add_permission(self, request):
        if request.user.is_superuser:
            return True
        agency_id = admin_agency_id(request.user)
        return (super().has_add_permission(request) and agency_id is not None
                and not self.model.objects.filter(agency_id=agency_id).exists())

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class ReadOnlyAdmin(AgencyScopedAdmin):
    """Records that are never edited (the audit trail, filed documents): find and read."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
