"""``fieldkit report`` on a real laptop store: files written, messages in both languages."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from fieldkit.cli.main import main
from fieldkit.i18n import set_language
from tests.reports.report_county import build_county


@pytest.fixture(autouse=True)
def _chinese_after() -> Iterator[None]:
    yield
    set_language("zh")


@pytest.fixture(scope="module")
def laptop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-worked county's store file (closed, so commands open it themselves)."""
    county = build_county(tmp_path_factory.mktemp("cli") / "laptop.db")
    path = county.store.path
    county.store.close()
    return path


def _csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def test_xlsx_of_every_site(
    laptop: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "2026Q4.xlsx"
    assert main(["report", "--db", str(laptop), "--quarter", "2026Q4", "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"统计表已写入 {out}：2026Q4，全部站点\n"
    ws = load_workbook(out)["走访情况"]
    assert ws["A1"].value.startswith("古岚县老干部局 2026年第四季度活动情况统计表")
    assert [c.value for c in ws[7]] == ["合计", 2, 1, 0, 0, 1, 4, 1, 0, 9, 6, 5]


def test_one_site_by_name_in_english(
    laptop: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b.csv"
    argv = ["report", "--lang", "en", "--db", str(laptop), "--quarter", "2026q4",
            "--site", "石桥村", "--out", str(out), "--bureau", "某某县委老干部局"]  # fmt: skip
    assert main(argv) == 0
    assert capsys.readouterr().out == f"Report written to {out}: 2026Q4, site 石桥村\n"
    lines = _csv(out)
    assert lines[0] == ["某某县委老干部局 2026年第四季度活动情况统计表"]
    assert lines[1][0].startswith("统计范围：石桥村　统计期间：2026-10-01 至 2026-12-31")
    visits = lines.index(["二、走访情况（次）"])
    assert lines[visits + 2] == ["石桥村", "1", "1", "0", "0", "0", "1", "0", "0", "3", "3", "2"]
    assert lines[visits + 3] == ["合计", "1", "1", "0", "0", "0", "1", "0", "0", "3", "3", "2"]
    named = lines.index(["五、安置点居民 12 个月内未走访名单"])
    assert lines[named + 2] == ["合计", "0 人", "", "", "", ""]


def test_pdf(laptop: Path, tmp_path: Path) -> None:
    out = tmp_path / "q4.PDF"
    assert main(["report", "--db", str(laptop), "--quarter", "2026Q4", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("argv", "zh", "en"),
    [
        (["--quarter", "2026Q5", "--out", "{tmp}/x.xlsx"],
         "统计表：--quarter：“2026Q5”不是季度，应写作 2026Q4 这样的形式",
         "Report: --quarter: '2026Q5' is not a quarter like 2026Q4"),
        (["--quarter", "2026Q4", "--out", "{tmp}/x.docx"],
         "统计表：--out 的文件名须以 .xlsx、.csv 或 .pdf 结尾：{tmp}/x.docx",
         "Report: --out must end in .xlsx, .csv or .pdf: {tmp}/x.docx"),
        (["--quarter", "2026Q4", "--out", "{tmp}/nowhere/x.pdf"],
         "统计表：文件夹 {tmp}/nowhere 不存在，无法写入",
         "Report: no folder {tmp}/nowhere to write into"),
        (["--quarter", "2026Q4", "--site", "石桥", "--out", "{tmp}/x.csv"],
         "统计表：--site：没有名称或编号为“石桥”的站点；本机的站点有：河东社区、石桥村、幸福安置点",
         "Report: --site: no site named or with id '石桥'; sites here: "
         "河东社区、石桥村、幸福安置点"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_bad_input_is_named_and_writes_nothing(
    laptop: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    zh: str,
    en: str,
    lang: str,
) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(["report", "--lang", lang, "--db", str(laptop), *args]) == 1
    expected = (zh if lang == "zh" else en).replace("{tmp}", str(tmp_path))
    assert capsys.readouterr().err == f"fieldkit: {expected}\n"
    assert list(tmp_path.iterdir()) == []


def test_no_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "none.db"
    argv = ["report", "--db", str(missing), "--quarter", "2026Q4", "--out", str(tmp_path / "x.pdf")]
    assert main(argv) == 1
    assert capsys.readouterr().err == (
        f"fieldkit: 统计表：{missing} 没有本机数据库；请先导入花名册或加载演示数据\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_bad_policy_file(laptop: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[tiers.key]\ninterval_days = -3\n", encoding="utf-8")
    argv = ["report", "--db", str(laptop), "--quarter", "2026Q4", "--policy", str(policy),
            "--out", str(tmp_path / "x.csv")]  # fmt: skip
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("fieldkit: 统计表：走访规则文件有误：")
    assert "tiers.key.interval_days" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["policy.toml"]


def test_volunteer_laptop_shows_no_money(laptop: Path, tmp_path: Path) -> None:
    from fieldkit.store import Store

    copy = tmp_path / "volunteer.db"
    shutil.copy(laptop, copy)
    store = Store(copy)
    store.set_meta("role", "volunteer")
    store.close()
    out = tmp_path / "v.csv"
    assert main(["report", "--db", str(copy), "--quarter", "2026Q4", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8-sig")
    assert "本设备为志愿者设备，不含慰问金数据" in text
    assert "1820.50" not in text
