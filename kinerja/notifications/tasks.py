"""The background work of notifications: e-mails of a manual reminder, queued so that the
head's click does not wait for the mail server (`manage.py db_worker` runs them; the next
sweep sends whatever no worker has sent)."""

from django_tasks import task


@task()
def deliver_notifications(notification_ids: list[int]) -> int:
    from .models import Notification
    from .services import deliver

    return deliver(Notification.objects.filter(id__in=notification_ids))
