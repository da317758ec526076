"""What the collection cycle tells other apps, so that they need not be called from it."""

from django.dispatch import Signal

# Sent when a step execution is completed (done or sent back), inside the step's
# transaction; `execution` is the StepExecution.
step_completed = Signal()
