"""Formatting only: numbers, durations, NIPs. No rules live here."""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kinerja.organisation.nip import format_nip

register = template.Library()


@register.filter
def number(value, decimals=None):
    """1234.5 -> "1.234,5" in Indonesian pages (grouping always on)."""
    if value is None or value == "":
        return ""
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


@register.filter
def nip(value):
    return format_nip(value) if value else ""


@register.filter
def minutes(value):
    """Working minutes as people say them: "480 menit (8 jam)", "2055 menit (34 jam 15 menit)"."""
    try:
        total = int(value)
    except (TypeError, ValueError):
        return ""
    text = ngettext("%(count)d minute", "%(count)d minutes", total) % {"count": total}
    if total >= 60:
        hours, rest = divmod(total, 60)
        spoken = ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
        if rest:
            spoken += " " + ngettext("%(count)d minute", "%(count)d minutes", rest) % {
                "count": rest}
        text += f" ({spoken})"
    return text


@register.filter
def minutes_left(value):
    """A negative time left, as people say it of a late step: "45 menit terlambat"."""
    try:
        total = int(value)
    except (TypeError, ValueError):
        return ""
    return _("%(time)s late") % {"time": minutes(abs(total))}


@register.filter
def achievement(result):
    """An AchievementResult as "112,50 %", or why it cannot be computed."""
    from kinerja.catalogue.achievement import format_achievement

    return format_achievement(result) if result is not None else ""


@register.filter
def get_item(mapping, key):
    """mapping[key]; JSON-stored mappings have string keys, so the key's text is tried too."""
    if not mapping:
        return None
    return mapping.get(key, mapping.get(str(key)))
