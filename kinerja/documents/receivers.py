"""A completed step files its documents once its transaction has committed: the document
shows the data exactly as the step left it, and a failed render never undoes the step."""

from functools import partial

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver

from kinerja.collection.models import Round, StepExecution
from kinerja.collection.signals import round_cancelled, step_completed


@receiver(step_completed, sender=StepExecution)
def issue_documents_when_step_completes(sender, execution, **kwargs):
    from .services import issue_after_commit

    if not settings.KINERJA_ISSUE_DOCUMENTS:
        return  # `manage.py issue_documents` files them later
    transaction.on_commit(partial(issue_after_commit, execution.pk))


@receiver(round_cancelled, sender=Round)
def cancel_documents_when_round_is_cancelled(sender, round_, at, **kwargs) -> list[int]:
    from .services import documents_cancel

    return documents_cancel(round_, at=at)
