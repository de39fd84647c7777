"""Opening a store: a store at the head revision opens without Alembic, an old one is upgraded.

Each open runs in a fresh ``python`` process, so what opening loads (Alembic, the due
list's queries) is seen in that process's ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from fieldkit.store import Store
from fieldkit.store.engine import make_engine
from fieldkit.store.migrate import HEAD, current_revision
from tests.support.store_revisions import store_at

_ROOT = Path(__file__).resolve().parents[2]

_OPEN = """
import json, sys
from fieldkit.store import Store
store = Store(sys.argv[1])
print(json.dumps({
    "device_id": store.device_id,
    "loaded": sorted(m for m in sys.modules if m.split(".")[0] == "alembic"
                     or m == "fieldkit.store.due_list"),
}))
store.close()
"""


def _open_in_new_process(path: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(_ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _OPEN, str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def _revision_rows(path: Path) -> list[tuple[str]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT version_num FROM alembic_version").fetchall()
    finally:
        conn.close()


def test_a_store_at_head_opens_without_loading_alembic(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    store = Store(path)
    device_id = store.device_id
    store.close()
    assert _revision_rows(path) == [(HEAD,)]

    opened = _open_in_new_process(path)

    assert opened == {"device_id": device_id, "loaded": []}
    assert _revision_rows(path) == [(HEAD,)]


def test_an_old_store_is_upgraded_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store_at(path, "0010")
    assert _revision_rows(path) == [("0010",)]

    opened = _open_in_new_process(path)

    loaded = opened["loaded"]
    assert isinstance(loaded, list)
    assert "alembic" in loaded
    assert _revision_rows(path) == [(HEAD,)]
    db = sqlite3.connect(path)
    try:  # 0011's index is there
        indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    finally:
        db.close()
    assert "ix_person_id_number" in indexes


def test_the_revision_of_a_new_file_is_none_and_of_a_store_its_head(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "empty.db")
    try:
        assert current_revision(engine) is None
    finally:
        engine.dispose()
    store = Store(tmp_path / "store.db")
    try:
        assert current_revision(store.engine) == HEAD
    finally:
        store.close()
