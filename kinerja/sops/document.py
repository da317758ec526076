"""The SOP document as PermenPAN-RB 35/2012 prints it, built from a loaded SopVersion.

Three parts: the identity page, the procedure table with its flowchart (paginated, see
flowchart.py) and the activity-identification worksheet. The whole document is landscape,
the usual way agencies print the procedure table, and in Indonesian whatever the reader's
interface language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import formats, translation
from django.utils.text import slugify

from kinerja.core.rendering import DOCUMENT_LANGUAGE, paper_mm, render_pdf, stationery_of
from kinerja.organisation.nip import format_nip

from .flowchart import DEFAULT_ROWS_PER_PAGE, FlowchartPage, flowchart_pages
from .models import SopVersion

TEMPLATE = "sops/document.html"
EMPTY = "-"
# Page margins of the SOP document in mm (top, right, bottom, left): narrower than a letter's,
# as the procedure table needs the width. The bottom keeps room for the page footer.
MARGINS_MM = (12.0, 12.0, 14.0, 12.0)
POINTS_PER_MM = 72 / 25.4
# What WeasyPrint may add around the SVG (rounding, the page's own line box).
HEIGHT_ALLOWANCE_PT = 6.0


@dataclass(frozen=True)
class Approver:
    position: str
    name: str
    rank: str
    nip: str


@dataclass(frozen=True)
class IdentityPage:
    government_name: str
    agency_name: str
    number: str
    title: str
    date_made: str
    date_revised: str
    date_effective: str
    approver: Approver
    legal_basis: list[str]
    executor_qualifications: list[str]
    related_sops: list[str]
    equipment: list[str]
    warnings: list[str]
    recording: list[str]
    documentation: str


@dataclass(frozen=True)
class Worksheet:
    activity_title: str
    activity_type: str
    responsible_for_product: str
    responsible_for_activity: str
    scope: str
    first_step: str
    main_step: str
    last_step: str
    steps: list[str]


@dataclass(frozen=True)
class SopDocument:
    version: SopVersion
    identity: IdentityPage
    procedure_pages: list[FlowchartPage]
    worksheet: Worksheet
    margins_mm: tuple[float, float, float, float]

    @property
    def margin_css(self) -> str:
        return " ".join(f"{value:g}mm" for value in self.margins_mm)

    @property
    def footer_text(self) -> str:
        version = self.version
        return f"SOP {version.sop.number} · {version.title} · versi {version.version}"


def _date(value: date | None) -> str:
    return formats.date_format(value, "j F Y") if value else EMPTY


def _identity(version: SopVersion) -> IdentityPage:
    recording = [f"{item.get('actor', '')}: {item.get('records', '')}".strip(": ")
                 for item in version.recording]
    return IdentityPage(
        government_name=version.government_name, agency_name=version.agency_name,
        number=version.sop.number, title=version.title,
        date_made=_date(version.date_made), date_revised=_date(version.date_revised),
        date_effective=_date(version.date_effective),
        approver=Approver(position=version.approver_position, name=version.approver_name,
                          rank=version.approver_rank,
                          nip=format_nip(version.approver_nip) if version.approver_nip else ""),
        legal_basis=list(version.legal_basis),
        executor_qualifications=list(version.executor_qualifications),
        related_sops=list(version.related_sops), equipment=list(version.equipment),
        warnings=list(version.warnings), recording=recording,
        documentation=version.documentation)


def _worksheet(version: SopVersion) -> Worksheet:
    sheet = version.worksheet or {}
    return Worksheet(
        activity_title=sheet.get("activity_title") or version.title,
        activity_type=version.activity_type,
        responsible_for_product=version.responsible_for_product,
        responsible_for_activity=version.responsible_for_activity,
        scope=version.activity_scope,
        first_step=sheet.get("first_step") or EMPTY,
        main_step=sheet.get("main_step") or EMPTY,
        last_step=sheet.get("last_step") or EMPTY,
        steps=list(sheet.get("steps") or []))


def printable_area_pt(version: SopVersion) -> tuple[float, float]:
    """Width and height inside the margins of the agency's paper, landscape, in points."""
    long, short = paper_mm(stationery_of(version.sop.agency).paper, landscape=True)
    top, right, bottom, left = MARGINS_MM
    return ((long - left - right) * POINTS_PER_MM, (short - top - bottom) * POINTS_PER_MM)


def sop_document(version: SopVersion, *,
                 rows_per_page: int | None = DEFAULT_ROWS_PER_PAGE) -> SopDocument:
    width, height = printable_area_pt(version)
    with translation.override(DOCUMENT_LANGUAGE):
        return SopDocument(
            version=version, identity=_identity(version),
            procedure_pages=flowchart_pages(version, rows_per_page=rows_per_page, width=width,
                                            max_height=height - HEIGHT_ALLOWANCE_PT),
            worksheet=_worksheet(version), margins_mm=MARGINS_MM)


def sop_document_context(version: SopVersion, *,
                         rows_per_page: int | None = DEFAULT_ROWS_PER_PAGE) -> dict:
    document = sop_document(version, rows_per_page=rows_per_page)
    return {"sop_document": document, "title": f"SOP {version.title}",
            "footer_text": document.footer_text}


def sop_document_pdf(version: SopVersion, *,
                     rows_per_page: int | None = DEFAULT_ROWS_PER_PAGE) -> bytes:
    return render_pdf(TEMPLATE, sop_document_context(version, rows_per_page=rows_per_page),
                      stationery=stationery_of(version.sop.agency), landscape=True)


def sop_document_filename(version: SopVersion) -> str:
    name = slugify(f"SOP {version.sop.number} {version.title}")[:120] or "sop"
    return f"{name}-v{version.version}.pdf"
