"""The dashboard's filters: a working time as hours and minutes, a share as "87,50 %"."""

from django import template
from django.utils.translation import ngettext

from kinerja.catalogue.achievement import format_percent

register = template.Library()


@register.filter
def hours_minutes(value):
    """Working minutes as "3 jam 15 menit" (the sign dropped: the page says late or left)."""
    try:
        total = abs(int(value))
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(total, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours})
    if rest or not hours:
        parts.append(ngettext("%(count)d minute", "%(count)d minutes", rest) % {"count": rest})
    return " ".join(parts)


@register.filter
def percent(value, decimals=2):
    """A percentage the way achievement is shown ("87,50 %", rounded half up); "—" for None."""
    if value is None or value == "":
        return "—"
    return format_percent(value, decimals=int(decimals))
