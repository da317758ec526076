"""The length limits of free texts (kinerja/core/text.py) for hand-written form fields:
`{% text_limit "explanation" %}` gives the number for a `maxlength` attribute or a hint."""

from django import template

from kinerja.core import text

register = template.Library()

LIMITS = {
    "explanation": text.EXPLANATION_MAX_LENGTH,
    "reason": text.REASON_MAX_LENGTH,
    "minutes": text.MINUTES_MAX_LENGTH,
    "value": text.VALUE_TEXT_MAX_LENGTH,
}


@register.simple_tag
def text_limit(kind: str) -> int:
    return LIMITS[kind]
