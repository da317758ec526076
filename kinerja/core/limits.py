"""The limits on files people upload, checked before a file is parsed.

A small file can stand for an enormous one: a zip that inflates a hundredfold, a worksheet that
declares 16,384 columns, YAML aliases that expand to billions of values. Each reader checks the
file against these numbers first and refuses it with a message naming the limit, so that no
upload can take the server's memory. One number per limit: every way in (web form, admin,
management command, API) reads it from here.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- SOP files (YAML) -------------------------------------------------------------------------
# The seeded SOP is 14 KB, nests 4 levels and uses no alias; these leave room for far larger
# SOPs while refusing what only an attack would need.
SOP_FILE_MAX_BYTES = 512 * 1024
SOP_YAML_MAX_DEPTH = 32
SOP_YAML_MAX_ALIASES = 50
# Values in the file once every alias is expanded (the seed has about 300).
SOP_YAML_MAX_VALUES = 20_000


# --- Workbooks (.xlsx) -----------------------------------------------------------------------
@dataclass(frozen=True)
class WorkbookLimits:
    """What an uploaded workbook may hold, checked on the zip and the sheets' XML before
    openpyxl reads it (see `kinerja.core.workbooks.open_workbook_safely`)."""

    max_bytes: int  # the upload itself
    max_uncompressed: int  # all entries of the zip, inflated
    max_cells: int  # cells written in all sheets together
    max_rows: int  # per sheet, declared or written
    max_columns: int  # per sheet, declared or written

    def as_kwargs(self) -> dict[str, int]:
        return {"max_bytes": self.max_bytes, "max_uncompressed": self.max_uncompressed,
                "max_cells": self.max_cells, "max_rows": self.max_rows,
                "max_columns": self.max_columns}


# An entry that inflates more than this is refused whatever the total (xlsx parts compress
# 5–20 times; only a crafted entry reaches 100).
WORKBOOK_MAX_COMPRESSION_RATIO = 100
# Entries below this size are not held to the ratio: a tiny part of repeated bytes is harmless.
WORKBOOK_RATIO_FLOOR_BYTES = 1024 * 1024
WORKBOOK_MAX_ENTRIES = 1000

# A unit's data-request format: some dozens of indicators, seven columns, loaded whole by
# openpyxl (about 1 KB of memory per cell).
UNIT_WORKBOOK = WorkbookLimits(max_bytes=2 * 1024 * 1024, max_uncompressed=20 * 1024 * 1024,
                               max_cells=50_000, max_rows=10_000, max_columns=64)

# The indicator catalogue: up to 5,000 indicator rows of some thirty columns, read row by row
# (the read-only reader pads each row to the declared width, so the declared area counts too).
CATALOGUE_WORKBOOK = WorkbookLimits(max_bytes=5 * 1024 * 1024,
                                    max_uncompressed=50 * 1024 * 1024,
                                    max_cells=300_000, max_rows=10_000, max_columns=128)
