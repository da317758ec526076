"""Master data is kept in the Django admin by each agency's administrators, limited to their
agency. The installation's superuser creates agencies and their first administrator only."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import router, transaction
from django.db.models import Q
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from kinerja.core.audit import ChangeReader, field_values, many_to_many_values, record_change
from kinerja.core.models import AuditEvent

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
    "notifications": {"remindersettings": "avc", "notificationpreference": "avc"},
    "worktime": {"workcalendar": "vc", "workinghours": "avcd", "specialperiod": "avcd",
                 "specialperiodhours": "avcd", "calendarday": "avcd"},
}


def is_agency_admin(user) -> bool:
    if not user.is_authenticated or not user.is_staff:
        return False
    # Asked for every model of an admin page (the menu, each permission): remembered on the
    # user object, which lives for one request.
    cached = user.__dict__.get("_is_agency_admin")
    if cached is None:
        cached = bool(user.groups.filter(name=AGENCY_ADMIN_GROUP).exists()
                      and admin_agency_id(user))
        user.__dict__["_is_agency_admin"] = cached
    return cached


def admin_agency_id(user) -> int | None:
    person = getattr(user, "person", None)
    return person.agency_id if person is not None else None


class AgencyScopedAdmin(admin.ModelAdmin):
    """Shows and edits only the rows of the administrator's own agency, and records each
    change as one `core.AuditEvent` instead of the admin's own LogEntry.

    `agency_path` is the lookup from the model to its agency ("agency", "unit__agency", ...).
    The scope is kept twice: the queryset is filtered (lists, and the views that look the
    object up through it), and every per-object permission checks the object's own agency,
    so that a view building an object some other way stays bounded too. Choices of foreign
    keys are limited the same way, so nothing of another agency can even be picked. An object
    keeps the agency it has: only a new one gets the administrator's.

    The audit record (docs/decisions.md, "One audit record per change"): every object added,
    changed or deleted here, the main one and each one of an inline, gets one event with its
    fields before and after as stored, the object's agency, the administrator, and the
    reason typed into the form's `change_reason` field where the form has one. It is written
    in the transaction of the change. The history page lists these events.
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

    # --- One audit record per change ---------------------------------------------------------

    @staticmethod
    def audit_values(obj) -> dict:
        """The object's fields and many-to-many links as the audit trail keeps them."""
        return {**field_values(obj), **many_to_many_values(obj)}

    def stored_audit_values(self, obj) -> dict | None:
        """The values of the object as stored now, read again: what the form holds may be
        written differently ("7.3" for a stored 7.3000), and must not look like a change."""
        if obj.pk is None:
            return None
        stored = type(obj)._base_manager.filter(pk=obj.pk).first()
        return None if stored is None else self.audit_values(stored)

    @staticmethod
    def change_reason(form) -> str:
        cleaned = getattr(form, "cleaned_data", None) or {}
        return str(cleaned.get("change_reason") or "").strip()

    def audit_agency(self, obj) -> Agency | None:
        agency_id = self.agency_id_of(obj)
        return Agency.objects.filter(pk=agency_id).first() if agency_id else None

    def record_admin_change(self, request, obj, *, before, after, reason="", agency=None):
        kind = "created" if before is None else "deleted" if after is None else "changed"
        return record_change(
            obj, actor=request.user, agency=agency or self.audit_agency(obj), before=before,
            after=after, reason=reason,
            summary=f"{obj._meta.model_name} {str(obj)[:300]} {kind} in the admin")

    def save_model(self, request, obj, form, change):
        # The stored values before the form's are saved; the event is written by
        # log_addition/log_change, after the inlines and many-to-many links are saved too.
        obj._audit_before = self.stored_audit_values(obj) if change else None
        obj._audit_reason = self.change_reason(form)
        super().save_model(request, obj, form, change)

    def _record_saved(self, request, obj) -> None:
        before = getattr(obj, "_audit_before", None)
        self.record_admin_change(request, obj, before=before,
                                 after=self.stored_audit_values(obj),
                                 reason=getattr(obj, "_audit_reason", ""))

    def log_addition(self, request, obj, message):
        """One AuditEvent instead of the admin's LogEntry (called in the view's
        transaction, after save_model and save_related)."""
        obj._audit_before = None
        self._record_saved(request, obj)

    def log_change(self, request, obj, message):
        if not hasattr(obj, "_audit_before"):  # not saved through save_model: unknown before
            obj._audit_before = {}
        self._record_saved(request, obj)

    def log_deletion(self, request, obj, object_repr):
        """Deletions are recorded by delete_model/delete_queryset, in the deletion's
        transaction; nothing is logged here (and no LogEntry)."""

    def log_deletions(self, request, queryset):
        return []

    def delete_model(self, request, obj):
        with transaction.atomic(using=router.db_for_write(self.model)):
            self.record_admin_change(request, obj, before=self.audit_values(obj), after=None)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic(using=router.db_for_write(self.model)):
            for obj in queryset:
                self.record_admin_change(request, obj, before=self.audit_values(obj),
                                         after=None)
            super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        """One event per object of an inline added, changed or deleted, with the agency and
        the reason of the object the inline belongs to."""
        model = formset.model
        initial = [f.instance.pk for f in formset.initial_forms if f.instance.pk is not None]
        before = {pk: self.audit_values(obj)
                  for pk, obj in model._base_manager.in_bulk(initial).items()}
        agency = self.audit_agency(form.instance)
        reason = self.change_reason(form)
        # A deleted object loses its id when deleted: its event is written first.
        for deleted in formset.deleted_forms:
            obj = deleted.instance
            if obj.pk is not None and obj.pk in before:
                self.record_admin_change(request, obj, before=before[obj.pk], after=None,
                                         reason=reason, agency=agency)
        super().save_formset(request, form, formset, change)
        saved = [*formset.new_objects, *(obj for obj, _fields in formset.changed_objects)]
        stored = model._base_manager.in_bulk([obj.pk for obj in saved])
        for obj in saved:
            self.record_admin_change(
                request, obj, before=before.get(obj.pk),
                after=self.audit_values(stored[obj.pk]) if obj.pk in stored else None,
                reason=reason, agency=agency)

    # --- The history page: the object's audit events -----------------------------------------

    history_per_page = 50
    object_history_template = "admin/audit_history.html"

    def history_view(self, request, object_id, extra_context=None):
        """The object's audit events, newest first, readable: who, when, which fields
        changed from what to what, and the reason. Bounded like every object page: another
        agency's object is refused (403) even when its id is guessed; the history of a
        deleted object shows only the events of the administrator's agency (404 if none)."""
        try:
            pk = self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404 from None
        obj = self.get_object(request, unquote(object_id))
        events = AuditEvent.objects.filter(object_type=self.model._meta.label_lower,
                                           object_id=str(pk))
        agency_id = admin_agency_id(request.user)
        parts: dict[tuple[str, str], str] = {}
        if obj is not None:
            if not self.has_view_or_change_permission(request, obj):
                raise PermissionDenied
            parts = self.inline_parts(request, obj)
            for object_type, ids in _grouped(parts).items():
                events = events | AuditEvent.objects.filter(object_type=object_type,
                                                            object_id__in=ids)
            if not request.user.is_superuser:
                # Events written while the superuser had it in another agency stay there.
                events = events.filter(Q(agency_id=agency_id) | Q(agency__isnull=True))
        else:
            if self.model._base_manager.filter(pk=pk).exists():
                raise PermissionDenied  # stored, but not in this administrator's scope
            if not self.has_view_or_change_permission(request):
                raise PermissionDenied
            if not request.user.is_superuser:
                events = events.filter(agency_id=agency_id)
            if not events.exists():
                raise Http404
        events = events.select_related("actor").order_by("-at", "-id")
        paginator = self.get_paginator(request, events, self.history_per_page)
        page = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        reader = ChangeReader(page.object_list)
        rows = [{"event": event, "actor": _actor_name(event.actor),
                 "part": parts.get((event.object_type, event.object_id), ""),
                 "what": _event_kind(event), "changes": reader.changes(event),
                 "reason": (event.data or {}).get("reason", "")
                 if isinstance(event.data, dict) else ""}
                for event in page.object_list]
        shown = obj if obj is not None else _("%(name)s #%(id)s (deleted)") % {
            "name": self.model._meta.verbose_name, "id": pk}
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change history: %s") % shown,
            "subtitle": None,
            "rows": rows,
            "page_obj": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "page_var": PAGE_VAR,
            "pagination_required": paginator.num_pages > 1,
            "module_name": str(capfirst(self.model._meta.verbose_name_plural)),
            "object": obj,
            "object_label": shown,
            "opts": self.model._meta,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)

    def inline_parts(self, request, obj) -> dict[tuple[str, str], str]:
        """{(object type, id): "Target tahunan: 2026"} of the rows edited in this object's
        inlines (an indicator's year targets, a calendar's hours), whose events belong on
        the object's history too. Rows deleted since are not found here; their events stay
        in the audit trail (core.AuditEvent in the admin)."""
        parts = {}
        for inline in self.get_inline_instances(request, obj):
            fk = inline.get_formset(request, obj).fk
            label = inline.model._meta.label_lower
            name = capfirst(inline.model._meta.verbose_name)
            for child in inline.model._base_manager.filter(**{fk.name: obj}):
                parts[(label, str(child.pk))] = f"{name}: {child}"
        return parts


def _grouped(parts: dict[tuple[str, str], str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for object_type, object_id in parts:
        grouped.setdefault(object_type, []).append(object_id)
    return grouped


def _actor_name(user) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


def _event_kind(event: AuditEvent) -> str:
    """What was done, in words: added, changed, deleted, or the action's own summary."""
    kind = event.action.rsplit(".", 1)[-1]
    words = {"created": _("Added"), "changed": _("Changed"), "deleted": _("Deleted")}
    if kind in words and (event.action.startswith("version.") or event.action.startswith(
            f"{event.object_type}.")):
        return words[kind]
    return event.summary


class ScopedHistoryAdmin(AgencyScopedAdmin):
    """An agency-scoped admin of master data whose changes are recorded and whose history
    page lists them (both from `AgencyScopedAdmin`). There is no "revert to this version":
    an old value is typed in again, and that is one more recorded change
    (docs/decisions.md)."""


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
