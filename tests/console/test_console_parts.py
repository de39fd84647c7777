"""The console's pieces on their own: the XLSX export, quarters, the chart, the QR code."""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from fieldkit.console.chart import weekly_visits_svg
from fieldkit.console.export import neutralise, overdue_workbook
from fieldkit.console.figures import Quarter, weeks_of
from fieldkit.console.qr import qr_svg
from fieldkit.locale.catalog import extract_msgids


@pytest.mark.parametrize("text", ["=1+2", "+86 138", "-3", "@SUM(A1)", "\tx", "\rx"])
def test_text_a_spreadsheet_would_run_stays_text(text: str) -> None:
    body = overdue_workbook("逾期走访", ["姓名", "地址"], [[text, "松林村"]], date(2026, 11, 1))
    sheet = load_workbook(BytesIO(body)).active
    assert sheet is not None
    cell = sheet["A3"]
    # (XML reads a stored carriage return back as a line feed)
    assert cell.value == "'" + text.replace("\r", "\n")
    assert cell.data_type == "s"
    assert sheet["B3"].value == "松林村"
    assert sheet["A1"].value == "逾期走访 2026-11-01"
    assert [c.value for c in sheet[2]] == ["姓名", "地址"]
    assert sheet.freeze_panes == "A3"


def test_ordinary_values_are_kept_as_they_are() -> None:
    assert neutralise("王芳") == "王芳"
    assert neutralise("a=b") == "a=b"
    assert neutralise(-3) == -3
    assert neutralise(None) is None


def test_quarters() -> None:
    q = Quarter.of(date(2026, 12, 31))
    assert str(q) == "2026Q4"
    assert (q.start, q.end) == (date(2026, 10, 1), date(2027, 1, 1))
    assert str(q.following()) == "2027Q1"
    assert str(Quarter(2027, 1).previous()) == "2026Q4"
    assert Quarter.parse(" 2026q2 ") == Quarter(2026, 2)
    assert Quarter.parse("2026Q5") is None
    assert Quarter.parse("'; drop") is None
    weeks = weeks_of(date(2026, 10, 1), date(2027, 1, 1))
    assert weeks[0] == date(2026, 9, 28)
    assert weeks[-1] == date(2026, 12, 28)
    assert len(weeks) == 14


def test_the_chart_is_plain_svg_without_script_or_outside_links() -> None:
    svg = weekly_visits_svg(
        "各站点每周走访次数", [date(2026, 9, 28), date(2026, 10, 5)], [("东山安置点", [3, 5])]
    )
    assert svg.lstrip().startswith("<svg")
    assert "<script" not in svg
    # nothing for the browser to fetch from outside (pygal's comments name its site)
    assert re.search(r'(src|href)\s*=\s*"(https?:)?//', svg) is None
    assert "kozea.github.io" not in svg
    assert "东山安置点" in svg


def test_the_qr_code_is_inline_svg() -> None:
    svg = qr_svg("K7QW-M3XP-9RTA")
    assert svg.startswith("<svg")
    assert "<path" in svg


def test_template_texts_are_catalogued() -> None:
    msgids = set(extract_msgids())
    assert {"Overview", "Keep this value", "Persons served"} <= msgids


def test_the_chart_draws_the_busiest_sites_and_sums_the_rest() -> None:
    from fieldkit.console.figures import Overview, SiteLine
    from fieldkit.console.pages import CHART_SITES, chart_series

    weeks = [date(2026, 9, 28), date(2026, 10, 5)]
    lines = [SiteLine(site_id=f"s{i}", name=f"站点{i:02d}", visits=i) for i in range(12)]
    weekly = {f"s{i}": [i, 2 * i] for i in range(12)}
    total = SiteLine(site_id="", name="")
    figures = Overview(date(2026, 11, 1), Quarter(2026, 4), lines, total, weeks, weekly)
    series = chart_series(figures, "其他站点")
    assert [name for name, _ in series[:CHART_SITES]] == [f"站点{i:02d}" for i in range(11, 3, -1)]
    assert series[CHART_SITES] == ("其他站点 (4)", [0 + 1 + 2 + 3, 2 * (0 + 1 + 2 + 3)])
