"""The head's reminder in a round's history (collection/history.py, which may not import
notifications: docs/architecture.md, "The layer rule"). `NotificationsConfig.ready` calls
`register`."""

from django.utils.translation import gettext_lazy

from kinerja.collection import history

REMINDED = "notification.reminded"


def _reminded_built(event, data, lookups, values):
    recipients = data.get("recipients")
    values["count"] = len(recipients) if isinstance(recipients, list) else history.NOTHING
    return []


def register() -> None:
    history.register(
        REMINDED,
        gettext_lazy("%(person)s reminded the %(count)s people who hold the step"),
        _reminded_built,
    )
