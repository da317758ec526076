"""The SOP document (identity page, procedure table with flowchart, worksheet) drawn from data.

Only a few tests render a PDF (WeasyPrint takes about a second); the rest check the SVG and
the document's context.
"""

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from kinerja.core import rendering
from kinerja.documents.models import DocumentSettings
from kinerja.sops import loader
from kinerja.sops.document import (
    POINTS_PER_MM,
    printable_area_pt,
    sop_document,
    sop_document_pdf,
)
from kinerja.sops.flowchart import flowchart_pages
from kinerja.sops.services import sop_load

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
ACTORS = [("head", "Kepala Badan", "head"), ("secretary", "Sekretaris", "secretary"),
          ("kabid", "Kepala Bidang", "unit_head"),
          ("kasubbid_data", "Kasubbid Data", "subdivision_head"),
          ("staff", "Jabatan Pelaksana", "staff")]


@pytest.fixture
def version(org, seed_sop_text):
    return sop_load(agency=org.agency, text=seed_sop_text).version


@pytest.fixture
def drawing_only(monkeypatch):
    """The long SOPs below test the drawing, not a procedure the engine runs: loaded without
    the engine contract (docs/sop-contract.md)."""
    monkeypatch.setattr(loader, "ENGINE_RULES", ())


def long_sop_text(step_count: int = 25, returns: dict[int, int] | None = None,
                  extra_actors: int = 0) -> str:
    """An SOP of `step_count` steps passing between five actors (and `extra_actors` more);
    `returns` maps a step to the earlier step it can send work back to."""
    returns = returns or {}
    actors = ACTORS + [(f"staff_{index}", f"Pelaksana {index}", "staff")
                       for index in range(extra_actors)]
    steps = []
    for number in range(1, step_count + 1):
        step = {"number": number, "actor": actors[(number * 2) % len(actors)][0],
                "description": f"Langkah {number}: kegiatan uji nomor {number}",
                "kind": "validation" if number in returns else "data_entry", "scope": "once",
                "inputs": "Dokumen", "time_minutes": 10 + number, "output": f"Hasil {number}"}
        if number in returns:
            step["returns_to"] = returns[number]
        steps.append(step)
    steps[1]["description"] = 'Memeriksa R&D <uji> "kutip" & \'apostrof\''
    document = {
        "number": "900/UJI/2026", "title": "SOP Uji Panjang", "government": "Pemerintah Uji",
        "agency_name": "Badan Uji", "dates": {"made": "2026-01-02"},
        "approved_by": {"position": "Kepala Badan Uji", "name": "Penguji"},
        "worksheet": {"activity_type": "Rutin", "responsible_for_product": "Kepala",
                      "responsible_for_activity": "Kasubbag", "scope": "Badan Uji"},
        "actors": [{"key": key, "label": label, "position": position}
                   for key, label, position in actors],
        "steps": steps,
    }
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def pdf_text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


def svg_root(page) -> ET.Element:
    return ET.fromstring(str(page.svg))


def steps_of_class(root: ET.Element, css_class: str) -> set[int]:
    return {int(element.get("data-sop-step")) for element in root.iter()
            if element.get("class") == css_class}


def of_class(root: ET.Element, css_class: str) -> list[ET.Element]:
    return [element for element in root.iter() if element.get("class") == css_class]


def points(element: ET.Element) -> list[tuple[float, float]]:
    return [tuple(float(value) for value in pair.split(","))
            for pair in element.get("points").split()]


def test_seed_document_pdf_carries_every_field(version):
    page_count, text = pdf_text(sop_document_pdf(version))

    assert page_count == 3  # identity, one procedure page, worksheet
    for expected in ("207/050/01/Bappeda & Litbang", "Mekanisme Pengumpulan Data Kinerja",
                     "PEMERINTAH KABUPATEN BANGGAI", "NOMOR SOP", "TANGGAL PEMBUATAN",
                     "5 Februari 2020", "TANGGAL REVISI -", "TANGGAL EFEKTIF -",
                     "MOH. RAMLI TONGKO, S.Sos, ST., M.Si", "Pembina Utama Muda, IV/c",
                     "NIP. 19690815 199803 1 008", "DASAR HUKUM", "PP No. 60 Tahun 2008",
                     "KUALIFIKASI PELAKSANA", "Memahami sasaran dan capaian program",
                     "KETERKAITAN", "SOP Tindak Lanjut Hasil Pemeriksaan",
                     "PERALATAN/PERLENGKAPAN", "Komputer/laptop", "PERINGATAN",
                     "pelaporan akan terhambat", "PENCATATAN DAN PENDATAAN",
                     "Sekretaris OPD: Lembar disposisi, paraf", "softcopy maupun hardcopy",
                     "KEGIATAN", "PELAKSANA", "MUTU BAKU", "KELENGKAPAN", "WAKTU", "OUTPUT",
                     "KETERANGAN", "15 menit", "30 menit", "60 menit (1 jam)",
                     "480 menit (8 jam)", "Lembar disposisi", "Dokumen Format data",
                     "LEMBAR KERJA IDENTIFIKASI KEGIATAN", "Rutin",
                     "Kasubbag Perencanaan Bappeda dan Litbang",
                     "Menyampaikan laporan hasil monitoring RENSTRA",
                     "Kepala Badan Memerintahkan untuk melakukan monitoring RENSTRA",
                     # The running footer, with "&" intact.
                     "SOP 207/050/01/Bappeda & Litbang · Mekanisme Pengumpulan Data Kinerja "
                     "· versi 1"):
        assert expected in text, expected
    for actor in version.actors.all():
        assert actor.label in text, actor.label
    for step in version.steps.all():
        assert " ".join(step.description.split()) in text, step.number


def test_the_sop_document_is_printed_on_the_agencys_paper_and_logo(
        org, version, settings, tmp_path, monkeypatch):
    """The SOP app reads the agency's stationery through core (it may not import documents):
    A4 until the agency sets one; then its F4 paper and its logo."""
    width, height = printable_area_pt(version)
    assert (round(width / POINTS_PER_MM), round(height / POINTS_PER_MM)) == (297 - 24, 210 - 26)

    settings.MEDIA_ROOT = tmp_path
    logo = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(logo, format="PNG")
    doc_settings = DocumentSettings.objects.create(agency=org.agency, paper_size="F4")
    doc_settings.logo.save("lambang-banggai.png", ContentFile(logo.getvalue()))
    width, height = printable_area_pt(version)
    assert (round(width / POINTS_PER_MM), round(height / POINTS_PER_MM)) == (330 - 24, 215 - 26)

    printed = []
    to_pdf = rendering.html_to_pdf
    monkeypatch.setattr(rendering, "html_to_pdf", lambda html, **kwargs: printed.append(
        (html, kwargs)) or to_pdf(html, **kwargs))
    page = PdfReader(io.BytesIO(sop_document_pdf(version))).pages[0]
    width_mm, height_mm = (float(v) / POINTS_PER_MM for v in page.mediabox[2:])
    assert (round(width_mm), round(height_mm)) == (330, 215)
    [(html, kwargs)] = printed
    assert kwargs == {"paper": "F4", "landscape": True}
    assert Path(doc_settings.logo.path).resolve().as_uri() in html


def test_empty_dates_and_main_step_print_as_a_dash(version):
    document = sop_document(version)
    assert document.identity.date_made == "5 Februari 2020"
    assert document.identity.date_revised == document.identity.date_effective == "-"
    assert document.identity.approver.nip == "19690815 199803 1 008"
    assert document.worksheet.main_step == "-"
    assert len(document.worksheet.steps) == 9
    assert [page.number for page in document.procedure_pages] == [1]


def test_seed_flowchart_has_the_five_symbols_in_place(version, django_assert_num_queries):
    with django_assert_num_queries(2):  # the actors and the steps
        pages = flowchart_pages(version, rows_per_page=None)
    assert len(pages) == 1
    root = svg_root(pages[0])

    assert steps_of_class(root, "terminator") == {1, 9}
    assert steps_of_class(root, "decision") == {7, 8}
    assert steps_of_class(root, "process") == {2, 3, 4, 5, 6}
    assert of_class(root, "connector") == []  # one page: no off-page connector
    for terminator in of_class(root, "terminator"):
        assert float(terminator.get("rx")) == float(terminator.get("height")) / 2
    diamonds = {int(element.get("data-sop-step")): element
                for element in of_class(root, "decision")}
    assert all(len(points(diamond)) == 4 for diamond in diamonds.values())

    flows, returns = of_class(root, "flow-line"), of_class(root, "return-line")
    assert len(flows) == 8 and len(returns) == 2
    assert len(of_class(root, "arrowhead")) == 10
    labels = sorted(element.text for element in of_class(root, "branch-label"))
    assert labels == ["Tidak", "Tidak", "Ya", "Ya"]

    # Each "Tidak" line leaves a corner of its diamond and ends on the side of the step it
    # returns to (7 -> 5, 8 -> 7), at the middle of that side.
    boxes = {int(element.get("data-sop-step")): element for element in root.iter()
             if element.get("data-sop-step")}
    for source, target in ((7, 5), (8, 7)):
        line = next(line for line in returns if points(line)[0] in points(diamonds[source]))
        end = points(line)[-1]
        if target in diamonds:
            assert end in points(diamonds[target])
        else:
            box = boxes[target]
            x, y = float(box.get("x")), float(box.get("y"))
            width, height = float(box.get("width")), float(box.get("height"))
            assert end[0] in (pytest.approx(x), pytest.approx(x + width))
            assert end[1] == pytest.approx(y + height / 2)
        # Orthogonal: every segment is horizontal or vertical.
        for (x1, y1), (x2, y2) in zip(points(line), points(line)[1:], strict=False):
            assert x1 == pytest.approx(x2) or y1 == pytest.approx(y2)

    # The steps of one actor sit in one column, centred alike.
    centres = {}
    for number, box in boxes.items():
        centre = (sum(x for x, _ in points(box)) / 4 if number in diamonds
                  else float(box.get("x")) + float(box.get("width")) / 2)
        centres[number] = round(centre, 2)
    assert centres[5] == centres[6] == centres[9]  # Jabatan Pelaksana
    assert centres[4] == centres[7] == centres[8]  # Kabid
    assert len({centres[1], centres[2], centres[3], centres[4], centres[5]}) == 5


def test_long_sop_is_paginated_with_connectors_and_keeps_a_short_loop_on_one_page(
        org, drawing_only):
    version = sop_load(agency=org.agency,
                       text=long_sop_text(25, returns={12: 9, 24: 4})).version
    pages = flowchart_pages(version, rows_per_page=10)

    numbers = [[step.number for step in page.steps] for page in pages]
    # Steps 9-12 (a loop) would be split after step 10, so the first page ends at step 8.
    assert numbers == [list(range(1, 9)), list(range(9, 19)), list(range(19, 26))]
    roots = [svg_root(page) for page in pages]
    assert steps_of_class(roots[0], "terminator") == {1}
    assert steps_of_class(roots[2], "terminator") == {25}
    assert steps_of_class(roots[1], "decision") == {12}
    assert steps_of_class(roots[2], "decision") == {24}

    def connectors(root):
        return sorted(element.get("data-connector") for element in of_class(root, "connector"))

    # Onward: A (pages 1-2), B (pages 2-3); the return 24 -> 4 spans pages: C on both.
    assert [page.continues_to for page in pages] == ["A", "B", ""]
    assert [page.continues_from for page in pages] == ["", "A", "B"]
    assert connectors(roots[0]) == ["A", "C"]
    assert connectors(roots[1]) == ["A", "B"]
    assert connectors(roots[2]) == ["B", "C"]
    for root in roots:
        for connector in of_class(root, "connector"):
            assert len(points(connector)) == 5  # the home-plate pentagon
        labels = [element.text for element in of_class(root, "connector-label")]
        assert sorted(labels) == connectors(root)
    # Text is escaped, not dropped.
    cells = [element.text for element in roots[0].iter() if element.get("class") ==
             "cell-activity"]
    assert 'Memeriksa R&D <uji> "kutip" &' in " ".join(cells)
    assert "R&amp;D &lt;uji&gt;" in str(pages[0].svg)


def test_narrow_columns_and_a_decision_as_last_step(org, drawing_only):
    version = sop_load(agency=org.agency, text=long_sop_text(
        16, returns={5: 2, 9: 1, 16: 14}, extra_actors=15)).version
    pages = flowchart_pages(version, rows_per_page=None)
    root = svg_root(pages[0])
    assert steps_of_class(root, "terminator") == {1}
    assert steps_of_class(root, "decision") == {5, 9, 16}  # the last step sends work back
    assert len(of_class(root, "return-line")) == 3
    assert len(of_class(root, "arrowhead")) == 15 + 3
    assert len([element for element in root.iter() if element.tag == f"{SVG}text"
                and element.get("class") == "header-text"]) >= 20 + 8


def test_long_sop_pdf_has_a_page_per_procedure_page(org, drawing_only):
    version = sop_load(agency=org.agency, text=long_sop_text(25, returns={20: 17})).version
    document = sop_document(version)
    procedure_pages = document.procedure_pages
    assert len(procedure_pages) >= 2
    assert all(page.continues_to for page in procedure_pages[:-1])
    assert steps_of_class(svg_root(procedure_pages[-1]), "terminator") == {25}
    assert any(steps_of_class(svg_root(page), "decision") == {20} for page in procedure_pages)

    page_count, text = pdf_text(sop_document_pdf(version))
    # Identity page, each procedure page on its own sheet (so none overflowed), worksheet.
    assert page_count == len(procedure_pages) + 2 > 3
    assert all(f"Langkah {number}: kegiatan uji nomor {number}" in text
               for number in range(1, 26) if number != 2)
    assert 'Memeriksa R&D <uji> "kutip"' in text


def test_pdf_view_for_the_agency_only(client, org, version, seed_sop_text, monkeypatch):
    client.force_login(org.staff_y.user)
    response = client.get(reverse("sops:sop_version_document_pdf", args=[version.sop_id, 1]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert re.fullmatch(r'inline; filename="sop-207050.*-v1\.pdf"',
                        response["Content-Disposition"])
    assert response.content.startswith(b"%PDF")

    # Without a version: the current one (the renderer itself is tested above).
    sop_load(agency=org.agency, text=seed_sop_text.replace("time_minutes: 30",
                                                           "time_minutes: 45"))
    rendered = []
    monkeypatch.setattr("kinerja.sops.views.sop_document_pdf",
                        lambda sop_version: rendered.append(sop_version.version) or b"%PDF-")
    response = client.get(reverse("sops:sop_document_pdf", args=[version.sop_id]))
    assert response.status_code == 200 and rendered == [2]
    assert response["Content-Disposition"].endswith('-v2.pdf"')

    client.force_login(org.outsider.user)
    for url in (reverse("sops:sop_document_pdf", args=[version.sop_id]),
                reverse("sops:sop_version_document_pdf", args=[version.sop_id, 1])):
        assert client.get(url).status_code == 404
    assert rendered == [2]
    client.force_login(org.staff_y.user)
    missing = client.get(reverse("sops:sop_version_document_pdf", args=[version.sop_id, 7]))
    assert missing.status_code == 404


def test_sop_page_shows_the_flowchart_and_the_print_button(client, org, version):
    client.force_login(org.staff_y.user)
    page = client.get(reverse("sops:sop_detail", args=[version.sop_id])).content.decode()
    assert 'id="sop-flowchart"' in page
    assert page.count('class="decision"') == 2
    assert reverse("sops:sop_version_document_pdf", args=[version.sop_id, 1]) in page
    assert "Cetak dokumen SOP (PDF)" in page or "Print SOP document (PDF)" in page
    svg = page[page.index("<svg"):page.index("</svg>") + len("</svg>")]
    ET.fromstring(svg)  # well-formed inside the HTML page
