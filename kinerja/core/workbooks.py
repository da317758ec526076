"""Opening an uploaded .xlsx without letting it take the server's memory.

An .xlsx is a zip of XML parts, and openpyxl believes what they say: a 1.3 MB file can inflate
to 600 MB of cells, all built as Python objects, and a sheet that declares the dimension
A1:XFD5000 makes the read-only reader pad every row to 16,384 cells. `open_workbook_safely`
therefore looks at the file before openpyxl does:

1. the upload's size;
2. the zip's directory: the number of entries, their total inflated size (the sizes zipfile
   itself holds each entry to, so a lying directory only makes the read fail), and the ratio of
   each large entry;
3. every part's XML, streamed through expat without building a tree: no DOCTYPE (a workbook
   never needs one; it is how entity bombs come), each sheet's declared `<dimension ref>`, the
   rows and columns its cells are written at, and the number of cells and of XML elements in
   the whole file.

Only then does openpyxl load the workbook. Each refusal is a `WorkbookRefused` whose message
names the limit; a file that is no workbook at all is `NotAWorkbook`, so that each reader can
keep its own wording for that.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.parsers import expat

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.cell import column_index_from_string
from openpyxl.workbook.workbook import Workbook

from . import limits
from .errors import DomainError

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CELL, ROW, DIMENSION = f"{MAIN} c", f"{MAIN} row", f"{MAIN} dimension"
REFERENCE = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
# XML elements allowed per cell: a cell is two to four (c, v, f, is/t), shared strings and
# styles add some; a file far beyond that is built to keep the parser busy.
ELEMENTS_PER_CELL = 10
CHUNK = 64 * 1024


class WorkbookRefused(DomainError):
    """An uploaded workbook that crosses a limit; the message names it."""

    status_code = 400

    def __init__(self, message: str, *, code: str = "workbook_limit"):
        super().__init__(message, code=code)


class NotAWorkbook(WorkbookRefused):
    def __init__(self):
        super().__init__(_("The file is not an .xlsx workbook."), code="not_a_workbook")


class _Stop(Exception):
    """Ends the XML scan from inside an expat handler."""


def _size(count: int) -> str:
    for unit, name in ((1024 * 1024, "MB"), (1024, "KB")):
        if count >= unit and count % unit == 0:
            return f"{count // unit} {name}"
    return f"{count} B"


def _cells(count: int) -> str:
    return f"{count:,}".replace(",", ".")


def _reference(text: str) -> tuple[int, int]:
    """(row, column) of a cell reference such as "XFD5000"; NotAWorkbook for nonsense."""
    match = REFERENCE.match(text)
    if match is None:
        raise NotAWorkbook()
    return int(match.group(2)), column_index_from_string(match.group(1).upper())


class _Scan:
    """Counts what the XML parts hold, refusing as soon as a limit is crossed."""

    def __init__(self, *, max_cells: int, max_rows: int, max_columns: int):
        self.max_cells, self.max_rows, self.max_columns = max_cells, max_rows, max_columns
        self.max_elements = max_cells * ELEMENTS_PER_CELL + 50_000
        self.cells = self.elements = 0
        self.part = ""
        self.row = self.column = 0
        self.refusal: WorkbookRefused | None = None

    def refuse(self, refusal: WorkbookRefused):
        self.refusal = refusal
        raise _Stop

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.elements += 1
        if self.elements > self.max_elements:
            self.refuse(WorkbookRefused(_(
                "The workbook's XML holds more than %(count)s elements, the limit for this "
                "upload.") % {"count": _cells(self.max_elements)}))
        if name == CELL:
            self.cells += 1
            if self.cells > self.max_cells:
                self.refuse(WorkbookRefused(_(
                    "The workbook holds more than %(count)s cells, the limit for this upload.")
                    % {"count": _cells(self.max_cells)}))
            reference = attributes.get("r")
            if reference:
                row, self.column = _reference(reference)
                self.check(row, self.column, reference)
            else:
                self.column += 1
                self.check(self.row, self.column, "")
        elif name == ROW:
            self.row = int(attributes["r"]) if attributes.get("r", "").isdigit() \
                else self.row + 1
            self.column = 0
            self.check(self.row, 1, "")
        elif name == DIMENSION:
            self.declared(attributes.get("ref", ""))

    def check(self, row: int, column: int, reference: str) -> None:
        if row > self.max_rows:
            self.refuse(WorkbookRefused(_(
                "%(part)s: a cell is written in row %(row)s; a sheet may have %(count)s rows at "
                "most, the limit for this upload.") % {
                    "part": self.part, "row": _cells(row), "count": _cells(self.max_rows)}))
        if column > self.max_columns:
            self.refuse(WorkbookRefused(_(
                "%(part)s: a cell is written in column %(column)s; a sheet may have %(count)s "
                "columns at most, the limit for this upload.") % {
                    "part": self.part, "column": reference or column,
                    "count": _cells(self.max_columns)}))

    def declared(self, ref: str) -> None:
        """The sheet's own statement of its size, which openpyxl's read-only mode trusts."""
        corners = [_reference(corner) for corner in ref.split(":")] if ref else []
        if not corners or len(corners) > 2:
            raise NotAWorkbook()
        last_row = max(row for row, _column in corners)
        last_column = max(column for _row, column in corners)
        rows = last_row - min(row for row, _column in corners) + 1
        columns = last_column - min(column for _row, column in corners) + 1
        if last_row > self.max_rows or last_column > self.max_columns:
            self.refuse(WorkbookRefused(_(
                "%(part)s declares the range %(ref)s (%(rows)s rows, %(columns)s columns); a "
                "sheet may have %(max_rows)s rows and %(max_columns)s columns at most, the "
                "limit for this upload.") % {
                    "part": self.part, "ref": ref, "rows": _cells(rows),
                    "columns": _cells(columns), "max_rows": _cells(self.max_rows),
                    "max_columns": _cells(self.max_columns)}))
        if rows * columns > self.max_cells:
            self.refuse(WorkbookRefused(_(
                "%(part)s declares the range %(ref)s, %(cells)s cells; a workbook may hold "
                "%(count)s cells at most, the limit for this upload.") % {
                    "part": self.part, "ref": ref, "cells": _cells(rows * columns),
                    "count": _cells(self.max_cells)}))

    def doctype(self, *args) -> None:
        self.refuse(WorkbookRefused(_(
            "%(part)s holds a document type declaration (DOCTYPE), which no workbook needs.")
            % {"part": self.part}))

    def parse(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        self.row = self.column = 0
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = self.start
        parser.StartDoctypeDeclHandler = self.doctype
        parser.EntityDeclHandler = self.doctype
        try:
            with archive.open(info) as stream:
                while chunk := stream.read(CHUNK):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except _Stop:
            raise self.refusal from None  # type: ignore[misc]
        except expat.ExpatError:
            # Not XML (a picture) or broken XML: nothing more to count in it. openpyxl refuses
            # a broken sheet itself; the cells before the fault were counted.
            return


def _attributes_of(archive: zipfile.ZipFile, part: str, tag: str) -> list[dict[str, str]]:
    """The attributes of every `tag` element of a small XML part (none when it is missing,
    large or not plain XML)."""
    found: list[dict[str, str]] = []
    try:
        info = archive.getinfo(part)
    except KeyError:
        return found
    if info.file_size > 1024 * 1024:
        return found
    parser = expat.ParserCreate(namespace_separator=" ")

    def start(name, attributes):
        if name.rsplit(" ", 1)[-1] == tag:
            found.append(attributes)

    def refuse(*args):
        raise _Stop

    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = refuse
    try:
        parser.Parse(archive.read(part), True)
    except (_Stop, expat.ExpatError, zipfile.BadZipFile, NotImplementedError, RuntimeError,
            OSError, EOFError, ValueError):
        return []
    return found


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Zip part → "Sheet «name»", so that a refusal names the sheet people see (best effort:
    the workbook where Excel, LibreOffice and openpyxl put it)."""
    relation = "http://schemas.openxmlformats.org/officeDocument/2006/relationships id"
    targets = {item.get("Id"): item.get("Target", "")
               for item in _attributes_of(archive, "xl/_rels/workbook.xml.rels", "Relationship")}
    names = {}
    for sheet in _attributes_of(archive, "xl/workbook.xml", "sheet"):
        target = targets.get(sheet.get(relation))
        if target:
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            names[part] = _("Sheet “%(name)s”") % {"name": sheet.get("name", "")}
    return names


def inspect_workbook(content: bytes, *, max_bytes: int, max_uncompressed: int, max_cells: int,
                     max_rows: int, max_columns: int) -> None:
    """Refuse the file (WorkbookRefused naming the limit) unless it fits every limit; reads the
    zip's directory and streams its XML, never holding a part in memory."""
    if len(content) > max_bytes:
        raise WorkbookRefused(_("The file is larger than %(size)s, the limit for this upload.")
                              % {"size": _size(max_bytes)})
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise NotAWorkbook() from None
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.WORKBOOK_MAX_ENTRIES:
            raise WorkbookRefused(_("The workbook has more than %(count)s parts, the limit for "
                                    "this upload.") % {"count": limits.WORKBOOK_MAX_ENTRIES})
        if sum(entry.file_size for entry in entries) > max_uncompressed:
            raise WorkbookRefused(_(
                "The workbook inflates to more than %(size)s when unpacked, the limit for this "
                "upload.") % {"size": _size(max_uncompressed)})
        names = _sheet_names(archive)
        for entry in entries:
            if (entry.file_size > limits.WORKBOOK_RATIO_FLOOR_BYTES
                    and entry.file_size > entry.compress_size
                    * limits.WORKBOOK_MAX_COMPRESSION_RATIO):
                raise WorkbookRefused(_(
                    "%(part)s is compressed more than %(ratio)s times, the limit for this "
                    "upload.") % {"part": names.get(entry.filename, entry.filename),
                                  "ratio": limits.WORKBOOK_MAX_COMPRESSION_RATIO})
        scan = _Scan(max_cells=max_cells, max_rows=max_rows, max_columns=max_columns)
        for entry in entries:
            scan.part = names.get(entry.filename, entry.filename)
            try:
                scan.parse(archive, entry)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError,
                    ValueError):
                raise NotAWorkbook() from None  # damaged, encrypted or oddly compressed


def open_workbook_safely(content: bytes, *, max_bytes: int, max_uncompressed: int,
                         max_cells: int, max_rows: int, max_columns: int,
                         read_only: bool = False, data_only: bool = True) -> Workbook:
    """The uploaded workbook, loaded by openpyxl once it is known to fit the limits (see the
    module's docstring). Raises WorkbookRefused naming the limit, or NotAWorkbook."""
    inspect_workbook(content, max_bytes=max_bytes, max_uncompressed=max_uncompressed,
                     max_cells=max_cells, max_rows=max_rows, max_columns=max_columns)
    try:
        return load_workbook(io.BytesIO(content), read_only=read_only, data_only=data_only)
    except MemoryError:
        raise
    except Exception:  # openpyxl raises anything from KeyError to its own errors
        raise NotAWorkbook() from None
