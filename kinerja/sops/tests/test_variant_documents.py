"""The documents the SOP asks for follow the SOP's own steps: a variant files the documents of
the steps it has, one per execution (each validation level its own record), and none of the
steps it lacks. The specs are built without rendering (documents/tests render the seed's
whole set), and one short round is filed for real."""

from __future__ import annotations

from collections import Counter

import pytest

from kinerja.collection.models import ExecutionStatus, StepExecution
from kinerja.documents.cycle import specs_for_execution
from kinerja.documents.models import DocumentKind
from kinerja.documents.services import documents_issue_missing

from .round_runner import run_round
from .test_variant_sops import SHORT, TWO_LEVELS, load

pytestmark = pytest.mark.django_db


def specs_of(round_) -> list[tuple[int, str]]:
    executions = (StepExecution.objects.filter(
        round=round_, status__in=[ExecutionStatus.DONE, ExecutionStatus.RETURNED])
        .select_related("round__agency", "round__sop_version", "step", "track__unit",
                        "completed_by__person").order_by("id"))
    return [(execution.step.number, str(spec.kind)) for execution in executions
            for spec in specs_for_execution(execution)]


def test_the_short_procedure_files_no_meeting_unit_recap_or_receipt(org, catalogue):
    round_, _done = run_round(org, load(org, SHORT), catalogue)
    filed = Counter(str(document.kind) for document in documents_issue_missing(round_))
    assert filed == Counter(kind for _number, kind in specs_of(round_))
    assert filed[DocumentKind.DISPOSITION.value] == 2  # signed; forwarded
    assert filed[DocumentKind.FILLED_FORMAT.value] == 3 + 1  # Bidang X filled it twice
    assert filed[DocumentKind.VALIDATION_RECORD.value] == 3 + 1  # its return on record too
    assert filed[DocumentKind.AGENCY_RECAP.value] == 1
    for kind in (DocumentKind.MEETING_INVITATION, DocumentKind.MEETING_MINUTES,
                 DocumentKind.UNIT_RECAP, DocumentKind.HANDOVER_RECEIPT):
        assert filed[kind.value] == 0, kind


def test_two_validation_levels_file_a_record_each(org, catalogue):
    round_, _done = run_round(org, load(org, TWO_LEVELS), catalogue)
    records = Counter(number for number, kind in specs_of(round_)
                      if kind == DocumentKind.VALIDATION_RECORD.value)
    # Step 7 (Kabid): 3 units, Bidang X returned once, Bidang Y validated again after the
    # Sekretaris's return and after the hand-over's; step 8 (Sekretaris): 3 units, Bidang Y
    # returned once and verified again after the hand-over's return.
    assert records == {7: 3 + 1 + 2, 8: 3 + 2}
