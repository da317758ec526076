from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A log-in. What the person may do comes from `organisation.Person` and their positions."""

    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, blank=True,
        help_text=_("Language of the pages; empty means the installation's default."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class ApiToken(models.Model):
    """A personal token for the JSON API. Only the SHA-256 hash of the secret is stored; the
    secret is shown once, when the token is made. The first characters (`prefix`) let the
    owner tell their tokens apart."""

    PREFIX_LENGTH = 8

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100,
                            help_text=_("What the token is for, e.g. the script that uses it."))
    prefix = models.CharField(_("key prefix"), max_length=PREFIX_LENGTH)
    key_hash = models.CharField(_("key hash (SHA-256)"), max_length=64, unique=True,
                                editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name}"
