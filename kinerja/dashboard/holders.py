"""Who holds a waiting step, for the dashboard's "Held by" column: the people who have it in
"My tasks", as `kinerja.notifications.holders.Holders` answers (built once per page for the
agency: a fixed number of queries for any number of executions)."""

from __future__ import annotations

from collections.abc import Iterable

from kinerja.collection.models import Disposition, StepExecution
from kinerja.notifications.holders import Holders


def holders_of(
    executions: Iterable[StepExecution], *, agency_id: int, disposition: Disposition | None
) -> dict[int, list[str]]:
    """{execution id: the full names of the people who hold it now}, by name."""
    executions = list(executions)
    if not executions:
        return {}
    found = Holders.for_agency(agency_id)
    return {
        execution.id: [person.full_name for person in found.of(execution, disposition)]
        for execution in executions
    }
