"""The demo command where no demo exists yet: refused outside demo mode, and built on a day
after the Renstra period (each test builds into its own empty database transaction)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from kinerja.organisation.models import Agency

pytestmark = [pytest.mark.django_db, pytest.mark.demo]


def test_no_demo_outside_demo_mode():
    with override_settings(DEMO_MODE=False):
        with pytest.raises(CommandError, match="only in demo mode"):
            call_command("demo_accounts", "--json", stdout=StringIO())
        with pytest.raises(CommandError, match="only in demo mode"):
            call_command("demo_setup", stdout=StringIO())
    assert not Agency.objects.exists()


def test_demo_still_builds_after_the_renstra_period_ends():
    import time_machine

    from kinerja.collection.models import Round

    # The documents' own dates are checked in test_demo_dates.py; here only the periods.
    with (time_machine.travel("2027-02-10 09:00 +0800", tick=False),
          override_settings(DEMO_MODE=True, KINERJA_ISSUE_DOCUMENTS=False)):
        call_command("demo_setup", stdout=StringIO())
    periods = set(Round.objects.values_list("year", "period"))
    # Last year's annual round; this quarter's, its previous quarter's and last year's.
    assert periods == {(2025, "Y"), (2026, "Q4"), (2026, "Q3"), (2025, "Q4")}


