"""Two people saving the same thing at the same moment: one wins, the other is refused.

The row lock (select_for_update) makes the second wait, then see the new version."""

import threading

import pytest
from django.db import connection

from kinerja.collection import services
from kinerja.collection.models import IndicatorValue
from kinerja.collection.services import ValueEntry
from kinerja.core.errors import DomainError

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The test database of SQLite is in memory with a shared cache, whose table locks fail at
    # once instead of waiting: real concurrency is tested where it is served, on PostgreSQL
    # (CI runs the suite on both).
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL's row locks; CI runs it there"),
]


def race(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = call()
        except DomainError as error:
            outcomes[index] = error
        except Exception as error:
            outcomes[index] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_the_same_value_saved_twice_at_once(org, entry_round, catalogue):
    track = entry_round.tracks.get(unit=org.division_x)
    x1 = catalogue[0]
    services.values_save(user=org.staff_x.user, track=track,
                         entries=[ValueEntry(indicator_id=x1.id, value_text="1")])

    def save(person, text):
        return lambda: services.values_save(user=person.user, track=track, entries=[
            ValueEntry(indicator_id=x1.id, value_text=text, expected_version=1)])

    outcomes = race(save(org.staff_x, "5"), save(org.staff_data, "7"))
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    saved = [o for o in outcomes if not isinstance(o, DomainError)]
    assert len(refused) == 1 and len(saved) == 1, outcomes
    value = IndicatorValue.objects.get(indicator=x1)
    assert value.version == 2
    assert value.value == saved[0][0].value


def test_the_same_step_done_twice_at_once(org, opened_round):
    def forward(text):
        return lambda: services.disposition_forward(user=org.secretary.user,
                                                    round_=opened_round, instruction=text,
                                                    expected_version=opened_round.version)

    outcomes = race(forward("A"), forward("B"))
    assert sum(isinstance(o, DomainError) for o in outcomes) == 1, outcomes
