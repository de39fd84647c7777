"""Roster import: good files in every accepted shape, re-import counts, and every bad file."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import select

from fieldkit.domain.models import Person, Site
from fieldkit.domain.vocab import Category, Sex, SiteKind, Tier
from fieldkit.importing import ImportRejected, import_roster
from fieldkit.paths import sample_data_dir
from fieldkit.store import Store
from tests.io.io_helpers import ROSTER_HEADER, counts, write_csv, write_rows

TODAY = date(2026, 11, 21)


def _persons(store: Store) -> dict[str, Person]:
    with store.read() as s:
        people = {p.code: p for p in s.exec(select(Person))}
        s.expunge_all()
    return people


def _rejected(store: Store, path: Path) -> ImportRejected:
    before = counts(store.path)
    with pytest.raises(ImportRejected) as caught:
        import_roster(store, path, today=TODAY)
    assert counts(store.path) == before, "a refused import must write nothing"
    return caught.value


def test_sample_roster_into_an_empty_store_then_again(empty_store: Store) -> None:
    report = import_roster(empty_store, sample_data_dir() / "roster.csv", today=TODAY)
    assert (report.new, report.changed, report.unchanged) == (300, 0, 0)
    assert sorted(report.new_sites) == sorted(["青石湾安置点", "河东社区", "桃坪村", "松林村"])
    assert "新增 300 人，更新 0 人，未变 0 人；新增站点：" in report.summary()
    stored = counts(empty_store.path)
    assert stored["person"] == 300
    assert stored["site"] == 4
    assert stored["outbox"] == 304, "every imported person and site is queued for HQ"
    with empty_store.read() as s:
        relocation = s.exec(select(Site).where(Site.name == "青石湾安置点")).one()
        assert relocation.kind == SiteKind.RELOCATION
    again = import_roster(empty_store, sample_data_dir() / "roster.csv", today=TODAY)
    assert (again.new, again.changed, again.unchanged, again.new_sites) == (0, 0, 300, [])
    assert counts(empty_store.path)["outbox"] == 304


def test_sample_roster_matches_the_demo_store(demo_store: Store) -> None:
    report = import_roster(demo_store, sample_data_dir() / "roster.csv", today=TODAY)
    assert report.summary() == "新增 0 人，更新 0 人，未变 300 人"
    assert counts(demo_store.path)["outbox"] == 0


def test_csv_without_bom_english_headers_and_every_date_form(
    empty_store: Store, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "roster.csv",
        [
            "code,name,sex,birth_date,category,site,tier,lives_alone,hardship,party_member,"
            "party_year,phone,health,family,Skills",
            "T-1,张三丰,m,1940-03-05,lixiu,云岭社区,key,yes,no,1,1948,13800000001,高血压,独居,书法",
            "T-2,李秀英,female,1950/7/9,widow,云岭社区,periodic,0,1,0,,,,,",
            "T-3,王建国,男,1955.12.01,退休,云岭社区,日常跟踪,否,否,是,1975,,,,",
            "T-4,赵红,女,19800115,resident,石桥安置点,routine,no,yes,no,,,,,",
        ],
        bom=False,
    )
    report = import_roster(empty_store, path, today=TODAY)
    assert (report.new, report.new_sites) == (4, ["云岭社区", "石桥安置点"])
    people = _persons(empty_store)
    zhang = people["T-1"]
    assert (zhang.sex, zhang.category, zhang.tier) == (Sex.MALE, Category.LIXIU, Tier.KEY)
    assert zhang.birth_date == date(1940, 3, 5)
    assert (zhang.lives_alone, zhang.hardship, zhang.party_member) == (True, False, True)
    assert (zhang.party_year, zhang.phone, zhang.health, zhang.family) == (
        1948,
        "13800000001",
        "高血压",
        "独居",
    )
    assert zhang.skills == "书法"
    assert zhang.search_full == "zhangsanfeng"
    assert zhang.search_initials == "zsf"
    assert people["T-2"].birth_date == date(1950, 7, 9)
    assert people["T-3"].birth_date == date(1955, 12, 1)
    assert people["T-4"].birth_date == date(1980, 1, 15)
    assert people["T-3"].party_year == 1975
    assert people["T-2"].party_member is False


def test_xlsx_with_date_and_number_cells(empty_store: Store, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([*ROSTER_HEADER.split(","), "健康状况", "家庭情况"])
    sheet.append(
        ["X-1", "周德明", "男", datetime(1938, 5, 6), "离休", "县粮食局", "青石湾安置点",
         "3栋101", 13912345678, "重点关注", "是", "否", "是", 1947, "", "行动不便", "与女儿同住"]
    )  # fmt: skip
    sheet.append(
        ["X-2", "钱淑芬", "女", "1948-02-29", "遗孀", "", "青石湾安置点",
         "", None, "定期关注", "否", "是", "否", None, "低保户", None, None]
    )  # fmt: skip
    path = tmp_path / "roster.xlsx"
    book.save(path)
    report = import_roster(empty_store, path, today=TODAY)
    assert report.new == 2
    people = _persons(empty_store)
    assert people["X-1"].birth_date == date(1938, 5, 6)
    assert people["X-1"].phone == "13912345678"
    assert people["X-1"].party_year == 1947
    assert people["X-2"].birth_date == date(1948, 2, 29)
    assert people["X-2"].notes == "低保户"


def test_reimport_counts_new_changed_unchanged_and_queues_only_changes(
    empty_store: Store, tmp_path: Path
) -> None:
    rows = [
        ROSTER_HEADER.split(","),
        ["R-1", "孙国华", "男", "1950-01-01", "退休", "县水利局", "河东社区", "", "", "日常跟踪",
         "否", "否", "是", "1972", ""],
        ["R-2", "吴桂兰", "女", "1946-04-04", "遗孀", "", "河东社区", "", "", "定期关注",
         "是", "否", "否", "", ""],
        ["R-3", "郑光荣", "男", "1936-09-09", "退休", "县邮政局", "河东社区", "", "", "定期关注",
         "否", "否", "是", "1960", ""],
    ]  # fmt: skip
    first = import_roster(empty_store, write_rows(tmp_path / "a.csv", rows), today=TODAY)
    assert first.summary() == "新增 3 人，更新 0 人，未变 0 人；新增站点：河东社区"
    outbox_before = counts(empty_store.path)["outbox"]
    rows[1][8] = "13700000000"  # new phone
    rows[3][9] = "重点关注"  # tier raised
    rows[3][6] = "松林村"  # moved to a new site
    rows.append(
        ["R-4", "冯玉兰", "女", "1944-08-08", "遗孀", "", "松林村", "", "", "重点关注",
         "是", "是", "否", "", ""]
    )  # fmt: skip
    second = import_roster(empty_store, write_rows(tmp_path / "b.csv", rows), today=TODAY)
    assert second.summary() == "新增 1 人，更新 2 人，未变 1 人；新增站点：松林村"
    with sqlite3.connect(empty_store.path) as conn:
        entries = conn.execute(
            "SELECT tbl, data FROM outbox WHERE seq > ? ORDER BY seq", (outbox_before,)
        ).fetchall()
    changed = {json.dumps(json.loads(d), sort_keys=True) for t, d in entries if t == "person"}
    assert json.dumps({"phone": "13700000000"}) in changed
    assert sum(1 for t, _ in entries if t == "site") == 1
    assert len([t for t, _ in entries if t == "person"]) == 3  # changed; R-4 new
    people = _persons(empty_store)
    assert people["R-3"].tier == Tier.KEY
    assert people["R-1"].phone == "13700000000"


# ---- bad files: nothing written, every problem with its line ----------------------------


def test_wrong_header_names_the_expected_headers(demo_store: Store, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "r.csv", ["编号,名字,性别,出生日期,类别,站点", "A,张三,男,1950-01-01,退休,X"]
    )
    err = _rejected(demo_store, path)
    text = str(err)
    assert "unknown column '名字'" in text
    assert "missing column 姓名" in text
    assert "expected headers: 编号, 姓名, 性别" in text
    assert "birth_date" in text
    assert all(p.line == 1 for p in err.problems)


def test_every_bad_row_is_listed_with_its_line(demo_store: Store, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "r.csv",
        [
            ROSTER_HEADER,
            "N-1,甲一,男,1950-01-01,退休,,河东社区,,,日常跟踪,否,否,是,1970,",  # line 2 good
            "N-2,甲二,男,1950-13-45,退休,,河东社区,,,日常跟踪,否,否,否,,",  # 3 bad date
            "N-3,甲三,男,1950-01-01,干部,,河东社区,,,日常跟踪,否,否,否,,",  # 4 bad category
            "N-1,甲四,女,1950-01-01,退休,,河东社区,,,日常跟踪,否,否,否,,",  # 5 duplicate code
            ",,男,,退休,,河东社区,,,日常跟踪,否,否,否,,",  # 6 empty required cells
            "N-6,甲六,男,1960-01-01,退休,,河东社区,,,日常跟踪,否,否,是,1955,",  # 7 party < birth
            "N-7,甲七,男,1950-01-01,退休,,河东社区,,,特别关注,也许,否,否,,",  # 8 tier, bool
            "N-8,甲八,男,1950/01/01,退休,,河东社区,,,日常跟踪,否,否,否,19x0,",  # 9 year
            "",
            "N-9,甲九,女,1951-02-03,遗孀,,桃坪村,,,定期关注,否,否,否,,",  # line 11 good
        ],
    )
    err = _rejected(demo_store, path)
    lines = {p.line for p in err.problems}
    assert lines == {3, 4, 5, 6, 7, 8, 9}
    text = str(err)
    assert "7 invalid rows; nothing was imported" in text
    assert "line 3, 出生日期: '1950-13-45' is not a real date" in text
    assert "line 4, 类别: '干部' is not one of: 离休 (lixiu), 退休 (retired)" in text
    assert "line 5, 编号: code N-1 is already used on line 2" in text
    assert "line 6, 编号: is empty" in text
    assert "line 6, 姓名: is empty" in text
    assert "line 6, 出生日期: is empty" in text
    assert "line 7, 入党年份: 1955 is before the birth date 1960-01-01" in text
    assert "line 8, 关注等级: '特别关注' is not one of: 重点关注 (key)" in text
    assert "line 8, 独居: '也许' is not one of: 是 (yes, 1), 否 (no, 0)" in text
    assert "line 9, 入党年份: '19x0' is not a year" in text


def test_bad_date_says_which_forms_are_accepted(demo_store: Store, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "r.csv", [ROSTER_HEADER, "Z-1,乙,男,21/11/1950,退休,,河东社区,,,,,,,,"]
    )
    text = str(_rejected(demo_store, path))
    assert "line 2, 出生日期: '21/11/1950' is not a date" in text
    assert "2026-11-21, 2026/11/21, 2026.11.21, 20261121" in text


def test_not_utf8_tells_to_save_as_utf8_csv(demo_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(
        (ROSTER_HEADER + "\nG-1,张三,男,1950-01-01,退休,,河东社区,,,,,,,,\n").encode("gbk")
    )
    text = str(_rejected(demo_store, path))
    assert "not UTF-8" in text
    assert "GBK" in text
    assert "CSV UTF-8" in text


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("roster.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old binary Excel"),
        ("roster.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "not CSV or XLSX"),
        ("roster.xlsx", b"PK\x03\x04 this is not really a workbook", "not a readable Excel"),
        ("roster.csv", "编号\n".encode("utf-16"), "UTF-16"),
        ("roster.csv", b"\x00\x01\x02binary", "binary data"),
        ("roster.csv", b"", "empty"),
    ],
)
def test_files_that_are_not_csv_or_xlsx(
    demo_store: Store, tmp_path: Path, name: str, data: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    err = _rejected(demo_store, path)
    assert expected in str(err)
    assert "CSV UTF-8" in str(err) or "empty" in str(err)


def test_missing_file(demo_store: Store, tmp_path: Path) -> None:
    assert "there is no file" in str(_rejected(demo_store, tmp_path / "nope.csv"))


def test_title_rows_above_the_header_are_skipped_and_lines_kept(
    demo_store: Store, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["古岚县离退休干部花名册"])
    sheet.append(["填报单位：县委老干部局", None, None, "2026年11月"])
    sheet.append([])
    sheet.append(ROSTER_HEADER.split(","))  # line 4
    sheet.append(["GL-0001", "王清永", "男", "1941-08-11", "退休"])  # line 5: no 站点
    path = tmp_path / "titled.xlsx"
    book.save(path)
    err = _rejected(demo_store, path)
    assert [str(p) for p in err.problems] == [
        "line 5, 站点: is empty; this column must be filled in"
    ]


def test_a_deleted_person_on_the_roster_again_is_restored(demo_store: Store) -> None:
    with demo_store.write() as s:
        person = s.exec(select(Person).where(Person.code == "GL-0007")).one()
        person.deleted = True
    report = import_roster(demo_store, sample_data_dir() / "roster.csv", today=TODAY)
    assert (report.changed, report.unchanged) == (1, 299)
    assert _persons(demo_store)["GL-0007"].deleted is False
