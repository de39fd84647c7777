"""A pull racing two pushes on HQ: nothing committed meanwhile may be skipped.

A pull page reads the records after the cursor, then the exits (rows that left a
scope) after it, in two statements, after reading the head revision. If pushes committed between
them and each statement saw its own snapshot (PostgreSQL's READ COMMITTED), the
page's cursor could jump past records the page never contained, and its seen_rev
could be older than the records it carries (a false conflict on the next edit).
HQ reads every page through ``sync.server.db.read_snapshot`` (REPEATABLE READ on
PostgreSQL; SQLite's transaction is one snapshot). This test runs the real HQ
functions on a real database and commits two real pushes exactly between the two
statements (an event hook on the pull's connection), then checks that the laptop
still receives every change.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event

from fieldkit.domain.models import Person, Site
from fieldkit.domain.vocab import SiteKind, Tier
from fieldkit.store import Store
from fieldkit.store.replica import StoreReplica
from fieldkit.sync_schema import ROLES, sync_schema
from sync.protocol import Change, PullPage
from sync.server.admin import add_user, create_code, redeem_code
from sync.server.auth import Device, device_for_token
from sync.server.db import make_engine, migrate, read_snapshot, write_begin
from sync.server.merge import apply_push
from sync.server.pull import pull_page_json
from tests.support.hq_process import database_urls


@pytest.fixture(
    params=[
        "sqlite",
        "postgres",
    ]
)
def hq_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated HQ database (SQLite file, or a fresh PostgreSQL schema when configured)."""
    with database_urls(request.param, tmp_path) as url:
        engine = make_engine(url)
        migrate(engine)
        try:
            yield engine
        finally:
            engine.dispose()


def _device(engine: Engine, user: str, role: str, scope: list[str] | None, dev_id: str) -> Device:
    with write_begin(engine) as conn:
        add_user(conn, ROLES, user, role, scope)
        code, _ = create_code(conn, user, timedelta(hours=1))
        token = redeem_code(conn, ROLES, code, dev_id).token
    with engine.connect() as conn:
        dev = device_for_token(conn, ROLES, token)
    assert dev is not None
    return dev


def _push(engine: Engine, dev: Device, changes: list[Change]) -> None:
    with write_begin(engine) as conn:
        out = apply_push(
            conn,
            sync_schema(),
            dev,
            changes,
            max_drift_ms=300_000,
            now_ms=time.time_ns() // 1_000_000,
        )
    assert {v.status for v in out.verdicts} == {"applied"}, out.verdicts


def _pull(conn: Connection, dev: Device, cursor: str | None) -> PullPage:
    page = pull_page_json(conn, sync_schema(), dev, cursor, 1000)
    return PullPage.model_validate_json(page.body)


def test_a_pull_between_two_pushes_misses_nothing(hq_engine: Engine, tmp_path: Path) -> None:
    laptop = Store(tmp_path / "admin.db")
    replica = StoreReplica(laptop)
    try:
        admin = _device(hq_engine, "总部", "admin", None, laptop.device_id)
        with laptop.write() as s:
            here = Site(name="东站", county="甘洛县", kind=SiteKind.RELOCATION)
            there = Site(name="西站", county="甘洛县", kind=SiteKind.RELOCATION)
            stays = Person(code="A-1", name="王一", site_id=here.id, tier=Tier.KEY)
            moves = Person(code="A-2", name="王二", site_id=here.id, tier=Tier.KEY)
            s.add_all([here, there, stays, moves])
        first = replica.pending(100)
        _push(hq_engine, admin, first)
        staff = _device(hq_engine, "东站员", "staff", [here.id], "staff-device-0001")
        with read_snapshot(hq_engine) as conn:
            start = _pull(conn, staff, None)
        assert {r.id for r in start.records} == {here.id, stays.id, moves.id}

        # the next two pushes: an edit that stays in scope, then a move out of it
        with laptop.write() as s:
            p = s.get(Person, stays.id)
            assert p is not None
            p.phone = "13800000009"
        (edit,) = replica.pending(100, after_seq=first[-1].seq)
        with laptop.write() as s:
            p = s.get(Person, moves.id)
            assert p is not None
            p.site_id = there.id
        (move,) = replica.pending(100, after_seq=edit.seq)

        fired: list[str] = []

        def commit_pushes_between(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if "sync_exit" in statement and not fired:
                fired.append(statement)
                _push(hq_engine, admin, [edit])
                _push(hq_engine, admin, [move])

        with read_snapshot(hq_engine) as conn:
            event.listen(conn, "before_cursor_execute", commit_pushes_between)
            page = _pull(conn, staff, start.cursor)
        assert fired, "the pull never read exits"
        with read_snapshot(hq_engine) as conn:
            rest = _pull(conn, staff, page.cursor)
        got = {(r.op, r.id): r for r in [*page.records, *rest.records]}
        assert ("exit", moves.id) in got
        assert ("put", stays.id) in got, "the edit committed during the pull was skipped"
        assert got[("put", stays.id)].data["phone"] == "13800000009"
    finally:
        laptop.close()


@pytest.mark.parametrize(
    "backend",
    [
        "sqlite",
        "postgres",
    ],
)
def test_an_edit_after_seeing_a_value_is_not_a_conflict(backend: str, tmp_path: Path) -> None:
    with database_urls(backend, tmp_path) as url:
        engine = make_engine(url)
        migrate(engine)
        a_store, b_store = Store(tmp_path / "a.db"), Store(tmp_path / "b.db")
        try:
            a_rep, b_rep = StoreReplica(a_store), StoreReplica(b_store)
            a = _device(engine, "甲", "admin", None, a_store.device_id)
            b = _device(engine, "乙", "admin", None, b_store.device_id)
            with a_store.write() as s:
                site = Site(name="南站", county="甘洛县", kind=SiteKind.RELOCATION)
                person = Person(code="N-1", name="李一", site_id=site.id, tier=Tier.KEY)
                s.add_all([site, person])
            created = a_rep.pending(100)
            _push(engine, a, created)
            with read_snapshot(engine) as conn:
                b_rep.apply_page(_pull(conn, b, None))
            with a_store.write() as s:
                p = s.get(Person, person.id)
                assert p is not None
                p.phone = "13800000001"
            (a_edit,) = a_rep.pending(100, after_seq=created[-1].seq)

            fired: list[str] = []

            def commit_push_before_records(
                _conn: Any, _cursor: Any, statement: str, *_args: Any
            ) -> None:
                if "FROM sync_record" in statement and not fired:
                    fired.append(statement)
                    _push(engine, a, [a_edit])

            with read_snapshot(engine) as conn:
                event.listen(conn, "before_cursor_execute", commit_push_before_records)
                page = _pull(conn, b, b_rep.cursor())
            assert fired
            b_rep.apply_page(page)
            if not any(r.data.get("phone") == "13800000001" for r in page.records):
                # one snapshot per page (SQLite): the push comes with the next page
                with read_snapshot(engine) as conn:
                    b_rep.apply_page(_pull(conn, b, b_rep.cursor()))
            # b has seen a's phone; its own later edit is no conflict
            with b_store.write() as s:
                p = s.get(Person, person.id)
                assert p is not None
                assert p.phone == "13800000001"
                p.phone = "13900000002"
            with write_begin(engine) as conn:
                out = apply_push(
                    conn,
                    sync_schema(),
                    b,
                    b_rep.pending(100),
                    max_drift_ms=300_000,
                    now_ms=time.time_ns() // 1_000_000,
                )
            assert [v.status for v in out.verdicts] == ["applied"]
        finally:
            a_store.close()
            b_store.close()
            engine.dispose()
