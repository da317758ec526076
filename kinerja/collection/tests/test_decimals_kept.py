"""A stored value keeps its decimals whatever the indicator's decimals became (issue 11): with
54,32 stored and the decimals lowered to 0 (an administrator's change with a reason,
kinerja/catalogue/guard.py), the entry field shows 54,32, not 54, and saving the page
unchanged keeps 54,32.

Bidang X's track at step 5 (`track`, kinerja/conftest.py); X1 has a 2026 target of 10."""

from decimal import Decimal

import pytest
from django.urls import reverse

from kinerja.catalogue.models import Indicator
from kinerja.collection import services
from kinerja.collection.models import IndicatorValue
from kinerja.core.numbers import input_text

from .test_entry_page import attrs_of, page_of, post_values, row_data

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def test_an_input_never_shows_fewer_decimals_than_the_value_has():
    assert input_text(Decimal("54.32"), decimals=0) == "54,32"
    assert input_text(Decimal("54.3200"), decimals=0) == "54,32"
    assert input_text(Decimal("1234.5"), decimals=0) == "1.234,5"
    assert input_text(Decimal("54.32"), decimals=1) == "54,32"
    assert input_text(Decimal("54"), decimals=2) == "54,00"


@pytest.fixture
def lowered(org, track, catalogue):
    """X1 holds 54,32; then its decimals were lowered to 0."""
    x1 = catalogue[0]
    services.values_save(user=org.staff_x.user, track=track, entries=[
        services.ValueEntry(indicator_id=x1.id, value_text="54,32", explanation="Penjelasan")])
    Indicator.objects.filter(pk=x1.pk).update(decimals=0)
    return IndicatorValue.objects.get(track=track, indicator=x1)


def test_the_entry_field_shows_the_stored_decimals(client, org, track, lowered):
    client.force_login(org.staff_x.user)
    page = page_of(client.get(reverse("collection:track_detail",
                                      args=[track.round_id, track.id])))
    assert attrs_of(page, f"value-{lowered.indicator_id}")["value"] == "54,32"


def test_a_page_saved_unchanged_keeps_the_stored_value(client, org, track, lowered):
    client.force_login(org.staff_x.user)
    page = page_of(client.get(reverse("collection:track_detail",
                                      args=[track.round_id, track.id])))
    shown = attrs_of(page, f"value-{lowered.indicator_id}")["value"]
    response = post_values(client, org.staff_x, track, row_data(
        lowered.indicator, shown, version=lowered.version, explanation=lowered.explanation))
    assert response.status_code == 302
    kept = IndicatorValue.objects.get(pk=lowered.pk)
    assert kept.value == Decimal("54.32")
    assert kept.version == lowered.version  # nothing changed, nothing saved


def test_a_new_value_still_keeps_to_the_lowered_decimals(client, org, track, lowered):
    response = post_values(client, org.staff_x, track, row_data(
        lowered.indicator, "54,5", version=lowered.version, explanation="Penjelasan"))
    assert response.status_code == 409
    assert IndicatorValue.objects.get(pk=lowered.pk).value == Decimal("54.32")
