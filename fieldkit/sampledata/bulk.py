"""Fast loading of generated rows into a store: SQLAlchemy Core executemany, no outbox.

Generated rows are demo or benchmark data, never changes to push to headquarters,
so they bypass the ORM (and with it the outbox hook) and go in with plain
``INSERT`` statements in a few large transactions. Person rows get their pinyin
search keys here, as the store would derive them on a flush.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Connection, Date, DateTime, Table
from sqlmodel import SQLModel

from fieldkit.domain.ids import encode_id
from fieldkit.domain.models import (
    Consultation,
    Person,
    PersonEvent,
    ServiceActivity,
    Site,
    StaffMember,
    StoreId,
    TeamMember,
    Visit,
    VolunteerTeam,
)
from fieldkit.domain.search_keys import name_keys
from fieldkit.sampledata.county import DEFAULT_SEED, VISIT_COLUMNS, CountyGenerator, Row
from fieldkit.store import Store
from fieldkit.store.due_list import summary_paused_for_bulk_visits
from fieldkit.store.roster import search_index_paused_for_bulk_persons

__all__ = ["fill_store", "generate_store", "insert_plain", "insert_rows", "with_search_keys"]

Progress = Callable[[str], None]


def _table(model: type[SQLModel]) -> Table:
    return SQLModel.metadata.tables[str(model.__tablename__)]


def with_search_keys(rows: Iterable[Row]) -> list[Row]:
    """Person rows with ``search_full``/``search_initials`` filled from their names."""
    out = []
    for row in rows:
        full, initials = name_keys(row["name"])
        out.append({**row, "search_full": full, "search_initials": initials})
    return out


def insert_rows(conn: Connection, model: type[SQLModel], rows: list[Row]) -> int:
    """Insert ``rows`` (dicts with every column) into ``model``'s table; returns the count."""
    if rows:
        conn.execute(_table(model).insert(), rows)
    return len(rows)


_FAST = (
    "PRAGMA journal_mode=MEMORY",
    "PRAGMA synchronous=OFF",
    "PRAGMA foreign_keys=OFF",
    "PRAGMA cache_size=-131072",
)
_SAFE = (
    "PRAGMA cache_size=-2000",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=FULL",
    "PRAGMA journal_mode=WAL",
)


@contextmanager
def _bulk_connection(store: Store) -> Iterator[Connection]:
    """One connection to a NEW store tuned for loading, set back to the store's settings after.

    The journal is kept in memory and foreign keys are not checked while loading:
    the rows come from the generator, which keeps them consistent (a test checks it
    with ``PRAGMA foreign_key_check``), and the file is new, so a crash half way
    loses nothing but the file being generated.
    """
    store.engine.dispose()
    with store.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        for pragma in _FAST:
            raw.execute(pragma)
        try:
            yield conn
        finally:
            if conn.in_transaction():
                conn.rollback()
            for pragma in _SAFE:
                raw.execute(pragma)
    store.engine.dispose()


def _plain(value: Any) -> Any:
    # The forms the store's column types store, without SQLAlchemy's per-row processing
    # (datetimes: fieldkit.domain.models.StoreDateTime, the only kind synced tables have).
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def insert_plain(conn: Connection, model: type[SQLModel], rows: list[Row]) -> int:
    """Insert generated rows with one driver-level executemany (fast path for big tables)."""
    if not rows:
        return 0
    table = _table(model)
    cols = [c.name for c in table.columns]
    sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
    first = rows[0]
    convert = [
        i
        for i, c in enumerate(cols)
        if isinstance(first.get(c), (date, bool))
        or isinstance(table.c[c].type, (Date, DateTime, Boolean))
    ]
    ids = [i for i, c in enumerate(cols) if isinstance(table.c[c].type, StoreId)]
    params = []
    for row in rows:
        values = [row[c] for c in cols]
        for i in convert:
            values[i] = _plain(values[i])
        for i in ids:
            values[i] = encode_id(values[i])
        params.append(tuple(values))
    conn.exec_driver_sql(sql, params)
    return len(rows)


def fill_store(
    store: Store,
    gen: CountyGenerator,
    *,
    skip_visit: Callable[[Row], bool] | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Insert everything ``gen`` makes into ``store`` without outbox entries.

    ``skip_visit`` leaves out the visits it returns True for (the demo keeps some
    back as paper forms). Returns the number of rows per table.
    """
    say = progress or (lambda _msg: None)
    counts: dict[str, int] = {}
    with _bulk_connection(store) as conn, conn.begin():
        counts["site"] = insert_rows(conn, Site, gen.sites)
        counts["staff_member"] = insert_rows(conn, StaffMember, gen.staff)
        with search_index_paused_for_bulk_persons(conn):  # indexed in one pass after
            for i in range(0, len(gen.persons), 20_000):
                insert_plain(conn, Person, with_search_keys(gen.persons[i : i + 20_000]))
        counts["person"] = len(gen.persons)
        counts["person_event"] = insert_rows(conn, PersonEvent, gen.events)
        counts["volunteer_team"] = insert_rows(conn, VolunteerTeam, gen.teams)
        counts["team_member"] = insert_rows(conn, TeamMember, gen.members)
        counts["consultation"] = insert_rows(conn, Consultation, gen.consultations())
        counts["service_activity"] = insert_rows(conn, ServiceActivity, gen.activities())
        say(f"{counts['person']} persons at {counts['site']} sites")
        counts["visit"] = 0
        # the due list's visit summary is rebuilt once after the load, not per visit
        with summary_paused_for_bulk_visits(conn):
            if skip_visit is None:
                sql = (
                    f"INSERT INTO visit ({', '.join(VISIT_COLUMNS)}) "
                    f"VALUES ({', '.join('?' for _ in VISIT_COLUMNS)})"
                )
                for values in gen.iter_visit_values(batch=100_000, stored_ids=True):
                    conn.exec_driver_sql(sql, values)
                    counts["visit"] += len(values)
                    say(f"{counts['visit']} visits")
            else:
                for batch in gen.iter_visits(batch=100_000):
                    rows = [v for v in batch if not skip_visit(v)]
                    counts["visit"] += insert_plain(conn, Visit, rows)
    return counts


def generate_store(
    path: Path | str,
    *,
    persons: int = 300,
    visits: int = 2000,
    seed: int = DEFAULT_SEED,
    progress: Progress | None = None,
) -> Store:
    """A new store at ``path`` filled with an invented county of the given size.

    For benchmarks: ``generate_store(tmp / "big.db", persons=100_000, visits=1_000_000)``.
    The rows are the same for the same arguments; nothing is put in the outbox.
    Refuses to write into an existing file.
    """
    target = Path(path)
    if target.exists():
        raise FileExistsError(f"{target} exists; generate into a new file")
    started = _time.perf_counter()
    gen = CountyGenerator(persons=persons, visits=visits, seed=seed)
    store = Store(target)
    fill_store(store, gen, progress=progress)
    if progress is not None:
        progress(f"done in {_time.perf_counter() - started:.1f} s")
    return store
