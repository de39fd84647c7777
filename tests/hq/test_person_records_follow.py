"""A person's visits and consultations go wherever the person goes (scope parents).

Real laptops (fieldkit stores) against a real HQ over HTTP, on SQLite and on
PostgreSQL: when a person moves to another site, the old site's laptops lose the
person's visits and consultations too, the new site's laptops receive them, and
a visit an offline laptop records for the person under the old site follows.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path

from fieldkit.domain.models import Consultation, Person, Site, Visit
from fieldkit.domain.vocab import SiteKind
from fieldkit.store import Store
from tests.hq.hq_kit import laptop, ok
from tests.support.hq_records import hq_record
from tests.support.server_thread import ServerThread
from tests.support.stored_ids import as_text


def rows(store: Store, table: str) -> dict[str, str]:
    """id -> site_id of a table, read straight from the laptop's SQLite file."""
    conn = sqlite3.connect(store.path)
    try:
        return dict(as_text(conn.execute(f"SELECT id, site_id FROM {table}")))
    finally:
        conn.close()


def hq_scope(hq: ServerThread, tbl: str, row_id: str) -> tuple[str, str]:
    """The record's scope and the site_id in its data at HQ."""
    rec = hq_record(hq.engine, tbl, row_id)
    assert rec is not None
    return rec.scope, rec.data["site_id"]


def test_a_persons_records_follow_the_person_to_another_site(
    hq_any: ServerThread, tmp_path: Path
) -> None:
    admin = laptop(hq_any, tmp_path, "admin", "admin", None)
    with admin.write() as s:
        east, west = (
            Site(name="东站", kind=SiteKind.VILLAGE),
            Site(name="西站", kind=SiteKind.VILLAGE),
        )
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
    east_laptop = laptop(hq_any, tmp_path, "east", "staff", [east_id])
    offline = laptop(hq_any, tmp_path, "offline", "staff", [east_id])
    west_laptop = laptop(hq_any, tmp_path, "west", "staff", [west_id])
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

    assert hq_scope(hq_any, "visit", visit.id) == (west_id, west_id)
    assert hq_scope(hq_any, "visit", late.id) == (west_id, west_id)
    assert hq_scope(hq_any, "consultation", consult.id) == (west_id, west_id)
    assert hq_scope(hq_any, "consultation", walkin.id) == (east_id, east_id)  # no person: stays
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
