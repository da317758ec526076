"""Numbers as Indonesian offices type them: 1.234,5 (dot groups thousands, comma decimals).

A text is read only where its reading is certain (the table in the README, "Numbers"):

- a comma is the decimal sign, and with a comma every dot groups thousands: "1.234,5";
- several dot groups are thousands: "1.234.567";
- one dot that cannot group thousands is a decimal point, as typed on an English keyboard:
  "12.5", "0.25", "0.262" (a group has three digits, and a number never starts with a 0 group);
- one dot followed by exactly three digits, after one to three digits not starting with 0
  ("12.345"), reads two ways, 12345 or 12,345. `parse_number` raises `AmbiguousNumber` with
  both readings; `read_number` decides with the indicator's decimals: an indicator without
  decimals can only mean the whole number, any other refuses and names both readings.
"""

import re
from decimal import Decimal, InvalidOperation

_GROUPED_WITH_COMMA = re.compile(r"^[+-]?[1-9][0-9]{0,2}(\.[0-9]{3})+,[0-9]+$")
_GROUPED = re.compile(r"^[+-]?[1-9][0-9]{0,2}(\.[0-9]{3}){2,}$")
_PLAIN_COMMA = re.compile(r"^[+-]?[0-9]+(,[0-9]+)?$")
_ONE_DOT = re.compile(r"^([+-]?)([0-9]*)\.([0-9]+)$")
# The API's own form of a number, as it answers one: digits and at most one decimal point.
_MACHINE_NUMBER = re.compile(r"^\s*[+-]?[0-9]+(\.[0-9]+)?\s*$")


class NumberFormatError(ValueError):
    pass


class AmbiguousNumber(ValueError):
    """A text with two readings: `grouped` (the dot groups thousands) and `decimal`."""

    def __init__(self, text: str, *, grouped: Decimal, decimal: Decimal):
        super().__init__(text)
        self.text, self.grouped, self.decimal = text, grouped, decimal


def _compact(text: str) -> str:
    cleaned = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    return cleaned[:-1] if cleaned.endswith("%") else cleaned


def _decimal(normal: str, text: str) -> Decimal:
    try:
        return Decimal(normal)
    except InvalidOperation:
        raise NumberFormatError(text) from None


def parse_number(text: str) -> Decimal:
    """Parse "1.234,56", "1234,56", "1.234.567", "1234" or "12.5". Raises NumberFormatError,
    or AmbiguousNumber for a text such as "12.345"."""
    cleaned = _compact(text)
    if not cleaned:
        raise NumberFormatError("empty")
    if _GROUPED_WITH_COMMA.match(cleaned) or _GROUPED.match(cleaned):
        return _decimal(cleaned.replace(".", "").replace(",", "."), text)
    if _PLAIN_COMMA.match(cleaned):
        return _decimal(cleaned.replace(",", "."), text)
    one_dot = _ONE_DOT.match(cleaned)
    if one_dot is None:
        raise NumberFormatError(text)
    sign, whole, fraction = one_dot.groups()
    decimal = _decimal(f"{sign}{whole or '0'}.{fraction}", text)
    if 1 <= len(whole) <= 3 and not whole.startswith("0") and len(fraction) == 3:
        raise AmbiguousNumber(text, grouped=_decimal(f"{sign}{whole}{fraction}", text),
                              decimal=decimal)
    return decimal


def read_number(text: str, *, decimals: int) -> Decimal:
    """`parse_number` for a value with at most `decimals` decimals: an ambiguous text is the
    whole number when the value can have no decimals; otherwise AmbiguousNumber stands."""
    try:
        return parse_number(text)
    except AmbiguousNumber as ambiguous:
        if decimals == 0:
            return ambiguous.grouped
        raise


def entry_text(value: str | Decimal | None) -> str:
    """An API value as the text the page would send. A JSON number, and a string in the API's
    own form ("12.345", as GET answers it), become text with a decimal comma, which has one
    reading; the page's rules would take "12.345" for either 12345 or 12,345. Other strings
    ("1.234,5") are read as on the page."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip().replace(".", ",") if _MACHINE_NUMBER.match(value) else value
    return format(value, "f").replace(".", ",")
