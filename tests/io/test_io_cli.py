"""The import and export commands, run through the real command line entry point."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fieldkit.cli.main import main
from fieldkit.paths import sample_data_dir
from tests.io.io_helpers import VISITS_HEADER, counts, paper_visits, write_csv


def test_import_roster_then_visits_then_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "laptop.db"
    assert main(["--db", str(db), "import", "roster", str(sample_data_dir() / "roster.csv")]) == 0
    out = capsys.readouterr().out
    assert "roster.csv: 300 new, 0 changed, 0 unchanged; new sites:" in out
    assert main(["import", "roster", str(sample_data_dir() / "roster.csv"), "--db", str(db)]) == 0
    assert "0 new, 0 changed, 300 unchanged" in capsys.readouterr().out
    assert main(["--db", str(db), "import", "visits", str(sample_data_dir() / "visits.csv")]) == 0
    assert f"{paper_visits()} visit(s) added" in capsys.readouterr().out
    target = tmp_path / "all.jsonl"
    assert main(["--db", str(db), "export", str(target)]) == 0
    assert f"{304 + paper_visits()} records written to {target}" in capsys.readouterr().out
    lines = target.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0]) == {"type": "fieldkit-export", "version": 1}
    assert [json.loads(x)["type"] for x in lines[1:]].count("person") == 300


def test_bad_visits_file_exits_1_and_lists_rows_on_stderr(
    demo_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "demo.db"
    shutil.copy(demo_template, db)
    before = counts(db)
    bad = write_csv(
        tmp_path / "bad.csv",
        [
            VISITS_HEADER,
            "GL-0001,2026-10-01,日常走访,杨华,-5,,,",
            "NOPE,2026-10-01,日常走访,杨华,,,,",
        ],
    )
    assert main(["--db", str(db), "import", "visits", str(bad)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "nothing was imported" in captured.err
    assert "line 2, 慰问金" in captured.err
    assert "line 3, 编号" in captured.err
    assert counts(db) == before


def test_export_into_a_missing_folder_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--db", str(tmp_path / "x.db"), "export", str(tmp_path / "no" / "x.jsonl")])
    assert code == 1
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["import", "--help"], "roster"),
        (["import", "roster", "--help"], "编号, 姓名, 性别, 出生日期"),
        (["import", "visits", "--help"], "走访类型"),
        (["export", "--help"], "JSON Lines"),
    ],
)
def test_help(argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 0
    assert expected in capsys.readouterr().out
