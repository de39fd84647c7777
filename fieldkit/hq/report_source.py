"""The quarterly tables' figures at headquarters, over every synced record.

:class:`HqSource` implements :class:`fieldkit.reports.source.ReportSource` (it lives
with HQ, not with the reports: it is SQL over HQ's database). It reads HQ's typed
projection (:mod:`fieldkit.hq.projection.tables`, kept current inside every push,
so it is exactly what ``sync_record`` holds), never the JSON records. Each method
is one SQLAlchemy Core statement, the same on SQLite and PostgreSQL (``count(*)
FILTER (WHERE …)`` and a correlated ``LIMIT 1`` subquery are understood by both).
The projection holds live rows only (sites and teams keep their tombstones, flagged),
and a person's history is already filed under the person's current site, so no
statement filters tombstones or joins a person to find a site. The quarter's visit
counts are read from the sums the push hook keeps per quarter
(:mod:`fieldkit.hq.projection.summary`), not from the visits.

The care-plan figures are kept per person and quarter (:mod:`fieldkit.reports.kept`,
in ``report_replay`` beside the projection; the versions they are checked against are
raised by the push hook, :mod:`fieldkit.hq.projection.kept`), so a report replays
only the persons whose records changed since the last one and stores their rows in a
transaction of its own once its tables are made.

**Checking only the persons changed (PostgreSQL).** The hook also records which
transaction last raised each version (``changed_by``, indexed). A report over every
site stores, with its rows, a mark (:class:`_Mark`): the oldest transaction still
running when its snapshot was taken. Every change it did not see was made by that
transaction or a later one, and every person it saw as changed it replayed (their
rows stored) or, no longer a live person, had their invalid rows deleted; so at the
next report, a person whose version was last raised before the mark has a valid row.
That report checks versions only for the persons changed since the mark (an index
range) and counts every other row as it is (while the relocation sites are the ones
the mark saw): it reads the rows' sums (``report_replay_sum``, every kept row added up
per site, relocation flag, category and tier, corrected where rows are stored or
deleted, under the keeping lock) and takes out the stale rows of the persons changed.
Rows are never replaced by rows of an older version (a report that read
before a push can store after a later one), and deleted only by a report that found
them invalid, a prune of another policy and a rebuild (those two drop the marks). A
mark made on another cluster (a restored dump: transaction ids start again) or ahead
of the snapshot is not used; without a usable one every person is checked, as on
SQLite.

A report reads one snapshot: :func:`hq_source` opens one connection whose reads
all see the same state (REPEATABLE READ on PostgreSQL, one read transaction on
SQLite), so a push committing meanwhile never shows in half the tables.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Engine,
    Executable,
    String,
    and_,
    any_,
    bindparam,
    delete,
    func,
    literal,
    null,
    select,
    text,
    union_all,
)

from fieldkit.domain.vocab import SiteKind
from fieldkit.hq.database import open_hq
from fieldkit.hq.projection import kept as kept_tables
from fieldkit.hq.projection import tables as p
from fieldkit.hq.projection.summary import correct_sums
from fieldkit.reports import rows as decode
from fieldkit.reports.kept import (
    PRUNE_SQL,
    KeptFigures,
    Layout,
    PersonQuarter,
    kept_figures,
    kept_params,
)
from fieldkit.reports.quarter import Quarter
from fieldkit.reports.source import (
    ActivityCount,
    ConsultationCount,
    EventRow,
    PersonRow,
    PersonScope,
    SiteRow,
    SiteScope,
    TeamRow,
    VisitFact,
    VisitFigures,
)
from sync.server.db import read_snapshot, write_begin
from sync.server.records import dialect_insert, upsert

__all__ = ["HqSource", "hq_source"]

_LAYOUT = Layout(person=p.person.name, live="1 = 1", site=p.site.name)
_KEEP_LOCK = kept_tables.KEEP_LOCK
_RETURNING = " RETURNING " + ", ".join(
    dict.fromkeys((*kept_tables.SUM_KEYS, *kept_tables.SUM_COUNTERS[1:]))
)
"""What the sums of the kept rows need of a deleted row."""
_ANALYZE_FROM = 10_000
"""Storing this many rows or more refreshes the table's planner statistics."""


def _in_sites(column: ColumnElement[Any], sites: SiteScope) -> ColumnElement[bool]:
    """``column IN (sites)``, or true for every site."""
    if sites is None:
        return literal(True)
    return column.in_(sorted(set(sites)))


def _in_persons(
    column: ColumnElement[Any], only: PersonScope, pg: bool = False
) -> ColumnElement[bool]:
    """``column IN (only)``, or true for every person; on PostgreSQL ``column =
    ANY(array)``: one parameter instead of one per person (a thousand placeholders cost
    the driver more to convert than the query takes to run)."""
    if only is None:
        return literal(True)
    return _in_ids(column, sorted(only), pg)


def _in_ids(column: ColumnElement[Any], ids: list[str], pg: bool) -> ColumnElement[bool]:
    """``column IN (ids)``, as one array parameter on PostgreSQL."""
    if pg:
        return column == any_(bindparam("ids", ids, type_=ARRAY(String)))
    return column.in_(ids)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def _since(
    make: Callable[[SiteScope, dict[str, Any]], str], person: str
) -> Callable[[SiteScope, dict[str, Any]], str]:
    """``make``'s statement over the persons changed since the mark only (``person``:
    the statement's person id column)."""

    def made(sites: SiteScope, params: dict[str, Any]) -> str:
        return make(sites, params) + f" AND {person} IN ({_LAYOUT.changed_sql()})"

    return made


_SNAPSHOT_SQL = (
    "SELECT CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS text) AS bigint),"
    " (SELECT CAST(system_identifier AS text) FROM pg_control_system())"
)


@dataclass
class _Mark:
    """The kept figures' mark of a quarter and policy (``report_kept_mark``) as a report
    found it, and what it leaves: every person whose version was last raised by a
    transaction older than ``xmin`` has a valid kept row, or is not a live person. A
    report over every site stores its own mark with its rows: its snapshot's oldest
    running transaction, so that a change it did not see is after it (a push still
    running then, or later), and the relocation sites it saw. A mark is used only on
    the cluster that made it (a restored dump starts transaction ids again), when not
    ahead of the snapshot, and while the relocation sites are the same; a report that
    saw other relocation sites deletes it instead of storing (its rows carry the other
    flag), so the next but one report checks everyone again."""

    quarter: str
    policy: str
    system: str
    xmin: int
    relocation: str
    since: int | None
    drop: list[str] = field(default_factory=list)
    everyone: bool = False

    @classmethod
    def read(cls, conn: Connection, quarter: Quarter, key: str) -> _Mark:
        xmin, system = conn.execute(text(_SNAPSHOT_SQL)).one()
        relocation = _relocation_sites(conn)
        found = _stored_mark(conn, str(quarter), key)
        usable = (
            found is not None
            and (found.system, found.relocation) == (system, relocation)
            and int(found.oldest) <= int(xmin)
        )
        since = int(found.oldest) if found is not None and usable else None
        return cls(str(quarter), key, str(system), int(xmin), relocation, since)

    @property
    def moves(self) -> bool:
        """Whether storing it would change the stored mark."""
        return self.everyone and self.since != self.xmin

    def store(self, conn: Connection) -> None:
        """Store it (a report over every site), or delete the stored one when that saw
        other relocation sites (call under the keeping lock)."""
        found = _stored_mark(conn, self.quarter, self.policy)
        if found is not None and found.relocation != self.relocation:
            k = kept_tables.kept_mark.c
            conn.execute(
                delete(kept_tables.kept_mark).where(
                    k.quarter == self.quarter, k.policy == self.policy
                )
            )
            return
        if not self.everyone:
            return
        row = {"quarter": self.quarter, "policy": self.policy, "system": self.system,
               "oldest": self.xmin, "relocation": self.relocation}  # fmt: skip
        upsert(conn, kept_tables.kept_mark, [row], ["quarter", "policy"])


def _stored_mark(conn: Connection, quarter: str, key: str) -> Any:
    k = kept_tables.kept_mark.c
    return conn.execute(
        select(k.system, k.oldest, k.relocation).where(k.quarter == quarter, k.policy == key)
    ).first()


def _relocation_sites(conn: Connection) -> str:
    """The ids of the relocation sites (tombstoned ones too), as the mark keeps them."""
    s = p.site.c
    found = conn.execute(select(s.id).where(s.kind == SiteKind.RELOCATION.value)).scalars()
    return json.dumps(sorted(found))


def _store_rows(conn: Connection, rows: list[dict[str, Any]], sums: _SumChanges) -> None:
    """Insert kept rows, replacing those of the same person made from an older or the
    same version (never a newer one: a report that read before a push may store after
    a later report); the rows replaced and stored counted into ``sums`` (the rows they
    replace are read first: call under the keeping lock)."""
    if not rows:
        return
    table = kept_tables.replay
    r = table.c
    stmt = dialect_insert(conn, table)
    keys = ("quarter", "policy", "person_id")
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={c: stmt.excluded[c] for c in rows[0] if c not in keys},
        where=table.c.version <= stmt.excluded.version,
    )
    first = rows[0]
    for start in range(0, len(rows), 5000):
        chunk = rows[start : start + 5000]
        found = conn.execute(
            select(table).where(
                r.quarter == first["quarter"],
                r.policy == first["policy"],
                _in_ids(
                    r.person_id,
                    [row["person_id"] for row in chunk],
                    conn.dialect.name == "postgresql",
                ),
            )
        )
        old = {row.person_id: row._mapping for row in found}
        stored = [row for row in chunk if row["person_id"] not in old
                  or old[row["person_id"]]["version"] <= row["version"]]  # fmt: skip
        kept_tables.replay_sum_changes(
            (old[row["person_id"]] for row in stored if row["person_id"] in old), -1, sums
        )
        kept_tables.replay_sum_changes(stored, 1, sums)
        conn.execute(stmt, chunk)


_SumChanges = dict[tuple[Any, ...], list[int]]


def _other_policies(conn: Connection, quarter: str, key: str) -> bool:
    """Whether rows or a mark of ``quarter`` are kept under another policy: their sums
    say so (a group per policy with rows), without scanning the quarter's rows."""
    return any(
        conn.execute(
            select(table.c.quarter)
            .where(table.c.quarter == quarter, table.c.policy != key)
            .limit(1)
        ).first()
        for table in (kept_tables.replay_sum, kept_tables.kept_mark)
    )


def _correct_sums(conn: Connection, sums: _SumChanges) -> None:
    """Correct ``report_replay_sum`` by ``sums``."""
    correct_sums(conn, kept_tables.replay_sum, kept_tables.SUM_KEYS, kept_tables.SUM_COUNTERS,
                 sums)  # fmt: skip


class HqSource:
    """:class:`fieldkit.reports.source.ReportSource` over HQ's projection, on ``conn``;
    kept figures are stored through ``engine`` (none without one)."""

    def __init__(self, conn: Connection, engine: Engine | None = None) -> None:
        self.conn = conn
        self.engine = engine
        self._mark: _Mark | None = None

    def _rows(self, stmt: Executable) -> Sequence[Any]:
        """All the rows of one statement, fetched at once (row by row costs a driver call each)."""
        return self.conn.execute(stmt).all()

    def reading(self) -> nullcontext[object]:
        """The connection reads one snapshot already (:func:`hq_source`)."""
        return nullcontext(self)

    def kept(self, quarter: Quarter, key: str, sites: SiteScope) -> KeptFigures:
        """The valid kept figures at ``sites`` added up, and the persons to replay. On
        PostgreSQL, with a usable mark of the quarter (:class:`_Mark`), only the persons
        changed since it are checked; else every one."""
        mark = _Mark.read(self.conn, quarter, key) if self._pg else None
        base = kept_params(quarter, key)
        since = mark.since if mark is not None else None
        makes = (
            (_LAYOUT.tally_sums_sql, _LAYOUT.unvisited_sql, _since(_LAYOUT.stale_sql, "p.id"))
            if since is not None
            else (_LAYOUT.tally_sql, _LAYOUT.unvisited_sql, _LAYOUT.stale_sql)
        )
        found = []
        for make in makes:
            params = dict(base) if since is None else {**base, "xmin": since}
            found.append(self.conn.execute(text(make(sites, params)), params).all())
        figures = kept_figures(*found)
        if mark is not None:
            params = {**base, "xmin": since or 0}
            sql = (
                _LAYOUT.invalid_sql if since is None else _since(_LAYOUT.invalid_sql, "r.person_id")
            )
            invalid = self.conn.execute(text(sql(sites, params)), params).scalars().all()
            stale = {s.person_id for s in figures.stale}
            mark.drop = sorted(set(invalid) - stale)
            mark.everyone = sites is None
            self._mark = mark
        return figures

    def keep(self, quarter: Quarter, key: str, figures: Sequence[PersonQuarter]) -> None:
        """Store ``figures`` in a transaction of its own (reports storing the same quarter
        wait for each other): a row replaces a kept one unless that one was made from a
        newer version; the rows found no longer valid of persons not replayed are
        deleted, and a report over every site leaves its mark. Nothing without an engine."""
        mark = self._mark if self._mark is not None and self._mark.quarter == str(quarter) else None
        if self.engine is None or not (figures or (mark and (mark.drop or mark.moves))):
            return
        with write_begin(self.engine) as conn:
            pg = conn.dialect.name == "postgresql"
            if pg:
                # kept rows are a cache: a crash may lose this transaction whole, never part
                # of it, so its commit need not wait for the disk
                conn.execute(text("SET LOCAL synchronous_commit TO OFF"))
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _KEEP_LOCK})
            base = kept_params(quarter, key)
            if figures and _other_policies(conn, str(quarter), key):
                # only one policy's rows are kept per quarter
                conn.execute(text(PRUNE_SQL), base)
                for table in (kept_tables.kept_mark, kept_tables.replay_sum):
                    conn.execute(
                        delete(table).where(table.c.quarter == str(quarter), table.c.policy != key)
                    )
            sums: _SumChanges = {}
            drop = mark.drop if mark is not None else []
            for start in range(0, len(drop), 1000):
                params = dict(base)
                sql = _LAYOUT.drop_sql(drop[start : start + 1000], params) + _RETURNING
                gone = conn.execute(text(sql), params).mappings()
                kept_tables.replay_sum_changes(gone, -1, sums)
            _store_rows(conn, [f.row(quarter, key) for f in figures], sums)
            _correct_sums(conn, sums)
            if mark is not None:
                mark.store(conn)
            if pg and len(figures) >= _ANALYZE_FROM:
                # the planner must know the quarter's rows are there (hash joins, not loops)
                conn.execute(text(f"ANALYZE {kept_tables.replay.name}"))

    @property
    def _pg(self) -> bool:
        return self.conn.dialect.name == "postgresql"

    def sites(self) -> Sequence[SiteRow]:
        """Every site."""
        s = p.site.c
        return decode.site_rows(self._rows(select(s.id, s.name, s.kind, s.county, s.deleted)))

    def teams(self, sites: SiteScope) -> Sequence[TeamRow]:
        """Every volunteer team based at ``sites``."""
        t = p.team.c
        return decode.team_rows(
            self._rows(
                select(t.id, t.name, t.site_id, t.deleted).where(_in_sites(t.site_id, sites))
            )
        )

    def persons(self, sites: SiteScope, only: PersonScope = None) -> Sequence[PersonRow]:
        """The live persons at ``sites``."""
        c = p.person.c
        rows = self._rows(
            select(
                c.id, c.code, c.name, c.site_id, c.address, c.phone, c.category, c.tier,
                c.status, c.birth_date,
            ).where(_in_sites(c.site_id, sites), _in_persons(c.id, only, self._pg))
        )  # fmt: skip
        return decode.person_rows(rows, decode.typed_day)

    def events(self, until: date, sites: SiteScope, only: PersonScope = None) -> Sequence[EventRow]:
        """The live events of live persons at ``sites`` up to ``until``, in date order
        (same-day events in the order they were made: UUIDv7 ids follow time)."""
        e, c = p.event.c, p.person.c
        stmt = (
            select(e.person_id, e.kind, e.happened_on)
            .join_from(p.event, p.person, c.id == e.person_id)
            .where(
                e.happened_on <= until,
                _in_sites(c.site_id, sites),
                _in_persons(c.id, only, self._pg),
            )
            .order_by(e.happened_on, e.id)
        )
        return decode.event_rows(self._rows(stmt), decode.typed_day)

    def visits_between(
        self, since: date, before: date, sites: SiteScope, only: PersonScope = None
    ) -> Mapping[str, Sequence[VisitFact]]:
        """Per live person at ``sites``, their live visits in ``[since, before)``, in order."""
        v, c = p.visit.c, p.person.c
        stmt = (
            select(v.person_id, v.visited_at, v.reason, v.follow_up_owed, v.follow_up_due)
            .join_from(p.visit, p.person, c.id == v.person_id)
            .where(
                v.visited_at >= _midnight(since),
                v.visited_at < _midnight(before),
                _in_sites(c.site_id, sites),
                _in_persons(v.person_id, only, self._pg),
            )
            .order_by(v.visited_at, v.id)
        )
        return decode.visit_facts(self._rows(stmt), decode.typed_day)

    def latest_visits_before(
        self, day: date, sites: SiteScope, only: PersonScope = None
    ) -> Mapping[str, VisitFact]:
        """Per live person at ``sites``, their latest live visit before ``day`` (one index
        seek per person on ``(person_id, visited_at)``)."""
        v, c = p.visit.c, p.person.c
        earlier = p.visit.alias("earlier")
        e = earlier.c
        latest = (
            select(e.id)
            .where(e.person_id == c.id, e.visited_at < _midnight(day))
            .order_by(e.visited_at.desc(), e.id.desc())
            .limit(1)
            .correlate(p.person)
            .scalar_subquery()
        )
        stmt = (
            select(c.id, v.visited_at, v.reason, v.follow_up_owed, v.follow_up_due)
            .join_from(p.person, p.visit, v.id == latest)
            .where(_in_sites(c.site_id, sites), _in_persons(c.id, only, self._pg))
        )
        return decode.latest_facts(self._rows(stmt), decode.typed_day)

    def visit_figures(self, quarter: Quarter, sites: SiteScope) -> VisitFigures:
        """The quarter's live visits per site and reason, and the persons they reached per
        site: the sums the push hook keeps per quarter, site and reason, and per quarter
        and site (:mod:`fieldkit.hq.projection.summary`)."""
        q, r = p.visit_quarter.c, p.visit_reach_site.c
        by_reason = select(q.site_id, q.reason, q.visits, q.scanned, q.money_fen, q.goods).where(
            q.quarter == str(quarter), _in_sites(q.site_id, sites)
        )
        reach = select(r.site_id, null(), r.persons, r.given, literal(0), literal(0)).where(
            r.quarter == str(quarter), _in_sites(r.site_id, sites)
        )
        return decode.visit_figures(self._rows(union_all(by_reason, reach)))

    def consultation_counts(
        self, quarter: Quarter, sites: SiteScope
    ) -> Sequence[ConsultationCount]:
        """The quarter's live consultations per site and topic."""
        c = p.consultation.c
        stmt = (
            select(c.site_id, c.topic, func.count())
            .where(
                c.held_on >= quarter.start, c.held_on <= quarter.end, _in_sites(c.site_id, sites)
            )
            .group_by(c.site_id, c.topic)
        )
        return decode.consultation_counts(self._rows(stmt))

    def activity_counts(self, quarter: Quarter, sites: SiteScope) -> Sequence[ActivityCount]:
        """The quarter's live service activities per team and kind."""
        a, t = p.activity.c, p.team.c
        stmt = (
            select(
                a.team_id, a.kind, func.count(), func.sum(a.attendee_count),
                func.sum(a.people_reached), func.sum(a.duration_minutes * a.attendee_count),
            )
            .join_from(p.activity, p.team, t.id == a.team_id)
            .where(
                and_(a.held_on >= quarter.start, a.held_on <= quarter.end),
                _in_sites(t.site_id, sites),
            )
            .group_by(a.team_id, a.kind)
        )  # fmt: skip
        return decode.activity_counts(self._rows(stmt))


@contextmanager
def hq_source(url: str) -> Iterator[HqSource]:
    """An :class:`HqSource` on the HQ database at ``url`` (migrated first), reading one
    snapshot; raises :class:`fieldkit.hq.errors.HqSetupError` when it cannot be opened."""
    engine = open_hq(url)
    try:
        with read_snapshot(engine) as conn, conn.begin():
            yield HqSource(conn, engine)
    finally:
        engine.dispose()
