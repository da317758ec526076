"""HTML and CSS to PDF with WeasyPrint, on an agency's stationery, in the shipped fonts.

Every document is rendered in Indonesian (the language of the agency's files) whatever the
reader's interface language, and only in the shipped fonts, embedded in the PDF, so the same
data gives the same document on any machine. Any app may print here (the documents a round
files, the SOP document); none is imported.

An agency's stationery (its paper and letterhead) is kept by the documents app
(`DocumentSettings`). Core may import no app, so it asks the source the documents app
installs (`set_stationery_source`); until one is installed an agency prints on A4 under its
own names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.db import models
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# The fonts ship as the documents app's package data (pyproject.toml, package-data): they
# stay there, where the packaging finds them.
FONT_DIR = Path(__file__).resolve().parent.parent / "documents" / "fonts"
DOCUMENT_LANGUAGE = "id"


class PaperSize(models.TextChoices):
    A4 = "A4", _("A4 (210 × 297 mm)")
    F4 = "F4", _("F4 / folio (215 × 330 mm)")


# Portrait width and height in mm.
PAPER_MM = {PaperSize.A4: (210, 297), PaperSize.F4: (215, 330)}

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


def paper_mm(paper: str, *, landscape: bool = False) -> tuple[int, int]:
    """Width and height of a paper in mm, as it lies on the page."""
    width, height = PAPER_MM[PaperSize(paper)]
    return (height, width) if landscape else (width, height)


def page_size_css(paper: str, landscape: bool) -> str:
    width, height = paper_mm(paper, landscape=landscape)
    return f"@page {{ size: {width}mm {height}mm; }}"


@dataclass(frozen=True)
class Letterhead:
    government: str
    agency: str
    address_lines: list[str] = field(default_factory=list)
    logo_uri: str = ""


@dataclass(frozen=True)
class Stationery:
    """What an agency prints on: its paper and its letterhead."""

    paper: str
    letterhead: Letterhead


class NamedAgency(Protocol):
    government_name: str
    name: str


def plain_stationery(agency: NamedAgency) -> Stationery:
    return Stationery(PaperSize.A4, Letterhead(agency.government_name, agency.name))


StationerySource = Callable[[Any], Stationery]
_stationery_source: StationerySource = plain_stationery


def set_stationery_source(source: StationerySource) -> None:
    """The documents app installs its settings' reader here (documents/models.py)."""
    global _stationery_source
    _stationery_source = source


def stationery_of(agency: Any) -> Stationery:
    return _stationery_source(agency)


def _allowed_roots() -> list[Path]:
    return [FONT_DIR, Path(settings.MEDIA_ROOT).resolve()]


def url_fetcher():
    """Only the shipped fonts, the uploaded files (the agency's logo) and inline data: a
    document never reaches the network, whatever text it carries."""
    from weasyprint.urls import URLFetcher

    class LocalFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("file:"):
                path = Path(unquote(urlparse(url).path)).resolve()
                if not any(path.is_relative_to(root) for root in _allowed_roots()):
                    raise ValueError(f"Documents may not load {url}")
            return super().fetch(url, headers)

    return LocalFetcher(allowed_protocols={"file", "data"})


def render_html(template_name: str, context: dict, *, stationery: Stationery,
                landscape: bool = False, draft: bool = False) -> str:
    with translation.override(DOCUMENT_LANGUAGE):
        return render_to_string(template_name, {
            **context, "letterhead": stationery.letterhead, "draft": draft,
            "landscape": landscape,
        })


def html_to_pdf(html: str, *, paper: str, landscape: bool = False) -> bytes:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    stylesheet = CSS(string=font_face_css() + page_size_css(paper, landscape),
                     font_config=fonts)
    return HTML(string=html, url_fetcher=url_fetcher(), base_url=FONT_DIR.as_uri()).write_pdf(
        stylesheets=[stylesheet], font_config=fonts)


def render_pdf(template_name: str, context: dict, *, stationery: Stationery,
               landscape: bool = False, draft: bool = False) -> bytes:
    """The PDF of a document template (which extends documents/base.html)."""
    html = render_html(template_name, context, stationery=stationery, landscape=landscape,
                       draft=draft)
    return html_to_pdf(html, paper=stationery.paper, landscape=landscape)
