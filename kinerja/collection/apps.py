from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionConfig(AppConfig):
    name = "kinerja.collection"
    verbose_name = _("Data collection")

    def ready(self) -> None:
        # The working calendar may not import collection: its changes come as signals.
        from . import receivers  # noqa: F401
