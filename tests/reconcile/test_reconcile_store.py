"""The first sync's reconciliation on a real store file: what it queues, and only once."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

from fieldkit.domain.models import Person, Site, Visit
from fieldkit.domain.vocab import SiteKind
from fieldkit.store import Store
from fieldkit.store.reconcile import reconcile_store
from tests.support.stored_ids import query


def _outbox(path: Path) -> list[tuple[str, str, str, dict[str, object]]]:
    rows = query(path, "SELECT state, tbl, row_id, data FROM outbox ORDER BY seq")
    return [(state, tbl, row_id, json.loads(data)) for state, tbl, row_id, data in rows]


def _store_held_before_enrolling(path: Path) -> tuple[Store, str, str]:
    """A site and a person written without outbox entries, then the person edited."""
    store = Store(path)
    with store.write(remote=True) as s:
        site = Site(name="东山安置点", county="甘洛县", kind=SiteKind.RELOCATION)
        s.add(site)
        s.flush()
        person = Person(code="DS-0001", name="王秀英", site_id=site.id, birth_date=date(1938, 5, 1))
        s.add(person)
    with store.write() as s:
        found = s.get(Person, person.id)
        assert found is not None
        found.phone = "13800000001"
    store.set_meta("server_url", "http://hq.example:8765")
    return store, site.id, person.id


def test_queues_full_rows_parents_first_replacing_partial_changes_once(tmp_path: Path) -> None:
    store, site_id, person_id = _store_held_before_enrolling(tmp_path / "laptop.db")
    with store.write() as s:
        visit = Visit(person_id=person_id, site_id=site_id, visited_at=datetime(2026, 11, 2, 9))
        s.add(visit)
    before = _outbox(store.path)
    assert [(t, r) for _s, t, r, _d in before] == [("person", person_id), ("visit", visit.id)]
    assert before[0][3] == {"phone": "13800000001"}

    assert reconcile_store(store) == 2

    queued = _outbox(store.path)
    assert [(state, tbl, row_id) for state, tbl, row_id, _d in queued] == [
        ("pending", "site", site_id),
        ("pending", "person", person_id),
        ("pending", "visit", visit.id),
    ]
    assert queued[2][3] == before[1][3]
    person = queued[1][3]
    assert (person["name"], person["code"], person["site_id"], person["phone"]) == (
        "王秀英",
        "DS-0001",
        site_id,
        "13800000001",
    )
    assert reconcile_store(store) == 0
    assert _outbox(store.path) == queued
    store.close()


def test_a_store_that_already_pulled_is_only_marked(tmp_path: Path) -> None:
    store, _site_id, person_id = _store_held_before_enrolling(tmp_path / "laptop.db")
    store.set_meta("pull_cursor", "42")

    assert reconcile_store(store) == 0

    assert [(t, r) for _s, t, r, _d in _outbox(store.path)] == [("person", person_id)]
    assert store.meta("reconciled_with") == "http://hq.example:8765"
    store.close()


_CUT_AFTER_QUEUEING = """
import os, sys
from pathlib import Path
import fieldkit.store.reconcile as reconcile
from fieldkit.store import Store

real_meta_set = reconcile.meta_set

def meta_set_then_die(session, key, value):
    real_meta_set(session, key, value)
    if key == reconcile.RECONCILED_KEY:
        session.flush()
        os._exit(9)  # the process dies inside the write transaction, as a power cut would

reconcile.meta_set = meta_set_then_die
reconcile.reconcile_store(Store(Path(sys.argv[1])))
"""


def test_a_reconcile_killed_before_commit_leaves_the_outbox_whole_and_runs_again(
    tmp_path: Path,
) -> None:
    store, site_id, person_id = _store_held_before_enrolling(tmp_path / "laptop.db")
    before = _outbox(store.path)
    store.close()

    cut = subprocess.run(
        [sys.executable, "-c", _CUT_AFTER_QUEUEING, str(tmp_path / "laptop.db")],
        capture_output=True,
        text=True,
        check=False,
    )

    assert cut.returncode == 9, cut.stderr
    reopened = Store(tmp_path / "laptop.db")
    assert _outbox(reopened.path) == before
    assert reopened.meta("reconciled_with") is None
    assert reconcile_store(reopened) == 2
    assert [(state, tbl, row_id) for state, tbl, row_id, _d in _outbox(reopened.path)] == [
        ("pending", "site", site_id),
        ("pending", "person", person_id),
    ]
    assert reopened.meta("reconciled_with") == "http://hq.example:8765"
    reopened.close()
