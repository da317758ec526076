from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Reminders and escalation of open steps, in working time, and their delivery: in the app
    and by e-mail (docs/reminders.md)."""

    name = "kinerja.notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from . import history

        history.register()
