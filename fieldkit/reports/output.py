"""Writing a report file, chosen by its suffix, whole or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from fieldkit.reports.csv_file import csv_bytes
from fieldkit.reports.model import QuarterlyReport
from fieldkit.reports.pdf import pdf_bytes
from fieldkit.reports.xlsx import xlsx_bytes

__all__ = ["FORMATS", "OutputError", "report_format", "write_report"]

FORMATS: dict[str, Callable[[QuarterlyReport], bytes]] = {
    ".xlsx": xlsx_bytes,
    ".csv": csv_bytes,
    ".pdf": pdf_bytes,
}
"""The file formats by suffix."""


class OutputError(ValueError):
    """A report file that cannot be written as asked (an unknown suffix)."""


def report_format(path: Path) -> str:
    """The format of ``path`` by its suffix (``.xlsx``, ``.csv`` or ``.pdf``, any case)."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(suffix)
    return suffix


def write_report(report: QuarterlyReport, path: Path) -> None:
    """Write ``report`` to ``path`` in the format its suffix names.

    The file is made beside ``path`` under a temporary name and renamed over it
    once complete, so a failure leaves no half-written file (and any old file as
    it was). Raises :class:`OutputError` for an unknown suffix and ``OSError``
    when the folder cannot be written.
    """
    data = FORMATS[report_format(path)](report)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
