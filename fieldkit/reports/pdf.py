"""The quarterly report as a PDF to print and file (reportlab, A4 landscape).

Text is set in the CID font STSong-Light (Adobe's Song typeface that every PDF
reader provides for simplified Chinese, so nothing is embedded and the file
stays small). The title and scope head the first page; each section follows
with its title and a ruled table whose header row repeats on every page it
runs onto; the totals row is shaded. Columns share the page width in proportion
to their widest text; headers wrap. Every page carries its number.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from rich.cells import cell_len

from fieldkit.reports.model import QuarterlyReport
from fieldkit.reports.tables import Table as ReportTable
from fieldkit.reports.tables import cell_text, report_tables, scope_line, title_line

__all__ = ["FONT", "pdf_bytes", "write_pdf"]

FONT = "STSong-Light"
_PAGE = landscape(A4)
_MARGIN = 15 * mm
_BODY = 8.5

pdfmetrics.registerFont(UnicodeCIDFont(FONT))

_TITLE = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22, alignment=1)
_SCOPE = ParagraphStyle("scope", fontName=FONT, fontSize=9, leading=13, alignment=1)
_HEADING = ParagraphStyle(
    "heading", fontName=FONT, fontSize=11.5, leading=16, spaceBefore=8, keepWithNext=1
)
_HEADER = ParagraphStyle("header", fontName=FONT, fontSize=_BODY, leading=_BODY + 2, alignment=1)
_CELL = ParagraphStyle("cell", fontName=FONT, fontSize=_BODY, leading=_BODY + 2)
_NOTE = ParagraphStyle("note", fontName=FONT, fontSize=9, leading=13)


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _widths(table: ReportTable, room: float) -> list[float]:
    """Column widths fitting each column's widest text or header, shrunk in proportion
    to ``room`` when wider (headers then wrap); a half-width character takes about half
    the font size."""
    lines = [*table.rows, *([table.total] if table.total else [])]
    need = []
    for col, header in enumerate(table.headers):
        widest_value = max((cell_len(cell_text(line[col])) for line in lines), default=0)
        need.append(max(4, widest_value, cell_len(header)) + 3)
    natural = [n * _BODY * 0.55 for n in need]
    scale = min(1.0, room / sum(natural))
    return [w * scale for w in natural]


def _table(table: ReportTable) -> list[Flowable]:
    out: list[Flowable] = [Paragraph(_escaped(table.title), _HEADING)]
    header = [Paragraph(_escaped(h), _HEADER) for h in table.headers]
    body: list[list[object]] = [
        [
            Paragraph(_escaped(cell_text(v)), _CELL) if isinstance(v, str) else cell_text(v)
            for v in row
        ]
        for row in table.rows
    ]
    total: list[list[object]] = []
    if table.total is not None:
        total = [[cell_text(v) for v in table.total]]
    grid = Table(
        [header, *body, *total],
        colWidths=_widths(table, _PAGE[0] - 2 * _MARGIN),
        repeatRows=1,
        hAlign="LEFT",
    )
    style: list[Any] = [
        ("FONT", (0, 0), (-1, -1), FONT, _BODY),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
    ]
    if total:
        style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#F2F2F2")))
    grid.setStyle(TableStyle(style))
    out.append(grid)
    if table.note:
        out.append(Paragraph(_escaped(table.note), _NOTE))
    return out


def _page_number(canvas: Canvas, doc: SimpleDocTemplate) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 8)
    canvas.drawCentredString(_PAGE[0] / 2, 8 * mm, f"第 {doc.page} 页")
    canvas.restoreState()


def pdf_bytes(report: QuarterlyReport) -> bytes:
    """The PDF file's bytes."""
    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=_PAGE,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN,
        title=title_line(report),
        author=report.bureau,
        creator="fieldkit",
    )
    story: list[Flowable] = [
        Paragraph(_escaped(title_line(report)), _TITLE),
        Paragraph(_escaped(scope_line(report)), _SCOPE),
        Spacer(1, 4 * mm),
    ]
    for table in report_tables(report):
        story.extend(_table(table))
    doc.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return out.getvalue()


def write_pdf(report: QuarterlyReport, path: Path) -> None:
    """Write the PDF file to ``path``."""
    path.write_bytes(pdf_bytes(report))
