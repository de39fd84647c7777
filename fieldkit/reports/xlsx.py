"""The quarterly report as an Excel workbook (openpyxl): one sheet per section.

Each sheet: the title (bureau, quarter) on row 1 and the scope and dates on row 2,
both across the table; the Chinese headers on row 3, frozen with the rows above
them; the rows; the totals row in bold. Counts are whole numbers, money is
written as the exact decimal yuan amount (from whole fen, never through a float)
with the format ``#,##0.00``, dates as dates. Column widths follow the widest
text in terminal cells (a Chinese character counts two). Text cells are always
stored as text, never read as formulas.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from rich.cells import cell_len

from fieldkit.reports.cells import Hours, Yuan
from fieldkit.reports.model import QuarterlyReport
from fieldkit.reports.tables import Cell, Table, cell_text, report_tables, scope_line, title_line

__all__ = ["HEADER_ROW", "write_xlsx", "xlsx_bytes"]

HEADER_ROW = 3
"""The row of the column headers (rows 1 and 2 hold the title and the scope)."""

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_FORMATS = {Yuan: "#,##0.00", Hours: "0.00", date: "yyyy-mm-dd", int: "0"}
_MIN_WIDTH, _MAX_WIDTH = 6, 48


def _put(ws: Worksheet, row: int, col: int, value: Cell) -> XlCell:
    cell = ws.cell(row=row, column=col)
    assert isinstance(cell, XlCell), "report cells are never merged"
    if isinstance(value, Yuan | Hours):
        cell.value = value.decimal()
    else:
        cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # a name starting with "=" stays text
    fmt = _FORMATS.get(type(value))
    if fmt is not None:
        cell.number_format = fmt
    return cell


def _sheet(ws: Worksheet, table: Table, report: QuarterlyReport) -> None:
    width = len(table.headers)
    last = get_column_letter(width)
    ws["A1"] = f"{title_line(report)}：{table.title}"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = scope_line(report)
    for row in (1, 2):
        ws.merge_cells(f"A{row}:{last}{row}")
        ws[f"A{row}"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 24
    for col, header in enumerate(table.headers, start=1):
        cell = _put(ws, HEADER_ROW, col, header)
        cell.font = Font(bold=True)
        cell.fill = _HEAD_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    r = HEADER_ROW
    for r, values in enumerate(table.rows, start=HEADER_ROW + 1):
        for col, value in enumerate(values, start=1):
            _put(ws, r, col, value).border = _BORDER
    if table.note:
        r += 1
        _put(ws, r, 1, table.note)
        ws.merge_cells(f"A{r}:{last}{r}")
    if table.total is not None:
        r += 1
        for col, value in enumerate(table.total, start=1):
            cell = _put(ws, r, col, value)
            cell.font = Font(bold=True)
            cell.fill = _TOTAL_FILL
            cell.border = _BORDER
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    lines = [table.headers, *table.rows, *([table.total] if table.total else [])]
    for col in range(width):
        widest = max(cell_len(cell_text(line[col])) for line in lines)
        ws.column_dimensions[get_column_letter(col + 1)].width = min(
            _MAX_WIDTH, max(_MIN_WIDTH, widest + 2)
        )
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


def _workbook(report: QuarterlyReport) -> Workbook:
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for table in report_tables(report):
        _sheet(wb.create_sheet(table.sheet), table, report)
    return wb


def xlsx_bytes(report: QuarterlyReport) -> bytes:
    """The workbook's bytes."""
    out = BytesIO()
    _workbook(report).save(out)
    return out.getvalue()


def write_xlsx(report: QuarterlyReport, path: Path) -> None:
    """Write the workbook to ``path`` (see :func:`fieldkit.reports.output.write_report`
    for writing it whole or not at all)."""
    path.write_bytes(xlsx_bytes(report))
