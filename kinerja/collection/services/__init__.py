"""One function per SOP action. Views, the API and the tests all call these.

Each one: takes the acting user, checks their position against the step's actor, checks the
state and the version the user saw, changes the rows under a lock in one transaction, records
the step execution and an audit event, and opens what follows.

Where each step lives:
  disposition.py  steps 1–2  the head's disposition, forwarding, initials
  format.py       steps 2–4  the data-request format, sending it, revising it
  meeting.py      step 4     the meeting
  data_entry.py   steps 5–6  values, evidence, the unit recap
  validation.py   step 7     approval or return by the unit head
  handover.py     step 8     hand-over, acknowledgement or return by the data subsection
  agency_recap.py step 9     finalising (and reopening) the round
  lifecycle.py    any step   cancelling the round (head only, before it is finalised)
"""

from .agency_recap import (  # noqa: F401
    may_finalise_without,
    may_reopen,
    missing_units,
    reopen_steps,
    round_finalise,
    round_reopen,
)
from .common import waiting_executions  # noqa: F401
from .data_entry import (  # noqa: F401
    InvalidValues,
    ValueEntry,
    data_entry_complete,
    evidence_add,
    may_view_evidence,
    unit_recap_submit,
    values_save,
)
from .disposition import (  # noqa: F401
    PeriodChoice,
    PeriodOffer,
    covered_years,
    disposition_create,
    disposition_delete,
    disposition_forward,
    disposition_initial,
    disposition_sign,
    disposition_update,
    period_label,
    period_offer,
)
from .format import (  # noqa: F401
    current_format,
    format_create,
    format_finalise,
    format_revise,
    format_send,
    format_set_indicators,
    indicators_for_round,
)
from .handover import handover_acknowledge, handover_return, handover_submit  # noqa: F401
from .lifecycle import may_cancel, round_cancel  # noqa: F401
from .meeting import default_invitees, meeting_record  # noqa: F401
from .validation import (  # noqa: F401
    changes_since_return,
    unit_recap_approve,
    unit_recap_return,
)
