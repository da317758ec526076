"""Uploaded files: what a file is (read from its bytes, never from its name) and how it is
served back.

Kinerja accepts three kinds of upload, all of them pages of paper or pictures of them: PDF,
PNG and JPEG (hardcopy scans, evidence, the letterhead logo takes PNG or JPEG). The type is
sniffed from the first bytes, checked against that allow-list and stored; the uploader's file
name is kept only to name the download, with the sniffed type's extension.

Every uploaded file goes out through `file_response`, which:
- sends the stored type only, with `X-Content-Type-Options: nosniff`, so no browser reads a
  "JPEG" as a script or a "PDF" as a page;
- sends `Content-Security-Policy: sandbox; default-src 'none'`, so that even a file a browser
  did render as a document runs no script, loads nothing and has no origin to act for;
- shows PDF, PNG and JPEG inline (the reader sees the scan in the browser; the sandbox leaves
  Chromium's PDF viewer and image documents working, test_browser_files.py), and anything else
  (a row stored before its type was checked, whose bytes are none of the three) as an
  `application/octet-stream` attachment;
- names the file safely: no path, no quotes or control characters, the type's extension.

The signing certificate is never served: there is no URL for MEDIA_ROOT at all.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
UNKNOWN = "application/octet-stream"

# Magic bytes of each allowed type. Only these; SVG, HTML, GIF or anything else is refused.
SIGNATURES = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))
SNIFF_BYTES = 16
SUFFIXES = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg"}
# Suffixes a download may keep as the uploader wrote them.
KEPT_SUFFIXES = {PDF: {".pdf"}, PNG: {".png"}, JPEG: {".jpg", ".jpeg"}}
ALLOWED_TYPES = frozenset(SUFFIXES)
IMAGE_TYPES = frozenset({PNG, JPEG})
# What a browser may show in the tab; anything else is downloaded.
INLINE_TYPES = frozenset({PDF, PNG, JPEG})

FILE_POLICY = "sandbox; default-src 'none'"
MAX_NAME_LENGTH = 100


def sniff(head: bytes) -> str | None:
    """The allowed type the bytes start with, or None."""
    return next((kind for magic, kind in SIGNATURES if head.startswith(magic)), None)


def sniff_stored(field_file) -> str | None:
    """The allowed type of a stored file (a FieldFile), read from its first bytes."""
    try:
        with field_file.open("rb") as handle:
            return sniff(handle.read(SNIFF_BYTES))
    except OSError:
        return None


def validate_png_or_jpeg(upload) -> None:
    """A model-field validator (the letterhead logo): PNG or JPEG by content, whatever the
    name. A stored file that is not re-uploaded is not read again."""
    if getattr(upload, "_committed", True) and not hasattr(upload, "content_type"):
        return
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(position)
    if sniff(head) not in IMAGE_TYPES:
        raise ValidationError(_("The logo must be a PNG or JPEG image."), code="file_type")


def suffix_for(content_type: str) -> str:
    return SUFFIXES[content_type]


def served_type(stored_type: str, field_file) -> str:
    """The type to serve a stored file as: the stored one when it is on the allow-list,
    otherwise what its bytes say (rows stored before the type was checked), otherwise
    `application/octet-stream`."""
    if stored_type in ALLOWED_TYPES:
        return stored_type
    return sniff_stored(field_file) or UNKNOWN


def safe_filename(name: str, content_type: str, *, fallback: str = "file") -> str:
    """The uploader's name without a path, quotes or control characters, ending in the
    extension of the type it is served as ("x.js" served as JPEG is "x.jpg")."""
    base = PurePath((name or "").replace("\\", "/")).name
    base = unicodedata.normalize("NFC", base)
    base = "".join(char for char in base if unicodedata.category(char)[0] not in {"C", "Z"}
                   or char == " ")
    base = re.sub(r'["\'<>:;/|?*%]', "_", base).strip(" .") or fallback
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    wanted = SUFFIXES.get(content_type, ".bin")
    if f".{suffix.lower()}" in KEPT_SUFFIXES.get(content_type, set()):
        wanted = f".{suffix}"
    stem = (stem or fallback)[:MAX_NAME_LENGTH - len(wanted)]
    return f"{stem}{wanted}"


def file_response(opened, *, content_type: str, filename: str) -> FileResponse:
    """Serve an opened file as `content_type` (one of the allowed types, else an attachment of
    unknown type), with the headers described above."""
    if content_type not in ALLOWED_TYPES:
        content_type = UNKNOWN
    response = FileResponse(opened, content_type=content_type,
                            as_attachment=content_type not in INLINE_TYPES,
                            filename=safe_filename(filename, content_type))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_POLICY
    return response


def stored_file_response(field_file, *, stored_type: str, filename: str) -> FileResponse:
    """`file_response` for a file stored in a FileField; a file missing from the storage is
    a 404, not a server error."""
    content_type = served_type(stored_type, field_file)
    try:
        opened = field_file.open("rb")
    except OSError:
        raise Http404 from None
    return file_response(opened, content_type=content_type, filename=filename)
