"""The free texts people type, as Kinerja stores them: one length limit per kind of text and
one normalisation of control characters. Every way in (the pages, the API, an uploaded
workbook) reaches a service, and the services call `clean_text`; the forms and the API schema
state the same limits, so the page's `maxlength` and the OpenAPI `maxLength` say what the
service will accept.

Line breaks are kept, in one form: "\\r\\n" and "\\r" (Windows, old Mac), the vertical tab
"\\x0b" (what Word writes for a line break), the form feed "\\x0c", NEL "\\x85" and the Unicode
line and paragraph separators all become "\\n". Tabs stay. Every other control character (C0,
DEL, C1), the lone surrogates and the non-characters U+FFFE and U+FFFF are removed, silently:
they are invisible, come in with pasted text, and cannot be stored in an .xlsx cell (XML 1.0
has no way to write them; a download would fail) nor, for NUL, in PostgreSQL. A text is
measured after this, in characters, so a limit counts what is stored.
"""

from __future__ import annotations

import re

from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .errors import DomainError

# Excel holds at most 32,767 characters in a cell; the limits stay well below it and keep a
# draft PDF quick to render (a 1 MB explanation took 88 s).
EXPLANATION_MAX_LENGTH = 5000  # an indicator's explanation, about two typed pages
REASON_MAX_LENGTH = 2000  # a return's, reopening's or finalising's reason; a change reason;
#                           a note; a comment per indicator; an instruction
MINUTES_MAX_LENGTH = 20000  # a meeting's minutes and its decisions
VALUE_TEXT_MAX_LENGTH = 40  # a typed number ("1.234.567,89"), before it is parsed

_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_REMOVED = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


class TextTooLong(DomainError):
    """A text over its limit; the message names the text and the limit."""

    def __init__(self, message: str, *, limit: int):
        super().__init__(message, code="text_too_long")
        self.limit = limit


def normalise_text(value: str, *, single_line: bool = False) -> str:
    """Line breaks as "\\n" (or spaces for a single-line text), other control characters
    removed, surrounding white space stripped."""
    if not isinstance(value, str):
        return value
    text = _REMOVED.sub("", _LINE_BREAKS.sub("\n", value))
    if single_line:
        text = text.replace("\n", " ")
    return text.strip()


def clean_text(value: str | None, *, max_length: int, field: str,
               single_line: bool = False) -> str:
    """The text as it is stored (`normalise_text`), or TextTooLong naming `field` (a
    translated label such as "the explanation of X1") and the limit."""
    text = normalise_text(value or "", single_line=single_line)
    if len(text) > max_length:
        raise TextTooLong(
            _("%(field)s is too long: %(length)s characters, at most %(limit)s.")
            % {"field": capfirst(field),
               "length": number_format(len(text), use_l10n=True, force_grouping=True),
               "limit": number_format(max_length, use_l10n=True, force_grouping=True)},
            limit=max_length)
    return text


def max_length_of(model, field_name: str) -> int:
    """The `max_length` of a model's text field, which `clean_text` enforces before the
    database would."""
    length = model._meta.get_field(field_name).max_length
    if length is None:
        raise ValueError(f"{model.__name__}.{field_name} has no max_length")
    return length
