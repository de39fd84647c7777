"""The checks of the roster and visits imports: ID numbers, phones and money, each line named.

Every refused file leaves the store exactly as it was: the persons (every column),
the visits and the outbox are compared before and after.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from fieldkit.i18n import set_language
from fieldkit.importing import ImportRejected, import_roster, import_visits
from fieldkit.store import Store
from tests.io.io_helpers import ALL_COLUMNS, id_number, person_rows, write_rows

TODAY = date(2026, 11, 21)


def _roster(path: Path, rows: list[list[str]]) -> Path:
    return write_rows(path, [ALL_COLUMNS, *rows])


LU_ID = "99010119500202043X"
"""The ID number the demo store holds for 卢福庆 (GL-0002), born 1950-02-02."""


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("zh")


def _state(db: Path) -> tuple[object, ...]:
    with sqlite3.connect(db) as conn:
        return (
            person_rows(db),
            conn.execute("SELECT * FROM visit ORDER BY id").fetchall(),
            conn.execute("SELECT * FROM outbox ORDER BY seq").fetchall(),
            conn.execute("SELECT * FROM site ORDER BY id").fetchall(),
        )


def _refused(store: Store, path: Path, *, visits: bool = False) -> ImportRejected:
    before = _state(store.path)
    run = import_visits if visits else import_roster
    with pytest.raises(ImportRejected) as caught:
        run(store, path, today=TODAY)
    assert _state(store.path) == before, "a refused import writes nothing"
    return caught.value


def _row(code: str, name: str, sex: str, born: str, number: str, phone: str = "") -> list[str]:
    values = {"编号": code, "姓名": name, "性别": sex, "出生日期": born, "类别": "退休",
              "站点": "河东社区", "电话": phone, "身份证号": number}  # fmt: skip
    return [values.get(h, "") for h in ALL_COLUMNS]


def test_bad_id_numbers_and_phones_are_named_by_line_and_nothing_is_written(
    demo_store: Store, tmp_path: Path
) -> None:
    good = id_number(date(1950, 1, 1), 11)
    wrong_check = id_number(date(1951, 3, 4), 21)[:17] + "0"
    if wrong_check == id_number(date(1951, 3, 4), 21):
        wrong_check = wrong_check[:17] + "1"
    other_birth = id_number(date(1952, 5, 6), 31)
    twice = id_number(date(1953, 7, 8), 41)
    path = _roster(
        tmp_path / "roster.csv",
        [
            _row("N-1", "甲一", "男", "1950-01-01", good, "13800001234"),  # line 2: good
            _row("N-2", "甲二", "男", "1951-03-04", wrong_check),  # 3: check character
            _row("N-3", "甲三", "女", "1952-05-07", other_birth),  # 4: not the birth date
            _row("N-4", "甲四", "男", "1953-07-08", twice),  # 5: first holder
            _row("N-5", "甲五", "女", "1953-07-08", twice),  # 6: twice in the file
            _row("N-6", "甲六", "男", "1950-02-02", LU_ID),  # 7: 卢福庆 holds it
            _row("N-7", "甲七", "男", "1950-01-01", "", "13800001234x"),  # 8: bad mobile
            _row("N-8", "甲八", "男", "1950-01-01", "", "5550123"),  # 9: no area code
            _row("N-9", "甲九", "女", "1950-01-01", "", "0834-5550123"),  # 10: good landline
        ],
    )
    err = _refused(demo_store, path)
    assert {p.line for p in err.problems} == {3, 4, 6, 7, 8, 9}
    text = str(err)
    assert "6 invalid rows; nothing was imported" in text
    assert f"line 3, 身份证号: ID number '{wrong_check}' has a wrong check character" in text
    assert (
        f"line 4, 身份证号: ID number '{other_birth}' gives the birth date 1952-05-06, "
        "but the person's birth date is 1952-05-07"
    ) in text
    assert (f"line 6, 身份证号: ID number {twice} is already given on line 5 to 甲四 (N-4)") in text
    assert (
        f"line 7, 身份证号: ID number {LU_ID} of 甲六 (N-6) is already held by 卢福庆 (GL-0002) "
        "on this laptop"
    ) in text
    assert "line 8, 电话: Phone '13800001234x' is not a mobile number" in text
    assert "line 9, 电话: Phone '5550123' is neither a mobile" in text


def test_the_refusal_speaks_chinese_line_by_line(demo_store: Store, tmp_path: Path) -> None:
    path = _roster(
        tmp_path / "roster.csv",
        [
            _row("N-1", "甲一", "男", "1950-02-02", LU_ID),
            _row("N-2", "甲二", "男", "1950-01-01", "", "13800001234x"),
        ],
    )
    err = _refused(demo_store, path)
    set_language("zh")
    shown = err.user_message().splitlines()
    assert shown[0] == "roster.csv：有 2 行无效，未导入任何数据。请改正后重新导入："
    assert shown[1].startswith(f"  第 2 行，身份证号：身份证号 {LU_ID}（甲一，N-1）")
    assert "卢福庆（GL-0002）" in shown[1]
    assert shown[2].startswith("  第 3 行，电话：")
    assert "13800001234x" in shown[2]
    assert "手机" in shown[2]


def test_a_person_in_the_file_may_take_a_number_the_file_takes_from_another(
    demo_store: Store, tmp_path: Path
) -> None:
    """卢福庆's number moves to a new person when the same file gives 卢福庆 another one."""
    rows = person_rows(demo_store.path)
    lu = rows["GL-0002"]
    new_lu = id_number(date(1950, 2, 2), 77)
    path = _roster(
        tmp_path / "roster.csv",
        [
            _row("N-1", "甲一", "男", "1950-02-02", LU_ID),
            _row("GL-0002", lu["name"], "男", "1950-02-02", new_lu),
        ],
    )
    report = import_roster(demo_store, path, today=TODAY)
    assert (report.new, report.changed) == (1, 1)
    after = person_rows(demo_store.path)
    assert after["N-1"]["id_number"] == LU_ID
    assert after["GL-0002"]["id_number"] == new_lu


def test_an_id_number_is_stored_as_checked(demo_store: Store, tmp_path: Path) -> None:
    number = id_number(date(1944, 12, 30), 5)
    typed = number.lower().translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    path = _roster(
        tmp_path / "roster.csv", [_row("N-1", "甲一", "男", "1944-12-30", typed, "0834 5550123")]
    )
    import_roster(demo_store, path, today=TODAY)
    stored = person_rows(demo_store.path)["N-1"]
    assert (stored["id_number"], stored["phone"]) == (number.upper(), "0834-5550123")


def _visits(path: Path, money: list[str]) -> Path:
    lines = ["编号,日期,走访类型,走访人,慰问金,问需,服务内容,备注"]
    lines += [f"GL-000{i + 1},2026-11-0{i + 1},日常走访,杨华,{m},,," for i, m in enumerate(money)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def test_money_with_an_exponent_or_underscores_is_refused_line_by_line(
    demo_store: Store, tmp_path: Path
) -> None:
    path = _visits(tmp_path / "visits.csv", ["1e9", "1_000", "５００", "¥500", "2000000"])
    err = _refused(demo_store, path, visits=True)
    assert {p.line for p in err.problems} == {2, 3, 6}
    text = str(err)
    assert "line 2, 慰问金: '1e9' is not an amount in yuan (e.g. 500 or 500.00)" in text
    assert "line 3, 慰问金: '1_000' is not an amount in yuan" in text
    assert (
        "line 6, 慰问金: '2000000' is above the most one hand-over may carry (1000000.00 yuan)"
    ) in text
    set_language("zh")
    assert "元" in err.problems[0].user_text()
    assert "1e9" in err.problems[0].user_text()


def test_full_width_and_yuan_sign_amounts_are_accepted(demo_store: Store, tmp_path: Path) -> None:
    path = _visits(tmp_path / "visits.csv", ["５００", "¥500", "300元"])
    report = import_visits(demo_store, path, today=TODAY)
    assert (report.added, report.money_fen) == (3, 130_000)
    with sqlite3.connect(demo_store.path) as conn:
        stored = conn.execute(
            "SELECT p.code, v.money_fen FROM visit v JOIN person p ON p.id = v.person_id"
            " WHERE v.visited_at >= '2026-11-01' AND v.visitors = '杨华' ORDER BY p.code"
        ).fetchall()
    assert ("GL-0001", 50_000) in stored
    assert ("GL-0002", 50_000) in stored
    assert ("GL-0003", 30_000) in stored


def test_every_message_of_the_domain_checks_is_in_the_catalogs() -> None:
    import ast
    import inspect

    from fieldkit.domain import identity, money
    from fieldkit.i18n import gettext

    def first_text(call: ast.Call) -> str | None:
        arg = call.args[0] if call.args else None
        if isinstance(arg, ast.Call) and arg.args:  # N_("...")
            arg = arg.args[0]
        return arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None

    msgids = {
        text
        for module in (identity, money)
        for node in ast.walk(ast.parse(inspect.getsource(module)))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"IdentityError", "MoneyError"}
        and (text := first_text(node))
    }
    assert len(msgids) == 10
    set_language("zh")
    assert all(gettext(msgid) != msgid for msgid in msgids)
