"""The due list of a scope on a day, computed from the laptop store.

The store does the heavy lifting in SQL and hands the pure engine
(:mod:`fieldkit.domain.careplan`) only the persons who can owe a task:

1. events: the latest hospitalised / misfortune / deceased date per person
   (one pass over the small ``person_event`` table);
2. candidates: every live person in scope, joined to their latest visit (found
   through the ``person_id, visited_at`` index, one seek per person), kept only
   when some rule can fire: tier interval ending within the listing horizon,
   never visited, a follow-up on the latest visit, a recent event, a milestone
   birthday near, a festival window open, a relocation resident not yet visited
   this year. This filter is conservative; the engine decides exactly;
3. for the candidates, the latest visit per must-visit reason since the oldest
   window still listed (a short index range per person).

No visit row is loaded into Python except each candidate's latest.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, timedelta
from typing import Any

from fieldkit.domain.careplan import (
    DueList,
    FollowUp,
    PersonFacts,
    Policy,
    build_due_list,
    default_policy,
    festival_occurrences,
    person_tasks,
)
from fieldkit.domain.vocab import Category, EventKind, SiteKind, Status, Tier, VisitReason
from fieldkit.store.store import Store

__all__ = ["due_list", "site_names"]

_EVENT_KINDS = (EventKind.HOSPITALISED, EventKind.MISFORTUNE, EventKind.DECEASED)
_MUST_VISIT_REASONS = (
    VisitReason.HOSPITAL,
    VisitReason.MISFORTUNE,
    VisitReason.CONDOLENCE,
    VisitReason.BIRTHDAY,
    VisitReason.FESTIVAL,
)
_OLDEST_AGE = 130
_SEP = "\x1f"
# The latest live visit of person ``p`` up to the day: "visited_at<US>follow_up_due<US>follow_up".
# With an index on visit (person_id, visited_at, reason, follow_up_due, follow_up)
# WHERE deleted = 0 this is one index-only seek per person.
_LATEST_VISIT = (
    "SELECT v.visited_at || char(31) || coalesce(v.follow_up_due, '') || char(31) || v.follow_up"
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


def _birthday_ranges(on: date, policy: Policy) -> list[tuple[str, str]]:
    """Birth-date ranges (ISO, inclusive, a day wider each side) of a birthday task near ``on``."""
    lo_day = on - timedelta(days=policy.keep_overdue_days + policy.birthday_days_after)
    hi_day = on + timedelta(days=policy.upcoming_days + policy.birthday_days_before)
    ages = set(policy.birthday_milestones)
    if policy.birthday_every_year_from > 0:
        ages.update(range(policy.birthday_every_year_from, _OLDEST_AGE + 1))
    ranges = []
    for age in sorted(ages):
        for year in range(lo_day.year, hi_day.year + 1):
            first = max(lo_day, date(year, 1, 1)) - timedelta(days=1)
            last = min(hi_day, date(year, 12, 31)) + timedelta(days=1)
            if first > last:
                continue
            born = year - age
            if born < 1:
                continue
            ranges.append(
                (
                    f"{born:04d}-{first.month:02d}-{first.day:02d}"
                    if first.year == year
                    else f"{born - 1:04d}-12-31",
                    f"{born:04d}-{last.month:02d}-{last.day:02d}"
                    if last.year == year
                    else f"{born + 1:04d}-01-01",
                )
            )
    return ranges


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
    festivals = festival_occurrences(on, policy)
    since = _since(on, policy, festivals)
    next_day = (on + timedelta(days=1)).isoformat()

    with store.read() as s:
        conn = s.connection()
        sites = conn.exec_driver_sql("SELECT id, name, kind FROM site").all()
        names = {row[0]: row[1] for row in sites}
        relocation = {row[0] for row in sites if row[2] == SiteKind.RELOCATION.value}
        if site_ids is not None and not site_ids:
            return build_due_list((), on, names)

        params: dict[str, Any] = {
            "since": since.isoformat(),
            "on": on.isoformat(),
            "next_day": next_day,
        }
        kinds = _placeholders("k", [k.value for k in _EVENT_KINDS], params)
        events: dict[str, dict[EventKind, date]] = {}
        for person_id, kind, happened in conn.exec_driver_sql(
            "SELECT person_id, kind, max(happened_on) FROM person_event "
            f"WHERE deleted = 0 AND kind IN ({kinds}) AND happened_on <= :on "
            "AND (kind = 'deceased' OR happened_on >= :since) "
            "GROUP BY person_id, kind",
            params,
        ):
            events.setdefault(person_id, {})[EventKind(kind)] = date.fromisoformat(happened)

        scope = ""
        if site_ids is not None:
            scope = f"AND p.site_id IN ({_placeholders('s', sorted(set(site_ids)), params)})"
        reasons = _placeholders("r", [r.value for r in _MUST_VISIT_REASONS], params)
        fired = [
            "c.lv IS NULL",
            "substr(c.lv, -2) != char(31, 31)",
            "c.lv < CASE c.tier "
            + " ".join(f"WHEN '{t.value}' THEN :cut_{t.value}" for t in Tier)
            + " END",
            "c.pid IN (SELECT person_id FROM person_event WHERE deleted = 0 "
            f"AND kind IN ({kinds}) AND happened_on >= :since AND happened_on <= :on)",
        ]
        for tier in Tier:
            last_ok = on + timedelta(days=policy.upcoming_days - policy.tier_interval_days[tier])
            params[f"cut_{tier.value}"] = (last_ok + timedelta(days=1)).isoformat()
        for i, (lo, hi) in enumerate(_birthday_ranges(on, policy)):
            params[f"blo{i}"], params[f"bhi{i}"] = lo, hi
            fired.append(f"c.birth BETWEEN :blo{i} AND :bhi{i}")
        if festivals and policy.festival_tiers and policy.festival_categories:
            tiers = _placeholders("ft", [t.value for t in policy.festival_tiers], params)
            cats = _placeholders("fc", [c.value for c in policy.festival_categories], params)
            fired.append(f"(c.tier IN ({tiers}) AND c.category IN ({cats}))")
        year_end = date(on.year, 12, 31)
        if policy.relocation_yearly_visit and (year_end - on).days <= policy.relocation_notice_days:
            params["year_start"] = date(on.year, 1, 1).isoformat()
            fired.append(
                "(c.lv < :year_start AND c.site_id IN "
                "(SELECT id FROM site WHERE kind = 'relocation'))"
            )

        sql = f"""
            SELECT c.pid, p.name, p.code, c.site_id, p.address, c.tier, c.category, p.status,
                   c.birth, c.lv,
                   (SELECT group_concat(v.reason || ' ' || substr(v.visited_at, 1, 10))
                      FROM visit v
                     WHERE v.person_id = c.pid AND v.deleted = 0
                       AND v.visited_at >= :since AND v.visited_at < :next_day
                       AND v.reason IN ({reasons})) AS recent
              FROM (SELECT p.rowid AS prow, p.id AS pid, p.site_id AS site_id, p.tier AS tier,
                           p.category AS category, p.birth_date AS birth,
                           ({_LATEST_VISIT}) AS lv
                      FROM person p
                     WHERE p.deleted = 0 AND p.status != 'moved' {scope}
                     LIMIT -1 OFFSET 0) AS c
              JOIN person p ON p.rowid = c.prow
             WHERE {" OR ".join(fired)}
        """
        rows = conn.exec_driver_sql(sql, params).all()

    tasks = []
    for row in rows:
        pid, name, code, site_id, address, tier, category, status, birth, latest, many = row
        recent: dict[VisitReason, date] = {}
        if many:
            for item in many.split(","):
                reason_slug, _, day_text = item.partition(" ")
                reason = VisitReason(reason_slug)
                day = date.fromisoformat(day_text)
                if reason not in recent or recent[reason] < day:
                    recent[reason] = day
        last_day: date | None = None
        follow_ups: tuple[FollowUp, ...] = ()
        if latest is not None:
            visited_at, fu_due, fu = latest.split(_SEP, 2)
            last_day = date.fromisoformat(visited_at[:10])
            if fu or fu_due:
                follow_ups = (FollowUp(fu, last_day, _day(fu_due or None)),)
        facts = PersonFacts(
            person_id=pid,
            name=name,
            site_id=site_id,
            tier=Tier(tier),
            category=Category(category),
            status=Status(status),
            birth_date=_day(birth),
            code=code,
            address=address,
            relocation_site=site_id in relocation,
            last_visit=last_day,
            last_by_reason=recent,
            events=events.get(pid, {}),
            follow_ups=follow_ups,
        )
        tasks.extend(person_tasks(facts, on, policy, festivals))
    return build_due_list(tasks, on, names)
