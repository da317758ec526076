from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorktimeConfig(AppConfig):
    name = "kinerja.worktime"
    verbose_name = _("Working time")

    def ready(self) -> None:
        from . import signals

        # A change to a calendar is announced to the apps that count time through it.
        signals.connect()
