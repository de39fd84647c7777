"""Fixed-width text columns measured in terminal cells (a Chinese character takes two).

The roster draws each row as one pre-aligned line instead of one table cell per
field: painting a page of 50 rows then costs one cell per row, which keeps the
list quick to redraw while typing a search on an old laptop.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len

from fieldkit.tui.widgets import fit_cells

__all__ = ["GAP", "aligned", "column_widths", "line_width"]

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


def line_width(widths: Sequence[int]) -> int:
    """The cells a full line of these columns takes (the table column's fixed width).

    Given to the table up front: a width left to grow with the rows is only
    settled on a later refresh, and a row drawn before then is clipped.
    """
    return sum(widths) + len(GAP) * max(0, len(widths) - 1)


def aligned(values: Sequence[str], widths: Sequence[int]) -> str:
    """One line: each value cut or padded to its column's width in cells."""
    parts = []
    for value, width in zip(values, widths, strict=True):
        text = fit_cells(value, width)
        parts.append(text + " " * (width - cell_len(text)))
    return GAP.join(parts).rstrip()
