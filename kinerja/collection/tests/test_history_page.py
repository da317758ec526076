"""The round's history page is written for officials (issue 11, item 5): each event a sentence
in the user's language, numbers in the indicator's format, no event code and no field key;
filters by unit, step and person; paging; a workbook of the filtered record; and a bounded
number of queries whatever the number of events."""

import ast
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from kinerja.collection import history, services
from kinerja.collection.services import ValueEntry
from kinerja.conftest import fresh, submitted
from kinerja.core.models import AuditEvent
from kinerja.organisation.visibility import Viewer
from kinerja.sops.models import StepKind

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]

# An event code ("value.saved", "unit_recap.returned") or a dotted field key.
CODE = re.compile(r"\b[a-z_]+\.[a-z_]+\b")
FIELD_KEYS = ("change_reason", "explanation", "acting_as", "plausibility", "prefilled",
              "sha256", "forwarded_to")


class _TableText(HTMLParser):
    """The visible text of the history table (attributes are not text)."""

    def __init__(self):
        super().__init__()
        self.depth, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("id", "history") in attrs:
            self.depth = 1
        elif self.depth and tag == "table":
            self.depth += 1

    def handle_endtag(self, tag):
        if self.depth and tag == "table":
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def table_text(html: str) -> str:
    parser = _TableText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def page(client, who, round_, **params):
    client.force_login(who.user)
    response = client.get(reverse("collection:round_history", args=[round_.id]), params)
    assert response.status_code == 200
    return response


def actions(response) -> list[str]:
    return [entry.action for entry in response.context["events"]]


@pytest.fixture
def values_round(org, entry_round, catalogue):
    """Bidang X fills X1 (no decimals) with 4 then 5, and X2 (2 decimals) with 4; Bidang Y
    submits Y1 = 7."""
    x1, x2, y1, _s1 = catalogue
    x1.decimals = 0
    x1.save()
    track = entry_round.tracks.get(unit=org.division_x)
    services.values_save(user=org.staff_x.user, track=track, entries=[
        ValueEntry(indicator_id=x1.id, value_text="4"),
        ValueEntry(indicator_id=x2.id, value_text="4", explanation="Sesuai laporan")])
    services.values_save(user=org.staff_x.user, track=track, entries=[
        ValueEntry(indicator_id=x1.id, value_text="5", expected_version=1)])
    submitted(entry_round, org.division_y, org.staff_y, {y1: "7"})
    return fresh(entry_round)


# -- sentences ----------------------------------------------------------------------------

def test_events_read_as_sentences_with_numbers_in_the_indicators_format(client, org,
                                                                        values_round):
    text = table_text(page(client, org.staff_x, values_round).content.decode())
    assert CODE.findall(text) == []
    for key in FIELD_KEYS:
        assert key not in text
    assert "4 → 5" in text  # X1 has no decimals
    assert "→ 4,00" in text  # X2 has two
    # Not the stored scale nor a decimal point (a time such as "14.00" is not a value).
    assert re.search(r"(?<![\d.])4\.00", text) is None
    assert "Sesuai laporan" in text  # the explanation, under its field's name
    assert org.staff_x.full_name in text and org.kasubbid_data.full_name in text


def test_the_page_is_in_indonesian(client, org, values_round):
    """The Indonesian sentences (locale/id: the msgids of kinerja/collection/history.py)."""
    with translation.override("id"):
        text = table_text(page(client, org.head, values_round).content.decode())
    assert "meneruskan disposisi" in text
    assert "menandatangani disposisi" in text
    assert "menyampaikan rekapitulasi" in text
    assert CODE.findall(text) == []


def test_the_sentence_of_a_forward_names_the_disposition_and_the_receiver(org, values_round):
    entries = history.round_history(viewer=Viewer.for_user(org.head.user),
                                    round_=values_round).entries
    forwarded = next(e for e in entries if e.action == "disposition.forwarded")
    disposition = values_round.disposition
    assert org.secretary.full_name in forwarded.sentence
    assert disposition.agenda in forwarded.sentence
    assert disposition.forwarded_to in forwarded.sentence
    assert forwarded.step_number == 2 and forwarded.step_name


def test_a_return_shows_its_reason_and_the_comments_by_indicator(org, values_round,
                                                                 catalogue):
    track = values_round.tracks.get(unit=org.division_y)
    services.unit_recap_return(user=org.kabid_y.user, track=track, reason="Angka =1+1 salah",
                               comments={catalogue[2].id: "Periksa lagi"},
                               expected_version=track.version)
    entries = history.round_history(viewer=Viewer.for_user(org.kabid_y.user),
                                    round_=values_round).entries
    returned = next(e for e in entries if e.action == "unit_recap.returned")
    details = " ".join(f"{label}: {text}" for label, text in returned.details)
    assert "Angka =1+1 salah" in details
    assert "Y1" in details and "Periksa lagi" in details
    assert "Bidang Y" in returned.sentence


def test_every_action_code_of_the_code_base_has_a_sentence():
    """Walk the code for every action written (`audit("…"`, `action="…"`) and require a
    sentence in the registry; an edit recorded by core.audit.record_change
    ("<app>.<model>.created|changed|deleted") and the old imported versions
    ("version.*") have their generic sentences."""
    root = Path(settings.BASE_DIR) / "kinerja"
    written = re.compile(r"""(?:\baudit\(\s*|\baction=)["']([a-z_]+\.[a-z_.]+)["']""")
    codes = set()
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        codes |= set(written.findall(path.read_text(encoding="utf-8")))
    assert {"value.saved", "disposition.forwarded", "document.issued",
            "document.hardcopy_recorded", "round.finalised"} <= codes
    missing = sorted(code for code in codes if not history.has_sentence(code))
    assert missing == [], f"add a sentence to history.SENTENCES for {missing}"
    for code in ("version.created", "version.changed", "version.deleted",
                 "catalogue.indicator.changed", "catalogue.indicatoryeartarget.deleted"):
        assert history.has_sentence(code), code


def test_the_history_imports_nothing_from_the_apps_above_collection():
    """docs/architecture.md, "The layer rule": not at load time, not inside a function, not
    by a model's label; the documents app registers its events instead."""
    tree = ast.parse(Path(history.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            package = history.__name__.rsplit(".", node.level)[0] if node.level else ""
            module = ".".join(part for part in (package, node.module) if part)
            imported |= {module} | {f"{module}.{alias.name}" for alias in node.names}
    above = ("kinerja.documents", "kinerja.api", "kinerja.demo", "kinerja.operations")
    assert "kinerja.core.models" in imported and "kinerja.collection.models" in imported
    assert sorted(name for name in imported if name.startswith(above)) == []
    labels = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
              and isinstance(node.value, str) and node.value.startswith("documents.")]
    assert labels == []


@pytest.fixture
def registry(monkeypatch):
    """The registry of sentences as it is, given back after the test."""
    for name in ("SENTENCES", "BUILDERS", "STEP_OF_ACTION", "LOADERS", "OBJECT_STEPS"):
        monkeypatch.setattr(history, name, dict(getattr(history, name)))


def test_an_action_registered_by_another_app_reads_as_its_sentence(org, values_round,
                                                                   registry):
    loaded = []

    def archives(ids):
        loaded.append(ids)
        return {pk: f"Arsip {pk:03d}" for pk in ids}

    def built(event, data, lookups, values):
        values["archive"] = lookups.object_of(event)
        return [("Peminjam", data.get("borrower"))]

    history.register("archive.lent", "%(person)s meminjamkan %(archive)s", built,
                     StepKind.DATA_ENTRY, loader=archives)
    AuditEvent.objects.bulk_create([
        AuditEvent(agency=org.agency, actor=org.head.user, action="archive.lent",
                   object_type="archive.folder", object_id=str(pk), summary="dipinjam",
                   data={"borrower": "Bidang Y"}, round=values_round) for pk in (7, 8, 9)])
    entries = history.round_history(viewer=Viewer.for_user(org.head.user),
                                    round_=values_round).entries
    lent = [e for e in entries if e.action == "archive.lent"]
    head = org.head.full_name
    assert [e.sentence for e in lent] == [f"{head} meminjamkan Arsip {pk:03d}"
                                          for pk in (7, 8, 9)]
    assert [e.details for e in lent] == [(("Peminjam", "Bidang Y"),)] * 3
    # Written without a step: under the data-entry step, as the values are.
    saved = next(e for e in entries if e.action == "value.saved")
    assert [e.step_number for e in lent] == [saved.step_number] * 3
    assert loaded == [{7, 8, 9}]  # the page's objects, in one call
    assert history.has_sentence("archive.lent")
    with pytest.raises(ValueError):
        history.register("value.saved", "%(person)s mengisi sesuatu")


def test_an_unknown_action_never_shows_its_code(org, values_round):
    track = values_round.tracks.get(unit=org.division_x)
    AuditEvent.objects.create(agency=org.agency, actor=org.staff_x.user,
                              action="something.new_kind", object_type="collection.track",
                              object_id=str(track.id), summary="internal words",
                              data={"some_key": "x"}, round=values_round, track=track,
                              stage=track.stage)
    entries = history.round_history(viewer=Viewer.for_user(org.staff_x.user),
                                    round_=values_round).entries
    unknown = next(e for e in entries if e.action == "something.new_kind")
    assert "something" not in unknown.sentence and "new_kind" not in unknown.sentence
    assert "some_key" not in str(unknown.details)
    assert org.staff_x.full_name in unknown.sentence


def test_a_model_change_shows_fields_by_their_names(org, values_round, catalogue):
    from kinerja.core.audit import record_change

    indicator = catalogue[0]
    event = record_change(indicator, actor=org.head.user, agency=org.agency,
                          before={"decimals": 2, "polarity": "positive"},
                          after={"decimals": 0, "polarity": "negative"}, reason="Revisi")
    event.round = values_round
    event.save()
    entries = history.round_history(viewer=Viewer.for_user(org.head.user),
                                    round_=values_round).entries
    changed = next(e for e in entries if e.id == event.id)
    labels = [label for label, _text in changed.details]
    assert "decimals" not in labels and "polarity" not in labels
    assert any("Revisi" in text for _label, text in changed.details)


def test_documents_and_their_hardcopy_are_told_under_their_step(client, org, values_round):
    """A document issued at step 1 and the paper filed for it (an event without a step
    number) are both under step 1, and the filter by step finds them."""
    from django.core.files.base import ContentFile

    from kinerja.core.audit import record_event
    from kinerja.documents.models import Document, DocumentKind
    from kinerja.documents.services import hardcopy_record

    execution = values_round.executions.get(step__number=1)
    document = Document.objects.create(
        agency=values_round.agency, round=values_round, execution=execution,
        kind=DocumentKind.DISPOSITION, title="Lembar Disposisi 001", size=13,
        sha256="0" * 64, file=ContentFile(b"%PDF-1.4 test", name="d.pdf"))
    record_event(action="document.issued", obj=document, actor=org.head.user,
                 agency=values_round.agency, summary="Lembar Disposisi 001 (000)",
                 round_=values_round, step=1, data={"sha256": "0" * 64, "kind": "disposition"})
    hardcopy_record(user=org.head.user, document=document, filed_on=timezone.localdate(),
                    location="Lemari arsip 2")
    response = page(client, org.head, values_round, step=1)
    found = {e.action: e for e in response.context["events"]}
    assert set(found) == {"round.opened", "document.issued", "document.hardcopy_recorded"}
    assert "Lembar Disposisi 001" in found["document.issued"].sentence
    assert found["document.hardcopy_recorded"].step_number == 1
    assert "Lemari arsip 2" in dict(found["document.hardcopy_recorded"].details).values()
    assert CODE.findall(table_text(response.content.decode())) == []


# -- visibility ---------------------------------------------------------------------------

def test_another_unit_does_not_see_a_draft_value_nor_its_unit_in_the_filter(client, org,
                                                                            values_round):
    response = page(client, org.staff_y, values_round)
    assert "value.saved" in actions(response)  # its own Y1
    text = table_text(response.content.decode())
    assert "Sesuai laporan" not in text and "Indikator X1" not in text
    units = [unit_id for unit_id, _name in response.context["history"].units]
    assert org.division_x.id not in units and org.division_y.id in units
    # Asking for Bidang X's events by the filter is no filter, and shows none of them.
    response = page(client, org.staff_y, values_round, unit=org.division_x.id)
    assert response.context["history"].unit_id is None
    assert [e for e in response.context["events"] if e.unit == "Bidang X"] == []


def test_another_agency_gets_404(client, org, values_round):
    client.force_login(org.outsider.user)
    for name in ("collection:round_history", "collection:round_history_download"):
        assert client.get(reverse(name, args=[values_round.id])).status_code == 404


# -- filters and paging -------------------------------------------------------------------

def test_filters_by_unit_step_and_person(client, org, values_round):
    head = page(client, org.head, values_round)
    everything = actions(head)
    # The head sees Bidang Y's submitted recap, not Bidang X's draft.
    by_unit = page(client, org.head, values_round, unit=org.division_y.id)
    assert set(actions(by_unit)) >= {"value.saved", "data_entry.completed",
                                     "unit_recap.submitted"}
    assert all(e.unit == "Bidang Y" for e in by_unit.context["events"])
    by_step = page(client, org.head, values_round, step=2)
    assert set(actions(by_step)) >= {"disposition.forwarded", "disposition.initialled",
                                     "format.created"}
    assert all(e.step_number == 2 for e in by_step.context["events"])
    by_person = page(client, org.head, values_round, person=org.secretary.id)
    assert "disposition.forwarded" in actions(by_person)
    assert {e.person for e in by_person.context["events"]} == {org.secretary.full_name}
    steps = [number for number, _name in head.context["history"].steps]
    assert 1 in steps and 2 in steps
    people = [person_id for person_id, _name in head.context["history"].people]
    assert org.secretary.id in people and org.staff_x.id not in people
    assert len(everything) > len(actions(by_unit))
    # Nonsense in the query string is no filter, never an error.
    assert actions(page(client, org.head, values_round, unit="x", step="",
                        person="9" * 30)) == everything


def many_value_events(round_, track, count):
    """`count` more copies of the round's last saved value of the track (as an import or a
    long data entry would leave them)."""
    model = AuditEvent.objects.filter(round=round_, track=track,
                                      action="value.saved").latest("at", "id")
    AuditEvent.objects.bulk_create([
        AuditEvent(agency_id=model.agency_id, actor_id=model.actor_id, action=model.action,
                   object_type=model.object_type, object_id=model.object_id,
                   summary=model.summary, data=model.data, round_id=model.round_id,
                   track_id=model.track_id, stage=model.stage, step=model.step)
        for _ in range(count)])


def test_paging_keeps_the_filters(client, org, values_round):
    track = values_round.tracks.get(unit=org.division_x)
    many_value_events(values_round, track, 60)
    response = page(client, org.staff_x, values_round, unit=org.division_x.id)
    assert len(response.context["events"]) == history.PER_PAGE
    html = response.content.decode()
    assert f"unit={org.division_x.id}&amp;page=2" in html
    second = page(client, org.staff_x, values_round, unit=org.division_x.id, page=2)
    first_ids = {e.id for e in response.context["events"]}
    assert first_ids.isdisjoint({e.id for e in second.context["events"]})
    total = response.context["history"].page.paginator.count
    assert total == len(first_ids) + len(second.context["events"])


# -- the workbook -------------------------------------------------------------------------

def test_the_workbook_has_every_filtered_row_as_text(client, org, values_round, catalogue):
    track = values_round.tracks.get(unit=org.division_y)
    services.unit_recap_return(user=org.kabid_y.user, track=track, reason="=1+1",
                               comments={}, expected_version=track.version)
    many_value_events(values_round, values_round.tracks.get(unit=org.division_x), 60)
    client.force_login(org.staff_x.user)
    url = reverse("collection:round_history_download", args=[values_round.id])
    response = client.get(url, {"unit": org.division_x.id})
    assert response.status_code == 200
    assert "riwayat-2026-Q3.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    expected = history.round_history(viewer=Viewer.for_user(org.staff_x.user),
                                     round_=values_round, unit_id=org.division_x.id)
    rows = [row for row in sheet.iter_rows(min_row=2, values_only=True) if any(row)]
    assert len(rows) == expected.page.paginator.count > history.PER_PAGE
    assert all(not CODE.search(str(row[5])) for row in rows)
    # The head reads Bidang Y's returned recap; the reason is text, never a formula.
    client.force_login(org.head.user)
    book = load_workbook(io.BytesIO(client.get(url).content))
    cells = [cell for row in book.active.iter_rows() for cell in row
             if isinstance(cell.value, str) and "=1+1" in cell.value]
    assert cells and all(cell.data_type == "s" for cell in cells)


# -- a bounded number of queries ----------------------------------------------------------

def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_history_loads_in_a_bounded_number_of_queries(client, org, values_round):
    # Bidang Y's recap is submitted: the head reads its values.
    track = values_round.tracks.get(unit=org.division_y)
    client.force_login(org.head.user)
    url = reverse("collection:round_history", args=[values_round.id])
    many_value_events(values_round, track, 60)
    few = queries_for(client, url)
    last_few = queries_for(client, url + "?page=last")
    many_value_events(values_round, track, 600)
    assert queries_for(client, url) == few
    assert queries_for(client, url + "?page=last") == last_few
    assert few < 30
