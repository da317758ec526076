from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OrganisationConfig(AppConfig):
    name = "kinerja.organisation"
    verbose_name = _("Organisation")

    def ready(self):
        # Permissions exist only after migrate has run, so the group is kept up to date then.
        post_migrate.connect(_ensure_agency_admin_group, sender=self)


def _ensure_agency_admin_group(**kwargs):
    from .setup import ensure_agency_admin_group

    ensure_agency_admin_group()
