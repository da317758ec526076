"""Numbers as Indonesian offices type them: 1.234,5 (dot groups thousands, comma decimals)."""

import re
from decimal import Decimal, InvalidOperation

_GROUPED = re.compile(r"^[+-]?[0-9]{1,3}(\.[0-9]{3})+(,[0-9]+)?$")
_PLAIN_COMMA = re.compile(r"^[+-]?[0-9]+(,[0-9]+)?$")
_PLAIN_DOT = re.compile(r"^[+-]?[0-9]*\.[0-9]+$|^[+-]?[0-9]+$")


class NumberFormatError(ValueError):
    pass


def parse_number(text: str) -> Decimal:
    """Parse "1.234,56", "1234,56", "1234" or "12.5" (a single dot not grouping thousands is
    read as a decimal point, as typed on an English keyboard). Raises NumberFormatError."""
    cleaned = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if cleaned.endswith("%"):
        cleaned = cleaned[:-1]
    if not cleaned:
        raise NumberFormatError("empty")
    if _GROUPED.match(cleaned):
        normal = cleaned.replace(".", "").replace(",", ".")
    elif _PLAIN_COMMA.match(cleaned):
        normal = cleaned.replace(",", ".")
    elif _PLAIN_DOT.match(cleaned):
        normal = cleaned
    else:
        raise NumberFormatError(text)
    try:
        return Decimal(normal)
    except InvalidOperation:
        raise NumberFormatError(text) from None
