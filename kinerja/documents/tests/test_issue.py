"""Every step of a round files its documents: rendered, signed, stored once, readable."""

import io

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from pypdf import PdfReader

from kinerja.collection.models import StepExecution
from kinerja.documents import services
from kinerja.documents.models import Document, DocumentKind
from kinerja.documents.tests.conftest import pdf_text, stored_bytes

pytestmark = pytest.mark.django_db


def test_a_finalised_round_files_every_document_of_the_cycle(org, finalised_round,
                                                              agency_certificate):
    documents = services.documents_issue_missing(finalised_round)
    kinds = [document.kind for document in documents]
    assert kinds.count(DocumentKind.DISPOSITION) == 2  # signed; forwarded and initialled
    assert kinds.count(DocumentKind.DATA_REQUEST_FORMAT) == 1 + 3  # the round's, each unit's
    for kind in (DocumentKind.FILLED_FORMAT, DocumentKind.UNIT_RECAP,
                 DocumentKind.VALIDATION_RECORD, DocumentKind.HANDOVER_RECEIPT):
        assert kinds.count(kind) == 3, kind
    for kind in (DocumentKind.MEETING_INVITATION, DocumentKind.MEETING_MINUTES,
                 DocumentKind.AGENCY_RECAP):
        assert kinds.count(kind) == 1, kind
    assert services.documents_issue_missing(finalised_round) == []  # stored once

    texts = {}
    for document in documents:
        content = stored_bytes(document)
        assert services.sha256_of(content) == document.sha256
        assert document.size == len(content)
        text = pdf_text(content)
        assert str(document.identifier) in text.replace("\n", "")
        assert org.agency.name.upper() in text.upper()
        texts.setdefault(document.kind, []).append(text)

    disposition = texts[DocumentKind.DISPOSITION][-1]
    assert "LEMBAR DISPOSISI" in disposition
    assert "Pengumpulan data kinerja triwulan III" in disposition
    assert "Siapkan format." in disposition  # the forwarding
    assert org.secretary.full_name in disposition and org.kasubbag_planning.full_name in disposition
    assert org.head.full_name in disposition
    assert org.head.formatted_number in disposition

    minutes = texts[DocumentKind.MEETING_MINUTES][0]
    assert "Format dibahas." in minutes and "Ruang rapat" in minutes
    held = timezone.localtime(finalised_round.meeting.held_at)
    with translation.override("id"):
        day = f"{date_format(held, 'l')}, {date_format(held, 'DATE_FORMAT')}"
    assert day in minutes and day in texts[DocumentKind.MEETING_INVITATION][0]
    assert "hadir" in minutes and "tidak hadir" in minutes
    invitation = texts[DocumentKind.MEETING_INVITATION][0]
    assert org.kabid_y.full_name in invitation

    recap = texts[DocumentKind.AGENCY_RECAP][0]
    for expected in ("Indikator X1", "Indikator Y1", "Tujuan 1", "Sasaran 1", "80,00 %",
                     "Luwuk"):
        assert expected in recap, expected
    unit_recaps = "\n".join(texts[DocumentKind.UNIT_RECAP])
    assert "Bidang X" in unit_recaps and "120,00 %" in unit_recaps
    assert org.kabid_x.full_name in unit_recaps  # the unit head's signature block
    validation = "\n".join(texts[DocumentKind.VALIDATION_RECORD])
    assert "Tervalidasi" in validation
    receipt = "\n".join(texts[DocumentKind.HANDOVER_RECEIPT])
    assert "Diterima" in receipt and org.kasubbid_data.full_name in receipt


def test_documents_embed_only_the_shipped_fonts(org, opened_round):
    [document] = services.documents_issue_missing(opened_round)
    reader = PdfReader(io.BytesIO(stored_bytes(document)))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()[
                "/FontDescriptor"]
            descriptor = descriptor.get_object()
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts.add(str(font["/BaseFont"]).split("+")[-1])
    # "Kinerja Serif/Sans" exist only as the @font-face of the shipped Liberation files.
    assert fonts and all(name.startswith("Kinerja-") for name in fonts), fonts


def test_a_step_files_its_document_through_the_task_worker(org, sop):
    from datetime import timedelta

    from django.utils import timezone

    from kinerja.collection import services as collection
    from kinerja.conftest import run_pending_tasks

    today = timezone.localdate()
    disposition = collection.disposition_create(
        user=org.head.user, sop=sop, year=2026, period="Q2", date=today, speed="biasa",
        security="biasa", subject="Data triwulan II", instruction="Kumpulkan.",
        deadline=today + timedelta(days=7))
    round_ = collection.disposition_sign(user=org.head.user, disposition=disposition,
                                         expected_version=disposition.version)
    assert not Document.objects.filter(round=round_).exists()  # the request renders nothing
    [job] = [job for job in run_pending_tasks()
             if job.task_path == "kinerja.documents.tasks.issue_documents_task"]
    assert job.args_kwargs == {"args": [round_.executions.get(step__number=1).id],
                               "kwargs": {}}
    [document] = Document.objects.filter(round=round_)
    assert document.kind == DocumentKind.DISPOSITION
    assert document.execution == StepExecution.objects.get(round=round_, step__number=1)
    assert document.signing_backend == ""  # the agency has no certificate: filed unsigned
    assert "Data triwulan II" in pdf_text(stored_bytes(document))


def test_the_command_files_only_what_is_missing(org, opened_round):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("issue_documents", "--round", str(opened_round.id), stdout=out)
    assert "1 documents filed." in out.getvalue()
    call_command("issue_documents", stdout=out)
    assert out.getvalue().endswith("0 documents filed.\n")
    assert Document.objects.count() == 1


def test_a_document_is_in_indonesian_whoever_completes_the_step(org, opened_round):
    with translation.override("en"):
        [document] = services.documents_issue_missing(opened_round)
    assert document.title.startswith("Lembar disposisi")
    text = pdf_text(stored_bytes(document))
    assert "LEMBAR DISPOSISI" in text and "Triwulan III 2026" in text
