"""A person's visits and consultations go wherever the person goes (scope parents).

Real laptops (fieldkit stores) against a real HQ over HTTP, on SQLite and on
PostgreSQL: when a person moves to another site, the old site's laptops lose the
person's visits and consultations too, the new site's laptops receive them, and
a visit an offline laptop records for the person under the old site follows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from hq_process import database_urls
from sqlalchemy import select
from toy import ServerThread, code_for, new_user

from fieldkit.domain.models import Consultation, Person, Site, Visit
from fieldkit.store import Store
from fieldkit.sync_schema import sync_schema
from fieldkit.syncing import enroll, sync_now
from sync.schema import SyncSchema, TableSpec
from sync.server import create_app
from sync.server import tables as t


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def hq(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerThread]:
    tmp = tmp_path_factory.mktemp("followhq")
    with database_urls(request.param, tmp) as url:
        srv = ServerThread(create_app(sync_schema(), url))
        try:
            yield srv
        finally:
            srv.stop()
            srv.engine.dispose()


def laptop(hq: ServerThread, tmp: Path, name: str, role: str, sites: list[str] | None) -> Store:
    store = Store(tmp / f"{name}.db")
    enroll(store, hq.url, code_for(hq, new_user(hq, role, sites)))
    return store


def ok(store: Store) -> None:
    report = sync_now(store)
    assert report.ok, report.error


def rows(store: Store, table: str) -> dict[str, str]:
    """id -> site_id of a table, read straight from the laptop's SQLite file."""
    conn = sqlite3.connect(store.path)
    try:
        return dict(conn.execute(f"SELECT id, site_id FROM {table}").fetchall())
    finally:
        conn.close()


def hq_scope(hq: ServerThread, tbl: str, row_id: str) -> tuple[str, str]:
    """The record's scope and the site_id in its data at HQ."""
    with hq.engine.connect() as conn:
        row = conn.execute(
            select(t.record.c.scope, t.record.c.data).where(
                t.record.c.tbl == tbl, t.record.c.id == row_id
            )
        ).one()
    return row.scope, json.loads(row.data)["site_id"]


def test_a_persons_records_follow_the_person_to_another_site(
    hq: ServerThread, tmp_path: Path
) -> None:
    admin = laptop(hq, tmp_path, "admin", "admin", None)
    with admin.write() as s:
        east, west = Site(name="东站", kind="village"), Site(name="西站", kind="village")
        s.add_all([east, west])
        s.flush()
        person = Person(code="FO-1", name="王五", site_id=east.id, birth_date=date(1940, 1, 1))
        s.add(person)
        s.flush()
        visit = Visit(person_id=person.id, site_id=east.id, visited_at=datetime(2026, 5, 1, 9))
        consult = Consultation(person_id=person.id, site_id=east.id, held_on=date(2026, 5, 2))
        walkin = Consultation(site_id=east.id, walkin_name="过路人", held_on=date(2026, 5, 3))
        s.add_all([visit, consult, walkin])
    east_id, west_id, pid = east.id, west.id, person.id
    ok(admin)
    east_laptop = laptop(hq, tmp_path, "east", "staff", [east_id])
    offline = laptop(hq, tmp_path, "offline", "staff", [east_id])
    west_laptop = laptop(hq, tmp_path, "west", "staff", [west_id])
    for store in (east_laptop, offline, west_laptop):
        ok(store)
    assert set(rows(east_laptop, "visit")) == {visit.id}
    assert set(rows(east_laptop, "consultation")) == {consult.id, walkin.id}
    assert rows(west_laptop, "visit") == {}

    # the offline laptop records a visit under the old site before it hears of the move
    with offline.write() as s:
        late = Visit(person_id=pid, site_id=east_id, visited_at=datetime(2026, 6, 1, 9))
        s.add(late)
    with admin.write() as s:
        moved = s.get(Person, pid)
        assert moved is not None
        moved.site_id = west_id
    ok(admin)
    ok(offline)
    ok(east_laptop)
    ok(west_laptop)

    assert hq_scope(hq, "visit", visit.id) == (west_id, west_id)
    assert hq_scope(hq, "visit", late.id) == (west_id, west_id)
    assert hq_scope(hq, "consultation", consult.id) == (west_id, west_id)
    assert hq_scope(hq, "consultation", walkin.id) == (east_id, east_id)  # no person: stays
    for store in (east_laptop, offline):
        assert rows(store, "person") == {}
        assert rows(store, "visit") == {}
        assert rows(store, "consultation") == {walkin.id: east_id}
    assert rows(west_laptop, "person") == {pid: west_id}
    assert rows(west_laptop, "visit") == {visit.id: west_id, late.id: west_id}
    assert rows(west_laptop, "consultation") == {consult.id: west_id}
    # the admin's laptop sees everything where it now is
    ok(admin)
    assert rows(admin, "visit") == {visit.id: west_id, late.id: west_id}


def test_a_scope_parent_must_be_a_field_of_an_earlier_table() -> None:
    parent = TableSpec("group", {"name": str}, scope_field=None)
    child = TableSpec("note", {"group_id": str, "site": str}, scope_field="site")
    with pytest.raises(ValueError, match="must be listed before it"):
        SyncSchema("v", (TableSpec(**{**child.__dict__, "scope_parent": ("group_id", "group")}),))
    with pytest.raises(ValueError, match="must be a synced field"):
        SyncSchema(
            "v", (parent, TableSpec(**{**child.__dict__, "scope_parent": ("nope", "group")}))
        )
    schema = SyncSchema(
        "v", (parent, TableSpec(**{**child.__dict__, "scope_parent": ("group_id", "group")}))
    )
    assert [c.name for c in schema.children("group")] == ["note"]


def test_an_older_hq_database_gets_the_parent_column_filled(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from sync.server.db import MIGRATIONS_DIR, make_engine, write_begin

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    with write_begin(engine) as conn:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "s0001")
        conn.execute(
            text(
                "INSERT INTO sync_record (tbl, id, scope, data, clocks, deleted, rev) VALUES "
                "('visit', 'v1', 's1', :data, '{}', 0, 1)"
            ),
            {"data": json.dumps({"person_id": "p1", "site_id": "s1"})},
        )
    engine.dispose()
    app = create_app(sync_schema(), url)
    with app.state.engine.connect() as conn:
        assert conn.execute(text("SELECT parent FROM sync_record")).scalar_one() == "p1"
    app.state.engine.dispose()
