"""``fieldkit due`` on a real store: formats, site choice, and clear errors."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest

from fieldkit.cli.due import cell_width
from fieldkit.cli.main import main
from fieldkit.domain.models import Person, PersonEvent, Site, Visit
from fieldkit.domain.vocab import EventKind, SiteKind, Tier
from fieldkit.paths import config_dir
from fieldkit.store import Store, plain
from fieldkit.store.migrate import HEAD
from tests.support.store_revisions import store_down_to


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "laptop.db"
    store = Store(path)
    with store.write() as s:
        a = Site(name="幸福安置点", kind=SiteKind.RELOCATION)
        b = Site(name="石桥村")
        s.add_all([a, b])
        s.flush()
        key = Person(code="A-1", name="张三丰", site_id=a.id, tier=Tier.KEY, address="3栋2单元")
        sick = Person(code="B-1", name="Li Si", site_id=b.id, address="石桥村一组")
        s.add_all([key, sick])
        s.flush()
        s.add(Visit(person_id=key.id, site_id=a.id, visited_at=datetime(2026, 3, 1, 9)))
        s.add(Visit(person_id=sick.id, site_id=b.id, visited_at=datetime(2026, 3, 1, 9)))
        s.add(
            PersonEvent(
                person_id=sick.id,
                site_id=b.id,
                kind=EventKind.HOSPITALISED,
                happened_on=date(2026, 4, 9),
            )
        )
    store.close()
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_table_in_chinese_is_aligned_in_cells(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "due", "--db", str(db), "--date", "2026-04-11")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "走访提醒 2026-04-11: 已逾期 1，今日到期 0，本周到期 1，即将到期 0"
    assert "== 幸福安置点 (已逾期 1，今日到期 0，本周到期 0，即将到期 0)" in lines
    block = lines[lines.index("== 石桥村 (已逾期 0，今日到期 0，本周到期 1，即将到期 0)") + 1 :]
    header, row = block[0], block[1]
    assert header.startswith("状态")
    assert "住院 (2026-04-09): 3 天内走访" in row
    assert "Li Si" in row
    # every column starts at the same cell in the header and in the row
    for column in ("到期日", "编号", "姓名", "事项"):
        value = {"到期日": "2026-04-12", "编号": "B-1", "姓名": "Li Si", "事项": "住院探望"}[column]
        assert cell_width(header[: header.index(column)]) == cell_width(row[: row.index(value)])
    assert "重点关注: 上次走访 41 天前" in out


def test_cell_width_counts_wide_characters_twice() -> None:
    assert cell_width("张三丰") == 6
    assert cell_width("Li Si") == 5
    assert cell_width("ＡＢ") == 4  # fullwidth


def test_site_by_name_or_id_and_english(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "due", "--db", str(db), "--date", "2026-04-11", "--site", "石桥村", "--lang", "en"
    )
    assert code == 0
    assert out.splitlines()[0] == (
        "Visits due 2026-04-11: overdue 0, due today 0, due this week 1, upcoming 0"
    )
    assert "hospitalised on 2026-04-09: visit within 3 days" in out
    assert "张三丰" not in out
    code, out, _ = run(capsys, "due", "--db", str(db), "--date", "2026-04-11", "--format", "json")
    site_id = json.loads(out)["sites"][0]["site_id"]
    code, out, _ = run(
        capsys,
        "due",
        "--db",
        str(db),
        "--date",
        "2026-04-11",
        "--site",
        site_id,
        "--format",
        "json",
    )
    doc = json.loads(out)
    assert [s["site_id"] for s in doc["sites"]] == [site_id]


def test_csv_and_json(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "due", "--db", str(db), "--date", "2026-04-11", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["站点"], r["姓名"], r["状态"], r["原因"]) for r in rows] == [
        ("幸福安置点", "张三丰", "已逾期", "重点关注: 上次走访 41 天前"),
        ("石桥村", "Li Si", "本周到期", "住院 (2026-04-09): 3 天内走访"),
    ]
    code, out, _ = run(capsys, "due", "--db", str(db), "--date", "2026-04-11", "--format", "json")
    doc = json.loads(out)
    assert doc["on"] == "2026-04-11"
    assert doc["counts"] == {"overdue": 1, "due_today": 0, "due_this_week": 1, "upcoming": 0}
    task = doc["sites"][1]["tasks"][0]
    assert task["kind"] == "hospital"
    assert task["due"] == "2026-04-12"
    assert task["state"] == ("due_this_week")


def test_county_policy_from_the_config_dir_and_from_a_file(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir().mkdir(parents=True, exist_ok=True)
    (config_dir() / "policy.toml").write_text("[tiers.key]\ninterval_days = 60\n", "utf-8")
    code, out, _ = run(capsys, "due", "--db", str(db), "--date", "2026-04-11", "--format", "json")
    assert code == 0
    assert json.loads(out)["counts"]["overdue"] == 0
    strict = tmp_path / "strict.toml"
    strict.write_text("[hospital]\nwithin_days = 1\n", "utf-8")
    code, out, _ = run(
        capsys, "due", "--db", str(db), "--date", "2026-04-11", "--policy", str(strict)
    )
    assert code == 0
    assert "住院 (2026-04-09): 1 天内走访" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--date", "2026-13-01"], "--date: '2026-13-01' is not a date like 2026-11-21"),
        (["--date", "yesterday"], "--date: 'yesterday' is not a date"),
        (["--site", "月亮村"], "--site: no site named or with id '月亮村'; sites here: "),
    ],
)
def test_bad_input_is_a_clear_message(
    db: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    code, out, err = run(capsys, "due", "--db", str(db), *extra)
    assert code != 0
    assert out == ""
    assert err.startswith(f"fieldkit: {message}")


def test_bad_policy_file_names_the_key(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "county.toml"
    bad.write_text("[tiers.key]\ninterval_days = -3\n", "utf-8")
    code, out, err = run(capsys, "due", "--db", str(db), "--policy", str(bad))
    assert code == 1
    assert out == ""
    assert err.strip() == (
        f"fieldkit: policy: {bad}: tiers.key.interval_days: must be a positive whole number, got -3"
    )


def test_missing_store_is_not_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nothing.db"
    code, _, err = run(capsys, "due", "--db", str(missing))
    assert code == 1
    assert "no laptop store at" in err
    assert not missing.exists()


def test_empty_store_says_nothing_is_due(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.db"
    Store(path).close()
    code, out, _ = run(capsys, "due", "--db", str(path), "--date", "2026-04-11", "--lang", "en")
    assert code == 0
    assert out.endswith("No visits due.\n")


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(db)
    with store.write() as s:
        site = s.query(Site).filter_by(name="石桥村").one()
        s.add(
            Person(
                code="C-1",
                name='=HYPERLINK("http://x.example","点我")',
                site_id=site.id,
                tier=Tier.KEY,
                address="@SUM(1+1)",
            )
        )
    store.close()
    code, out, _ = run(capsys, "due", "--db", str(db), "--date", "2026-04-11", "--format", "csv")
    assert code == 0
    rows = {r["编号"]: r for r in csv.DictReader(io.StringIO(out))}
    assert rows["C-1"]["姓名"] == '\'=HYPERLINK("http://x.example","点我")'
    assert rows["C-1"]["地址"] == "'@SUM(1+1)"
    assert rows["A-1"]["姓名"] == "张三丰"


@pytest.mark.parametrize(
    ("lang", "notice"),
    [
        (
            "zh",
            "正在为新版 fieldkit 升级数据文件 {path}：只需一次，"
            "数据多的县可能要一分钟左右，请稍候……",
        ),
        (
            "en",
            "upgrading the store {path} for this version of fieldkit: this happens once"
            " and can take a minute for a large county; please wait...",
        ),
    ],
)
def test_an_older_store_is_upgraded_after_saying_so(
    db: Path, capsys: pytest.CaptureFixture[str], lang: str, notice: str
) -> None:
    argv = ("due", "--db", str(db), "--date", "2026-04-11", "--lang", lang)
    code, listing, err = run(capsys, *argv)
    assert (code, err) == (0, "")
    store_down_to(db, "0013")
    assert plain.needs_upgrade(db)

    code, out, err = run(capsys, *argv)
    assert code == 0
    assert err == notice.format(path=db) + "\n"
    assert out == listing
    assert not plain.needs_upgrade(db)
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
    finally:
        conn.close()
    # once: the next command says nothing
    assert run(capsys, *argv) == (0, listing, "")
