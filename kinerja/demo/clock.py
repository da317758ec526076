"""Django's clock, moved to a past moment while the demo builds its history.

Every time Kinerja writes comes from one function, `django.utils.timezone.now`: the services
call it (directly or through `timezone.localdate()`), and Django calls it for the auto_now and
auto_now_add fields (a round's opened_at, a signature's signed_at, a document's issued_at, a
meeting's recorded_at). `moved_to(moment)` makes that function return the moment for the code
running in the current context, so the real services write a step of a past round with the
step's own time: its execution, signatures, documents (whose printed dates are read from those
records) and audit events, and the working minutes are counted by the calendar between those
moments. No service knows about it; the figures are the services' own.

A field whose default is the function itself (`default=timezone.now`: AuditEvent.at,
User.date_joined) took the function before it could be moved. A receiver gives a row made
while the clock is moved the moment instead, when the row's value is later than the moment
(a value set from the moved clock never is).

Python's own clock (datetime.now) is not moved. pyHanko reads it for the signing time inside a
PDF's electronic signature, which therefore says when the demo really signed the file: the
demo's certificate is made on the day the demo is built, and a signature dated before it would
fall outside the certificate's validity.

Only the demo uses this (`kinerja/demo/rounds.py`), in a management command: the moment lives
in a context variable, so another thread (a live server in the browser tests) keeps the real
time even while the function is replaced.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.db.models import DateTimeField
from django.db.models.signals import pre_save
from django.utils import timezone

_REAL_NOW = timezone.now
_moment: ContextVar[datetime | None] = ContextVar("kinerja_demo_moment", default=None)
_lock = threading.Lock()
_users = 0


def now() -> datetime:
    """The moved moment in this context, the real time elsewhere."""
    moment = _moment.get()
    return moment if moment is not None else _REAL_NOW()


def real_now() -> datetime:
    return _REAL_NOW()


@contextmanager
def moved_to(moment: datetime) -> Iterator[datetime]:
    """Django's clock reads `moment` (aware, not in the future) until the block ends."""
    if timezone.is_naive(moment):
        raise ValueError("the demo's clock takes an aware moment")
    if moment > _REAL_NOW():
        raise ValueError(f"the demo's clock moves into the past only, not to {moment}")
    token = _moment.set(moment)
    _install()
    try:
        yield moment
    finally:
        _uninstall()
        _moment.reset(token)


def _install() -> None:
    global _users
    with _lock:
        if _users == 0:
            timezone.now = now
            pre_save.connect(_default_to_moment, dispatch_uid="kinerja.demo.clock")
        _users += 1


def _uninstall() -> None:
    global _users
    with _lock:
        _users -= 1
        if _users == 0:
            timezone.now = _REAL_NOW
            pre_save.disconnect(dispatch_uid="kinerja.demo.clock")


def _default_to_moment(sender, instance, raw=False, **kwargs) -> None:
    moment = _moment.get()
    if moment is None or raw or not instance._state.adding:
        return
    for field in sender._meta.concrete_fields:
        if isinstance(field, DateTimeField) and field.default is _REAL_NOW:
            value = getattr(instance, field.attname)
            if value is None or value > moment:
                setattr(instance, field.attname, moment)
