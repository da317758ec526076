from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "kinerja.documents"
    verbose_name = _("Documents")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kinerja.core.rendering import set_stationery_source

        from . import history, receivers  # noqa: F401
        from .models import agency_stationery

        # collection/history.py may not import documents: it learns the documents' events here.
        history.register()
        # Core prints the documents of every app (the SOP document among them) and may import
        # none: it reads an agency's paper and letterhead through this source.
        set_stationery_source(agency_stationery)
