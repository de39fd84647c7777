"""The due list of a scope on a day, computed from the laptop store.

The store does the heavy lifting in SQL and hands the pure engine
(:mod:`fieldkit.domain.careplan`) only the persons who can owe a task:

1. events: the latest hospitalised / misfortune / deceased date per person in
   scope (``person_event`` is small);
2. candidates: every live person in scope with their latest visit (one index
   seek per person on ``visit (person_id, visited_at)``), kept only when some
   rule can fire: tier interval ending within the listing horizon, never
   visited, a follow-up on the latest visit, a recent event, a milestone
   birthday near (by month and day), a festival window open, a relocation
   resident not yet visited this year. This filter is conservative; the engine
   decides exactly (a test compares both on many days);
3. for candidates of a must-visit rule only, their latest visit per must-visit
   reason since the oldest window still listed (a short index range).

No visit row reaches Python except, per candidate, its latest visit and its recent
must-visit dates. If two visits share a person's latest timestamp, either may be
taken as the latest (its follow-up, if any, is the one listed).

Cost: one index seek per person in scope (about 2 us each), so a field worker's
few sites take tens of milliseconds; a scope of 100,000 persons takes several
hundred (see ``tests/benchmarks/bench_due.py``). An index on
``visit (person_id, deleted, visited_at, reason, follow_up_due, follow_up)``
makes every visit lookup index-only when it exists.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

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

__all__ = ["COUNTY_POLICY_FILE", "county_policy", "due_list", "site_names"]

COUNTY_POLICY_FILE = "policy.toml"
"""The county's policy override, looked for in :func:`fieldkit.paths.config_dir`."""

_EVENT_KINDS = (EventKind.HOSPITALISED, EventKind.MISFORTUNE, EventKind.DECEASED)
_MUST_VISIT_REASONS = (
    VisitReason.HOSPITAL,
    VisitReason.MISFORTUNE,
    VisitReason.CONDOLENCE,
    VisitReason.BIRTHDAY,
    VisitReason.FESTIVAL,
)
_OLDEST_AGE = 130
_TIERS = {m.value: m for m in Tier}
_CATEGORIES = {m.value: m for m in Category}
_STATUSES = {m.value: m for m in Status}
_REASONS = {m.value: m for m in VisitReason}
_EVENTS = {m.value: m for m in EventKind}
_SEP = "\x1f"
# The latest live visit of person ``p`` up to the day, as one string: its date (10
# characters), "1" if it records a follow-up else "0", then follow_up_due<US>follow_up.
# It compares with an ISO date like the visit date does. With an index on visit
# (person_id, deleted, visited_at, reason, follow_up_due, follow_up) this is one
# index-only seek per person; with the foundation's (person_id, visited_at) index it
# also reads the visit row.
_LATEST_VISIT = (
    "SELECT substr(v.visited_at, 1, 10)"
    " || (v.follow_up != '' OR v.follow_up_due IS NOT NULL)"
    " || coalesce(v.follow_up_due, '') || char(31) || v.follow_up"
    " FROM visit v WHERE v.person_id = p.id AND v.deleted = 0 AND v.visited_at < :next_day"
    " ORDER BY v.visited_at DESC LIMIT 1"
)


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value[:10])


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


def _birthday_filter(on: date, policy: Policy, params: dict[str, Any]) -> str | None:
    """SQL on ``c.birth`` keeping everyone who may have a birthday task on ``on``.

    Conservative: birthdays celebrated from the oldest listed window to the newest,
    one day wider each side (a 29 February birthday is kept on 28 February).
    """
    lo_day = on - timedelta(days=policy.keep_overdue_days + policy.birthday_days_after + 1)
    hi_day = on + timedelta(days=policy.upcoming_days + policy.birthday_days_before + 1)
    year_terms = []
    born = sorted(
        {
            f"{year - age:04d}"
            for year in range(lo_day.year, hi_day.year + 1)
            for age in policy.birthday_milestones
            if year > age
        }
    )
    if born:
        year_terms.append(f"substr(c.birth, 1, 4) IN ({_placeholders('by', born, params)})")
    if policy.birthday_every_year_from > 0:
        params["b_old"] = f"{max(hi_day.year - policy.birthday_every_year_from, 0):04d}"
        year_terms.append("substr(c.birth, 1, 4) <= :b_old")
    if not year_terms:
        return None
    years = " OR ".join(year_terms)
    if (hi_day - lo_day).days >= 365:
        return f"(c.birth IS NOT NULL AND ({years}))"
    params["b_lo"], params["b_hi"] = lo_day.strftime("%m-%d"), hi_day.strftime("%m-%d")
    if lo_day.year == hi_day.year:
        days = "substr(c.birth, 6) BETWEEN :b_lo AND :b_hi"
    else:
        days = "(substr(c.birth, 6) >= :b_lo OR substr(c.birth, 6) <= :b_hi)"
    return f"({days} AND ({years}))"


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
    policy = policy or default_policy()
    rules = DayRules(on, policy)
    festivals = rules.festivals
    since = _since(on, policy, festivals)
    next_day = (on + timedelta(days=1)).isoformat()

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

        params: dict[str, Any] = {
            "since": since.isoformat(),
            "on": on.isoformat(),
            "next_day": next_day,
        }
        kinds = _placeholders("k", [k.value for k in _EVENT_KINDS], params)
        scope = ""
        if site_ids is not None:
            scope = f"AND p.site_id IN ({_placeholders('s', sorted(set(site_ids)), params)})"
        event_scope = scope and f"AND person_id IN (SELECT p.id FROM person p WHERE 1 {scope})"
        events: dict[str, dict[EventKind, date]] = {}
        for person_id, kind, happened in cur.execute(
            "SELECT person_id, kind, max(happened_on) FROM person_event "
            f"WHERE deleted = 0 AND kind IN ({kinds}) AND happened_on <= :on "
            f"AND (kind = 'deceased' OR happened_on >= :since) {event_scope} "
            "GROUP BY person_id, kind",
            params,
        ):
            events.setdefault(person_id, {})[_EVENTS[kind]] = date.fromisoformat(happened)

        reasons = _placeholders("r", [r.value for r in _MUST_VISIT_REASONS], params)
        fired = [
            "c.lv IS NULL",
            "substr(c.lv, 11, 1) = '1'",
            "c.lv < CASE c.tier "
            + " ".join(f"WHEN '{t.value}' THEN :cut_{t.value}" for t in Tier)
            + " END",
        ]
        # conditions of the must-visit rules: only these persons need visits per reason
        must = []
        recent_events = [
            pid for pid, latest in events.items() if any(day >= since for day in latest.values())
        ]
        if recent_events:
            params["event_persons"] = json.dumps(recent_events)
            must.append("c.pid IN (SELECT value FROM json_each(:event_persons))")
        for tier in Tier:
            last_ok = on + timedelta(days=policy.upcoming_days - policy.tier_interval_days[tier])
            params[f"cut_{tier.value}"] = (last_ok + timedelta(days=1)).isoformat()
        birthdays = _birthday_filter(on, policy, params)
        if birthdays:
            must.append(birthdays)
        if festivals and policy.festival_tiers and policy.festival_categories:
            tiers = _placeholders("ft", [t.value for t in policy.festival_tiers], params)
            cats = _placeholders("fc", [c.value for c in policy.festival_categories], params)
            must.append(f"(c.tier IN ({tiers}) AND c.category IN ({cats}))")
        year_end = date(on.year, 12, 31)
        if policy.relocation_yearly_visit and (year_end - on).days <= policy.relocation_notice_days:
            params["year_start"] = date(on.year, 1, 1).isoformat()
            fired.append(
                "(c.lv < :year_start AND c.site_id IN "
                "(SELECT id FROM site WHERE kind = 'relocation'))"
            )

        sql = f"""
            SELECT c.pid, c.name, c.code, c.site_id, c.address, c.tier, c.category, c.status,
                   c.birth, c.lv,
                   CASE WHEN {" OR ".join(must) or "0"} THEN
                   (SELECT group_concat(v.reason || ' ' || substr(v.visited_at, 1, 10))
                      FROM visit v
                     WHERE v.person_id = c.pid AND v.deleted = 0
                       AND v.visited_at >= :since AND v.visited_at < :next_day
                       AND v.reason IN ({reasons})) END AS recent
              FROM (SELECT p.id AS pid, p.name AS name, p.code AS code, p.site_id AS site_id,
                           p.address AS address, p.tier AS tier, p.category AS category,
                           p.status AS status, p.birth_date AS birth,
                           ({_LATEST_VISIT}) AS lv
                      FROM person p
                     WHERE p.deleted = 0 AND p.status != 'moved' {scope}
                     LIMIT -1 OFFSET 0) AS c
             WHERE {" OR ".join(fired + must)}
        """
        rows = cur.execute(sql, params).fetchall()
        cur.close()

    tasks: list[Task] = []
    add = tasks.extend
    fromiso = date.fromisoformat
    no_events: dict[EventKind, date] = {}
    for pid, name, code, site_id, address, tier, category, status, birth, latest, many in rows:
        recent: dict[VisitReason, date] = {}
        if many:
            for item in many.split(","):
                reason = _REASONS[item[:-11]]
                day = fromiso(item[-10:])
                if reason not in recent or recent[reason] < day:
                    recent[reason] = day
        last_day: date | None = None
        follow_ups: tuple[FollowUp, ...] = ()
        if latest is not None:
            last_day = fromiso(latest[:10])
            if latest[10] == "1":
                fu_due, _, fu = latest[11:].partition(_SEP)
                follow_ups = (FollowUp(fu, last_day, fromiso(fu_due) if fu_due else None),)
        add(
            rules.tasks(
                PersonFacts(
                    pid,
                    name,
                    site_id,
                    _TIERS[tier],
                    _CATEGORIES[category],
                    _STATUSES[status],
                    fromiso(birth) if birth else None,
                    code,
                    address,
                    site_id in relocation,
                    last_day,
                    recent,
                    events.get(pid, no_events),
                    follow_ups,
                )
            )
        )
    return build_due_list(tasks, on, names)
