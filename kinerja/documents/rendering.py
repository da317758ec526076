"""HTML and CSS to PDF with WeasyPrint, on the agency's paper, in the shipped fonts.

Every document is rendered in Indonesian (the language of the agency's files) whatever the
reader's interface language, and only in the fonts under `fonts/`, embedded in the PDF, so the
same data gives the same document on any machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from kinerja.organisation.models import Agency

from .models import DocumentSettings, PaperSize

FONT_DIR = Path(__file__).resolve().parent / "fonts"
PAPER_MM = {PaperSize.A4: (210, 297), PaperSize.F4: (215, 330)}
DOCUMENT_LANGUAGE = "id"

FONT_FACES = [
    ("Kinerja Serif", "LiberationSerif", "normal", "normal", "Regular"),
    ("Kinerja Serif", "LiberationSerif", "bold", "normal", "Bold"),
    ("Kinerja Serif", "LiberationSerif", "normal", "italic", "Italic"),
    ("Kinerja Serif", "LiberationSerif", "bold", "italic", "BoldItalic"),
    ("Kinerja Sans", "LiberationSans", "normal", "normal", "Regular"),
    ("Kinerja Sans", "LiberationSans", "bold", "normal", "Bold"),
    ("Kinerja Sans", "LiberationSans", "normal", "italic", "Italic"),
    ("Kinerja Sans", "LiberationSans", "bold", "italic", "BoldItalic"),
]


def font_face_css() -> str:
    return "\n".join(
        f'@font-face {{ font-family: "{family}"; font-weight: {weight}; font-style: {style}; '
        f'src: url("{(FONT_DIR / f"{stem}-{variant}.ttf").as_uri()}"); }}'
        for family, stem, weight, style, variant in FONT_FACES)


def page_size_css(paper: str, landscape: bool) -> str:
    width, height = PAPER_MM[PaperSize(paper)]
    if landscape:
        width, height = height, width
    return f"@page {{ size: {width}mm {height}mm; }}"


def document_settings(agency: Agency) -> DocumentSettings:
    found = DocumentSettings.objects.filter(agency=agency).first()
    return found or DocumentSettings(agency=agency)


@dataclass(frozen=True)
class Letterhead:
    government: str
    agency: str
    address_lines: list[str]
    logo_uri: str


def letterhead(agency: Agency, doc_settings: DocumentSettings) -> Letterhead:
    contacts = " · ".join(part for part in (
        agency.address,
        f"Telp. {agency.phone}" if agency.phone else "",
        f"E-mail: {agency.email}" if agency.email else "") if part)
    lines = [contacts] if contacts else []
    lines += [line.strip() for line in doc_settings.letterhead_lines.splitlines()
              if line.strip()]
    logo_uri = ""
    if doc_settings.logo:
        logo_uri = Path(doc_settings.logo.path).resolve().as_uri()
    return Letterhead(agency.government_name, agency.name, lines, logo_uri)


def _allowed_roots() -> list[Path]:
    return [FONT_DIR, Path(settings.MEDIA_ROOT).resolve()]


def url_fetcher():
    """Only the shipped fonts, the agency's uploaded logo and inline data: a document never
    reaches the network, whatever text it carries."""
    from weasyprint.urls import URLFetcher

    class LocalFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("file:"):
                path = Path(unquote(urlparse(url).path)).resolve()
                if not any(path.is_relative_to(root) for root in _allowed_roots()):
                    raise ValueError(f"Documents may not load {url}")
            return super().fetch(url, headers)

    return LocalFetcher(allowed_protocols={"file", "data"})


def render_html(template_name: str, context: dict, *, agency: Agency, landscape: bool = False,
                draft: bool = False) -> str:
    doc_settings = document_settings(agency)
    with translation.override(DOCUMENT_LANGUAGE):
        return render_to_string(template_name, {
            **context, "agency": agency, "letterhead": letterhead(agency, doc_settings),
            "doc_settings": doc_settings, "draft": draft, "landscape": landscape,
        })


def render_pdf(template_name: str, context: dict, *, agency: Agency, landscape: bool = False,
               draft: bool = False) -> bytes:
    """The PDF of a document template (which extends documents/base.html)."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    html = render_html(template_name, context, agency=agency, landscape=landscape, draft=draft)
    paper = document_settings(agency).paper_size
    fonts = FontConfiguration()
    stylesheet = CSS(string=font_face_css() + page_size_css(paper, landscape),
                     font_config=fonts)
    return HTML(string=html, url_fetcher=url_fetcher(), base_url=FONT_DIR.as_uri()).write_pdf(
        stylesheets=[stylesheet], font_config=fonts)
