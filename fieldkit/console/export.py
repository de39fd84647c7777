"""The overdue list as an XLSX workbook (openpyxl), safe to open in a spreadsheet.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return would be taken for a formula by a spreadsheet (a person's name typed as
``=HYPERLINK(...)`` must stay text): such text is stored with a leading
apostrophe, as a string cell, never a formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from fieldkit.domain.cells import neutralise as neutralise_text

__all__ = ["neutralise", "overdue_workbook"]


def neutralise(value: Any) -> Any:
    """``value``, with text that a spreadsheet would run as a formula made inert."""
    return neutralise_text(value) if isinstance(value, str) else value


def overdue_workbook(
    title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], on: date
) -> bytes:
    """A one-sheet workbook: a title row, the headers (frozen), then ``rows``."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = on.isoformat()
    sheet.append([neutralise(f"{title} {on.isoformat()}")])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([neutralise(h) for h in headers])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    for cells in sheet.iter_rows(min_row=3):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    sheet.freeze_panes = "A3"
    for i, header in enumerate(headers, start=1):
        longest = max([len(str(header)) * 2, *(len(str(r[i - 1])) * 2 for r in rows[:500])])
        sheet.column_dimensions[get_column_letter(i)].width = min(max(10, longest), 60)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
