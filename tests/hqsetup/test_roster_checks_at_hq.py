"""``fieldkit admin import roster`` checks ID numbers and phones as the laptop does.

An ID number whose check character or birth date is wrong, one given twice in the
file, one another person at HQ already holds, and a phone that is no number are
each named with their line; HQ's records are exactly what they were.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, select

from sync.server import tables as t
from tests.hqsetup.setup_kit import HEADER, ROSTER, roster_file
from tests.support.hq_process import run_cli

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id(born: date, seq: int) -> str:
    body = f"513434{born:%Y%m%d}{seq:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True)) % 11]


def _with_ids(rows: list[tuple[str, ...]], ids: list[str]) -> list[tuple[str, ...]]:
    return [(*row, number) for row, number in zip(rows, ids, strict=True)]


def _records(url: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    r = t.record.c
    with engine.connect() as conn:
        rows = conn.execute(select(r.tbl, r.id, r.data, r.rev).order_by(r.tbl, r.id)).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def _admin_import(url: str, path: Path) -> str:
    return run_cli("admin", "import", "roster", str(path), "--database-url", url, check=False)


def test_hq_import_names_every_bad_id_number_and_phone_and_writes_nothing(
    empty_hq_url: str, tmp_path: Path
) -> None:
    header = (*HEADER, "身份证号")
    zhang = _id(date(1938, 2, 11), 12)
    ids = [zhang, _id(date(1949, 10, 1), 21), "", "", ""]

    def write(path: Path, rows: list[tuple[str, ...]]) -> Path:
        return roster_file(path, rows, header)

    out = _admin_import(empty_hq_url, write(tmp_path / "good.csv", _with_ids(ROSTER, ids)))
    assert "exit=0" in out
    assert "5 new" in out
    before = _records(empty_hq_url)

    wrong_check = _id(date(1950, 3, 4), 5)[:17]
    wrong_check += "0" if not _id(date(1950, 3, 4), 5).endswith("0") else "1"
    twice = _id(date(1951, 1, 2), 7)

    def person(code: str, name: str, born: str, number: str, phone: str = "") -> tuple[str, ...]:
        return (code, name, "男", born, "退休", "", "东山安置点", "", phone, "", "", "", "", "",
                "", number)  # fmt: skip

    bad = [
        person("DS-010", "周一", "1938-02-11", zhang),  # line 2: 张桂兰 (DS-001) holds it
        person("DS-011", "周二", "1950-03-04", wrong_check),  # 3
        person("DS-012", "周三", "1951-01-03", twice),  # 4: birth date differs
        person("DS-013", "周四", "1951-01-02", twice),  # 5
        person("DS-014", "周五", "1951-01-02", twice),  # 6: twice
        person("DS-015", "周六", "1951-01-02", "", "13800001234x"),  # 7
    ]
    out = _admin_import(empty_hq_url, write(tmp_path / "bad.csv", bad))
    assert "exit=1" in out
    assert "nothing was imported" in out
    assert (
        f"line 2, 身份证号: ID number {zhang} of 周一 (DS-010) "
        "is already held by 张桂兰 (DS-001) at HQ"
    ) in out
    assert f"line 3, 身份证号: ID number '{wrong_check}' has a wrong check character" in out
    assert "line 4, 身份证号: ID number" in out
    assert "gives the birth date 1951-01-02" in out
    assert f"line 6, 身份证号: ID number {twice} is already given on line 5 to 周四 (DS-013)" in out
    assert "line 7, 电话: Phone '13800001234x' is not a mobile number" in out
    assert "line 5," not in out
    assert _records(empty_hq_url) == before
