"""Text written into a workbook or a CSV file is data, never a formula.

A spreadsheet runs a cell whose text starts with "=" as a formula, and in a CSV file also one
that starts with "+", "-", "@", a tab or a carriage return: an explanation typed as
`=HYPERLINK("http://…";"klik")` would become a live link in the head's Excel, and a formula
cell without a cached value reads back as empty, so an uploaded workbook would lose the text.
Every text Kinerja writes therefore goes through this module:

- `text_cell(cell, text)`: the text as a string cell (openpyxl `data_type = "s"`, written as an
  inline string), whatever it starts with ("=1+1" stays text, "#N/A" is no error value). A
  text that starts with a formula character also gets Excel's quote prefix, so that editing the
  cell in Excel or LibreOffice keeps it text. Characters XML cannot carry (control characters
  but tab and line breaks, U+FFFE, U+FFFF) are dropped: a value stored before they were refused
  never makes a download fail. openpyxl reads a string cell back exactly as written, so a
  workbook downloaded and uploaded back unchanged changes nothing.
- `value_cell(cell, value)`: numbers, dates and empty cells as they are, text by `text_cell`.
- `csv_field(value)`: OWASP's rule for CSV: a field that starts with = + - @, tab or carriage
  return (or a NUL, per the ASVS) gets a leading apostrophe.

Formulas Kinerja writes on purpose (achievement, category, the catalogue's counts) are set as
`cell.value = "=…"` and never go through here.
"""

from __future__ import annotations

import re
from typing import Any

# Leading characters that make a spreadsheet read a text as a formula (OWASP's list, the NUL
# of the ASVS, and their full-width forms, which an Asian keyboard layout's Excel also reads).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0", "\uff1d", "\uff0b", "\uff0d",
                  "\uff20")
# Everything XML 1.0 cannot hold (its Char production), openpyxl's ILLEGAL_CHARACTERS_RE
# included: openpyxl refuses the control characters, lxml the rest.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def cell_text(value: Any) -> str:
    """The text as a cell can hold it."""
    return NOT_XML.sub("", str(value))


def text_cell(cell, text: Any):
    """Write `text` into the openpyxl cell as a string, never a formula; returns the cell.
    None leaves the cell empty."""
    if text is None:
        cell.value = None
        return cell
    text = cell_text(text)
    # openpyxl's own checks (it cuts a text at Excel's 32,767 characters) take "=…" for a
    # formula and "#N/A" for an error ...
    cell.value = text
    cell.data_type = "s"  # ... which this undoes: a string cell, whatever its text
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def value_cell(cell, value: Any):
    """Write a number, date or empty value as it is, and text as data (`text_cell`)."""
    if isinstance(value, str):
        return text_cell(cell, value)
    cell.value = value
    return cell


def csv_field(value: Any) -> str:
    """A CSV field that no spreadsheet reads as a formula (OWASP, CSV injection)."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_row(values) -> list[str]:
    return [csv_field(value) for value in values]
