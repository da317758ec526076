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
    """The round's filed documents stay in the record, marked cancelled."""
    from .models import Document

    documents = Document.objects.filter(round=round_, cancelled_at__isnull=True)
    ids = list(documents.values_list("id", flat=True))
    documents.update(cancelled_at=at)
    return ids
