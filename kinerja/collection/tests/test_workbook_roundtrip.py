"""Property: for any explanation the service stores, the unit's workbook downloaded and uploaded
back unchanged changes nothing (no new version, no audit event, the same text). Texts that
start with "=", "+", "-" or "@", hold line breaks, tabs, emoji or Excel's own escapes
("_x000D_") included."""

import pytest
from hypothesis import HealthCheck, example, given, reject, settings
from hypothesis import strategies as st

from kinerja.collection import excel, services
from kinerja.collection.models import IndicatorValue
from kinerja.core.errors import DomainError
from kinerja.core.models import AuditEvent

pytestmark = pytest.mark.django_db

# Any text but surrogates (not valid text at all: nothing can store or send them).
EXPLANATIONS = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=60)


@pytest.fixture
def track(track_ready_to_upload):
    return track_ready_to_upload


def stored(track, indicator) -> tuple:
    value = IndicatorValue.objects.get(track=track, indicator=indicator)
    return value.value, value.explanation, value.version


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(explanation=EXPLANATIONS)
@example(explanation='=HYPERLINK("http://x";"klik")')
@example(explanation="+62 812 / -5 / @SUM(A1)")
@example(explanation="baris satu\nbaris dua\r\n\tdengan tab")
@example(explanation="_x000D_ and _x005F_ and x005F_")
@example(explanation="#N/A")
@example(explanation="1.234,5")
def test_download_then_upload_unchanged_changes_nothing(org, track, catalogue, explanation):
    """One round for every example: each saves its text over the previous one, then checks
    that its own workbook, uploaded back, changes nothing."""
    x1 = catalogue[0]
    current = IndicatorValue.objects.filter(track=track, indicator=x1).first()
    try:
        services.values_save(user=org.staff_x.user, track=track, entries=[
            services.ValueEntry(indicator_id=x1.id, value_text="5", explanation=explanation,
                                expected_version=current.version if current else 0)])
    except DomainError:
        reject()  # a text the service refuses is not stored: nothing to download
    before = stored(track, x1), AuditEvent.objects.count()

    content = excel.format_workbook(track)
    assert excel.values_upload(user=org.staff_x.user, track=track, content=content) == []
    assert (stored(track, x1), AuditEvent.objects.count()) == before
