"""The log-in lock-out in words: "15 menit", "1 jam 30 menit", never axes' ISO 8601
"PT15M". The page (templates/accounts/locked_out.html) and the API's 429 answer say the same
sentence. In core because the answer to a locked-out API client is made by core's error
shape (`core/http_errors.py`), below the accounts app."""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def duration_in_words(duration: timedelta) -> str:
    """Hours and minutes, rounded up to the minute ("1 hour 30 minutes"). The strings are
    Django's own (`timesince`), translated in Django's catalogues ("1 jam 30 menit")."""
    minutes = max(1, math.ceil(duration.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(num)d hour", "%(num)d hours", hours) % {"num": hours})
    if minutes:
        parts.append(ngettext("%(num)d minute", "%(num)d minutes", minutes) % {"num": minutes})
    return " ".join(parts)


def lockout_message(cool_off: timedelta | None = None) -> str:
    """What a locked-out person is told, in their language."""
    cool_off = cool_off or settings.AXES_COOLOFF_TIME
    return _("Too many failed log-in attempts for this user name. Try again in "
             "%(cooloff_time)s, or ask the agency's administrator to unlock it.") % {
        "cooloff_time": duration_in_words(cool_off)}
