"""Hostile files, made at test time (no big binaries in the repository), and a way to run code
under a memory limit.

`under_memory_limit` forks: the child inherits the test's database connection and data (the
parent waits, so the connection is never used by both at once) and ends with `os._exit`, which
leaves the connection open for the parent. Only the child's address space is limited.
"""

from __future__ import annotations

import functools
import io
import os
import pickle
import re
import resource
import select
import signal
import zipfile
from collections.abc import Callable
from typing import Any

from openpyxl import Workbook

MEMORY_HEADROOM = 512 * 1024 * 1024


# --- Workbooks ------------------------------------------------------------------------------

def replace_entry(workbook: bytes, name: str, content: bytes | Callable[[Any], None]) -> bytes:
    """The workbook with one zip entry's content replaced (the others copied as they are);
    `content` may be a function that writes it to a stream."""
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, \
            zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info.filename, source.read(info.filename))
                continue
            with target.open(name, "w", force_zip64=True) as stream:
                if callable(content):
                    content(stream)
                else:
                    stream.write(content)
    return output.getvalue()


@functools.cache
def inflating_workbook(megabytes: int = 200) -> bytes:
    """A workbook with the sheets of a unit's format (Petunjuk, Data, Kunci) whose Data sheet
    holds millions of cells: `megabytes` MB once inflated, some hundred KB in the file (the
    finding's file was 1.3 MB on disk and 600 MB of cells). openpyxl reads every sheet before
    the keys can be checked, so the file need not belong to any unit."""
    book = Workbook()
    book.active.title = "Petunjuk"
    book.create_sheet("Data")["A1"] = "Kode"
    book.create_sheet("Kunci")["A1"] = "template_version"
    plain = io.BytesIO()
    book.save(plain)

    def write(stream) -> None:
        stream.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                     b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                     b'main"><sheetData>')
        chunk = (b"<row>" + b"<c><v>1</v></c>" * 1000 + b"</row>") * 64
        written = 0
        while written < megabytes * 1024 * 1024:
            stream.write(chunk)
            written += len(chunk)
        stream.write(b"</sheetData></worksheet>")

    return replace_entry(plain.getvalue(), "xl/worksheets/sheet2.xml", write)


def declaring_workbook(workbook: bytes, sheet: str, ref: str) -> bytes:
    """The workbook with the sheet's declared dimension set to `ref` (cells unchanged)."""
    with zipfile.ZipFile(io.BytesIO(workbook)) as source:
        xml = source.read(sheet)
    xml, count = re.subn(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), xml)
    assert count == 1
    return replace_entry(workbook, sheet, xml)


# --- SOP files ------------------------------------------------------------------------------

# 9 aliases on each of 9 levels: 9^9 strings once expanded, from some 340 bytes.
BILLION_LAUGHS = "\n".join(
    [f"a: &a [{', '.join(['lol'] * 9)}]"]
    + [f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]"
       for previous, name in zip("abcdefgh", "bcdefghi", strict=True)]) + "\n"
ALIAS_CYCLE = "a: &a [x, *a]\n"
DEEP_NESTING = "[" * 5000 + "]" * 5000


# --- Running under a memory limit -----------------------------------------------------------

def _address_space() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize")


def under_memory_limit(function: Callable[[], Any], *, headroom: int = MEMORY_HEADROOM,
                       timeout: float = 120) -> tuple[str, Any]:
    """Run `function` in a forked child whose address space may grow by `headroom` bytes at
    most (resource.setrlimit). Returns ("ok", its result) or (exception class name, message);
    a child that dies or runs out of time fails the test."""
    reader, writer = os.pipe()
    limit = _address_space() + headroom
    pid = os.fork()
    if pid == 0:  # the child
        os.close(reader)
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            outcome: tuple[str, Any] = ("ok", function())
        except BaseException as error:  # what failed is the answer
            outcome = (type(error).__name__, str(error)[:2000])
        try:
            payload = pickle.dumps(outcome)
        except Exception as error:
            payload = pickle.dumps(("unpicklable", repr(error)))
        with os.fdopen(writer, "wb") as stream:
            stream.write(payload)
        os._exit(0)
    os.close(writer)
    chunks = []
    try:
        while True:
            ready, _, _ = select.select([reader], [], [], timeout)
            if not ready:
                os.kill(pid, signal.SIGKILL)
                raise AssertionError(f"the child ran longer than {timeout} s")
            chunk = os.read(reader, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(reader)
        _, status = os.waitpid(pid, 0)
    if not chunks:
        raise AssertionError(f"the child died without an answer (status {status})")
    return pickle.loads(b"".join(chunks))
