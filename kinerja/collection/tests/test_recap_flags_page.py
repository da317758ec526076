"""The agency recap page marks a flagged (implausible) value on its row and counts the flags in
its header (docs/domain.md §10), without telling anyone of the values of units they may not
see yet."""

from django.urls import reverse

from kinerja.collection.models import IndicatorValue, PlausibilityFlag
from kinerja.conftest import hand_over_and_acknowledge


def flag(round_, indicator, rule=PlausibilityFlag.FAR_FROM_TARGET):
    IndicatorValue.objects.filter(track__round=round_, indicator=indicator).update(
        plausibility=rule)


def test_the_head_sees_each_flag_on_its_row_and_their_count(client, org, validated_round,
                                                             catalogue):
    _x1, x2, y1, _s1 = catalogue
    flag(validated_round, x2)
    flag(validated_round, y1, PlausibilityFlag.ABOVE_MAXIMUM)
    client.force_login(org.head.user)
    page = client.get(reverse("collection:agency_recap", args=[validated_round.id]))
    html = page.content.decode()
    assert 'id="implausible-count" data-count="2"' in html
    flagged = {row.indicator.code: row for _goal, objectives in page.context["groups"]
               for _objective, rows in objectives for row in rows if row.flag}
    assert set(flagged) == {"X2", "Y1"}
    for code, row in flagged.items():
        # The row carries the anchor the header links to, and the rule's label.
        assert f'href="#recap-{row.indicator.id}"' in html
        assert f'id="recap-{row.indicator.id}"' in html
        assert f'data-flag="{row.flag}"' in html, code
    assert html.count("data-flag=") == 2


def test_no_flag_no_count(client, org, validated_round):
    client.force_login(org.head.user)
    html = client.get(reverse("collection:agency_recap", args=[validated_round.id]))
    assert b'id="implausible"' not in html.content
    assert b"data-flag=" not in html.content


def test_a_flag_of_a_unit_not_shown_is_neither_marked_nor_counted(client, org, validated_round,
                                                                  catalogue):
    """The Kasubbid Data sees Bidang X (his own) and Bidang Y once handed over; the
    Sekretariat's flagged value, validated but not handed over, is not counted for him."""
    _x1, x2, _y1, s1 = catalogue
    hand_over_and_acknowledge(org, validated_round.tracks.get(unit=org.division_y))
    flag(validated_round, s1)
    url = reverse("collection:agency_recap", args=[validated_round.id])
    client.force_login(org.kasubbid_data.user)
    page = client.get(url)
    assert page.context["hidden_units"] == ["Sekretariat"]
    assert b"data-flag=" not in page.content
    assert b'id="implausible"' not in page.content
    # A flag on a row he does see is marked on it.
    flag(validated_round, x2)
    page = client.get(url)
    assert page.content.count(b"data-flag=") == 1
