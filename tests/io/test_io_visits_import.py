"""Visits import: paper visits into the demo store, and every bad file refused whole."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import col, select

from fieldkit.domain.models import Person, Visit
from fieldkit.domain.vocab import Confirmation, VisitReason
from fieldkit.importing import ImportRejected, import_visits
from fieldkit.paths import sample_data_dir
from fieldkit.store import Store
from tests.io.io_helpers import VISITS_HEADER, counts, paper_visits, write_csv

TODAY = date(2026, 11, 21)


def _rejected(store: Store, path: Path) -> str:
    before = counts(store.path)
    with pytest.raises(ImportRejected) as caught:
        import_visits(store, path, today=TODAY)
    assert counts(store.path) == before, "a refused import must write nothing"
    return str(caught.value)


def test_paper_visits_of_the_demo_go_in_once(demo_store: Store) -> None:
    before = counts(demo_store.path)
    report = import_visits(demo_store, sample_data_dir() / "visits.csv", today=TODAY)
    paper = paper_visits()
    assert paper > 30
    assert report.added == paper
    assert report.skipped == 0
    assert report.money_fen > 0
    after = counts(demo_store.path)
    assert after["visit"] == before["visit"] + paper
    assert after["outbox"] == before["outbox"] + paper, "each imported visit is queued for HQ"
    with sqlite3.connect(demo_store.path) as conn:
        tables = {t for (t,) in conn.execute("SELECT DISTINCT tbl FROM outbox")}
    assert tables == {"visit"}
    again = import_visits(demo_store, sample_data_dir() / "visits.csv", today=TODAY)
    assert (again.added, again.skipped) == (0, paper)
    assert counts(demo_store.path) == after


def test_fields_of_an_imported_visit(demo_store: Store, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "v.csv",
        [
            VISITS_HEADER,
            'GL-0003,2026/11/02,重阳节走访,张明、李芳,"1,200.50",需要助听器,送去慰问金,补录',
            "GL-0003,20261103,aid,张明,300元,,,",
        ],
        bom=False,
    )
    text = _rejected(demo_store, path)  # 重阳节走访 is not a visit type
    assert "line 2, 走访类型: '重阳节走访' is not one of: 节日走访 (festival)" in text
    path.write_text(path.read_text().replace("重阳节走访", "节日走访"), encoding="utf-8")
    report = import_visits(demo_store, path, today=TODAY)
    assert report.summary() == "新增走访 2 条（慰问金共 1500.50 元）；0 条已在本机，跳过"
    with demo_store.read() as s:
        person = s.exec(select(Person).where(Person.code == "GL-0003")).one()
        visits = s.exec(
            select(Visit)
            .where(Visit.person_id == person.id, Visit.visited_at >= datetime(2026, 11, 2))
            .order_by(col(Visit.visited_at))
        ).all()
        assert [v.reason for v in visits] == [VisitReason.FESTIVAL, VisitReason.AID]
        first = visits[0]
        assert first.visited_at == datetime(2026, 11, 2)
        assert (first.visitors, first.money_fen, first.needs) == ("张明,李芳", 120050, "需要助听器")
        assert first.site_id == person.site_id
        assert first.confirmation == Confirmation.NONE
        assert (first.services, first.notes) == ("送去慰问金", "补录")
        assert visits[1].money_fen == 30000


def test_xlsx_visits(demo_store: Store, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(VISITS_HEADER.split(","))
    sheet.append(["GL-0010", datetime(2026, 11, 5), "日常走访", "王琴", 0, "", "谈心", None])
    sheet.append(["GL-0011", "2026.11.06", "节日走访", "王琴", 500.5, None, None, None])
    path = tmp_path / "v.xlsx"
    book.save(path)
    report = import_visits(demo_store, path, today=TODAY)
    assert (report.added, report.money_fen) == (2, 50050)


def test_every_bad_visit_row_is_listed(demo_store: Store, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "v.csv",
        [
            VISITS_HEADER,
            "GL-0001,2026-10-20,日常走访,杨华,,,,",  # 2 good
            "GL-9999,2026-10-20,日常走访,杨华,,,,",  # 3 unknown person
            "GL-0002,2026-10-20,节日走访,杨华,-200,,,",  # 4 negative money
            "GL-0002,2026-10-32,节日走访,杨华,200,,,",  # 5 bad date
            "GL-0002,2026-10-21,串门,杨华,200,,,",  # 6 unknown type
            "GL-0002,2026-10-21,日常走访,,,,,",  # 7 nobody went
            "GL-0002,2027-01-01,日常走访,杨华,,,,",  # 8 future
            "GL-0001,2026-10-20,routine,杨华,,,,",  # 9 same as line 2
            "GL-0002,2026-10-21,日常走访,杨华,12.345,,,",  # 10 three decimals
            ",,,,,,,",  # blank: ignored
        ],
    )
    text = _rejected(demo_store, path)
    for expected in (
        "line 3, 编号: no person with code GL-9999 on this laptop",
        "line 4, 慰问金: '-200' is negative",
        "line 5, 日期: '2026-10-32' is not a real date",
        "line 6, 走访类型: '串门' is not one of:",
        "line 7, 走访人: is empty",
        "line 8, 日期: 2027-01-01 is in the future",
        "line 9, 编号: the same visit is already on line 2",
        "line 10, 慰问金: '12.345' has more than two decimals",
    ):
        assert expected in text, expected
    assert "line 2," not in text
    assert "line 2:" not in text
    assert "8 invalid rows; nothing was imported" in text


def test_wrong_visit_header(demo_store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "v.csv", ["编号,日期,类型说明,走访人", "GL-0001,2026-10-01,x,y"])
    text = _rejected(demo_store, path)
    assert "the header row is not right" in text
    assert "unknown column '类型说明'" in text
    assert "missing column 走访类型" in text
    assert "expected headers: 编号, 日期, 走访类型, 走访人, 慰问金?" in text


def test_roster_given_to_visits_import(demo_store: Store) -> None:
    text = _rejected(demo_store, sample_data_dir() / "roster.csv")
    assert "unknown column '姓名'" in text


def test_only_condolence_visits_after_a_death(demo_store: Store, tmp_path: Path) -> None:
    with sqlite3.connect(demo_store.path) as conn:
        code, died = conn.execute(
            "SELECT p.code, e.happened_on FROM person p JOIN person_event e ON e.person_id = p.id "
            "WHERE e.kind = 'deceased' ORDER BY p.code LIMIT 1"
        ).fetchone()
    later = date(2026, 11, 10)
    path = write_csv(
        tmp_path / "v.csv",
        [
            VISITS_HEADER,
            f"{code},{later.isoformat()},日常走访,杨华,,,,",
            f"{code},{later.isoformat()},去世慰问,杨华,1000,,看望家属,",
        ],
    )
    text = _rejected(demo_store, path)
    assert f"line 2, 日期: {code} died on {died}" in text
    assert "line 3" not in text


def test_a_header_without_rows(demo_store: Store, tmp_path: Path) -> None:
    text = _rejected(demo_store, write_csv(tmp_path / "v.csv", [VISITS_HEADER]))
    assert "file: the file has a header but no rows" in text


def test_full_width_code_date_and_money_from_a_chinese_input_method(
    demo_store: Store, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "v.csv",
        [VISITS_HEADER, "ＧＬ－０００５,２０２６－１１－０３,日常走访,杨华,￥３００,,,"],
    )
    report = import_visits(demo_store, path, today=TODAY)
    assert (report.added, report.money_fen) == (1, 30000)
