from django.contrib.auth.models import Group, Permission

from .admin_scope import AGENCY_ADMIN_GROUP, AGENCY_ADMIN_PERMISSIONS
from .models import FunctionTag

ACTIONS = {"a": "add", "v": "view", "c": "change", "d": "delete"}


def ensure_agency_admin_group() -> Group:
    """Create the agency administrators' group with exactly the permissions it needs."""
    group, _ = Group.objects.get_or_create(name=AGENCY_ADMIN_GROUP)
    wanted = [
        (app_label, f"{ACTIONS[letter]}_{model}")
        for app_label, models in AGENCY_ADMIN_PERMISSIONS.items()
        for model, letters in models.items()
        for letter in letters
    ]
    permissions = [
        permission
        for permission in Permission.objects.filter(
            content_type__app_label__in=AGENCY_ADMIN_PERMISSIONS).select_related("content_type")
        if (permission.content_type.app_label, permission.codename) in wanted
    ]
    group.permissions.set(permissions)
    return group


# The functions SOP files name. Migration 0002 creates them too; this brings them back where
# a test flushed the database.
FUNCTION_TAGS = {"data": "Data dan informasi", "planning": "Perencanaan"}


def ensure_function_tags() -> dict[str, FunctionTag]:
    return {code: FunctionTag.objects.get_or_create(code=code, defaults={"name": name})[0]
            for code, name in FUNCTION_TAGS.items()}
