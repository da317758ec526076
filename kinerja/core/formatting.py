"""Formatting only: numbers and working minutes as people read them. No rules live here, and
no app is imported, so that any layer may write these texts (the SOP's flowchart does); the
template filters that need an app's rules (NIP, achievement) are kinerja/portal's."""

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def number(value, decimals=None):
    """1234.5 -> "1.234,5" in Indonesian pages (grouping always on)."""
    if value is None or value == "":
        return ""
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


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


def minutes_left(value):
    """A negative time left, as people say it of a late step: "45 menit terlambat"."""
    try:
        total = int(value)
    except (TypeError, ValueError):
        return ""
    return _("%(time)s late") % {"time": minutes(abs(total))}
