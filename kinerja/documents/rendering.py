"""The round's documents printed on their agency's stationery: `DocumentSettings` (paper,
logo, letterhead lines) read here, the HTML-to-PDF rendering itself in core/rendering.py,
which every app may use."""

from __future__ import annotations

from kinerja.core import rendering
from kinerja.organisation.models import Agency

from .models import DocumentSettings


def document_settings(agency: Agency) -> DocumentSettings:
    return DocumentSettings.for_agency(agency)


def render_html(template_name: str, context: dict, *, agency: Agency, landscape: bool = False,
                draft: bool = False) -> str:
    doc_settings = document_settings(agency)
    return rendering.render_html(
        template_name, {**context, "agency": agency, "doc_settings": doc_settings},
        stationery=doc_settings.stationery(), landscape=landscape, draft=draft)


def render_pdf(template_name: str, context: dict, *, agency: Agency, landscape: bool = False,
               draft: bool = False) -> bytes:
    """The PDF of a document template (which extends documents/base.html)."""
    doc_settings = document_settings(agency)
    return rendering.render_pdf(
        template_name, {**context, "agency": agency, "doc_settings": doc_settings},
        stationery=doc_settings.stationery(), landscape=landscape, draft=draft)
