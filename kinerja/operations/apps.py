from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running an installation: backup and restore. No models, no pages."""

    name = "kinerja.operations"
