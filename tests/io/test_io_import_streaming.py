"""The streamed, chunked roster import stores exactly the persons of the file.

A few thousand generated rows (more than one chunk) go into a new store from CSV
and from XLSX; every row's fields are compared with what the store holds, every
new person and site has a full-row outbox entry equal to the stored row, the
search index and search keys hold the new persons, progress is reported, and a
bad row in the last chunk rolls back the chunks already written.
"""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from fieldkit.importing import ImportProgress, ImportRejected, import_roster
from fieldkit.importing.roster import CHUNK_ROWS
from fieldkit.store import Store
from fieldkit.store.roster import RosterFilter, search_roster
from tests.io.io_helpers import ALL_COLUMNS, id_number, person_rows, write_rows
from tests.support.stored_ids import as_text

TODAY = date(2026, 11, 21)


def _roster(path: Path, rows: list[list[str]]) -> Path:
    return write_rows(path, [ALL_COLUMNS, *rows])


ROWS = 2 * CHUNK_ROWS + 345
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗曾"
_GIVEN = "建国秀英桂兰玉珍德明永清福庆娟敏红梅志强海燕"
_SITES = ("青石湾安置点", "河东社区", "桃坪村", "松林村")


def _generated(n: int) -> list[list[str]]:
    rng = random.Random(7)
    rows = []
    for i in range(n):
        born = date(1930 + rng.randrange(60), 1 + rng.randrange(12), 1 + rng.randrange(28))
        party = rng.random() < 0.4
        values = {
            "编号": f"T-{i + 1:05d}",
            "姓名": rng.choice(_SURNAMES) + "".join(rng.sample(_GIVEN, rng.choice((1, 2)))),
            "性别": rng.choice(("男", "女")),
            "出生日期": born.isoformat(),
            "类别": rng.choice(("离休", "退休", "遗孀", "居民")),
            "原单位": rng.choice(("县粮食局", "县第一中学", "")),
            "站点": rng.choice(_SITES),
            "地址": f"{rng.randrange(1, 40)}栋{rng.randrange(1, 6)}单元",
            "电话": rng.choice((f"13{rng.randrange(10**9):09d}", "0834-5550123", "")),
            "关注等级": rng.choice(("重点关注", "定期关注", "日常跟踪")),
            "独居": rng.choice(("是", "否")),
            "特殊困难": rng.choice(("是", "否")),
            "党员": "是" if party else "否",
            "入党年份": str(born.year + 20) if party else "",
            "备注": rng.choice(("", "耳背，需大声", "彝族，需双语交流")),
            "健康状况": rng.choice(("", "高血压，按时服药")),
            "家庭情况": rng.choice(("", "与女儿同住")),
            "特长": rng.choice(("", "书法", "农技")),
            "身份证号": id_number(born, i) if rng.random() < 0.9 else "",
        }
        rows.append([values[h] for h in ALL_COLUMNS])
    return rows


_BOOL = {"是": 1, "否": 0}
_VOCAB = {
    "男": "male", "女": "female", "离休": "lixiu", "退休": "retired", "遗孀": "widow",
    "居民": "resident", "重点关注": "key", "定期关注": "periodic", "日常跟踪": "routine",
}  # fmt: skip


def _expected(row: list[str]) -> dict[str, Any]:
    v = dict(zip(ALL_COLUMNS, row, strict=True))
    return {
        "code": v["编号"], "name": v["姓名"], "sex": _VOCAB[v["性别"]],
        "birth_date": v["出生日期"], "category": _VOCAB[v["类别"]], "former_unit": v["原单位"],
        "address": v["地址"], "phone": v["电话"], "tier": _VOCAB[v["关注等级"]],
        "lives_alone": _BOOL[v["独居"]], "hardship": _BOOL[v["特殊困难"]],
        "party_member": _BOOL[v["党员"]],
        "party_year": int(v["入党年份"]) if v["入党年份"] else None, "notes": v["备注"],
        "health": v["健康状况"], "family": v["家庭情况"], "skills": v["特长"],
        "id_number": v["身份证号"], "deleted": 0, "status": "active", "card_issue": 1,
    }  # fmt: skip


def _xlsx(path: Path, rows: list[list[str]]) -> Path:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("花名册")
    sheet.append(["古岚县离退休干部花名册"])
    sheet.append(list(ALL_COLUMNS))
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_streamed_import_stores_exactly_the_persons_of_the_file(tmp_path: Path, kind: str) -> None:
    rows = _generated(ROWS)
    path = (
        _roster(tmp_path / "roster.csv", rows)
        if kind == "csv"
        else _xlsx(tmp_path / "roster.xlsx", rows)
    )
    store = Store(tmp_path / "store.db")
    steps: list[ImportProgress] = []
    report = import_roster(store, path, today=TODAY, progress=steps.append)
    assert (report.new, report.changed, report.unchanged) == (ROWS, 0, 0)
    assert sorted(report.new_sites) == sorted(_SITES)

    stored = person_rows(store.path)
    assert sorted(stored) == sorted(row[0] for row in rows)
    with sqlite3.connect(store.path) as conn:
        sites = dict(as_text(conn.execute("SELECT id, name FROM site")))
        outbox = {
            row_id: (tbl, json.loads(data))
            for tbl, row_id, data in as_text(conn.execute("SELECT tbl, row_id, data FROM outbox"))
        }
        seq_of = dict(as_text(conn.execute("SELECT row_id, seq FROM outbox")))
    for row in rows:
        person = stored[row[0]]
        assert {k: person[k] for k in _expected(row)} == _expected(row), row[0]
        assert sites[person["site_id"]] == dict(zip(ALL_COLUMNS, row, strict=True))["站点"]
        tbl, data = outbox[person["id"]]
        local = {"id", "search_full", "search_initials"}
        wire = {k: v for k, v in person.items() if k not in local}
        for flag in ("lives_alone", "hardship", "party_member", "deleted"):
            wire[flag] = bool(wire[flag])
        assert tbl == "person"
        assert data == wire
        assert seq_of[person["site_id"]] < seq_of[person["id"]], "a site goes before its persons"
    assert len(outbox) == ROWS + len(_SITES)

    [read_last] = steps[-1:]
    assert (read_last.read, read_last.written, read_last.done) == (ROWS, ROWS, 1.0)
    assert [s.written for s in steps] == sorted(s.written for s in steps)
    assert len(steps) >= ROWS // CHUNK_ROWS + 1

    last = dict(zip(ALL_COLUMNS, rows[-1], strict=True))
    found = search_roster(store, RosterFilter(text=last["姓名"]), limit=500)
    by_address = search_roster(store, RosterFilter(text=last["地址"]), limit=500)
    assert last["编号"] in {r.code for r in found.rows}
    assert last["编号"] in {r.code for r in by_address.rows}
    store.close()


def test_a_bad_row_in_the_last_chunk_undoes_the_chunks_written_before(tmp_path: Path) -> None:
    rows = _generated(ROWS)
    rows[-1][ALL_COLUMNS.index("身份证号")] = rows[0][ALL_COLUMNS.index("身份证号")] or id_number(
        date(1950, 1, 1), 1
    )
    path = _roster(tmp_path / "roster.csv", rows)
    store = Store(tmp_path / "store.db")
    with pytest.raises(ImportRejected) as caught:
        import_roster(store, path, today=TODAY)
    assert [p.line for p in caught.value.problems] == [ROWS + 1]
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT count(*) FROM person").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM site").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM person_fts_terms").fetchone() == (0,)
        triggers = {
            n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
    assert "trg_person_fts_insert" in triggers, "the paused trigger is back after the rollback"
    store.close()


def test_reimporting_the_file_changes_nothing_and_one_edit_is_one_change(tmp_path: Path) -> None:
    rows = _generated(CHUNK_ROWS + 10)
    path = _roster(tmp_path / "roster.csv", rows)
    store = Store(tmp_path / "store.db")
    import_roster(store, path, today=TODAY)
    before = person_rows(store.path)
    rows[5][ALL_COLUMNS.index("姓名")] = "曾建建"
    rows[7][ALL_COLUMNS.index("站点")] = "新建安置点"
    _roster(path, rows)
    with sqlite3.connect(store.path) as conn:
        (seq,) = conn.execute("SELECT max(seq) FROM outbox").fetchone()
    report = import_roster(store, path, today=TODAY)
    assert (report.new, report.changed, report.unchanged) == (0, 2, CHUNK_ROWS + 8)
    assert report.new_sites == ["新建安置点"]
    after = person_rows(store.path)
    assert after[rows[5][0]]["search_full"] == "zengjianjian"
    assert {c for c in after if after[c] != before[c]} == {rows[5][0], rows[7][0]}
    with sqlite3.connect(store.path) as conn:
        queued = conn.execute(
            "SELECT tbl, data FROM outbox WHERE seq > ? ORDER BY seq", (seq,)
        ).fetchall()
    assert [t for t, _ in queued] == ["site", "person", "person"]
    assert json.loads(queued[1][1]) == {"name": "曾建建"}
    assert json.loads(queued[2][1]) == {"site_id": after[rows[7][0]]["site_id"]}
    store.close()
