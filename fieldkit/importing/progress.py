"""How far an import has got, for a progress bar: rows read and written, part of the file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["ImportProgress", "ProgressCallback"]


@dataclass(frozen=True, slots=True)
class ImportProgress:
    """An import's progress: data rows read (and checked), rows written, file part read."""

    read: int
    written: int
    done: float
    """The part of the file read so far, 0 to 1 (by bytes for CSV, by rows for XLSX)."""


ProgressCallback = Callable[[ImportProgress], None]
"""Called by an import after every chunk of rows it has checked and written."""
