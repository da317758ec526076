"""What changed since the unit head returned the data (step 7): the value, the explanation, and
the evidence files added or removed, per indicator. The reviewer's page lists the changes and
marks the changed rows of the unit's table (a class, a visible badge, words for a screen
reader); the rows that did not change are not marked."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from kinerja.collection import services
from kinerja.collection.models import Evidence, IndicatorValue, ReturnRecord
from kinerja.collection.services import ValueEntry
from kinerja.collection.services.validation import ChangeSinceReturn
from kinerja.collection.tests.test_entry_page import page_of, text_of

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 bukti dukung"


def save(org, track, indicator, value, explanation):
    stored = IndicatorValue.objects.filter(track=track, indicator=indicator).first()
    services.values_save(user=org.staff_x.user, track=track, entries=[ValueEntry(
        indicator_id=indicator.id, value_text=value, explanation=explanation,
        expected_version=stored.version if stored else 0)])


def attach(org, track, indicator, name):
    value = IndicatorValue.objects.get(track=track, indicator=indicator)
    return services.evidence_add(user=org.staff_x.user, value=value, name=name,
                                 content=PDF + name.encode())


def submit(org, track):
    track.refresh_from_db()
    services.data_entry_complete(user=org.staff_x.user, track=track,
                                 expected_version=track.version)
    track.refresh_from_db()
    services.unit_recap_submit(user=org.staff_x.user, track=track,
                               expected_version=track.version)
    track.refresh_from_db()
    return track


@pytest.fixture
def returned(org, entry_round, catalogue):
    """Bidang X submitted X1 = 10 with one evidence file and X2 = 10, and its head returned
    it: the staff are entering data again."""
    x1, x2 = catalogue[0], catalogue[1]
    track = entry_round.tracks.get(unit=org.division_x)
    save(org, track, x1, "10", "Sesuai target")
    save(org, track, x2, "10", "Sesuai target")
    attach(org, track, x1, "laporan.pdf")
    track = submit(org, track)
    services.unit_recap_return(user=org.kabid_x.user, track=track, reason="Periksa lagi.",
                               comments={}, expected_version=track.version)
    track.refresh_from_db()
    return track


def change(org, track, catalogue, kind):
    """Make one kind of change to X1."""
    x1 = catalogue[0]
    if kind == "value":
        save(org, track, x1, "12", "Sesuai target")
    elif kind == "explanation":
        save(org, track, x1, "10", "Dikoreksi sesuai laporan")
    elif kind == "evidence added":
        attach(org, track, x1, "lampiran.pdf")
    elif kind == "evidence removed":
        Evidence.objects.filter(value__track=track, original_name="laporan.pdf").delete()


def rows_marked(client, org, track) -> dict[int, str]:
    """{indicator id: the badge's text} of the rows marked as changed on the head's page."""
    client.force_login(org.kabid_x.user)
    response = client.get(reverse("collection:track_detail", args=[track.round_id, track.id]))
    assert response.status_code == 200
    page = page_of(response)
    marked = {}
    for element_id, element in page.by_id.items():
        if not element_id.startswith("row-"):
            continue
        indicator_id = int(element_id.removeprefix("row-"))
        classes = element["attrs"].get("class", "").split()
        badge = page.by_id.get(f"changed-{indicator_id}")
        assert ("row-changed" in classes) == (badge is not None), element_id
        if badge is not None:
            marked[indicator_id] = text_of(page, f"changed-{indicator_id}")
            assert f"change-{indicator_id}" in page.by_id  # the badge links to the list
    return marked


KINDS = ["value", "explanation", "evidence added", "evidence removed"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_change_is_listed_and_only_its_row_is_marked(client, org, returned,
                                                                  catalogue, kind):
    x1, x2 = catalogue[0], catalogue[1]
    change(org, returned, catalogue, kind)
    track = submit(org, returned)
    [found] = services.changes_since_return(track)
    assert isinstance(found, ChangeSinceReturn) and found.indicator_id == x1.id
    assert found.value_changed == (kind == "value")
    assert found.explanation_changed == (kind == "explanation")
    assert [file["name"] for file in found.evidence_added] == (
        ["lampiran.pdf"] if kind == "evidence added" else [])
    assert [file["name"] for file in found.evidence_removed] == (
        ["laporan.pdf"] if kind == "evidence removed" else [])
    with translation.override("id"):  # the page's language
        [words] = found.what
    marked = rows_marked(client, org, track)
    assert list(marked) == [x1.id] and x2.id not in marked
    assert words in marked[x1.id]  # what a screen reader reads with the badge


def test_several_changes_mark_their_rows_and_the_list_shows_them(client, org, returned,
                                                                 catalogue):
    x1, x2 = catalogue[0], catalogue[1]
    save(org, returned, x1, "12.5", "Dikoreksi")
    Evidence.objects.filter(value__track=returned).delete()
    save(org, returned, x2, "10", "Sesuai target")  # saved again, unchanged
    added = attach(org, returned, x2, "foto.pdf")
    track = submit(org, returned)
    changes = {found.indicator_id: found for found in services.changes_since_return(track)}
    assert set(changes) == {x1.id, x2.id}
    assert (changes[x1.id].before_value, changes[x1.id].after_value) == (Decimal("10"),
                                                                          Decimal("12.5"))
    assert changes[x1.id].value_changed and changes[x1.id].explanation_changed
    assert [file["name"] for file in changes[x1.id].evidence_removed] == ["laporan.pdf"]
    assert not changes[x2.id].value_changed and not changes[x2.id].explanation_changed
    assert changes[x2.id].evidence_added == ({"id": added.id, "name": "foto.pdf",
                                              "sha256": added.sha256},)
    assert set(rows_marked(client, org, track)) == {x1.id, x2.id}
    client.force_login(org.kabid_x.user)
    page = page_of(client.get(reverse("collection:track_detail",
                                      args=[track.round_id, track.id])))
    row = text_of(page, f"change-{x1.id}")
    # Numbers as the indicator shows them (two decimals), never as stored ("10.0000").
    assert "10,00" in row and "12,50" in row and "10.0000" not in row
    assert "laporan.pdf" in row
    assert "foto.pdf" in text_of(page, f"change-{x2.id}")


def test_nothing_changed_marks_no_row(client, org, returned, catalogue):
    track = submit(org, returned)
    assert services.changes_since_return(track) == []
    assert rows_marked(client, org, track) == {}


def test_the_return_keeps_the_evidence_as_it_stood(org, returned, catalogue):
    record = ReturnRecord.objects.get(track=returned)
    file = Evidence.objects.get(value__track=returned)
    assert record.snapshot[str(catalogue[0].id)]["evidence"] == [
        {"id": file.id, "name": "laporan.pdf", "sha256": file.sha256}]
    assert record.snapshot[str(catalogue[1].id)]["evidence"] == []


def test_a_return_kept_before_evidence_was_kept_still_shows_value_changes(org, returned,
                                                                          catalogue):
    """Snapshots written before this change have no evidence: no evidence change is claimed
    from them, and values and explanations are still compared."""
    record = ReturnRecord.objects.get(track=returned)
    record.snapshot = {key: {"value": entry["value"], "explanation": entry["explanation"]}
                       for key, entry in record.snapshot.items()}
    record.save(update_fields=["snapshot"])
    x1 = catalogue[0]
    save(org, returned, x1, "11", "Sesuai target")
    attach(org, returned, x1, "lampiran.pdf")
    track = submit(org, returned)
    [found] = services.changes_since_return(track)
    assert found.indicator_id == x1.id and found.value_changed
    assert found.evidence_added == () and found.evidence_removed == ()
