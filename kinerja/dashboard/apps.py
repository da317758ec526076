from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The head's dashboard: the current round unit by unit, time against the SOP's
    standards, achievement. Reads only; no models."""

    name = "kinerja.dashboard"
    verbose_name = _("Dashboard")
