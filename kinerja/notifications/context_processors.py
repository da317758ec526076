from .services import unread_count


def unread(request):
    """`unread_notification_count` for the navigation's badge: one COUNT, and only for a
    signed-in person (nothing for anonymous visitors or log-ins without a person)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    viewer = getattr(request, "viewer", None)
    if viewer is None or not viewer.has_person:
        return {}
    return {"unread_notification_count": unread_count(viewer.person_id)}
