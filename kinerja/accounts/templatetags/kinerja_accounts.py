from django import template

from kinerja.core.lockout import lockout_message as message_for

register = template.Library()


@register.filter
def lockout_message(cool_off):
    """`{{ cooloff_timedelta|lockout_message }}`: the lock-out sentence with its duration in
    words (axes gives the template the cool-off as a timedelta)."""
    return message_for(cool_off)
