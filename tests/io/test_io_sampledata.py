"""The generator: sample_data/ regenerates byte for byte; the store path scales and is exact."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from fieldkit.exporting import export_jsonl
from fieldkit.paths import sample_data_dir
from fieldkit.sampledata import CountyGenerator, generate_store
from fieldkit.sampledata.files import write_sample_data
from tests.io.io_helpers import counts


def test_regenerating_reproduces_sample_data_exactly(tmp_path: Path) -> None:
    write_sample_data(tmp_path)
    for name in ("demo.jsonl", "roster.csv", "visits.csv"):
        assert (tmp_path / name).read_bytes() == (sample_data_dir() / name).read_bytes(), name
    total = sum(f.stat().st_size for f in sample_data_dir().iterdir())
    assert total < 1_600_000, "sample_data/ stays small"


def test_roster_csv_is_what_a_bureau_keeps() -> None:
    raw = (sample_data_dir() / "roster.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw[3:].decode("utf-8").splitlines()[0]
    assert header.startswith("编号,姓名,性别,出生日期,类别,原单位,站点,地址,电话,关注等级")
    assert header.endswith("健康状况,家庭情况")


def test_generate_store_gives_exact_counts_without_outbox(tmp_path: Path) -> None:
    store = generate_store(tmp_path / "a.db", persons=1200, visits=9000, seed=7)
    stored = counts(store.path)
    assert (stored["person"], stored["visit"], stored["outbox"]) == (1200, 9000, 0)
    with sqlite3.connect(store.path) as conn:
        empty_keys = conn.execute("SELECT count(*) FROM person WHERE search_initials = ''")
        assert empty_keys.fetchone()[0] == 0
        sites = conn.execute("SELECT count(DISTINCT site_id) FROM person").fetchone()[0]
        assert sites >= 3
        orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
        assert orphans == []
    export_jsonl(store, tmp_path / "a.jsonl")
    store.close()
    again = generate_store(tmp_path / "b.db", persons=1200, visits=9000, seed=7)
    export_jsonl(again, tmp_path / "b.jsonl")
    again.close()
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_person_codes_widen_past_9999() -> None:
    gen = CountyGenerator(persons=12_000, visits=0)
    assert gen.persons[0]["code"] == "GL-00001"
    assert gen.persons[-1]["code"] == "GL-12000"
    assert len({p["id"] for p in gen.persons}) == 12_000


def test_module_command_fills_a_store(tmp_path: Path) -> None:
    target = tmp_path / "bench.db"
    done = subprocess.run(
        [sys.executable, "-m", "fieldkit.sampledata", "--persons", "500", "--visits", "2500",
         "--store", str(target)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "500 persons and 2500 visits written" in done.stdout
    assert " s" in done.stdout
    assert counts(target)["visit"] == 2500
    refused = subprocess.run(
        [sys.executable, "-m", "fieldkit.sampledata", "--store", str(target)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert refused.returncode != 0
    assert "exists" in refused.stderr


def test_fast_visit_path_stores_what_the_row_path_stores(tmp_path: Path) -> None:
    from sqlmodel import SQLModel

    from fieldkit.sampledata import fill_store
    from fieldkit.sampledata.county import VISIT_COLUMNS
    from fieldkit.store import Store

    table = SQLModel.metadata.tables["visit"]
    assert set(VISIT_COLUMNS) == {c.name for c in table.columns}
    fast = generate_store(tmp_path / "fast.db", persons=300, visits=2500, seed=3)
    export_jsonl(fast, tmp_path / "fast.jsonl")
    fast.close()
    slow = Store(tmp_path / "slow.db")
    fill_store(slow, CountyGenerator(persons=300, visits=2500, seed=3), skip_visit=lambda _v: False)
    export_jsonl(slow, tmp_path / "slow.jsonl")
    slow.close()
    assert (tmp_path / "fast.jsonl").read_bytes() == (tmp_path / "slow.jsonl").read_bytes()


def test_module_command_rewrites_the_demo_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from fieldkit.sampledata.__main__ import main

    assert main(["--out", str(tmp_path)]) == 0
    assert "roster.csv: 300 rows" in capsys.readouterr().out
    for name in ("demo.jsonl", "roster.csv", "visits.csv"):
        assert (tmp_path / name).read_bytes() == (sample_data_dir() / name).read_bytes()
