"""The quarterly report as one CSV file: UTF-8 with a BOM, one block per section.

One file rather than a zip of one CSV per section: the command is asked for
``FILE.csv``, and a single file opens in Excel (the BOM makes it read the Chinese)
as one sheet that prints the same as the PDF. Layout: the title line and the scope
line, then for each section a blank line, its title (``一、服务对象情况``), its header
line, its rows and its totals line. A program that wants one table per sheet
reads the XLSX instead.

Every text cell goes through :func:`fieldkit.reports.cells.neutralise` (names and
addresses are typed by people); money is ``1234.56`` yuan from whole fen, hours
``4.50``, days ``2026-11-21``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fieldkit.reports.cells import neutralise
from fieldkit.reports.model import QuarterlyReport
from fieldkit.reports.tables import Cell, cell_text, report_tables, scope_line, title_line

__all__ = ["csv_bytes", "write_csv"]


def _cell(value: Cell) -> str:
    return neutralise(value) if isinstance(value, str) else cell_text(value)


def csv_bytes(report: QuarterlyReport) -> bytes:
    """The CSV file's bytes (UTF-8 with BOM, CRLF line ends as spreadsheets expect)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(title_line(report))])
    writer.writerow([neutralise(scope_line(report))])
    for table in report_tables(report):
        writer.writerow([])
        writer.writerow([neutralise(table.title)])
        writer.writerow([neutralise(h) for h in table.headers])
        for row in table.rows:
            writer.writerow([_cell(v) for v in row])
        if table.note:
            writer.writerow([neutralise(table.note)])
        if table.total is not None:
            writer.writerow([_cell(v) for v in table.total])
    return out.getvalue().encode("utf-8-sig")


def write_csv(report: QuarterlyReport, path: Path) -> None:
    """Write the CSV file to ``path``."""
    path.write_bytes(csv_bytes(report))
