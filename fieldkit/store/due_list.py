"""The due list of a scope on a day, computed from the laptop store.

The store does the heavy lifting in SQL and hands the pure engine
(:mod:`fieldkit.domain.careplan`) only the persons who can owe a task. It reads the
local table ``visit_summary`` (migration 0003): per person, the latest live visit
(time and follow-up), the latest live visit per must-visit reason and a copy of
the tier and site (and, migration 0013, of the category and whether the person can
owe tasks, which the festival statements read instead of ``person``), kept current
by SQLite triggers on ``visit`` and ``person``. The
SQL is in :mod:`fieldkit.store.due_sql`. The steps:

1. events (:func:`_read_events`): the latest hospitalised / misfortune / deceased
   date per person in scope (``person_event`` is small); a recent event not yet
   settled by a visit with its reason makes its person a candidate. A deceased
   person is a candidate only through such an event (they are owed nothing but the
   condolence visit);
2. candidates (:func:`_candidate_rows`), the persons some rule other than the
   festival visits can fire for: tier interval ending within the listing horizon,
   never visited, a follow-up due within it, a recent event, a milestone birthday
   near, a relocation resident not visited this year. Persons with a visit after the
   day are always candidates. A large scope is read through index range scans of
   ``visit_summary`` and ``person`` (the few candidates, by primary key); a small one
   in full, filtered in SQL;
3. decode (:func:`_facts_of_rows`): each row becomes the person's
   :class:`~fieldkit.domain.careplan.PersonFacts` (by position); for persons with a visit after the
   day the latest visits as of the day are read from ``visit`` itself in one probe
   (the summary is "as of now");
4. rules (:func:`_person_tasks`): :class:`~fieldkit.domain.careplan.DayRules` per
   candidate;
5. festival visits (:func:`_festival_runs`): in a festival window nearly everyone owes
   the same visit, so the persons who owe it are counted in SQL for the whole scope
   and held as a :class:`~fieldkit.domain.careplan.TaskRun` of
   :class:`~fieldkit.domain.careplan.LazyPersons`: counted per site when the list's
   groups are first read, read as rows (one each) when a task of theirs is, from
   the listing's snapshot (:class:`_Snapshot`, held until then).

No visit row reaches Python: each candidate comes with their latest visit and
their latest visit per must-visit reason. If two visits share a person's latest
timestamp, the one stored last counts as the latest (its follow-up is listed).

:func:`due_listing` reads one snapshot for a screen: the first screenful
(:func:`due_list_head`) needs steps 1 to 4 for only the candidates who may owe a
task due by the day its tasks end (guessed from the summary's indexes, checked
against the tasks made: :func:`_first_person_tasks`; the list is ordered by due
date first) and only the first persons of a festival visit it reaches; the counts
per state and the whole list add the other candidates and count the festival
visits in SQL; reading the whole list's tasks reads every person who owes one.
Figures: ``docs/BENCHMARKS.md``. What was measured and kept earlier: tier, category
and status read as one small int; the follow-up owed and the must-visit reasons'
days read as one column each (a candidate's row has 11 columns, not 18); the
candidates' rows read whole (``fetchall``: measured faster again after the compact
ids than consuming the cursor as rows come); the persons' ids remembered as text
from one listing to the next (:func:`person_ids`, one memo per store); the birthday
arm of the candidate indexes read without each person's summary row (looked up in
birth-date order, it cost more than the few candidates it left out); the festival
statements without their test of each summary's last visit when no summary shows a
visit after the day (the newest found in a few seeks,
:data:`~fieldkit.store.due_sql.NEWEST_VISIT`); the latest event per kind found in
Python rather than by a GROUP BY; the cyclic garbage collector paused; each
candidate's facts made from their row by position (without the keyword
constructors); older deaths read only of persons the summary shows live, and the
summary looked up only for recent events and deaths. What did not help: a scan of
the summary instead of its index seeks, joining in candidate order instead of sorted
ids, caching dates by text, a larger SQLite page cache (kept, or only for one
listing: then more CPU and ~35 MB more resident memory that stays after it) or a
memory-mapped file (in loaded runs the system time of reading pages went, the total
did not clearly fall); counting the festival visit's persons per site as a
difference of index-only counts (about a quarter faster, but three queries that must
stay true to the triggers).
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from fieldkit.domain.careplan import (
    DayRules,
    DueList,
    FestivalVisit,
    FollowUp,
    LazyPersons,
    PersonFacts,
    PersonRow,
    Policy,
    Task,
    TaskRun,
    TaskState,
    build_due_list,
    count_due_tasks,
    default_policy,
    first_due_tasks,
    load_policy,
    no_gc,
)
from fieldkit.domain.ids import IdTexts, decode_id, id_order
from fieldkit.domain.vocab import EventKind, SiteKind, VisitReason
from fieldkit.paths import config_dir
from fieldkit.store.due_sql import (
    CANDIDATE_REASONS,
    FIELD_SEP,
    FIRST,
    MUST_VISIT_REASONS,
    NEWEST_VISIT,
    PERSON_KINDS,
    PROBE,
    REST,
    STALE_AT,
    SUMMARY_CATEGORY,
    SUMMARY_LIVE,
    WHOLE,
    DueQuery,
    Part,
    id_params,
)
from fieldkit.store.store import Store

__all__ = [
    "COUNTY_POLICY_FILE",
    "PERSON_IDS_KEPT",
    "SCREENFUL",
    "DueListing",
    "county_policy",
    "due_list",
    "due_list_head",
    "due_listing",
    "pause_person_summaries",
    "person_ids",
    "rebuild_visit_summary",
    "refill_visit_summary",
    "site_names",
    "summarise_persons_after",
    "summary_paused_for_bulk_visits",
]

COUNTY_POLICY_FILE = "policy.toml"
"""The county's policy override, looked for in :func:`fieldkit.paths.config_dir`."""

SCAN_LIMIT = 20_000
"""Scopes of at most this many persons are read in full (with their summary) and
filtered in SQL; larger scopes are read through the candidate indexes."""

SCREENFUL = 50
"""How many tasks :func:`due_list_head` gives by default."""

_EVENTS = {m.value: m for m in EventKind}
_REASONS = {m.value: m for m in VisitReason}
_NO_EVENTS: dict[EventKind, date] = {}
_NO_VISITS: dict[VisitReason, date] = {}  # shared, never written to
PERSON_IDS_KEPT = 250_000
"""How many persons' ids a store's :func:`person_ids` remembers at most."""
_PERSON_IDS: weakref.WeakKeyDictionary[Store, IdTexts] = weakref.WeakKeyDictionary()


def person_ids(store: Store) -> IdTexts:
    """The persons' ids of ``store`` as text by their stored form, remembered from one
    listing to the next while the store is open (a county of 100,000 persons: about
    18 MB; decoding them anew was a twentieth of a listing's time)."""
    ids = _PERSON_IDS.get(store)
    if ids is None:
        ids = _PERSON_IDS[store] = IdTexts(limit=PERSON_IDS_KEPT)
    return ids


_fromiso = date.fromisoformat
_new = tuple.__new__  # a NamedTuple by position, without its Python-level __new__


_VISIT_INSERT_TRIGGER = "trg_visit_summary_visit_insert"
# Every person's summary row recomputed from ``visit`` and ``person`` (the statements
# of migration 0003's backfill; a test checks a bulk-loaded store against ``visit``).
_LIVE = "v.person_id = visit_summary.person_id AND v.deleted = 0"
# What a summary row copies of its person (migrations 0003 and 0013): the columns,
# their values from ``person p``, and the upsert's SET of them.
_PERSON_COPY = "person_id, tier, site_id, category, live"
_PERSON_COPY_OF_P = f"p.id, p.tier, p.site_id, {SUMMARY_CATEGORY}, {SUMMARY_LIVE}"
_PERSON_COPY_SET = ", ".join(f"{c} = excluded.{c}" for c in ("tier", "site_id", "category", "live"))
_REBUILD = (
    f"INSERT INTO visit_summary ({_PERSON_COPY}) SELECT {_PERSON_COPY_OF_P}"
    f" FROM person p WHERE 1 ON CONFLICT (person_id) DO UPDATE SET {_PERSON_COPY_SET}",
    "UPDATE visit_summary SET (last_at, follow_up_owed, follow_up, follow_up_due) = ("
    "SELECT v.visited_at, v.follow_up != '' OR v.follow_up_due IS NOT NULL, v.follow_up,"
    f" v.follow_up_due FROM visit v WHERE {_LIVE}"
    " ORDER BY v.visited_at DESC, v.rowid DESC LIMIT 1), "
    + ", ".join(
        f"{r.value}_at = (SELECT max(v.visited_at) FROM visit v"
        f" WHERE {_LIVE} AND v.reason = '{r.value}')"
        for r in MUST_VISIT_REASONS
    ),
)


# The same rows in one INSERT ... SELECT, without six index lookups per person: the
# must-visit reasons' latest days from one GROUP BY over the visits with such a reason
# (a sort of those alone), and the latest live visit, the greatest (visited_at, rowid),
# from one backward step along ``ix_visit_person_time`` per person (its entries are in
# (person_id, visited_at, rowid) order). A GROUP BY over every visit with the latest
# as a text key took 1.7 times as long on the pull benchmark (200,000 visits).
_MUST_VISIT_LIST = ", ".join(f"'{r.value}'" for r in MUST_VISIT_REASONS)
_REFILL = (
    f"INSERT INTO visit_summary ({_PERSON_COPY}, last_at, follow_up_owed,"
    " follow_up, follow_up_due, "
    + ", ".join(f"{r.value}_at" for r in MUST_VISIT_REASONS)
    + f") SELECT {_PERSON_COPY_OF_P}, l.visited_at,"
    " CASE WHEN l.rowid IS NULL THEN NULL ELSE l.follow_up != '' OR l.follow_up_due IS NOT NULL"
    " END, l.follow_up, l.follow_up_due, "
    + ", ".join(f"g.{r.value}_at" for r in MUST_VISIT_REASONS)
    + " FROM person p LEFT JOIN (SELECT v.person_id, "
    + ", ".join(
        f"max(CASE WHEN v.reason = '{r.value}' THEN v.visited_at END) AS {r.value}_at"
        for r in MUST_VISIT_REASONS
    )
    + " FROM visit v NOT INDEXED WHERE v.deleted = 0"
    f" AND v.reason IN ({_MUST_VISIT_LIST}) GROUP BY v.person_id) g ON g.person_id = p.id"
    " LEFT JOIN visit l ON l.rowid = (SELECT v.rowid FROM visit v"
    " WHERE v.person_id = p.id AND v.deleted = 0 ORDER BY v.visited_at DESC, v.rowid DESC LIMIT 1)"
)


def rebuild_visit_summary(conn: Connection) -> None:
    """Empty ``visit_summary`` and fill it again from ``person`` and ``visit`` (the
    statements of migration 0003's backfill: six lookups per person)."""
    conn.exec_driver_sql("DELETE FROM visit_summary")
    for statement in _REBUILD:
        conn.exec_driver_sql(statement)


def refill_visit_summary(conn: Connection) -> None:
    """Empty ``visit_summary`` and fill it again with one ``INSERT ... SELECT`` (one
    pass over ``visit``): the rows :func:`rebuild_visit_summary` makes, faster for a
    whole store (a bulk-loaded first pull). It reads through ``ix_visit_person_time``
    (a bulk load's end makes the visits' indexes first: without it, one scan of
    ``visit`` per person)."""
    conn.exec_driver_sql("DELETE FROM visit_summary")
    conn.exec_driver_sql(_REFILL)


@contextmanager
def summary_paused_for_bulk_visits(conn: Connection) -> Iterator[None]:
    """Load many visits on ``conn`` without the per-row trigger that keeps
    ``visit_summary`` current, then rebuild the summary in one pass.

    For the sample-data generator: a million visits load ~40% faster. Use it inside
    the loading transaction; if the block fails, the transaction's rollback puts the
    trigger back too.
    """
    found = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
        (_VISIT_INSERT_TRIGGER,),
    ).scalar()
    if found is None:  # no summary in this store (or already paused)
        yield
        return
    conn.exec_driver_sql(f"DROP TRIGGER {_VISIT_INSERT_TRIGGER}")
    yield
    conn.exec_driver_sql(str(found))
    for statement in _REBUILD:
        conn.exec_driver_sql(statement)


_PERSON_INSERT_TRIGGER = "trg_visit_summary_person_insert"
_SUMMARY_COLUMNS = (
    "last_at",
    "follow_up_owed",
    "follow_up",
    "follow_up_due",
    *(f"{r.value}_at" for r in MUST_VISIT_REASONS),
)


def pause_person_summaries(conn: Connection) -> tuple[str, int] | None:
    """Drop the trigger that gives each new person their ``visit_summary`` row, for
    many persons inserted at once (a big roster: the trigger's lookups in ``visit``
    are about two thirds of the rows' insert); :func:`summarise_persons_after` makes
    it again and writes what it would have. Returns what that needs (the trigger's
    SQL, the last person rowid), or None when the store has no such trigger. Use it
    inside the writing transaction, whose rollback puts the trigger back."""
    found = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
        (_PERSON_INSERT_TRIGGER,),
    ).scalar()
    if found is None:
        return None
    last = conn.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM person").scalar_one()
    conn.exec_driver_sql(f"DROP TRIGGER {_PERSON_INSERT_TRIGGER}")
    return str(found), int(last)


def summarise_persons_after(conn: Connection, paused: tuple[str, int]) -> None:
    """Make the trigger :func:`pause_person_summaries` dropped again, and write what it
    would have for every person inserted since: their summary row (tier, site,
    category and liveness;
    a row already there, from visits that came first, taken over), its visit columns
    empty, then recomputed from ``visit`` for the persons that have visits (for the
    others the trigger's recompute finds nothing: empty)."""
    trigger, last = paused
    conn.exec_driver_sql(trigger)
    emptied = ", ".join(f"{c} = NULL" for c in _SUMMARY_COLUMNS)
    conn.exec_driver_sql(
        f"INSERT INTO visit_summary ({_PERSON_COPY}) SELECT {_PERSON_COPY_OF_P}"
        " FROM person p WHERE p.rowid > ? ON CONFLICT (person_id) DO UPDATE"
        f" SET {_PERSON_COPY_SET}, {emptied}",
        (last,),
    )
    conn.exec_driver_sql(
        f"{_REBUILD[1]} WHERE person_id IN (SELECT v.person_id FROM visit v"
        " JOIN person p ON p.id = v.person_id WHERE p.rowid > ?)",
        (last,),
    )


def county_policy(path: Path | None = None) -> Policy:
    """The policy in force: ``path`` if given, else ``policy.toml`` in the config
    directory when it exists, merged over the shipped defaults.

    Raises :class:`fieldkit.domain.careplan.PolicyError` (naming the file, key and
    problem) for a bad file.
    """
    if path is None:
        found = config_dir() / COUNTY_POLICY_FILE
        path = found if found.is_file() else None
    return load_policy(path)


def site_names(store: Store) -> dict[str, str]:
    """Every site's name by id (deleted sites included, for old rows)."""
    with store.read() as s:
        rows = s.connection().exec_driver_sql("SELECT id, name FROM site").all()
    return {decode_id(row[0]): row[1] for row in rows}


def due_list(
    store: Store,
    *,
    on: date,
    site_ids: Collection[str] | None = None,
    policy: Policy | None = None,
) -> DueList:
    """The due list of the persons living at ``site_ids`` (all sites if ``None``) on ``on``.

    Tasks come sorted by urgency and grouped by site, with counts per state
    (see :class:`fieldkit.domain.careplan.DueList`); each bucket of the order is
    sorted when first read. ``policy`` defaults to the shipped policy; callers pass a
    county's policy loaded with :func:`fieldkit.domain.careplan.load_policy`.
    """
    with due_listing(store, on=on, site_ids=site_ids, policy=policy) as listing:
        return listing.whole()


def due_list_head(
    store: Store,
    *,
    on: date,
    site_ids: Collection[str] | None = None,
    policy: Policy | None = None,
    limit: int = SCREENFUL,
) -> list[Task]:
    """The first ``limit`` tasks of :func:`due_list` (a screenful), without reading
    every person who owes a festival visit."""
    with due_listing(store, on=on, site_ids=site_ids, policy=policy) as listing:
        return listing.head(limit)


@contextmanager
def due_listing(
    store: Store,
    *,
    on: date,
    site_ids: Collection[str] | None = None,
    policy: Policy | None = None,
) -> Iterator[DueListing]:
    """The due list of ``site_ids`` (all sites if ``None``) on ``on``, read from one
    snapshot of the store: :meth:`DueListing.head` gives the first screenful, then
    :meth:`DueListing.counts` the counts per state, :meth:`DueListing.whole` the whole
    list, for a screen that shows the first while the rest is made. Arguments as for
    :func:`due_list`.

    The persons who owe a festival visit are read from the same snapshot when a task
    of theirs is first read, after this block too: the snapshot is held until then
    (or until the list is dropped).
    """
    rules = DayRules(on, policy or default_policy())
    scope = sorted(set(site_ids)) if site_ids is not None else None
    snapshot = _Snapshot(store)
    release = snapshot.claim()
    try:
        with no_gc():
            listing = _Listing.start(rules, scope, snapshot)
        yield DueListing(listing)
    finally:
        release()


class _Snapshot:
    """One read transaction on a connection of the store's pool (the driver's own
    cursor: rows as plain tuples), held while anything may still read from it: the
    listing, and each festival visit's persons until they are read or dropped."""

    def __init__(self, store: Store) -> None:
        self.person_ids = person_ids(store)
        """The store's persons' ids as text (:func:`person_ids`)."""
        self._conn = store.engine.raw_connection()
        driver = self._conn.driver_connection
        assert driver is not None, "a pooled connection is live"
        self.cursor: sqlite3.Cursor = driver.cursor()
        self.cursor.execute("BEGIN")  # the snapshot starts at the first read
        self._claims = 0
        self._lock = threading.Lock()

    def claim(self) -> Callable[[], None]:
        """Hold the snapshot; the returned function lets go of it (once, later calls do
        nothing). The last to let go ends the transaction."""
        with self._lock:
            self._claims += 1
        done = False

        def release() -> None:
            nonlocal done
            with self._lock:
                if done:
                    return
                done = True
                self._claims -= 1
                if self._claims:
                    return
                self.cursor.close()
                self._conn.rollback()
                self._conn.close()  # back to the pool

        return release

    def rows(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of ``sql`` read in this snapshot."""
        with self._lock:
            return self.cursor.execute(sql, params).fetchall()


class DueListing:
    """One listing in progress, on one read of the store (see :func:`due_listing`)."""

    def __init__(self, listing: _Listing) -> None:
        self.on = listing.rules.on
        self._listing = listing
        self._tasks: list[Task] | None = None
        self._first: _FirstTasks | None = None

    def _person_tasks(self) -> list[Task]:
        """The candidates' tasks (steps 2 to 4), made once for the counts and the whole
        (those of the first screenful's candidates made once, the others added)."""
        if self._tasks is None:
            if self._listing.empty:
                self._tasks = []
            elif self._first is None:
                self._tasks = _person_tasks(self._listing)
            else:
                self._tasks = self._first.tasks + _person_tasks(
                    self._listing, REST, skip=self._first.persons
                )
        return self._tasks

    def _first_tasks(self, limit: int) -> list[Task]:
        """Tasks among which the first ``limit`` of the list are (with its festival
        visits): those of the candidates who may owe a task due by the day the first
        ``limit`` end (:func:`_first_person_tasks`), or every candidate's."""
        if self._tasks is None and self._first is None and not self._listing.empty:
            self._first = _first_person_tasks(self._listing, limit)
        first = self._first
        if self._tasks is None and first is not None and first.holds(limit):
            return first.tasks
        return self._person_tasks()

    def head(self, limit: int = SCREENFUL) -> list[Task]:
        """The first ``limit`` tasks by urgency, reading only the candidates and the
        first persons of a festival visit that the screenful reaches."""
        listing = self._listing
        with no_gc():
            visits = listing.rules.festival_visits if _festivals_listed(listing) else ()
            return first_due_tasks(
                self._first_tasks(limit),
                limit,
                [visit.task_fields() for visit in visits],
                lambda i, n: _festival_members(listing, i, first=n),
            )

    def counts(self) -> dict[TaskState, int]:
        """How many tasks the whole list holds in each state, without reading every
        person who owes a festival visit."""
        with no_gc():
            runs = [(visit.task_fields(), n) for visit, n in _festival_sizes(self._listing)]
            return count_due_tasks(self._person_tasks(), runs)

    def whole(self) -> DueList:
        """The whole due list (step 5 added; the persons who owe a festival visit are
        read, and tasks made and sorted, as they are read)."""
        with no_gc():
            tasks = self._person_tasks()
            runs = _festival_runs(self._listing)
            return build_due_list(tasks, self.on, self._listing.names, runs)


@dataclass
class _FirstTasks:
    """The tasks of the candidates who may owe a task due on or before ``until``."""

    until: date
    tasks: list[Task]
    persons: set[Any]
    """Whose tasks these are, ids as stored (all of each one's tasks, later ones too)."""

    def holds(self, limit: int) -> bool:
        """Whether the first ``limit`` tasks of the list are among these and the
        festival visits: at least ``limit`` of them are due by ``until``, and every
        task due by then is here (a festival visit's persons are counted apart). A
        task's state follows from its due date on the list's day, so the urgency
        order puts every task due by ``until`` before any due later."""
        until = self.until
        return sum(1 for task in self.tasks if task.due <= until) >= limit


@dataclass
class _Listing:
    """What the steps of one listing share: its rules and SQL, the read cursor, and
    what step 1 found."""

    rules: DayRules
    query: DueQuery
    snapshot: _Snapshot
    cursor: sqlite3.Cursor
    person_ids: IdTexts
    """The store's persons' ids as text, remembered between listings."""
    names: dict[str, str]
    """Every site's name by id."""
    site_text: dict[Any, str]
    """Every site's id as text by its id as stored (the rows' site ids decoded by a
    lookup)."""
    relocation: set[Any]
    """The ids of relocation sites, as stored."""
    empty: bool
    """The scope names no site: nothing to list."""
    events: dict[Any, dict[EventKind, date]] = field(default_factory=dict)
    """The latest event date per person (id as stored) and kind."""
    recorded_dead: list[Any] = field(default_factory=list)
    """Persons with a recorded death up to the day whose summary shows them live (their
    status not yet changed; those marked deceased, moved or removed the festival
    statements leave out by their row)."""
    _dead: list[Any] | None = None
    seeks: bool | None = None
    """Whether the scope is read through the candidate indexes (see :func:`_seeks`)."""

    @property
    def dead(self) -> list[Any]:
        """Of :attr:`recorded_dead`, those whose row the festival visits' statements
        would not leave out by its status (see
        :meth:`~fieldkit.store.due_sql.DueQuery.unmarked_dead`), found when a
        festival statement first needs them."""
        if self._dead is None:
            self._dead = []
            if self.recorded_dead:
                sql = self.query.unmarked_dead(self.recorded_dead)
                self._dead = [row[0] for row in self.snapshot.rows(sql, self.query.params)]
        return self._dead

    festival_sizes: dict[int, int] = field(default_factory=dict)
    """How many persons owe the ``i``-th festival visit, when counted with its first
    persons (:func:`_festival_members`)."""

    @classmethod
    def start(
        cls, rules: DayRules, site_ids: Sequence[str] | None, snapshot: _Snapshot
    ) -> _Listing:
        """The sites, then the scope's events (step 1)."""
        cursor = snapshot.cursor
        sites = cursor.execute("SELECT id, name, kind FROM site").fetchall()
        query = DueQuery(rules, site_ids)
        listing = cls(
            rules=rules,
            query=query,
            snapshot=snapshot,
            cursor=cursor,
            person_ids=snapshot.person_ids,
            names={decode_id(row[0]): row[1] for row in sites},
            site_text={row[0]: decode_id(row[0]) for row in sites},
            relocation={row[0] for row in sites if row[2] == SiteKind.RELOCATION.value},
            empty=site_ids is not None and not site_ids,
        )
        if not listing.empty:
            query.know_newest(cursor.execute(NEWEST_VISIT).fetchone()[0])
            listing.events, owed, listing.recorded_dead = _read_events(cursor, query)
            query.owe_events(sorted(owed, key=id_order))
        return listing


def _read_events(
    cursor: sqlite3.Cursor, query: DueQuery
) -> tuple[dict[Any, dict[EventKind, date]], set[Any], list[Any]]:
    """Step 1: the latest event per person and kind, the persons owed an event task (a
    recent event not yet settled by a visit with its reason, per the summary unless
    it has later visits), and the persons whose death is recorded while the summary
    shows them live (not marked deceased, moved away nor removed)."""
    events: dict[Any, dict[EventKind, date]] = {}
    owed: set[Any] = set()
    dead: set[Any] = set()
    since = query.params["since"]
    for person_id, kind, happened, settled, live_dead in cursor.execute(
        query.events_sql(), query.params
    ).fetchall():
        # the latest event per person and kind, kept here rather than by a GROUP BY
        # (its temporary b-tree cost more than the table scan)
        day = _fromiso(happened)
        mine = events.setdefault(person_id, {})
        event = _EVENTS[kind]
        known = mine.get(event)
        if known is None or known < day:
            mine[event] = day
        # an older event of the kind is owed only if the latest is (same settled)
        if happened >= since and (settled is None or settled[:10] < happened):
            owed.add(person_id)
        if live_dead:
            dead.add(person_id)
    return events, owed, sorted(dead, key=id_order)


def _seeks(listing: _Listing) -> bool:
    """Whether the scope is read through the candidate indexes (more than
    :data:`SCAN_LIMIT` persons) rather than in full, counted once."""
    if listing.seeks is None:
        query = listing.query
        count = listing.cursor.execute(query.count_sql(SCAN_LIMIT), query.params)
        listing.seeks = count.fetchone()[0] > SCAN_LIMIT
    return listing.seeks


def _candidate_rows(listing: _Listing, part: Part = WHOLE) -> Iterable[tuple[Any, ...]]:
    """Step 2: the candidates' rows (:data:`fieldkit.store.due_sql.CANDIDATE_COLUMNS`):
    a small scope is read in full and filtered in SQL, a large one through the indexes
    (``part`` of them, see :meth:`DueQuery.seek_sql`), read whole."""
    query, cursor = listing.query, listing.cursor
    if not _seeks(listing):
        return cursor.execute(query.scan_sql(), query.params).fetchall()
    sql = query.seek_sql(part)
    try:
        return cursor.execute(sql, query.params).fetchall()
    except sqlite3.OperationalError as err:
        if "ix_person_due" not in str(err):
            raise
        # the person table was rebuilt without this index: read persons by key
        sql = sql.replace(" INDEXED BY ix_person_due", "")
        return cursor.execute(sql, query.params).fetchall()


def _facts_of_rows(listing: _Listing) -> Callable[[tuple[Any, ...]], PersonFacts]:
    """Step 3 for a candidate whose summary is current: their facts made from their row
    (:data:`fieldkit.store.due_sql.CANDIDATE_COLUMNS`) by position, in one call: a
    :class:`PersonFacts` and a :class:`FollowUp` are tuples, made here without their
    keyword-argument constructors (a listing makes tens of thousands)."""
    events, relocation, site_text = listing.events, listing.relocation, listing.site_text
    facts_type, follow_up_type = PersonFacts, FollowUp
    kinds, sep = PERSON_KINDS, FIELD_SEP
    fromiso, new, decode = _fromiso, _new, decode_id
    known, person_text = listing.person_ids.known, listing.person_ids.decode
    no_events, no_visits = _NO_EVENTS, _NO_VISITS

    def facts(row: tuple[Any, ...]) -> PersonFacts:
        (pid, name, code, site_id, address, kind, birth, _stale, last_at, follow_up,
         visited) = row  # fmt: skip
        tier, category, status = kinds[kind]
        last = fromiso(last_at[:10]) if last_at is not None else None
        follow_ups: tuple[FollowUp, ...] = ()
        if follow_up is not None and last is not None:
            fu_due, _, fu_text = follow_up.partition(sep)
            follow_ups = (
                new(follow_up_type, (fu_text, last, fromiso(fu_due) if fu_due else None)),
            )
        return new(facts_type, (
            known(pid) or person_text(pid), name, site_text.get(site_id) or decode(site_id),
            tier, category,
            status, fromiso(birth) if birth else None, code, address, site_id in relocation,
            last, _by_reason(visited) if visited else no_visits, events.get(pid, no_events),
            follow_ups,
        ))  # fmt: skip

    return facts


def _by_reason(visited: str) -> dict[VisitReason, date]:
    """The dates of the latest visits per reason of :data:`CANDIDATE_REASONS`, from
    their days in that order joined by commas (each empty for none)."""
    return {
        reason: _fromiso(day)
        for reason, day in zip(CANDIDATE_REASONS, visited.split(","), strict=True)
        if day
    }


def _facts(
    listing: _Listing,
    row: tuple[Any, ...],
    last: date | None,
    by_reason: Mapping[VisitReason, date],
    follow_ups: tuple[FollowUp, ...],
) -> PersonFacts:
    """A candidate's facts: the person from their row, their visits as found."""
    pid, name, code, site_id, address, kind, birth = row[:STALE_AT]
    tier, category, status = PERSON_KINDS[kind]
    return PersonFacts(
        person_id=listing.person_ids.decode(pid),
        name=name,
        site_id=listing.site_text.get(site_id) or decode_id(site_id),
        tier=tier,
        category=category,
        status=status,
        birth_date=_fromiso(birth) if birth else None,
        code=code,
        address=address,
        relocation_site=site_id in listing.relocation,
        last_visit=last,
        last_by_reason=by_reason,
        events=listing.events.get(pid, _NO_EVENTS),
        follow_ups=follow_ups,
    )


def _probe(listing: _Listing, stale: list[Any]) -> dict[Any, tuple[str | None, str | None]]:
    """The latest visit and the recent must-visit visits as of the day of persons whose
    summary is not current (ids as stored), read from ``visit`` (see :data:`PROBE`)."""
    params = {**listing.query.params, **id_params("stale", stale)}
    return {pid: (latest, many) for pid, latest, many in listing.cursor.execute(PROBE, params)}


def _probed_facts(
    listing: _Listing, row: tuple[Any, ...], latest: str | None, many: str | None
) -> PersonFacts:
    """A candidate's facts from their row and what the probe of ``visit`` found."""
    last: date | None = None
    follow_ups: tuple[FollowUp, ...] = ()
    if latest is not None:
        last = _fromiso(latest[:10])
        if latest[10] == "1":
            due, _, text = latest[11:].partition(FIELD_SEP)
            follow_ups = (FollowUp(text, last, _fromiso(due) if due else None),)
    by_reason: dict[VisitReason, date] = {}
    for item in many.split(",") if many else ():
        reason, day = _REASONS[item[:-11]], _fromiso(item[-10:])
        if reason not in by_reason or by_reason[reason] < day:
            by_reason[reason] = day
    return _facts(listing, row, last, by_reason, follow_ups)


def _person_tasks(
    listing: _Listing,
    part: Part = WHOLE,
    skip: Collection[Any] = (),
    read: set[Any] | None = None,
) -> list[Task]:
    """Steps 3 and 4: each candidate's facts as of the day and the rules applied to
    them (the candidates of ``part``, but those of ``skip``; their ids added to
    ``read`` if given). Persons whose summary is current have their festival visits
    listed by :func:`_festival_runs`. Persons with a visit after the day are set
    aside and done last, after one probe of ``visit`` for all of them."""
    tasks: list[Task] = []
    tasks_of = listing.rules.tasks
    facts_of = _facts_of_rows(listing)
    stale: list[tuple[Any, ...]] = []
    for row in _candidate_rows(listing, part):
        if skip and row[0] in skip:
            continue
        if row[STALE_AT]:
            stale.append(row)
            continue
        if read is not None:
            read.add(row[0])
        tasks += tasks_of(facts_of(row), festivals=False)
    if stale:
        probed = _probe(listing, [row[0] for row in stale])
        for row in stale:
            if read is not None:
                read.add(row[0])
            tasks += tasks_of(_probed_facts(listing, row, *probed.get(row[0], (None, None))))
    return tasks


def _first_person_tasks(listing: _Listing, limit: int) -> _FirstTasks | None:
    """Steps 2 to 4 for the first ``limit`` tasks of a large scope: the day they end
    guessed from the summary's indexes (:meth:`DueQuery.earliest_dues`), then the
    tasks of the candidates who may owe a task due by then. ``None`` when the scope
    is read in full or the guess finds too few tasks."""
    if limit <= 0 or not _seeks(listing):
        return None
    query = listing.query
    found = listing.cursor.execute(query.earliest_dues(limit), query.params)
    dues = sorted(row[0] for row in found)
    if len(dues) < limit:
        return None
    until = _fromiso(dues[limit - 1])
    query.split_at(until)
    persons: set[Any] = set()
    tasks = _person_tasks(listing, FIRST, read=persons)
    return _FirstTasks(until, tasks, persons)


def _festival_sizes(listing: _Listing) -> list[tuple[FestivalVisit, int]]:
    """How many persons owe each festival visit of the day, counted in SQL."""
    if not _festivals_listed(listing):
        return []
    query, sizes = listing.query, []
    for i, visit in enumerate(listing.rules.festival_visits):
        size = listing.festival_sizes.get(i)
        if size is None:
            sql = query.festival_count(visit.window_start, listing.dead)
            size = listing.cursor.execute(sql, query.params).fetchone()[0]
        sizes.append((visit, size))
    return sizes


def _festival_sites(listing: _Listing, i: int) -> dict[str, int]:
    """How many persons owe the day's ``i``-th festival visit, per site."""
    query, visit = listing.query, listing.rules.festival_visits[i]
    sql = query.festival_sizes(visit.window_start, listing.dead)
    sites = listing.site_text
    rows = listing.snapshot.rows(sql, query.params)
    return {sites.get(site) or decode_id(site): n for site, n in rows}


def _festival_members(listing: _Listing, i: int, *, first: int | None = None) -> list[PersonRow]:
    """The persons with a current summary who owe the day's ``i``-th festival visit
    (only the ``first`` few by name and id if given)."""
    query, visit = listing.query, listing.rules.festival_visits[i]
    if first is None:
        rows = listing.snapshot.rows(
            query.festival_members(visit.window_start, listing.dead), query.params
        )
        return _person_rows(listing, rows)
    # counted by the same statement, for the counts that a screen reads next
    sql = query.festival_first_counted(visit.window_start, listing.dead, first)
    rows = listing.snapshot.rows(sql, query.params)
    if rows:
        listing.festival_sizes[i] = rows[0][-1]
    return _person_rows(listing, rows)


def _person_rows(listing: _Listing, rows: list[tuple[Any, ...]]) -> list[PersonRow]:
    """Person rows (id, name, code, site id, address, ...) with their ids as text (what
    follows the address is left out)."""
    sites, decode = listing.site_text, decode_id
    known, person_text = listing.person_ids.known, listing.person_ids.decode
    return [
        (known(pid) or person_text(pid), name, code, sites.get(site) or decode(site), address)
        for pid, name, code, site, address, *_ in rows
    ]


def _festival_runs(listing: _Listing) -> list[TaskRun]:
    """Step 5: the day's festival visits, one run each: the visit once, then the
    persons who owe it, counted per site now and read from the listing's snapshot
    when first needed (see :class:`~fieldkit.domain.careplan.LazyPersons`)."""
    runs = []
    for i, (visit, size) in enumerate(_festival_sizes(listing)):
        if size:
            runs.append(TaskRun(visit.task_fields(), _lazy_members(listing, i, size)))
    return runs


def _lazy_members(listing: _Listing, i: int, size: int) -> LazyPersons:
    """The persons who owe the ``i``-th festival visit, read when first needed; the
    snapshot is held until then, or until they are dropped unread."""
    release = listing.snapshot.claim()

    def read() -> list[PersonRow]:
        try:
            with no_gc():
                return _festival_members(listing, i)
        finally:
            release()

    persons = LazyPersons(
        size,
        read,
        first=lambda n: _festival_members(listing, i, first=n),
        count_sites=lambda: _festival_sites(listing, i),
    )
    weakref.finalize(persons, release)
    return persons


def _festivals_listed(listing: _Listing) -> bool:
    """Whether the day lists festival visits for anyone in scope under the policy."""
    rules, policy = listing.rules, listing.rules.policy
    return bool(
        not listing.empty
        and rules.festival_visits
        and policy.festival_tiers
        and policy.festival_categories
    )
