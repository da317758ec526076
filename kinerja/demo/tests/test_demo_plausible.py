"""The demo's data passes the plausibility rules (docs/domain.md §10) unless a value's flag and
explanation say why, and its current round shows the previous period and last year."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from kinerja.collection import plausibility, recap
from kinerja.collection.models import Round, RoundStatus

pytestmark = pytest.mark.django_db


def test_every_demo_value_is_plausible_or_flagged_and_explained():
    with override_settings(DEMO_MODE=True, KINERJA_ISSUE_DOCUMENTS=False):
        call_command("demo_setup", stdout=StringIO())
    rounds = list(Round.objects.filter(agency__code="bappeda-banggai").order_by("id"))
    assert len(rounds) == 4
    checked = 0
    for round_ in rounds:
        result = recap.agency_recap(round_)
        factor = recap.settings_for(round_.agency_id).outlier_factor
        for row in result.rows:
            if row.value is None:
                continue
            checked += 1
            finding = plausibility.check_row(row, factor)
            where = f"{round_} {row.indicator.code} {row.value}"
            if finding is None:
                assert row.flag == "", where
            else:
                assert row.flag == finding.flag, f"{where}: {finding.message}"
                assert row.explanation.strip(), where
        assert result.implausible_count == sum(bool(row.flag) for row in result.rows)
    assert checked > 100
    # This quarter's round looks back to two finished rounds: every row shows both.
    (current,) = [round_ for round_ in rounds if round_.status == RoundStatus.OPEN]
    rows = recap.agency_recap(current).rows
    assert rows and all(row.previous is not None for row in rows)
    assert all(row.last_year is not None for row in rows)
