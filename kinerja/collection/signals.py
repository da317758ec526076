"""What the collection cycle tells other apps, so that they need not be called from it."""

from django.dispatch import Signal

# Sent when a step execution is completed (done or sent back), inside the step's
# transaction; `execution` is the StepExecution.
step_completed = Signal()

# Sent when the head cancels a round, inside that transaction, with `round_` and `at`. A
# receiver answers with the ids of what it marked cancelled (the audit event lists them).
round_cancelled = Signal()
