"""A completed step files its documents through the task worker: the job is queued with the
step (`tasks.issue_documents_later`, in the step's transaction), so the document shows the
data exactly as the step left it, a failed render never undoes the step, and the request
that completed the step does not wait for the rendering."""

from django.conf import settings
from django.dispatch import receiver

from kinerja.collection.models import Round, StepExecution
from kinerja.collection.signals import round_cancelled, step_completed


@receiver(step_completed, sender=StepExecution)
def issue_documents_when_step_completes(sender, execution, **kwargs):
    from .tasks import issue_documents_later

    if not settings.KINERJA_ISSUE_DOCUMENTS:
        return  # `manage.py issue_documents` files them later
    issue_documents_later(execution.pk)


@receiver(round_cancelled, sender=Round)
def cancel_documents_when_round_is_cancelled(sender, round_, at, **kwargs) -> list[int]:
    from .services import documents_cancel

    return documents_cancel(round_, at=at)
