"""The first sync sends every record a laptop held before it enrolled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select

from fieldkit.demo import build_demo_store
from fieldkit.domain.models import SYNCED_TABLES, Person
from fieldkit.store import Store
from fieldkit.store.outbox import synced_columns
from fieldkit.store.wire import to_wire
from tests.support.hq_process import Hq, run_cli
from tests.support.hq_records import hq_record


def _rows(store: Store) -> dict[tuple[str, str], dict[str, Any]]:
    """Every synced row of ``store`` in wire form, by table and id."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    with store.read() as s:
        for model in SYNCED_TABLES:
            cols = synced_columns(model)
            for obj in s.scalars(select(model)):
                rows[(str(model.__tablename__), str(obj.id))] = {  # type: ignore[attr-defined]
                    c: to_wire(getattr(obj, c)) for c in cols
                }
    return rows


def test_demo_county_reaches_hq_whole_and_a_second_laptop_pulls_it(hq: Hq, tmp_path: Path) -> None:
    demo_db = tmp_path / "demo.db"
    store = build_demo_store(demo_db)
    # An edit made before enrolling queues only the changed field.
    with store.write() as s:
        person = s.scalars(select(Person).order_by(Person.code)).first()
        assert person is not None
        person.phone = "13800000001"
        edited = person.id
    hq.enroll_admin_laptop(demo_db)

    out = run_cli("--db", str(demo_db), "sync")

    assert "rejected" not in out
    laptop = _rows(store)
    assert laptop[("person", edited)]["phone"] == "13800000001"
    engine = create_engine(hq.database_url)
    try:
        for (tbl, row_id), data in laptop.items():
            held = hq_record(engine, tbl, row_id)
            assert held is not None, (tbl, row_id)
            assert held.data == data, (tbl, row_id)
    finally:
        engine.dispose()
    # A second sync sends nothing again.
    assert "sent 0 change(s)" in run_cli("--db", str(demo_db), "sync")

    hq.admin("add-user", "组织科", "--role", "admin")
    second = tmp_path / "second.db"
    hq.enroll_laptop(second, "组织科")
    run_cli("--db", str(second), "sync")
    assert _rows(Store(second)) == laptop
