"""Who holds a step of the round's own (the forwarding, which asks whether the disposition is
signed): answered for every person of the agency from what `Holders` loaded, not with a query
per person (the dashboard and the sweep ask it for every open step)."""

import pytest
from django.contrib.contenttypes.models import ContentType

from kinerja.collection.models import Disposition, StepExecution
from kinerja.notifications.holders import Holders

pytestmark = [pytest.mark.django_db, pytest.mark.built_once("opened_round")]


def test_the_forwarding_asks_for_the_signatures_once(org, opened_round,
                                                     django_assert_max_num_queries):
    execution = StepExecution.objects.select_related(
        "round__sop_version", "step__recorded_by", "step__actor").get(
        round=opened_round, status="open")
    assert execution.step.kind == "forwarding"
    disposition = Disposition.objects.get(round=opened_round)
    ContentType.objects.get_for_model(Disposition)  # cached for the process, as in a worker
    found = Holders.for_agency(org.agency)
    assert len(found.viewers) >= 10
    with django_assert_max_num_queries(2):
        assert found.of(execution, disposition) == [org.secretary]
