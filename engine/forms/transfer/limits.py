"""How much of a spreadsheet an import reads, and for how long.

The bounds count what the file really holds (rows, columns and cells that
carry a value, bytes once unpacked), never what the file says about itself:
an XLSX sheet's ``<dimension>`` may claim a million rows it does not have.
The API fills them from ``FORMWORK_IMPORT_*`` settings (docs/security.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from engine.forms.transfer.problems import file_problem
from engine.i18n import Message

MB = 1024 * 1024


@dataclass(frozen=True)
class ImportLimits:
    #: The uploaded file.
    max_bytes: int = 10 * MB
    #: Rows below the header (the last row holding a value counts, blank rows between too).
    max_rows: int = 50_000
    max_columns: int = 200
    #: Cells of the sheet's extent (rows × columns from A1) and cells read from a CSV.
    max_cells: int = 2_000_000
    #: Reading and checking the file, before any transaction.
    max_seconds: float = 30.0
    #: The XML parts of an XLSX once decompressed (a zip bomb stops here).
    max_unpacked_bytes: int = 100 * MB


@dataclass
class Deadline:
    """A time budget checked between steps of reading a file: parsing is CPU-bound work
    that nothing else interrupts, so every loop over the file's contents asks it."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    def check(self) -> None:
        if time.monotonic() - self.started > self.seconds:
            raise file_problem(Message("import.slow", seconds=self.seconds))


__all__ = ["MB", "Deadline", "ImportLimits"]
