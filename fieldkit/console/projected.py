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
from sqlalchemy import (
    Connection,
    Date,
    Select,
    any_,
    cast,
    func,
    select,
    true,
    type_coerce,
)

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
    """The day of a timestamp expression, in SQL (one value to read back, not a time),
    read back as a date (on SQLite the ISO text SQLAlchemy's ``Date`` turns into one)."""
    return cast(moment, Date) if pg else type_coerce(func.date(moment), Date)


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
    ).all()
    return {(site, day): (n, fen) for site, day, n, fen in rows}


@dataclass(frozen=True)
class CareFacts:
    """What the care-plan engine needs of every person HQ holds, and each one's tier."""

    persons: list[PersonFacts]
    tiers: dict[str, Tier]


_TIERS = {m.value: m for m in Tier}
_CATEGORIES = {m.value: m for m in Category}
_STATUSES = {m.value: m for m in Status}
_KINDS = {m.value: m for m in EventKind}
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


_REASON_DAYS = tuple(getattr(p.visit_summary.c, f"{r.value}_at") for r in MUST_VISIT)
_R1, _R2, _R3, _R4, _R5 = MUST_VISIT
"""The must-visit reasons in the order of the summary's columns read after the
person's (:data:`_FactsRow`)."""


def _summary_columns(pg: bool) -> list[Any]:
    """The summary's columns of a :data:`_FactsRow` after the person's, the times read
    as days (the database's dates: no conversion per value in Python)."""
    s = p.visit_summary.c
    days = [_day_of(col, pg) for col in _REASON_DAYS]
    return [_day_of(s.last_at, pg), s.follow_up_id, s.follow_up_due, s.follow_up_text, *days]


def _from_visits(
    conn: Connection, before: datetime, persons: Sequence[str]
) -> tuple[dict[str, tuple[datetime, _Seen]], dict[str, FollowUp]]:
    """Per person of ``persons`` with a live visit before ``before``: the latest
    visit's time and :data:`_Seen`, and the follow-up owed on it, read from their
    visits (they have a visit from then on, which their summary covers)."""
    visits = _latest_visits(conn, before, persons)
    owes = {pid: at for pid, (at, (_d, _r, owed)) in visits.items() if owed}
    return visits, _follow_ups(conn, owes)


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
        found = out.get(pid)
        if found is None:
            out[pid] = {_KINDS[kind]: day}
        else:
            found[_KINDS[kind]] = day
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
"""The person's columns of a :data:`_FactsRow`."""
_COPIED = [p.visit_summary.c.person_id, *(p.visit_summary.c[col.name] for col in _PERSON[1:])]
"""The summary's copies of :data:`_PERSON` (migration h0006)."""

_FactsRow = Sequence[Any]
"""A person as :func:`_facts` reads them: :data:`_PERSON`, then their summary
(:func:`_summary_columns`: the latest visit's day, the follow-up owed on it, its due
day and text, the latest day per reason of :data:`MUST_VISIT`; all NULL without a
summary)."""


def care_facts(
    conn: Connection, on: date, relocation_sites: Iterable[str], only: Only = None
) -> CareFacts:
    """:class:`PersonFacts` as of ``on`` (visits after it ignored) of every live person,
    or of the live persons among ``only``."""
    c, s = p.person.c, p.visit_summary.c
    pg = conn.dialect.name == "postgresql"
    joined = p.person.outerjoin(p.visit_summary, s.person_id == c.id)
    rows: list[Any] = []
    for chunk in _chunks(only):
        stmt = select(*_PERSON, *_summary_columns(pg)).select_from(joined)
        if chunk is not None:
            stmt = stmt.where(c.id.in_(chunk))
        rows += conn.execute(stmt).all()
    return _facts(conn, on, rows, _events(conn, on, only), set(relocation_sites))


_NOTHING: dict[Any, date] = {}
"""The reasons and events of a person with none (shared: the engine only reads)."""


def _facts(
    conn: Connection,
    on: date,
    rows: Iterable[_FactsRow],
    events: dict[str, dict[EventKind, date]],
    relocation: set[str],
) -> CareFacts:
    """The facts as of ``on`` of the persons of ``rows`` (:data:`_FactsRow`) with their
    ``events``; a person whose summary holds a visit after ``on`` (a device clock
    ahead) read from their visits. One pass, each fact made once: hot (every
    candidate on a cold page)."""
    persons: list[PersonFacts] = []
    tiers: dict[str, Tier] = {}
    later: list[_FactsRow] = []
    new = tuple.__new__
    tier_of, category_of, status_of = _TIERS.get, _CATEGORIES.get, _STATUSES.get
    routine, retired, active = Tier.ROUTINE, Category.RETIRED, Status.ACTIVE
    events_of, nothing = events.get, _NOTHING
    for row in rows:
        (pid, site, name, code, address, tier, category, status, birth,
         last, owed, due, text, r1, r2, r3, r4, r5) = row  # fmt: skip
        if last is not None and last > on:
            later.append(row)
            continue
        if r1 is r2 is r3 is r4 is r5 is None:
            recent = nothing
        else:
            recent = {}
            if r1 is not None:
                recent[_R1] = r1
            if r2 is not None:
                recent[_R2] = r2
            if r3 is not None:
                recent[_R3] = r3
            if r4 is not None:
                recent[_R4] = r4
            if r5 is not None:
                recent[_R5] = r5
        tiers[pid] = tier_v = tier_of(tier, routine)
        persons.append(
            new(PersonFacts, (
                pid, name or "", site, tier_v, category_of(category, retired),
                status_of(status, active), birth, code or "", address or "",
                site in relocation, last, recent, events_of(pid, nothing),
                (new(FollowUp, (text or "", last, due)),) if owed is not None else (),
            ))
        )  # fmt: skip
    if later:
        found = _facts(conn, on, _as_of(conn, on, later), events, relocation)
        persons += found.persons
        tiers.update(found.tiers)
    return CareFacts(persons=persons, tiers=tiers)


def _as_of(conn: Connection, on: date, rows: list[_FactsRow]) -> list[_FactsRow]:
    """``rows`` with their summary as of ``on``, read from the persons' visits up to
    that day (their summary holds a later one); all NULL for a person with none."""
    width = len(_PERSON)
    seen, follow_ups = _from_visits(conn, _midnight(on + timedelta(days=1)), [r[0] for r in rows])
    out: list[_FactsRow] = []
    for row in rows:
        pid = row[0]
        found = seen.get(pid)
        if found is None:
            out.append((*row[:width], *[None] * (len(row) - width)))
            continue
        day, recent, _owed = found[1]
        fu = follow_ups.get(pid)
        owed = (pid, fu.due, fu.text) if fu is not None else (None, None, None)
        out.append((*row[:width], day, *owed, *(recent.get(r) for r in MUST_VISIT)))
    return out


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
    pg = conn.dialect.name == "postgresql"
    rows: list[Any] = []
    read: set[str] = set()
    for stmt in _candidate_statements(rules, relocation, pg):
        for row in conn.execute(stmt).all():  # one fetch, not a row at a time
            if row[0] not in read:  # else in the ranges and with a recent event
                read.add(row[0])
                rows.append(row)
    return _facts(conn, rules.on, rows, _events(conn, rules.on, None), relocation)


def _candidate_statements(rules: DayRules, relocation: set[str], pg: bool) -> Iterator[Select[Any]]:
    """The statements that read the candidates as :data:`_FactsRow`: the summaries in
    the index ranges, those of the persons with a recent event, the never-visited
    persons."""
    c, s = p.person.c, p.visit_summary.c
    summary = _summary_columns(pg)
    from_copies = select(*_COPIED, *summary)
    served = candidate_condition(rules, relocation, COPIES, events=False)
    yield from_copies.where(candidate_ranges(rules, relocation), served)
    # a recent event: a candidate unless moved away; on PostgreSQL their ids as one
    # array, looked up in the summaries' key (``IN`` the events is a hash join over
    # every summary: 76-120 ms against 30-36 ms, at load 4)
    events = recent_events(rules)
    with_event = (
        s.person_id == any_(func.array(events.scalar_subquery())) if pg else s.person_id.in_(events)
    )
    yield from_copies.where(with_event, s.status != Status.MOVED.value)
    yield (
        select(*_PERSON, *summary)
        .select_from(p.person.outerjoin(p.visit_summary, s.person_id == c.id))
        .where(c.never_visited == true(), candidate_condition(rules, relocation))
    )
