from django.utils.functional import SimpleLazyObject

from .services import unread_count


def unread(request):
    """`unread_notification_count` for the navigation's badge: one COUNT, only for a signed-in
    person, and only when a template shows it (lazy: the admin's pages, which render several
    templates with this context and no badge, ask nothing)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    viewer = getattr(request, "viewer", None)
    if viewer is None or not viewer.has_person:
        return {}
    person_id = viewer.person_id
    return {"unread_notification_count": SimpleLazyObject(lambda: unread_count(person_id))}
