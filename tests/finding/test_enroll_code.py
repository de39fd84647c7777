"""``fieldkit enroll URL CODE`` with a code too short: a message, no traceback, no store."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldkit.cli.main import main

REFUSALS = [("zh", "注册码“ABC”不正确"), ("en", "'ABC' is not right")]


@pytest.mark.parametrize(("lang", "words"), REFUSALS)
def test_a_short_code_is_refused_before_the_store_is_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, words: str
) -> None:
    db = tmp_path / "laptop" / "fieldkit.db"
    code = main(["--lang", lang, "--db", str(db), "enroll", "http://127.0.0.1:9", "ABC"])
    out = capsys.readouterr()
    assert code == 1
    assert words in out.err
    assert "Traceback" not in out.err + out.out
    assert not db.exists()
    assert not db.parent.exists()
