"""The due list of a scope on a day, computed from the laptop store.

The store does the heavy lifting in SQL and hands the pure engine
(:mod:`fieldkit.domain.careplan`) only the persons who can owe a task. It reads the
local table ``visit_summary`` (migration 0003): per person, the latest live visit
(time and follow-up), the latest live visit per must-visit reason and a copy of
the tier and site, kept current by SQLite triggers on ``visit`` and ``person``.

1. events: the latest hospitalised / misfortune / deceased date per person in
   scope (``person_event`` is small); a recent event not yet settled by a visit
   with its reason makes its person a candidate. A deceased person is a candidate
   only through such an event (they are owed nothing but the condolence visit);
2. candidates, the persons some rule can fire for: tier interval ending within
   the listing horizon, never visited, a follow-up due within it, a recent event,
   a milestone birthday near, a festival window open, a relocation resident not
   visited this year. The filter is conservative; the engine decides exactly (a
   test compares both on many days). Persons with a visit after the day are
   always candidates, and for them the latest visit as of the day is looked up in
   ``visit`` itself (the summary is "as of now").

   Two ways to find them: for a large scope on a day with no festival window,
   index range scans of ``visit_summary`` (tier and last visit, follow-ups) and of
   ``person`` (birth date) give the few candidates, read by primary key; for a
   small scope, or when a festival window makes nearly everyone a candidate,
   every person in scope is read with their summary row and filtered in SQL.

No visit row reaches Python: each candidate comes with their latest visit and
their latest visit per must-visit reason. If two visits share a person's latest
timestamp, the one stored last counts as the latest (its follow-up is listed).

Cost (``tests/benchmarks/bench_due.py``, 100,000 persons, 1,000,000 visits, 2 CPUs):
the whole scope on an ordinary day reads ~15,000 candidates for ~14,500 tasks in
about 170 ms of CPU, ~85 ms of it in SQLite (mostly the index seeks of the candidates
and making their values) and the rest in making Python objects (facts, tasks) and
sorting them; a festival window reads everyone and builds ~96,000 tasks (about 1.4 s).
A few sites take tens of milliseconds. What was measured and kept: tier, category and
status read as small ints; rows consumed from the cursor as they come; the latest event
per kind found in Python rather than by a GROUP BY. What did not help: a scan of the
summary instead of its index seeks (its OR of conditions costs more per row), joining
in candidate order instead of sorted ids, caching dates by text, caching follow-up task
fields.
"""

from __future__ import annotations

import gc
import json
import sqlite3
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from enum import StrEnum
from itertools import chain
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from fieldkit.domain.careplan import (
    DueList,
    FollowUp,
    PersonFacts,
    Policy,
    Task,
    build_due_list,
    default_policy,
    load_policy,
)
from fieldkit.domain.careplan.rules import DayRules
from fieldkit.domain.vocab import Category, EventKind, SiteKind, Status, Tier, VisitReason
from fieldkit.paths import config_dir
from fieldkit.store.store import Store

__all__ = [
    "COUNTY_POLICY_FILE",
    "county_policy",
    "due_list",
    "site_names",
    "summary_paused_for_bulk_visits",
]

COUNTY_POLICY_FILE = "policy.toml"
"""The county's policy override, looked for in :func:`fieldkit.paths.config_dir`."""

SCAN_LIMIT = 20_000
"""Scopes of at most this many persons are read in full (with their summary) and
filtered in SQL; larger scopes are read through the candidate indexes."""

_EVENT_KINDS = (EventKind.HOSPITALISED, EventKind.MISFORTUNE, EventKind.DECEASED)
_MUST_VISIT_REASONS = (
    VisitReason.FESTIVAL,
    VisitReason.HOSPITAL,
    VisitReason.BIRTHDAY,
    VisitReason.MISFORTUNE,
    VisitReason.CONDOLENCE,
)
_REASONS = {m.value: m for m in VisitReason}
_EVENTS = {m.value: m for m in EventKind}
_SEP = "\x1f"
# The summary row is "as of now": it is used unless the person has a visit after the
# day (or, defensively, no summary row), in which case ``visit`` is read instead.
_STALE = "(s.person_id IS NULL OR s.last_at >= :next_day)"
# For a person whose summary is not current, read from ``visit`` itself: their latest
# live visit up to the day as one string: its date (10 characters), "1" if it records
# a follow-up else "0", then follow_up_due<US>follow_up (one seek on visit (person_id,
# visited_at)); and their must-visit visits since the oldest listed window, as
# "reason YYYY-MM-DD" items joined by commas.
_PROBE = (
    "SELECT p.id, ("
    "SELECT substr(v.visited_at, 1, 10)"
    " || (v.follow_up != '' OR v.follow_up_due IS NOT NULL)"
    " || coalesce(v.follow_up_due, '') || char(31) || v.follow_up"
    " FROM visit v WHERE v.person_id = p.id AND v.deleted = 0 AND v.visited_at < :next_day"
    " ORDER BY v.visited_at DESC, v.rowid DESC LIMIT 1), ("
    "SELECT group_concat(v.reason || ' ' || substr(v.visited_at, 1, 10))"
    " FROM visit v WHERE v.person_id = p.id AND v.deleted = 0"
    " AND v.visited_at >= :since AND v.visited_at < :next_day"
    f" AND v.reason IN ({', '.join(repr(r.value) for r in _MUST_VISIT_REASONS)}))"
    " FROM person p WHERE p.id IN (SELECT value FROM json_each(:stale))"
)
_TIER_LIST = tuple(Tier)
_CATEGORY_LIST = tuple(Category)
_STATUS_LIST = tuple(Status)


def _position(column: str, members: Sequence[StrEnum]) -> str:
    """``column``'s slug as its position in ``members`` (a small int is cheaper to read
    than a new string to look up)."""
    whens = " ".join(f"WHEN '{m.value}' THEN {i}" for i, m in enumerate(members))
    return f"CASE {column} {whens} END"


_COLUMNS = (
    "p.id, p.name, p.code, p.site_id, p.address,"
    f" {_position('p.tier', _TIER_LIST)}, {_position('p.category', _CATEGORY_LIST)},"
    f" {_position('p.status', _STATUS_LIST)},"
    f" p.birth_date, {_STALE}, s.last_at, s.follow_up_owed, s.follow_up_due, s.follow_up, "
    + ", ".join(f"s.{r.value}_at" for r in _MUST_VISIT_REASONS)
)
# festival visits only matter while a festival window is listed (most persons have one)
_COLUMNS_NO_FESTIVAL = _COLUMNS.replace("s.festival_at", "NULL")


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while tens of thousands of acyclic tuples are
    made (it would otherwise walk them over and over: ~10% of a festival-window list)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_VISIT_INSERT_TRIGGER = "trg_visit_summary_visit_insert"
# Every person's summary row recomputed from ``visit`` and ``person`` (the statements
# of migration 0003's backfill; a test checks a bulk-loaded store against ``visit``).
_LIVE = "v.person_id = visit_summary.person_id AND v.deleted = 0"
_REBUILD = (
    "INSERT INTO visit_summary (person_id, tier, site_id) SELECT id, tier, site_id"
    " FROM person WHERE 1 ON CONFLICT (person_id) DO UPDATE"
    " SET tier = excluded.tier, site_id = excluded.site_id",
    "UPDATE visit_summary SET (last_at, follow_up_owed, follow_up, follow_up_due) = ("
    "SELECT v.visited_at, v.follow_up != '' OR v.follow_up_due IS NOT NULL, v.follow_up,"
    f" v.follow_up_due FROM visit v WHERE {_LIVE}"
    " ORDER BY v.visited_at DESC, v.rowid DESC LIMIT 1), "
    + ", ".join(
        f"{r.value}_at = (SELECT max(v.visited_at) FROM visit v"
        f" WHERE {_LIVE} AND v.reason = '{r.value}')"
        for r in _MUST_VISIT_REASONS
    ),
)


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


def _placeholders(prefix: str, values: Sequence[str], params: dict[str, Any]) -> str:
    names = []
    for i, value in enumerate(values):
        name = f"{prefix}{i}"
        params[name] = value
        names.append(f":{name}")
    return ", ".join(names) or "NULL"


def _since(on: date, policy: Policy, festivals: Sequence[tuple[Any, date]]) -> date:
    """The oldest window start a listed must-visit task can have on ``on``."""
    longest = max(
        policy.hospital_within_days,
        policy.misfortune_within_days,
        policy.condolence_within_days,
        policy.birthday_days_before + policy.birthday_days_after,
    )
    since = on - timedelta(days=policy.keep_overdue_days + longest + 1)
    for _, day in festivals:
        since = min(since, day - timedelta(days=policy.festival_days_before))
    return since


def _birthday_ranges(on: date, policy: Policy) -> list[tuple[str, str, str, str]]:
    """Birth dates of everyone who may have a birthday task on ``on``: tuples
    ``(lo, hi, md_lo, md_hi)`` meaning ``lo <= birth <= hi`` (ISO strings) and a
    birth month-day (``MM-DD``) from ``md_lo`` to ``md_hi``.

    Conservative: birthdays celebrated from the oldest listed window to the newest,
    one day wider each side (a 29 February birthday is kept on 28 February).
    """
    lo_day = on - timedelta(days=policy.keep_overdue_days + policy.birthday_days_after + 1)
    hi_day = on + timedelta(days=policy.upcoming_days + policy.birthday_days_before + 1)
    ranges: list[tuple[str, str, str, str]] = []
    for year in range(lo_day.year, hi_day.year + 1):
        lo_md = lo_day.strftime("%m-%d") if year == lo_day.year else "01-01"
        hi_md = hi_day.strftime("%m-%d") if year == hi_day.year else "12-31"
        for age in policy.birthday_milestones:
            born = year - age
            if born >= 1:
                ranges.append((f"{born:04d}-{lo_md}", f"{born:04d}-{hi_md}", lo_md, hi_md))
        oldest = year - policy.birthday_every_year_from
        if policy.birthday_every_year_from > 0 and oldest >= 1:
            ranges.append(("0000", f"{oldest:04d}-12-31", lo_md, hi_md))
    return ranges


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
    return {row[0]: row[1] for row in rows}


class _Query:
    """The candidate conditions of one listing, as SQL with its parameters."""

    def __init__(self, on: date, policy: Policy, rules: DayRules, since: date) -> None:
        self.params: dict[str, Any] = {
            "since": since.isoformat(),
            "on": on.isoformat(),
            "next_day": (on + timedelta(days=1)).isoformat(),
        }
        p = self.params
        horizon = on + timedelta(days=policy.upcoming_days + 1)
        for tier in Tier:
            p[f"tier_{tier.value}"] = tier.value
            p[f"cut_{tier.value}"] = (
                horizon - timedelta(days=policy.tier_interval_days[tier])
            ).isoformat()
        p["fu_cut"] = horizon.isoformat()
        p["fu_default_cut"] = (horizon - timedelta(days=policy.follow_up_default_days)).isoformat()
        self.birthdays = _birthday_ranges(on, policy)
        # a birthday visit on or after this day settles every birthday task listable
        # today (their windows start at the latest here)
        p["b_settled"] = (
            on
            + timedelta(
                days=policy.upcoming_days - policy.birthday_days_after - policy.birthday_days_before
            )
        ).isoformat()
        for i, (lo, hi, md_lo, md_hi) in enumerate(self.birthdays):
            p[f"b_lo{i}"], p[f"b_hi{i}"] = lo, hi
            p[f"b_md_lo{i}"], p[f"b_md_hi{i}"] = md_lo, md_hi
        self.festival: str | None = None
        if rules.festivals and policy.festival_tiers and policy.festival_categories:
            tiers = _placeholders("ft", sorted(t.value for t in policy.festival_tiers), p)
            cats = _placeholders("fc", sorted(c.value for c in policy.festival_categories), p)
            self.festival = f"(p.tier IN ({tiers}) AND p.category IN ({cats}))"
        year_end = date(on.year, 12, 31)
        self.relocation = False
        if policy.relocation_yearly_visit and (year_end - on).days <= policy.relocation_notice_days:
            self.relocation = True
            p["year_start"] = date(on.year, 1, 1).isoformat()
        self.events = False

    def set_event_persons(self, persons: list[str]) -> None:
        if persons:
            self.events = True
            self.params["event_persons"] = json.dumps(persons)

    def _born(self, person: str, summary: str) -> str:
        born = " OR ".join(
            f"({person}.birth_date BETWEEN :b_lo{i} AND :b_hi{i}"
            f" AND substr({person}.birth_date, 6) BETWEEN :b_md_lo{i} AND :b_md_hi{i})"
            for i in range(len(self.birthdays))
        )
        open_ = (
            f"{summary}.person_id IS NULL OR {summary}.last_at >= :next_day"
            f" OR {summary}.birthday_at IS NULL OR {summary}.birthday_at < :b_settled"
        )
        return f"(({born}) AND ({open_}))"

    def filter(self) -> str:
        """A WHERE condition on ``p`` (person) and ``s`` (its summary row)."""
        cut = " ".join(f"WHEN '{t.value}' THEN :cut_{t.value}" for t in Tier)
        fired = [
            _STALE,
            "s.last_at IS NULL",
            f"s.last_at < CASE p.tier {cut} END",
            "(s.follow_up_owed = 1 AND (s.follow_up_due < :fu_cut"
            " OR (s.follow_up_due IS NULL AND s.last_at < :fu_default_cut)))",
        ]
        if self.birthdays:
            fired.append(self._born("p", "s"))
        if self.events:
            fired.append("p.id IN (SELECT value FROM json_each(:event_persons))")
        if self.festival:
            fired.append(self.festival)
        if self.relocation:
            fired.append(
                "(s.last_at < :year_start AND p.site_id IN "
                "(SELECT id FROM site WHERE kind = 'relocation'))"
            )
        return " OR ".join(fired)

    def candidates(self) -> str:
        """A query of candidate person ids through the indexes (no festival window)."""
        tiers = ", ".join(f":tier_{t.value}" for t in Tier)
        arms = [
            f"SELECT person_id FROM visit_summary WHERE tier = :tier_{t.value}"
            f" AND last_at < :cut_{t.value}"
            for t in Tier
        ]
        arms += [
            f"SELECT person_id FROM visit_summary WHERE tier IN ({tiers}) AND last_at IS NULL",
            f"SELECT person_id FROM visit_summary WHERE tier IN ({tiers}) AND last_at >= :next_day",
            "SELECT person_id FROM visit_summary WHERE follow_up_owed = 1"
            " AND follow_up_due < :fu_cut",
            "SELECT person_id FROM visit_summary WHERE follow_up_owed = 1"
            " AND follow_up_due IS NULL AND last_at < :fu_default_cut",
        ]
        if self.birthdays:
            arms.append(
                "SELECT b.id FROM person b LEFT JOIN visit_summary bs ON bs.person_id = b.id"
                f" WHERE {self._born('b', 'bs')}"
            )
        if self.events:
            arms.append("SELECT value FROM json_each(:event_persons)")
        if self.relocation:
            arms.append(
                "SELECT person_id FROM visit_summary"
                " WHERE site_id IN (SELECT id FROM site WHERE kind = 'relocation')"
                " AND last_at < :year_start"
            )
        return " UNION ALL ".join(arms)


def due_list(
    store: Store,
    *,
    on: date,
    site_ids: Collection[str] | None = None,
    policy: Policy | None = None,
) -> DueList:
    """The due list of the persons living at ``site_ids`` (all sites if ``None``) on ``on``.

    Tasks come sorted by urgency and grouped by site, with counts per state
    (see :class:`fieldkit.domain.careplan.DueList`). ``policy`` defaults to the
    shipped policy; callers pass a county's policy loaded with
    :func:`fieldkit.domain.careplan.load_policy`.
    """
    with _no_gc():
        return _due_list(store, on, site_ids, policy or default_policy())


def _due_list(store: Store, on: date, site_ids: Collection[str] | None, policy: Policy) -> DueList:
    rules = DayRules(on, policy)
    since = _since(on, policy, rules.festivals)
    query = _Query(on, policy, rules, since)
    params = query.params

    with store.read() as s:
        # the driver's own cursor: rows as plain tuples, without per-row wrapping
        driver = s.connection().connection.driver_connection
        assert driver is not None, "a read session is bound to a live connection"
        cur = driver.cursor()
        sites = cur.execute("SELECT id, name, kind FROM site").fetchall()
        names = {row[0]: row[1] for row in sites}
        relocation = {row[0] for row in sites if row[2] == SiteKind.RELOCATION.value}
        if site_ids is not None and not site_ids:
            cur.close()
            return build_due_list((), on, names)

        kinds = _placeholders("k", [k.value for k in _EVENT_KINDS], params)
        scope = ""
        if site_ids is not None:
            scope = f"AND p.site_id IN ({_placeholders('s', sorted(set(site_ids)), params)})"
        event_scope = scope and f"AND e.person_id IN (SELECT p.id FROM person p WHERE 1 {scope})"
        events: dict[str, dict[EventKind, date]] = {}
        # persons with an event task that may be listed: a recent event not yet settled
        # by a visit with its reason (per the summary, unless it has later visits)
        owed: set[str] = set()
        since_iso = params["since"]
        for person_id, kind, happened, settled in cur.execute(
            "SELECT e.person_id, e.kind, e.happened_on,"
            f" CASE WHEN {_STALE} THEN NULL ELSE CASE e.kind"
            f" WHEN '{EventKind.HOSPITALISED.value}' THEN s.{VisitReason.HOSPITAL.value}_at"
            f" WHEN '{EventKind.MISFORTUNE.value}' THEN s.{VisitReason.MISFORTUNE.value}_at"
            f" WHEN '{EventKind.DECEASED.value}' THEN s.{VisitReason.CONDOLENCE.value}_at"
            " END END"
            # a whole scope scans the (small) table; a few sites seek their persons' events
            f" FROM person_event e {'' if scope else 'NOT INDEXED'}"
            " LEFT JOIN visit_summary s ON s.person_id = e.person_id"
            f" WHERE e.deleted = 0 AND e.kind IN ({kinds}) AND e.happened_on <= :on"
            f" AND (e.kind = 'deceased' OR e.happened_on >= :since) {event_scope}",
            params,
        ).fetchall():
            # the latest event per person and kind, kept here rather than by a GROUP BY
            # (its temporary b-tree cost more than the table scan: ~5 ms of 17)
            day = date.fromisoformat(happened)
            mine = events.setdefault(person_id, {})
            event = _EVENTS[kind]
            known = mine.get(event)
            if known is None or known < day:
                mine[event] = day
            # an older event of the kind is owed only if the latest is (same settled)
            if happened >= since_iso and (settled is None or settled[:10] < happened):
                owed.add(person_id)
        query.set_event_persons(sorted(owed))

        scan = query.festival is not None
        if not scan:
            # counted only as far as the limit (the whole count of a large scope is not needed)
            in_scope = cur.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM person p WHERE 1 {scope}"
                f" LIMIT {SCAN_LIMIT + 1})",
                params,
            ).fetchone()[0]
            scan = in_scope <= SCAN_LIMIT
        live = f"p.deleted = 0 AND p.status != 'moved' {scope}"
        # a deceased person is owed nothing but a condolence visit after a recent death
        if query.events:
            live += (
                " AND (p.status != 'deceased'"
                " OR p.id IN (SELECT value FROM json_each(:event_persons)))"
            )
        else:
            live += " AND p.status != 'deceased'"
        columns = _COLUMNS if rules.festivals else _COLUMNS_NO_FESTIVAL
        if scan:
            sql = (
                f"SELECT {columns} FROM person p"
                " LEFT JOIN visit_summary s ON s.person_id = p.id"
                f" WHERE {live} AND ({query.filter()})"
            )
        else:
            sql = (
                f"SELECT {columns} FROM person p INDEXED BY ix_person_due"
                " LEFT JOIN visit_summary s ON s.person_id = p.id"
                f" WHERE p.id IN ({query.candidates()}) AND {live}"
            )
        try:
            found = cur.execute(sql, params)
        except sqlite3.OperationalError as err:
            if "ix_person_due" not in str(err):
                raise
            # the person table was rebuilt without this index: read persons by key
            found = cur.execute(sql.replace(" INDEXED BY ix_person_due", ""), params)
        # the few candidates read through the indexes are consumed as SQLite makes them
        # (no list of them all); persons whose summary is not current are set aside and
        # done last, after one probe of ``visit``. A scan (which on a day before the end of
        # the history finds many such persons) is fetched and probed first.
        probed: dict[str, tuple[str | None, str | None]] = {}
        deferred: list[tuple[Any, ...]] = []

        def probe(stale: list[str]) -> None:
            params["stale"] = json.dumps(stale)
            probing = driver.cursor()
            probed.update((pid, (lv, many)) for pid, lv, many in probing.execute(_PROBE, params))
            probing.close()
            for pid in stale:  # each is done once, even if the probe missed it
                probed.setdefault(pid, (None, None))

        def stale_rows() -> Iterator[tuple[Any, ...]]:
            if deferred:
                probe([row[0] for row in deferred])
            yield from deferred

        rows: Iterable[tuple[Any, ...]] = found
        if scan:
            rows = found.fetchall()
            stale = [row[0] for row in rows if row[9]]
            if stale:
                probe(stale)

        tasks: list[Task] = []
        add = tasks.extend
        tasks_of = rules.tasks
        fromiso = date.fromisoformat
        events_of = events.get
        tiers, categories, statuses = _TIER_LIST, _CATEGORY_LIST, _STATUS_LIST
        no_events: dict[EventKind, date] = {}
        no_visits: dict[VisitReason, date] = {}  # shared, never written to
        new = tuple.__new__  # PersonFacts(...) without its Python-level __new__
        festival, hospital, birthday, misfortune, condolence = _MUST_VISIT_REASONS
        for row in chain(rows, stale_rows()):
            (
                pid, name, code, site_id, address, tier, category, status, birth, is_stale,
                last_at, owed, fu_due, fu, festival_at, hospital_at, birthday_at, misfortune_at,
                condolence_at,
            ) = row  # fmt: skip
            recent = no_visits
            last_day: date | None = None
            follow_ups: tuple[FollowUp, ...] = ()
            if not is_stale:  # the summary is current
                if last_at is not None:
                    last_day = fromiso(last_at[:10])
                    if owed:
                        follow_ups = (
                            new(FollowUp, (fu, last_day, fromiso(fu_due) if fu_due else None)),
                        )
                if festival_at or hospital_at or birthday_at or misfortune_at or condolence_at:
                    recent = {}
                    if festival_at:
                        recent[festival] = fromiso(festival_at[:10])
                    if hospital_at:
                        recent[hospital] = fromiso(hospital_at[:10])
                    if birthday_at:
                        recent[birthday] = fromiso(birthday_at[:10])
                    if misfortune_at:
                        recent[misfortune] = fromiso(misfortune_at[:10])
                    if condolence_at:
                        recent[condolence] = fromiso(condolence_at[:10])
            else:
                got = probed.get(pid)
                if got is None:  # read once every current row is done
                    deferred.append(row)
                    continue
                latest, many = got
                if latest is not None:
                    last_day = fromiso(latest[:10])
                    if latest[10] == "1":
                        due, _, text = latest[11:].partition(_SEP)
                        follow_ups = (FollowUp(text, last_day, fromiso(due) if due else None),)
                if many:
                    recent = {}
                    for item in many.split(","):
                        reason = _REASONS[item[:-11]]
                        day = fromiso(item[-10:])
                        if reason not in recent or recent[reason] < day:
                            recent[reason] = day
            add(
                tasks_of(
                    new(
                        PersonFacts,
                        (
                            pid,
                            name,
                            site_id,
                            tiers[tier],
                            categories[category],
                            statuses[status],
                            fromiso(birth) if birth else None,
                            code,
                            address,
                            site_id in relocation,
                            last_day,
                            recent,
                            events_of(pid, no_events),
                            follow_ups,
                        ),
                    )
                )
            )
        cur.close()
    return build_due_list(tasks, on, names)
