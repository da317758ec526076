"""The documents' events in a round's history (documents/history.py registers them into
collection/history.py, which may not import documents): each reads as its sentence, a filed
hardcopy is under its document's step, and many of them cost no more queries than a few."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from kinerja.collection import history
from kinerja.core.audit import record_event
from kinerja.core.models import AuditEvent
from kinerja.documents.models import Document, DocumentKind
from kinerja.documents.services import hardcopy_record
from kinerja.organisation.visibility import Viewer

pytestmark = pytest.mark.django_db


def issue(org, round_, step: int, kind: str, title: str) -> Document:
    """A document of the round's step (no rendering: the history reads its row only)."""
    execution = round_.executions.filter(step__number=step).order_by("id").first()
    document = Document.objects.create(
        agency=round_.agency, round=round_, execution=execution, kind=kind, title=title,
        size=13, sha256="0" * 64, file=ContentFile(b"%PDF-1.4 uji", name="d.pdf"))
    record_event(action="document.issued", obj=document, actor=org.head.user,
                 agency=round_.agency, summary=title, round_=round_, step=step,
                 data={"sha256": "0" * 64, "kind": kind})
    return document


@pytest.fixture
def filed_round(org, sent_round, settings, tmp_path):
    """The signed disposition (step 1) and the data-request format (step 3) are issued, and
    the head filed the paper of each."""
    settings.MEDIA_ROOT = tmp_path
    disposition = issue(org, sent_round, 1, DocumentKind.DISPOSITION, "Lembar Disposisi 001")
    data_format = issue(org, sent_round, 3, DocumentKind.DATA_REQUEST_FORMAT,
                        "Format Permintaan Data Triwulan III")
    hardcopy_record(user=org.head.user, document=disposition, filed_on=timezone.localdate(),
                    location="Lemari arsip 2", scan_name="disposisi-001.pdf",
                    scan=b"%PDF-1.4 pindaian")
    hardcopy_record(user=org.head.user, document=data_format, filed_on=timezone.localdate(),
                    location="Map biru rak 3")
    return sent_round


def entries(org, round_, **filters):
    return history.round_history(viewer=Viewer.for_user(org.head.user), round_=round_,
                                 **filters).entries


def test_documents_register_their_events_and_collection_names_none():
    assert not {"document.issued", "document.hardcopy_recorded"} & history.OWN_ACTIONS
    assert history.BUILDERS["document.hardcopy_recorded"].__module__ == \
        "kinerja.documents.history"
    assert set(history.LOADERS) >= {"document.issued", "document.hardcopy_recorded"}
    assert set(history.OBJECT_STEPS) == {"document.hardcopy_recorded"}


def test_an_issued_document_and_its_hardcopy_read_as_their_sentences(org, filed_round):
    with translation.override("id"):
        found = entries(org, filed_round)
    issued = [e for e in found if e.action == "document.issued"]
    assert [e.sentence for e in issued] == [
        "Dokumen “Lembar Disposisi 001” diterbitkan dengan tanda tangan elektronik",
        "Dokumen “Format Permintaan Data Triwulan III” diterbitkan dengan tanda tangan "
        "elektronik"]
    filed = [e for e in found if e.action == "document.hardcopy_recorded"]
    head = org.head.full_name
    assert [e.sentence for e in filed] == [
        f"{head} mencatat tempat arsip kertas bertanda tangan “Lembar Disposisi 001”",
        f"{head} mencatat tempat arsip kertas bertanda tangan “Format Permintaan Data "
        "Triwulan III”"]
    # The hardcopy event has no step number: it is under its document's step.
    assert [e.step_number for e in filed] == [1, 3]
    with translation.override("id"):
        today = date_format(timezone.localdate())
    assert list(filed[0].details) == [
        ("Tempat arsip", "Lemari arsip 2"), ("Tanggal diarsipkan", today),
        ("Nama berkas pindaian", "disposisi-001.pdf")]
    assert list(filed[1].details) == [("Tempat arsip", "Map biru rak 3"),
                                      ("Tanggal diarsipkan", today)]
    with translation.override("en"):
        english = entries(org, filed_round)
    assert next(e for e in english if e.action == "document.hardcopy_recorded").sentence == \
        f"{head} recorded where the signed paper of “Lembar Disposisi 001” is filed"


def test_the_step_filter_finds_a_hardcopy_under_its_documents_step(org, filed_round):
    history_page = history.round_history(viewer=Viewer.for_user(org.head.user),
                                         round_=filed_round)
    assert {1, 2, 3} <= {number for number, _name in history_page.steps}
    third = entries(org, filed_round, step=3)
    assert {(e.action, e.step_number) for e in third} >= {
        ("document.issued", 3), ("document.hardcopy_recorded", 3)}
    assert all(e.step_number == 3 for e in third)
    filed = [e.sentence for e in third if e.action == "document.hardcopy_recorded"]
    assert len(filed) == 1 and "Format Permintaan Data Triwulan III" in filed[0]
    first = [e for e in entries(org, filed_round, step=1)
             if e.action == "document.hardcopy_recorded"]
    assert len(first) == 1 and "Lembar Disposisi 001" in first[0].sentence


def more_document_events(round_, count):
    """`count` more copies of each of the round's document events."""
    copies = []
    for event in AuditEvent.objects.filter(round=round_, action__startswith="document."):
        copies += [AuditEvent(agency_id=event.agency_id, actor_id=event.actor_id,
                              action=event.action, object_type=event.object_type,
                              object_id=event.object_id, summary=event.summary,
                              data=event.data, round_id=event.round_id, step=event.step)
                   for _ in range(count)]
    AuditEvent.objects.bulk_create(copies)


def queries_for(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


def test_document_events_cost_the_same_queries_however_many(client, org, filed_round):
    client.force_login(org.head.user)
    url = reverse("collection:round_history", args=[filed_round.id])
    more_document_events(filed_round, 15)
    few = [queries_for(client, url, page="last"), queries_for(client, url, step=3)]
    more_document_events(filed_round, 150)
    assert [queries_for(client, url, page="last"), queries_for(client, url, step=3)] == few
    assert max(few) < 30
