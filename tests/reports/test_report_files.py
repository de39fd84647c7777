"""The report files read back: XLSX cell by cell, CSV line by line, PDF rendered and read."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook

from fieldkit.reports import QuarterlyReport, write_report
from fieldkit.reports.cells import neutralise
from fieldkit.reports.model import Section, UnvisitedResident
from fieldkit.reports.output import OutputError
from fieldkit.reports.tables import report_tables

TITLE = "古岚县老干部局 2026年第四季度活动情况统计表"
SCOPE = "统计范围：全部站点　统计期间：2026-10-01 至 2026-12-31　制表日期：2027-01-05"
SHEETS = [
    "服务对象", "走访情况", "一人一策按站点", "一人一策按事项", "安置点未访", "慰问金物资",
    "咨询服务", "志愿服务",
]  # fmt: skip


def _yuan(value: object) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal("0.01"))


def test_xlsx_cell_by_cell(q4: QuarterlyReport, tmp_path: Path) -> None:
    path = tmp_path / "q4.xlsx"
    write_report(q4, path)
    wb = load_workbook(path)
    assert wb.sheetnames == SHEETS

    ws = wb["服务对象"]
    assert ws["A1"].value == f"{TITLE}：一、服务对象情况"
    assert ws["A2"].value == SCOPE
    assert "A1:L1" in {str(r) for r in ws.merged_cells.ranges}
    assert [c.value for c in ws[3]] == [
        "站点", "服务对象", "离休", "退休", "遗孀", "居民", "重点关注", "定期关注", "日常跟踪",
        "本季新建档", "本季迁出", "本季去世",
    ]  # fmt: skip
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=4)] == [
        ["河东社区", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ["石桥村", 3, 0, 2, 0, 1, 1, 0, 2, 1, 1, 0],
        ["幸福安置点", 5, 1, 1, 1, 2, 1, 1, 3, 0, 0, 1],
        ["合计", 8, 1, 3, 1, 3, 2, 1, 5, 1, 1, 1],
    ]
    assert ws.freeze_panes == "A4"
    assert ws["A7"].font.b is True
    assert ws.column_dimensions["A"].width >= 12  # 幸福安置点: ten cells wide

    ws = wb["走访情况"]
    assert [c.value for c in ws[3]] == [
        "站点", "节日走访", "住院探望", "生日走访", "变故走访", "去世慰问", "日常走访",
        "问需走访", "帮扶走访", "走访合计", "走访人数", "扫码确认",
    ]  # fmt: skip
    assert [c.value for c in ws[7]] == ["合计", 2, 1, 0, 0, 1, 4, 1, 0, 9, 6, 5]

    ws = wb["一人一策按事项"]
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=3)] == [
        ["事项", "应访次数", "按时完成", "逾期完成", "未完成"],
        ["去世慰问", 2, 2, 0, 0],
        ["住院探望", 1, 0, 1, 0],
        ["变故走访", 0, 0, 0, 0],
        ["跟进事项", 1, 0, 1, 0],
        ["生日走访", 0, 0, 0, 0],
        ["节日走访", 7, 2, 0, 5],
        ["定期走访", 9, 1, 3, 5],
        ["年度走访", 2, 0, 0, 2],
        ["合计", 22, 5, 5, 12],
    ]

    ws = wb["安置点未访"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert rows[0][:5] == ["幸福安置点", "A-2", "李四", "李四家", "139000012"]
    last_visit = rows[0][5]
    assert isinstance(last_visit, datetime)
    assert last_visit.date() == date(2025, 10, 5)
    assert ws["F4"].number_format == "yyyy-mm-dd"
    assert rows[1] == ["幸福安置点", "A-5", "孔十一", "孔十一家", "139000015", "从未走访"]
    assert rows[2] == ["合计", "2 人", None, None, None, None]

    ws = wb["慰问金物资"]
    header = [c.value for c in ws[3]]
    assert header[-3:] == ["金额合计", "慰问人数", "送物资次数"]
    a = {h: c.value for h, c in zip(header, ws[6], strict=True)}
    assert a["站点"] == "幸福安置点"
    assert _yuan(a["节日走访"]) == Decimal("500.50")
    assert _yuan(a["去世慰问"]) == Decimal("1000.00")
    assert _yuan(a["金额合计"]) == Decimal("1820.50")
    assert (a["慰问人数"], a["送物资次数"]) == (3, 2)
    total = {h: c.value for h, c in zip(header, ws[7], strict=True)}
    assert _yuan(total["金额合计"]) == Decimal("2371.00")
    assert ws["J7"].number_format == "#,##0.00"

    ws = wb["志愿服务"]
    assert [c.value for c in ws[3]][-4:] == [
        "活动合计",
        "志愿者人次",
        "受益群众人次",
        "服务时长（小时）",
    ]
    assert [c.value for c in ws[5]][:2] == ["幸福安置点", "爱晚志愿者"]
    assert [c.value for c in ws[5]][-4:] == [2, 5, 45, 9]
    assert [c.value for c in ws[6]][-4:] == [3, 6, 57, 10]


def test_xlsx_money_is_written_as_exact_decimals(q4: QuarterlyReport, tmp_path: Path) -> None:
    path = tmp_path / "q4.xlsx"
    write_report(q4, path)
    with zipfile.ZipFile(path) as z:
        names = load_workbook(path).sheetnames
        sheet = z.read(f"xl/worksheets/sheet{names.index('慰问金物资') + 1}.xml").decode()
    # the exact decimal amounts (no binary-float digits); the cell format shows two decimals
    assert "<v>500.5</v>" in sheet
    assert "<v>1820.5</v>" in sheet
    assert "<v>2371</v>" in sheet
    values = re.findall(r"<v>([^<]*)</v>", sheet)
    assert values
    assert all(re.fullmatch(r"\d+(\.\d{1,2})?", v) for v in values), values


def test_csv_read_back(q4: QuarterlyReport, tmp_path: Path) -> None:
    path = tmp_path / "q4.csv"
    write_report(q4, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert lines[0] == [TITLE]
    assert lines[1] == [SCOPE]
    titles = [
        line[0]
        for line in lines
        if line and line[0][:2] in {"一、", "二、", "三、", "四、", "五、", "六、", "七、", "八、"}
    ]
    assert titles == [t.title for t in report_tables(q4)]
    start = lines.index(["六、慰问金及物资发放情况（元）"])
    assert lines[start + 1][0] == "站点"
    assert lines[start + 4] == [
        "幸福安置点", "500.50", "0.00", "0.00", "0.00", "1000.00", "320.00", "0.00", "0.00",
        "1820.50", "3", "2",
    ]  # fmt: skip
    assert lines[start + 5][0] == "合计"
    assert lines[start + 5][9] == "2371.00"
    named = lines.index(["五、安置点居民 12 个月内未走访名单"])
    assert lines[named + 2] == ["幸福安置点", "A-2", "李四", "李四家", "139000012", "2025-10-05"]
    assert lines[named + 3][5] == "从未走访"


def test_csv_neutralises_formulas_typed_into_names(q4: QuarterlyReport, tmp_path: Path) -> None:
    hostile = UnvisitedResident(
        q4.unvisited[0].site, "x", '=HYPERLINK("http://x")', "+1-2", "@SUM(A1)", "\t-3", None
    )
    report = replace(q4, unvisited=(*q4.unvisited, hostile))
    path = tmp_path / "hostile.csv"
    write_report(report, path)
    lines = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    row = next(line for line in lines if len(line) > 1 and line[1].startswith("'="))
    assert row[1:5] == ['\'=HYPERLINK("http://x")', "'+1-2", "'@SUM(A1)", "'\t-3"]
    # the XLSX keeps them as text, never as formulas
    xlsx = tmp_path / "hostile.xlsx"
    write_report(report, xlsx)
    ws = load_workbook(xlsx)["安置点未访"]
    cell = ws["B6"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"), ("+86 139", "'+86 139"), ("-5", "'-5"), ("@cmd", "'@cmd"),
        ("\tx", "'\tx"), ("\rx", "'\rx"), ("＝1", "'＝1"), ("张三", "张三"), ("", ""),
        ("a=b", "a=b"), (" =x", " =x"),
    ],
)  # fmt: skip
def test_neutralise(text: str, safe: str) -> None:
    assert neutralise(text) == safe


def test_pdf_pages_render_with_the_chinese_headers(q4: QuarterlyReport, tmp_path: Path) -> None:
    path = tmp_path / "q4.pdf"
    write_report(q4, path)
    pdf = pdfium.PdfDocument(path)
    try:
        width, height = pdf[0].get_size()
        assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
        text = ""
        for page in pdf:
            text += page.get_textpage().get_text_range()
            image = page.render(scale=1).to_pil().convert("L")
            dark = sum(image.histogram()[:128])
            assert dark > 1000, "a page rendered blank"
    finally:
        pdf.close()
    compact = "".join(text.split())
    for needle in (
        "古岚县老干部局", "2026年第四季度活动情况统计表", "一、服务对象情况", "二、走访情况",
        "离休", "重点关注", "节日走访", "扫码确认", "按时完成", "逾期完成", "未完成",
        "五、安置点居民12个月内未走访名单", "孔十一", "从未走访", "1820.50", "2371.00",
        "八、志愿服务活动情况", "爱晚志愿者", "受益群众人次", "第1页",
    ):  # fmt: skip
        assert needle in compact, needle


def test_volunteer_laptop_says_it_holds_no_money(q4: QuarterlyReport, tmp_path: Path) -> None:
    report = replace(q4, money_hidden=True)
    path = tmp_path / "volunteer.csv"
    write_report(report, path)
    text = path.read_text(encoding="utf-8-sig")
    block = text.split("六、慰问金及物资发放情况（元）")[1].split("七、")[0]
    assert "志愿者设备，不含慰问金数据" in block
    assert "1820.50" not in text


def test_unknown_suffix_writes_nothing(q4: QuarterlyReport, tmp_path: Path) -> None:
    with pytest.raises(OutputError):
        write_report(q4, tmp_path / "q4.docx")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_the_old_file_and_leaves_no_part(
    q4: QuarterlyReport, tmp_path: Path
) -> None:
    path = tmp_path / "q4.csv"
    path.write_text("old", encoding="utf-8")
    broken = replace(q4, persons=Section(q4.persons.rows, None))  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        write_report(broken, path)
    assert path.read_text(encoding="utf-8") == "old"
    # the rename over the target fails (a folder holds its name): no part file is left
    taken = tmp_path / "taken.pdf"
    taken.mkdir()
    with pytest.raises(IsADirectoryError):
        write_report(q4, taken)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q4.csv", "taken.pdf"]
