from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The pages around the apps: the home page with My tasks, the menu, the template filters
    every template loads, the audit trail's admin. It sits above the apps it shows, so that
    core, the layers' bottom, imports none of them (pyproject.toml, [tool.importlinter]). No
    models: the audit record `AuditEvent` stays in core, where every service writes it."""

    name = "kinerja.portal"
