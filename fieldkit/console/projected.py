"""The console's figures read from HQ's typed projection (:mod:`fieldkit.hq.projection`).

The projection is kept current inside every push's transaction (the server's
``on_written`` hook), so it holds exactly what ``sync_record`` holds, in typed
columns and with live rows only (sites keep their tombstones, flagged), with what
the visits add up to kept beside them by the same hook
(:mod:`fieldkit.hq.projection.summary`): the Overview's per-site figures are plain
reads of those sums, the same on SQLite and PostgreSQL, and no JSON is parsed.

:func:`care_facts` feeds the care-plan engine (:mod:`fieldkit.domain.careplan`, the
laptops' engine) what the laptop's ``visit_summary`` holds there, from HQ's own
(``report_visit_summary``, a row per person): the latest visit up to the day, the
latest visit per must-visit reason, the follow-up owed on the latest visit with its
text, and the latest event per kind. Only a person with a visit after the day (a
device clock ahead) is read from the visits themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, Date, Select, cast, func, select, true

from fieldkit.console.candidates import (
    COPIES,
    candidate_condition,
    candidate_ranges,
    recent_events,
)
from fieldkit.domain.careplan import DayRules, FollowUp, PersonFacts
from fieldkit.domain.vocab import Category, EventKind, SiteKind, Status, Tier, VisitReason
from fieldkit.hq.projection import tables as p
from fieldkit.hq.projection.summary import MUST_VISIT
from sync.server import tables as t

__all__ = [
    "MUST_VISIT",
    "CareFacts",
    "SiteInfo",
    "candidate_facts",
    "care_facts",
    "person_counts",
    "relocation_site_ids",
    "sites",
    "visits_by_day",
]

NOT_SERVED = (Status.MOVED.value, Status.DECEASED.value)
"""Statuses of persons no longer served (not counted on the Overview)."""
_EVENT_KINDS = (EventKind.HOSPITALISED, EventKind.MISFORTUNE, EventKind.DECEASED)
_CHUNK = 1000


@dataclass(frozen=True)
class SiteInfo:
    """A site HQ knows."""

    id: str
    name: str
    kind: str


def sites(conn: Connection) -> list[SiteInfo]:
    """Live sites ordered by name."""
    s = p.site.c
    rows = conn.execute(select(s.id, s.name, s.kind).where(s.deleted.is_(False))).all()
    out = [SiteInfo(id=row[0], name=str(row[1] or row[0]), kind=str(row[2] or "")) for row in rows]
    return sorted(out, key=lambda site: (site.name, site.id))


def relocation_site_ids(all_sites: Iterable[SiteInfo]) -> set[str]:
    """The ids of relocation sites (their residents owe a yearly visit)."""
    return {s.id for s in all_sites if s.kind == SiteKind.RELOCATION.value}


def person_counts(conn: Connection) -> dict[str, int]:
    """Persons served (live, neither moved away nor deceased) per site."""
    c = p.person.c
    rows = conn.execute(
        select(c.site_id, func.count()).where(c.status.not_in(NOT_SERVED)).group_by(c.site_id)
    )
    return {site: int(n) for site, n in rows}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def _day_of(moment: Any, pg: bool) -> Any:
    """The day of a timestamp expression, in SQL (one value to read back, not a time)."""
    return cast(moment, Date) if pg else func.date(moment)


def _as_date(value: Any) -> date:
    """A day as the database gives it back (a date on PostgreSQL, ISO text on SQLite)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def visits_by_day(
    conn: Connection, start: date, end: date
) -> dict[tuple[str, date], tuple[int, int]]:
    """Per (site, day) with ``start <= day < end``: live visits and money handed over (fen).

    One read of the day's sums the push hook keeps (``report_visit_day``) serves the
    quarter's totals and the weekly chart."""
    d = p.visit_day.c
    rows = conn.execute(
        select(d.site_id, d.day, d.visits, d.money_fen).where(d.day >= start, d.day < end)
    )
    return {(site, _as_date(day)): (int(n), int(fen)) for site, day, n, fen in rows}


@dataclass(frozen=True)
class CareFacts:
    """What the care-plan engine needs of every person HQ holds, and each one's tier."""

    persons: list[PersonFacts]
    tiers: dict[str, Tier]


_TIERS = {m.value: m for m in Tier}
_CATEGORIES = {m.value: m for m in Category}
_STATUSES = {m.value: m for m in Status}
"""Each slug's member (an unknown slug is read as the engine's default)."""


_Seen = tuple[date, dict[VisitReason, date], bool]
"""A person's latest visit day, latest day per must-visit reason, and whether the
latest visit owes a follow-up."""


Only = Sequence[str] | None
"""The persons to read (None: everyone)."""


def _chunks(only: Only) -> list[list[str] | None]:
    """``only`` in pieces for ``IN`` lists (one piece, None, for everyone)."""
    if only is None:
        return [None]
    ids = sorted(set(only))
    return [ids[start : start + _CHUNK] for start in range(0, len(ids), _CHUNK)]


def _latest_visits(
    conn: Connection, before: datetime, only: Only
) -> dict[str, tuple[datetime, _Seen]]:
    """Per person with a live visit before ``before``: the latest visit's time and
    :data:`_Seen` (one grouped pass over their visits)."""
    v = p.visit.c
    pg = conn.dialect.name == "postgresql"
    per_reason = [
        _day_of(func.max(v.visited_at).filter(v.reason == r.value), pg) for r in MUST_VISIT
    ]
    last = func.max(v.visited_at)
    owes = func.max(v.visited_at).filter(v.follow_up_owed.is_(True)) == last
    rows: list[Any] = []
    for chunk in _chunks(only):
        stmt = (
            select(v.person_id, last, owes, *per_reason)
            .where(v.visited_at < before)
            .group_by(v.person_id)
        )
        if chunk is not None:
            stmt = stmt.where(v.person_id.in_(chunk))
        rows += conn.execute(stmt).all()
    out: dict[str, tuple[datetime, _Seen]] = {}
    for pid, latest, owed, *by_reason in rows:
        last_at = _moment(latest)
        recent = {
            r: _as_date(value)
            for r, value in zip(MUST_VISIT, by_reason, strict=True)
            if value is not None
        }
        out[pid] = (last_at, (last_at.date(), recent, bool(owed)))
    return out


def _moment(value: Any) -> datetime:
    """A timestamp as the database gives it back (SQLite: ISO text)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _follow_ups(conn: Connection, latest: dict[str, datetime]) -> dict[str, FollowUp]:
    """The follow-up owed on each of these persons' latest visit (at the given time):
    its due day from the projection, its text from the visit's record. Of two visits
    at the same latest time that both owe one, the greater id counts."""
    v, r = p.visit.c, t.record.c
    found: dict[str, tuple[str, date | None]] = {}
    persons = sorted(latest)
    for start in range(0, len(persons), _CHUNK):
        chunk = persons[start : start + _CHUNK]
        rows = conn.execute(
            select(v.person_id, v.id, v.visited_at, v.follow_up_due)
            .where(v.person_id.in_(chunk), v.follow_up_owed.is_(True))
            .order_by(v.person_id, v.visited_at, v.id)
        )
        for pid, vid, at, due in rows:
            if _moment(at) == latest[pid]:
                found[pid] = (vid, _as_date(due) if due is not None else None)
    ids = sorted(vid for vid, _due in found.values())
    notes: dict[str, str] = {}
    for start in range(0, len(ids), _CHUNK):
        texts = conn.execute(
            select(r.id, r.data).where(r.tbl == "visit", r.id.in_(ids[start : start + _CHUNK]))
        )
        for vid, raw in texts:
            note = orjson.loads(raw).get("follow_up")
            notes[vid] = note if isinstance(note, str) else ""
    return {
        pid: FollowUp(notes.get(vid, ""), latest[pid].date(), due)
        for pid, (vid, due) in found.items()
    }


_SummaryRow = tuple[Any, ...]
"""A person's summary as read: person id, latest visit time, follow-up id, due day and
text, then the latest time per reason of :data:`MUST_VISIT`."""

_SUMMARY = [
    p.visit_summary.c.last_at,
    p.visit_summary.c.follow_up_id,
    p.visit_summary.c.follow_up_due,
    p.visit_summary.c.follow_up_text,
    *(getattr(p.visit_summary.c, f"{r.value}_at") for r in MUST_VISIT),
]
"""The summary's columns of a :data:`_SummaryRow` after the person id."""


def _from_summaries(
    conn: Connection, before: datetime, rows: Iterable[_SummaryRow]
) -> tuple[dict[str, tuple[datetime, _Seen]], dict[str, FollowUp]]:
    """Per person of ``rows`` (their summaries): the latest visit's time before
    ``before`` and :data:`_Seen`, and the follow-up owed on it; for the persons with a
    visit from ``before`` on (a summary covers every visit) read from their visits."""
    seen: dict[str, tuple[datetime, _Seen]] = {}
    follow_ups: dict[str, FollowUp] = {}
    later: list[str] = []
    for pid, last, fu_id, fu_due, fu_text, *by_reason in rows:
        last_at = _moment(last)
        if last_at >= before:
            later.append(pid)
            continue
        day = last_at.date()
        recent = {
            r: _moment(value).date()
            for r, value in zip(MUST_VISIT, by_reason, strict=True)
            if value is not None
        }
        seen[pid] = (last_at, (day, recent, fu_id is not None))
        if fu_id is not None:
            due = _as_date(fu_due) if fu_due is not None else None
            follow_ups[pid] = FollowUp(str(fu_text or ""), day, due)
    if later:
        found, owed = _from_visits(conn, before, later)
        seen.update(found)
        follow_ups.update(owed)
    return seen, follow_ups


def _from_visits(
    conn: Connection, before: datetime, persons: Sequence[str]
) -> tuple[dict[str, tuple[datetime, _Seen]], dict[str, FollowUp]]:
    """:func:`_from_summaries` of ``persons`` read from their visits before ``before``
    (they have a visit from then on, which their summary covers)."""
    visits = _latest_visits(conn, before, persons)
    owes = {pid: at for pid, (at, (_d, _r, owed)) in visits.items() if owed}
    return visits, _follow_ups(conn, owes)


def _summarised(
    conn: Connection, before: datetime, only: Only
) -> tuple[dict[str, tuple[datetime, _Seen]], dict[str, FollowUp]]:
    """Per person with a live visit before ``before``: the latest visit's time and
    :data:`_Seen`, and the follow-up owed on it; read from the persons' visit summaries
    (``report_visit_summary``, one row each), and only for the persons with a visit
    from ``before`` on (a summary covers every visit) from their visits."""
    s = p.visit_summary.c
    rows: list[Any] = []
    for chunk in _chunks(only):
        stmt = select(s.person_id, *_SUMMARY)
        if chunk is not None:
            stmt = stmt.where(s.person_id.in_(chunk))
        rows += conn.execute(stmt).all()
    return _from_summaries(conn, before, rows)


def _events(conn: Connection, on: date, only: Only) -> dict[str, dict[EventKind, date]]:
    """The latest live event up to ``on`` per person and kind (hospitalised, misfortune,
    deceased)."""
    e = p.event.c
    rows: list[Any] = []
    for chunk in _chunks(only):
        stmt = (
            select(e.person_id, e.kind, func.max(e.happened_on))
            .where(e.kind.in_([k.value for k in _EVENT_KINDS]), e.happened_on <= on)
            .group_by(e.person_id, e.kind)
        )
        if chunk is not None:
            stmt = stmt.where(e.person_id.in_(chunk))
        rows += conn.execute(stmt).all()
    out: dict[str, dict[EventKind, date]] = {}
    for pid, kind, day in rows:
        out.setdefault(pid, {})[EventKind(kind)] = _as_date(day)
    return out


_PERSON = [
    p.person.c.id,
    p.person.c.site_id,
    p.person.c.name,
    p.person.c.code,
    p.person.c.address,
    p.person.c.tier,
    p.person.c.category,
    p.person.c.status,
    p.person.c.birth_date,
]
"""The person's columns :func:`_facts` reads, in its order."""
_COPIED = [p.visit_summary.c.person_id, *(p.visit_summary.c[col.name] for col in _PERSON[1:])]
"""The summary's copies of :data:`_PERSON` (migration h0006)."""


def care_facts(
    conn: Connection, on: date, relocation_sites: Iterable[str], only: Only = None
) -> CareFacts:
    """:class:`PersonFacts` as of ``on`` (visits after it ignored) of every live person,
    or of the live persons among ``only``."""
    visits, follow_ups = _summarised(conn, _midnight(on + timedelta(days=1)), only)
    events = _events(conn, on, only)
    rows: list[Any] = []
    for chunk in _chunks(only):
        stmt = select(*_PERSON)
        if chunk is not None:
            stmt = stmt.where(p.person.c.id.in_(chunk))
        rows += conn.execute(stmt).all()
    return _facts(rows, visits, follow_ups, events, set(relocation_sites))


def _facts(
    rows: Iterable[Sequence[Any]],
    visits: dict[str, tuple[datetime, _Seen]],
    follow_ups: dict[str, FollowUp],
    events: dict[str, dict[EventKind, date]],
    relocation: set[str],
) -> CareFacts:
    """The facts of the persons of ``rows`` (:data:`_PERSON`) with what was read of
    their visits, follow-ups and events."""
    persons: list[PersonFacts] = []
    tiers: dict[str, Tier] = {}
    no_events: dict[EventKind, date] = {}
    for pid, site, name, code, address, tier, category, status, birth in rows:
        tier_v = _TIERS.get(tier, Tier.ROUTINE)
        tiers[pid] = tier_v
        seen = visits.get(pid)
        fu = follow_ups.get(pid)
        persons.append(
            PersonFacts(
                pid,
                str(name or ""),
                site,
                tier_v,
                _CATEGORIES.get(category, Category.RETIRED),
                _STATUSES.get(status, Status.ACTIVE),
                _as_date(birth) if birth is not None else None,
                str(code or ""),
                str(address or ""),
                site in relocation,
                seen[1][0] if seen else None,
                seen[1][1] if seen else {},
                events.get(pid, no_events),
                (fu,) if fu is not None else (),
            )
        )
    return CareFacts(persons=persons, tiers=tiers)


def candidate_facts(
    conn: Connection, rules: DayRules, relocation_sites: Iterable[str]
) -> CareFacts:
    """:class:`PersonFacts` as of the day of ``rules`` of the persons who can owe a task
    on it (:func:`fieldkit.console.candidates.candidate_condition`), read with their
    summaries (see :mod:`fieldkit.console.candidates`): the summaries in the
    candidates' index ranges, those of the persons with a recent event (their persons
    read from the summaries' copies), the never-visited persons; the others are owed
    nothing."""
    relocation = set(relocation_sites)
    on = rules.on
    persons: list[Sequence[Any]] = []
    width = len(_PERSON)

    def summaries() -> Iterator[_SummaryRow]:
        read: set[str] = set()
        for stmt in _candidate_statements(rules, relocation):
            for row in conn.execute(stmt).all():  # one fetch, not a row at a time
                if row[0] in read:  # in the ranges and with a recent event
                    continue
                read.add(row[0])
                persons.append(row[:width])
                if row[width] is not None:  # else never visited
                    yield row[width:]

    visits, follow_ups = _from_summaries(conn, _midnight(on + timedelta(days=1)), summaries())
    events = _events(conn, on, None)
    return _facts(persons, visits, follow_ups, events, relocation)


def _candidate_statements(rules: DayRules, relocation: set[str]) -> Iterator[Select[Any]]:
    """The statements that read the candidates as :data:`_PERSON` and the summary: the
    summaries in the index ranges, those of the persons with a recent event, the
    never-visited persons."""
    c, s = p.person.c, p.visit_summary.c
    from_copies = select(*_COPIED, s.person_id, *_SUMMARY)
    served = candidate_condition(rules, relocation, COPIES, events=False)
    yield from_copies.where(candidate_ranges(rules, relocation), served)
    # a recent event: a candidate unless moved away
    yield from_copies.where(s.person_id.in_(recent_events(rules)), s.status != Status.MOVED.value)
    yield (
        select(*_PERSON, s.person_id, *_SUMMARY)
        .select_from(p.person.outerjoin(p.visit_summary, s.person_id == c.id))
        .where(c.never_visited == true(), candidate_condition(rules, relocation))
    )
