"""The filters every template loads (`{% load kinerja_format %}`). Formatting only: numbers,
durations, NIPs, achievement. No rules live here; the number and minute texts are
kinerja/core/formatting.py's, the NIP organisation's, the achievement the catalogue's."""

from django import template

from kinerja.catalogue.achievement import format_achievement
from kinerja.core import formatting
from kinerja.organisation.nip import format_nip

register = template.Library()

register.filter("number", formatting.number)
register.filter("minutes", formatting.minutes)
register.filter("minutes_left", formatting.minutes_left)


@register.filter
def nip(value):
    return format_nip(value) if value else ""


@register.filter
def achievement(result):
    """An AchievementResult as "112,50 %", or why it cannot be computed."""
    return format_achievement(result) if result is not None else ""


@register.filter
def get_item(mapping, key):
    """mapping[key]; JSON-stored mappings have string keys, so the key's text is tried too."""
    if not mapping:
        return None
    return mapping.get(key, mapping.get(str(key)))
