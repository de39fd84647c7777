"""Fixed-width text columns measured in terminal cells (a Chinese character takes two).

The roster draws each row as one pre-aligned line instead of one table cell per
field: painting a page of 50 rows then costs one cell per row, which keeps the
list quick to redraw while typing a search on an old laptop.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len

from fieldkit.tui.widgets import fit_cells

__all__ = ["GAP", "aligned", "column_widths"]

GAP = "  "


def column_widths(
    header: Sequence[str], rows: Sequence[Sequence[str]], caps: Sequence[int | None]
) -> list[int]:
    """The width in cells of each column: its widest value or header, at most its cap."""
    widths = []
    for i, head in enumerate(header):
        widest = max([cell_len(head), *(cell_len(r[i]) for r in rows)])
        cap = caps[i]
        widths.append(widest if cap is None else min(widest, cap))
    return widths


def aligned(values: Sequence[str], widths: Sequence[int]) -> str:
    """One line: each value cut or padded to its column's width in cells."""
    parts = []
    for value, width in zip(values, widths, strict=True):
        text = fit_cells(value, width)
        parts.append(text + " " * (width - cell_len(text)))
    return GAP.join(parts).rstrip()
