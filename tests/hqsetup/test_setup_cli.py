"""HQ set up from an empty database to a synced staff laptop, through the command line only.

A real ``fieldkit serve`` process on SQLite and on PostgreSQL; the set-up
commands and the laptop's ``fieldkit enroll`` and ``fieldkit sync`` run as the
``fieldkit`` command does; the laptop's store is then read field by field.
"""

from __future__ import annotations

from pathlib import Path

from tests.hqsetup.setup_kit import EXPECTED, ROSTER, laptop_persons, laptop_sites, roster_file
from tests.support.hq_process import Hq, run_cli


def _laptop(hq: Hq, tmp: Path, user: str) -> Path:
    """A laptop store enrolled by ``user`` with a code from ``fieldkit admin enroll``."""
    path = tmp / f"{user}.db"
    code = hq.enroll_code(user)
    run_cli("--db", str(path), "enroll", hq.url, code)
    return path


def _sync(path: Path) -> str:
    return run_cli("--db", str(path), "sync", "--lang", "en")


def _on_laptop(expected: dict[str, dict[str, object]], site: str) -> dict[str, dict[str, object]]:
    return {code: {**fields, "site": site, "deleted": False} for code, fields in expected.items()}


def test_roster_loaded_at_hq_reaches_the_staff_laptop_field_by_field(
    empty_hq_url: str, tmp_path: Path
) -> None:
    hq = Hq(empty_hq_url)
    try:
        roster = roster_file(tmp_path / "花名册.csv", ROSTER)
        out = hq.admin("import", "roster", str(roster), "--lang", "en")
        assert "5 new, 0 changed, 0 unchanged; new sites: 东山安置点, 西岭村" in out
        sites = hq.admin("sites")
        assert [line.split()[1:] for line in sites.splitlines()] == [
            ["relocation", "-", "东山安置点"],
            ["village", "-", "西岭村"],
        ]
        hq.admin("add-user", "王芳", "--role", "staff", "--sites", "东山安置点")
        laptop = _laptop(hq, tmp_path, "王芳")
        _sync(laptop)
        assert laptop_persons(laptop) == _on_laptop(EXPECTED, "东山安置点")
        assert laptop_sites(laptop) == {"东山安置点": "relocation"}

        moved = [row for row in ROSTER if row[0] != "DS-003"]
        moved[1] = (*ROSTER[1][:8], "13700000009", *ROSTER[1][9:])
        moved.append((*ROSTER[2][:6], "西岭村", *ROSTER[2][7:]))
        out = hq.admin("import", "roster", str(roster_file(tmp_path / "v2.csv", moved)))
        assert "1 new" not in out
        _sync(laptop)
        want = _on_laptop(EXPECTED, "东山安置点")
        want["DS-002"]["phone"] = "13700000009"
        del want["DS-003"]
        assert laptop_persons(laptop) == want, "the moved person left the laptop of its old site"
    finally:
        hq.stop()


def test_a_site_added_and_renamed_at_hq_reaches_an_admin_laptop(
    empty_hq_url: str, tmp_path: Path
) -> None:
    hq = Hq(empty_hq_url, extra=("--lang", "en"))
    try:
        hq.stop()
        guide = hq.log_text()
        assert "fieldkit admin add-site NAME" in guide
        assert "fieldkit admin import roster" in guide
        assert "fieldkit admin add-user" in guide
        assert "fieldkit admin enroll" in guide
        assert f"--database-url {empty_hq_url}" in guide
        hq = Hq(empty_hq_url)
        out = hq.admin("add-site", "松林村", "--kind", "village", "--county", "甘洛县")
        assert "松林村" in out
        hq.admin("add-site", "河东社区")
        hq.admin("rename-site", "松林村", "松林新村")
        out = hq.admin("add-site", "河东社区", "--lang", "en", check=False)
        assert "exit=1" in out
        assert "a site named '河东社区' already exists" in out
        out = hq.admin("add-user", "赵敏", "--role", "volunteer", "--lang", "en", check=False)
        assert "exit=1" in out
        assert "--sites lists no site; sites at HQ: 河东社区、松林新村" in out
        out = hq.admin(
            "add-user", "赵敏", "--role", "volunteer", "--sites", "松林村", "--lang", "en",
            check=False,
        )  # fmt: skip
        assert "exit=1" in out
        assert "unknown site '松林村'; sites at HQ: 河东社区、松林新村" in out
        hq.admin("add-user", "局机关", "--role", "admin")
        laptop = _laptop(hq, tmp_path, "局机关")
        _sync(laptop)
        assert laptop_sites(laptop) == {"松林新村": "village", "河东社区": "community"}
        assert laptop_persons(laptop) == {}
    finally:
        hq.stop()
    hq = Hq(empty_hq_url, extra=("--lang", "en"))
    hq.stop()
    assert "has no users yet" not in hq.log_text(), "a set-up HQ prints no guide"


def test_a_bad_roster_names_every_bad_line_and_writes_nothing(
    empty_hq_url: str, tmp_path: Path
) -> None:
    hq = Hq(empty_hq_url)
    try:
        hq.admin("add-site", "东山安置点")
        before = hq.admin("sites")
        bad = list(ROSTER)
        bad[1] = (*ROSTER[1][:3], "1949-13-01", *ROSTER[1][4:])
        bad[3] = (*ROSTER[3][:4], "干部", *ROSTER[3][5:])
        bad.append(ROSTER[0])
        out = hq.admin("import", "roster", str(roster_file(tmp_path / "bad.csv", bad)), check=False)
        assert "exit=1" in out
        assert "nothing was imported" in out
        assert "line 3, 出生日期" in out
        assert "line 5, 类别" in out
        assert "line 7, 编号: code DS-001 is already used on line 2" in out
        assert hq.admin("sites") == before
        hq.admin("add-user", "局机关", "--role", "admin")
        laptop = _laptop(hq, tmp_path, "局机关")
        _sync(laptop)
        assert laptop_persons(laptop) == {}
        assert laptop_sites(laptop) == {"东山安置点": "relocation"}
    finally:
        hq.stop()
