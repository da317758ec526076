from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kinerja.dashboard.selectors import may_see_dashboard
from kinerja.organisation.admin_scope import is_agency_admin


def navigation(request):
    """The menu for the signed-in person: what their roles open, nothing else."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    viewer = request.viewer
    items = []
    dashboard = may_see_dashboard(viewer)
    if dashboard:
        items.append({"key": "dashboard", "label": _("Dashboard"),
                      "url": reverse("dashboard:dashboard")})
    if viewer.has_person:
        items += [
            {"key": "tasks", "label": _("My tasks"), "url": reverse("core:my_tasks")},
            {"key": "rounds", "label": _("Collection rounds"),
             "url": reverse("collection:round_list")},
            {"key": "sops", "label": _("SOPs"), "url": reverse("sops:sop_list")},
            {"key": "organisation",
             "label": _("Agency") if viewer.is_head else _("My unit"),
             "url": reverse("organisation:unit_list")},
        ]
    if user.is_superuser or is_agency_admin(user):
        items.append({"key": "admin", "label": _("Administration"),
                      "url": reverse("admin:index")})
    match = getattr(request, "resolver_match", None)
    active = {"core": "tasks", "sops": "sops", "organisation": "organisation",
              "collection": "rounds", "dashboard": "dashboard"}.get(
        match.app_name if match else "", "")
    # `may_see_dashboard`: the round page links to the round's dashboard for these people.
    return {"nav_items": items, "viewer": viewer, "active_nav": active,
            "may_see_dashboard": dashboard}
