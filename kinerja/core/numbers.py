"""Kinerja's one number language: how a number is read and written on every path (the table
in the README, "Numbers").

People type Indonesian: 1.234,5 (the dot groups thousands, the comma is the decimal sign), on
the pages, in the admin's number fields, in a workbook's text cells and in the catalogue
workbook. A text is read only where its reading is certain:

- a comma is the decimal sign, and with a comma every dot groups thousands: "1.234,5";
- several dot groups are thousands: "1.234.567";
- one dot that cannot group thousands is a decimal point, as typed on an English keyboard:
  "12.5", "0.25", "0.262" (a group has three digits, and a number never starts with a 0 group);
- one dot followed by exactly three digits, after one to three digits not starting with 0
  ("12.345"), reads two ways, 12345 or 12,345. `parse_number` raises `AmbiguousNumber` with
  both readings; `read_number` decides with the indicator's decimals: an indicator without
  decimals can only mean the whole number, any other refuses and names both readings.

`read_typed` is that reading with the sentence a person sees when it fails; `shown` and
`input_text` write a number the Indonesian way, so that what a form shows reads back as the
same number.

Programs speak the machine form (the API): a JSON number, or a string of an optional sign,
digits and at most one decimal point ("1234.5"): `parse_machine`, `machine_text`.
"""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .text import VALUE_TEXT_MAX_LENGTH

_GROUPED_WITH_COMMA = re.compile(r"^[+-]?[1-9][0-9]{0,2}(\.[0-9]{3})+,[0-9]+$")
_GROUPED = re.compile(r"^[+-]?[1-9][0-9]{0,2}(\.[0-9]{3}){2,}$")
_PLAIN_COMMA = re.compile(r"^[+-]?[0-9]+(,[0-9]+)?$")
_ONE_DOT = re.compile(r"^([+-]?)([0-9]*)\.([0-9]+)$")
# The machine form (the API's): an optional sign, ASCII digits, at most one decimal point.
# MACHINE_PATTERN is the same rule for the OpenAPI document (an empty text means no value).
_MACHINE = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
MACHINE_PATTERN = r"^([+-]?[0-9]+(\.[0-9]+)?)?$"


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


def read_typed(text: str, *, decimals: int | None) -> Decimal | None:
    """A number as a person typed it (pages, admin, workbook text cells), or None for an empty
    text; a ValueError carries the sentence to show. `decimals` is the indicator's: 0 reads
    "12.345" as the whole number; None (no indicator) or any other refuses it, naming both
    readings."""
    stripped = (text or "").strip()
    if not stripped:
        return None
    if len(stripped) > VALUE_TEXT_MAX_LENGTH:
        raise ValueError(_("The number is too long: at most %(limit)d characters.")
                         % {"limit": VALUE_TEXT_MAX_LENGTH})
    try:
        return read_number(stripped, decimals=4 if decimals is None else decimals)
    except NumberFormatError:
        raise ValueError(_("“%(text)s” is not a number (write e.g. 1.234,5).")
                         % {"text": stripped}) from None
    except AmbiguousNumber as ambiguous:
        # Never guessed: both readings are named, each written the one way it cannot be
        # misread (no grouping dot; a decimal comma).
        raise ValueError(_("“%(text)s” can be read two ways: %(whole)s or %(decimal)s? Write "
                           "%(whole)s for the whole number or %(decimal)s for the decimal.")
                         % {"text": stripped, "whole": format(ambiguous.grouped, "f"),
                            "decimal": format(ambiguous.decimal, "f").replace(".", ",")}
                         ) from None


def shown(value: Decimal | int, *, decimals: int | None = None, grouping: bool = True) -> str:
    """The number written the Indonesian way: "1.234,5", "0,262", "-12". At least `decimals`
    decimals (padded with zeros); never fewer than the value has, so no digit is hidden."""
    value = Decimal(value)
    if value == 0:
        value = abs(value)  # -0 is 0
    exponent = value.normalize().as_tuple().exponent
    places = max(decimals or 0, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    whole, _dot, fraction = format(abs(value), f".{places}f").partition(".")
    if grouping:
        head = len(whole) % 3 or 3
        whole = ".".join([whole[:head]] + [whole[i:i + 3] for i in range(head, len(whole), 3)])
    text = f"{whole},{fraction}" if fraction else whole
    return f"-{text}" if value < 0 else text


def input_text(value: Decimal | int | None, *, decimals: int | None) -> str:
    """The number as a form field shows it for editing: grouped where the grouped text reads
    back as the same number with `decimals` (see `read_typed`), otherwise without grouping
    ("12500" for a field without an indicator's decimals, where "12.500" would be ambiguous).

    Never fewer decimals than the value has (`shown`): 54,32 of an indicator whose decimals
    were lowered to 0 is "54,32", not "54", so that a page saved unchanged never rounds a
    stored value (catalogue/guard.py lets the decimals be lowered only with a reason)."""
    if value is None:
        return ""
    grouped = shown(value, decimals=decimals)
    if decimals is not None:
        try:
            if read_number(grouped, decimals=decimals) == Decimal(value):
                return grouped
        except ValueError:
            pass
    return shown(value, decimals=decimals, grouping=False)


def parse_machine(text: str) -> Decimal:
    """A string in the machine form ("1234.5", "-0.262", "12"); NumberFormatError otherwise
    (a grouping dot, a decimal comma, an exponent, spaces, non-ASCII digits)."""
    if not isinstance(text, str) or not _MACHINE.fullmatch(text):
        raise NumberFormatError(text)
    return Decimal(text)


def machine_text(value: Decimal | None) -> str | None:
    """The machine form of a stored value: "12.5", "10", "0.3215", never an exponent or
    padding zeros; `parse_machine` reads it back as the same number."""
    if value is None:
        return None
    if value == 0:
        return "0"
    return format(value.normalize(), "f")
