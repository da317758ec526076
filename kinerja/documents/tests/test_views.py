"""Printing (filed or DRAFT), hardcopy records, the archive, and who may see what."""

import csv
import hashlib
import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kinerja.core.errors import DomainError, PermissionDenied, StaleEdit
from kinerja.core.models import AuditEvent
from kinerja.documents import services
from kinerja.documents.models import Document, DocumentKind, Hardcopy
from kinerja.documents.tests.conftest import pdf_text, stored_bytes

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def print_url(round_, kind, track=None):
    url = reverse("documents:print", args=[round_.id, kind])
    return f"{url}?track={track.id}" if track else url


def test_printing_before_the_step_is_done_gives_an_unstored_draft(client, org, entry_round):
    track = entry_round.tracks.get(unit=org.division_x)
    client.force_login(org.staff_x.user)
    response = client.get(print_url(entry_round, DocumentKind.FILLED_FORMAT, track))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(body(response))
    assert "DRAFT" in text and "Indikator X1" in text and "Bidang X" in text
    assert not Document.objects.exists()


def test_printing_after_the_step_serves_the_filed_bytes(client, org, opened_round):
    [document] = services.documents_issue_missing(opened_round)
    client.force_login(org.secretary.user)
    served = body(client.get(print_url(opened_round, DocumentKind.DISPOSITION)))
    assert served == stored_bytes(document)
    assert "DRAFT" not in pdf_text(served)
    download = client.get(reverse("documents:download", args=[document.identifier]))
    assert body(download) == stored_bytes(document)


def test_another_agency_and_another_units_draft_are_refused(client, org, entry_round):
    services.documents_issue_missing(entry_round)
    track = entry_round.tracks.get(unit=org.division_x)
    client.force_login(org.outsider.user)
    assert client.get(print_url(entry_round, DocumentKind.DISPOSITION)).status_code == 404
    document = Document.objects.filter(round=entry_round).first()
    assert client.get(reverse("documents:download",
                              args=[document.identifier])).status_code == 404
    assert client.get(reverse("documents:archive", args=[entry_round.id])).status_code == 404
    client.force_login(org.staff_y.user)  # Bidang Y may not see Bidang X's draft data
    assert client.get(print_url(entry_round, DocumentKind.FILLED_FORMAT,
                                track)).status_code == 403
    # The format sent to Bidang X carries no data: the agency may read it, not file it.
    sent = Document.objects.get(track=track, kind=DocumentKind.DATA_REQUEST_FORMAT)
    assert client.get(reverse("documents:download", args=[sent.identifier])).status_code == 200
    client.post(reverse("documents:hardcopy", args=[sent.identifier]),
                {"filed_on": timezone.localdate().isoformat(), "location": "x"})
    assert not Hardcopy.objects.exists()


def test_the_hardcopy_is_recorded_with_its_scan_and_the_round_page_says_what_is_missing(
        client, org, opened_round):
    [document] = services.documents_issue_missing(opened_round)
    client.force_login(org.head.user)
    page = client.get(opened_round.get_absolute_url()).content.decode()
    assert 'id="lacking-hardcopy"' in page and "alert-warning" in page
    response = client.post(reverse("documents:hardcopy", args=[document.identifier]), {
        "filed_on": timezone.localdate().isoformat(), "location": "Lemari arsip Sekretariat",
        "scan": SimpleUploadedFile("scan.png", PNG, content_type="image/png")})
    assert response.status_code == 302
    hardcopy = Hardcopy.objects.get(document=document)
    assert hardcopy.filed_by == org.head and hardcopy.scan_sha256 == hashlib.sha256(
        PNG).hexdigest()
    assert AuditEvent.objects.filter(action="document.hardcopy_recorded").count() == 1
    page = client.get(opened_round.get_absolute_url()).content.decode()
    assert "Lemari arsip Sekretariat" in page and "alert-warning" not in page
    scan = client.get(reverse("documents:scan", args=[document.identifier]))
    assert body(scan) == PNG


def test_hardcopy_rules(org, opened_round):
    [document] = services.documents_issue_missing(opened_round)
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        services.hardcopy_record(user=org.outsider.user, document=document, filed_on=today,
                                 location="x")
    with pytest.raises(DomainError):
        services.hardcopy_record(user=org.head.user, document=document,
                                 filed_on=today + timedelta(days=1), location="Arsip")
    with pytest.raises(DomainError):
        services.hardcopy_record(user=org.head.user, document=document, filed_on=today,
                                 location="  ")
    with pytest.raises(DomainError):
        services.hardcopy_record(user=org.head.user, document=document, filed_on=today,
                                 location="Arsip", scan=b"not a scan")
    assert not Hardcopy.objects.exists()
    first = services.hardcopy_record(user=org.head.user, document=document, filed_on=today,
                                     location="Arsip 1")
    with pytest.raises(StaleEdit):  # a second recorder who saw no record refuses to overwrite
        services.hardcopy_record(user=org.secretary.user, document=document, filed_on=today,
                                 location="Arsip 2")
    services.hardcopy_record(user=org.secretary.user, document=document, filed_on=today,
                             location="Arsip 2", expected_version=first.version)
    assert Hardcopy.objects.get().location == "Arsip 2"


def test_the_archive_holds_every_document_with_an_index_and_checksums(client, org,
                                                                      entry_round):
    documents = services.documents_issue_missing(entry_round)
    services.hardcopy_record(user=org.head.user, document=documents[0],
                             filed_on=timezone.localdate(), location="Arsip", scan=PNG,
                             scan_name="scan.png")
    client.force_login(org.head.user)
    response = client.get(reverse("documents:archive", args=[entry_round.id]))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    index = list(csv.DictReader(io.StringIO(archive.read("index.csv").decode())))
    assert len(index) == len(documents)  # the head sees every unit's sent format
    for line in archive.read("SHA256SUMS").decode().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    assert index[0]["hardcopy_location"] == "Arsip" and index[0]["scan_file"]
    assert {row["sha256"] for row in index} == {document.sha256 for document in documents}


def test_the_agency_recap_shows_only_the_units_the_reader_may_see(client, org, entry_round,
                                                                  catalogue):
    from kinerja.collection import services as collection

    track_x = entry_round.tracks.get(unit=org.division_x)
    collection.values_save(user=org.staff_x.user, track=track_x, entries=[
        collection.ValueEntry(indicator_id=catalogue[0].id, value_text="7")])
    client.force_login(org.staff_y.user)
    text = pdf_text(body(client.get(print_url(entry_round, DocumentKind.AGENCY_RECAP))))
    assert "Indikator Y1" in text and "Indikator X1" not in text  # Bidang X's draft
    client.force_login(org.staff_x.user)
    text = pdf_text(body(client.get(print_url(entry_round, DocumentKind.AGENCY_RECAP))))
    assert "Indikator X1" in text and "7,00" in text and "Indikator Y1" not in text


def test_a_filed_agency_recap_is_for_those_who_see_every_unit(client, org, finalised_round):
    [recap] = services.documents_issue_for(
        finalised_round.executions.get(step__number=9).id)
    client.force_login(org.staff_y.user)  # sees only Bidang Y's data, even when final
    assert client.get(print_url(finalised_round, DocumentKind.AGENCY_RECAP)).status_code == 403
    assert client.get(reverse("documents:download",
                              args=[recap.identifier])).status_code == 403
    client.force_login(org.kasubbid_data.user)
    assert body(client.get(print_url(finalised_round,
                                     DocumentKind.AGENCY_RECAP))) == stored_bytes(recap)


def test_a_disposition_not_yet_signed_prints_as_a_draft_for_its_author(client, org, sop):
    from kinerja.collection import services as collection

    today = timezone.localdate()
    draft = collection.disposition_create(
        user=org.head.user, sop=sop, year=2026, period="Q1", date=today, speed="biasa",
        security="biasa", subject="Data triwulan I", instruction="Kumpulkan.",
        deadline=today + timedelta(days=7))
    url = reverse("documents:disposition_print", args=[draft.id])
    client.force_login(org.head.user)
    text = pdf_text(body(client.get(url)))
    assert "DRAFT" in text and "Data triwulan I" in text
    assert not Document.objects.exists()
    client.force_login(org.secretary.user)
    assert client.get(url).status_code == 403


def test_the_invitation_prints_before_the_meeting_for_the_sops_invitees(client, org,
                                                                         sent_round):
    client.force_login(org.kasubbid_data.user)
    text = pdf_text(body(client.get(print_url(sent_round, DocumentKind.MEETING_INVITATION))))
    assert "DRAFT" in text and "UNDANGAN" in text.upper()
    for person in (org.kabid_x, org.kabid_y, org.secretary, org.kasubbid_data):
        assert person.full_name in text
    assert "…" in text  # date and place left to be written in
    assert client.get(print_url(sent_round,
                                DocumentKind.MEETING_MINUTES)).status_code == 404
