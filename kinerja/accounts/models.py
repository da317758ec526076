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
