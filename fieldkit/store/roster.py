"""Roster queries: paged, filtered person search in SQL, and a person's whole file.

The roster is never loaded whole: :func:`search_roster` returns one page of
light rows. Search text matches the start of the full pinyin
(``Person.search_full``, "zhang" finds 张三丰), the pinyin initials
(``search_initials``, "zsf"), the short code ("GL-00"), and anywhere in the name,
phone or address. :func:`person_file` gathers one person with the timeline of
their visits, consultations, activities and events, and the follow-ups owed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, func, literal, literal_column, or_, select
from sqlalchemy import text as text_sql
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col
from sqlmodel import select as orm_select

from fieldkit.domain.models import (
    Consultation,
    Person,
    PersonEvent,
    ServiceActivity,
    Site,
    StaffMember,
    TeamMember,
    Visit,
    VolunteerTeam,
)
from fieldkit.domain.search_keys import name_keys
from fieldkit.store.roster_types import (
    PAGE_SIZE,
    RosterFilter,
    RosterPage,
    RosterRow,
    SearchCancelled,
    is_cjk,
    needs_scan,
    roster_row,
)
from fieldkit.store.search_index import CODE_DIGITS
from fieldkit.store.store import Store

__all__ = [
    "FollowUp",
    "PersonFile",
    "RosterFilter",
    "RosterPage",
    "RosterRow",
    "SearchCancelled",
    "TimelineEntry",
    "find_by_code",
    "list_sites",
    "list_teams",
    "needs_scan",
    "person_file",
    "rebuild_person_fts",
    "search_index_paused_for_bulk_persons",
    "search_roster",
    "team_members",
]

_HIGH = "\U0010ffff"


@dataclass(frozen=True)
class TimelineEntry:
    """One dated item of a person's history."""

    when: date
    kind: str  # "visit" | "consultation" | "activity" | "event"
    code: str  # the vocabulary slug: visit reason, topic, activity kind, event kind
    summary: str
    row_id: str
    voided: bool = False
    """The record was voided: shown, marked, and counted nowhere."""


@dataclass(frozen=True)
class FollowUp:
    """A follow-up promised on a visit that no later visit has closed."""

    visit_id: str
    visited_on: date
    what: str
    due: date | None


@dataclass
class PersonFile:
    """A person with everything the file screen shows."""

    person: Person
    site: Site
    contact: StaffMember | None
    timeline: list[TimelineEntry] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    last_visit: date | None = None
    visit_count: int = 0


def _prefix(column: Any, text: str) -> ColumnElement[bool]:
    """``column`` starts with ``text``, as an index range."""
    return and_(column >= text, column < text + _HIGH)


WINDOW = 1000
"""A 1-2 character search inside names and addresses first looks at this many
persons in roster order; when they hold the page, that is the answer."""

DENSE = 0.01
"""When the window holds fewer matches than a page but at least this share of its
persons, the search walks on in roster order (the page is near); when it holds
fewer, the matches are read from the term index (they are few)."""


def _fts_phrase(columns: str, text: str) -> str:
    """An FTS5 query: ``text`` as one phrase (a substring, for trigrams) in ``columns``."""
    return "{" + columns + '}: "' + text.replace('"', '""') + '"'


def _fts_match(columns: str, text: str) -> ColumnElement[bool]:
    """The person's row is in ``person_fts`` with ``text`` inside one of ``columns``."""
    found = text_sql("SELECT rowid FROM person_fts WHERE person_fts MATCH :fts_query")
    return literal_column("person.rowid").in_(
        found.bindparams(fts_query=_fts_phrase(columns, text))
    )


def _fts_short(text: str) -> ColumnElement[bool]:
    """1-2 characters inside the name or address, from the term index.

    Every value is stored padded, so each of its characters and pairs starts a
    trigram: the persons are the documents of the terms in ``[text, text + max)``.
    """
    found = text_sql(
        "SELECT doc FROM person_fts_terms WHERE term >= :fts_low AND term < :fts_high"
        " AND col IN ('name', 'address')"
    )
    return literal_column("person.rowid").in_(found.bindparams(fts_low=text, fts_high=text + _HIGH))


def _text_condition(text: str, quick: bool) -> tuple[ColumnElement[bool] | None, str]:
    """The match condition of the search text and the order that finds it fastest.

    Returns the condition and the plan: ``index`` (walk the pinyin index in order,
    stop after a page), ``code`` (walk the code index), ``scan`` (the matches come
    from the trigram index; sort them) or ``window`` (text inside names or
    addresses: try the first :data:`WINDOW` persons in order, see
    :func:`search_roster`; the condition returned is the trigram index's).
    """
    t = text.strip()
    if not t:
        return None, "index"
    p = Person.__table__.c  # type: ignore[attr-defined]
    if is_cjk(t):
        if quick:  # names starting with the text, found through their pinyin
            full = name_keys(t)[0]
            return and_(_prefix(p.search_full, full), func.substr(p.name, 1, len(t)) == t), "index"
        # first the window; the condition is for the persons beyond it
        return (_fts_short(t) if len(t) < 3 else _fts_match("name address", t)), "window"
    low = t.lower().replace(" ", "")
    if low.isalpha():
        # the full pinyin here; the initials and other readings are merged in after
        # (:func:`_with_other_keys`), each read from its own index range
        return _prefix(p.search_full, low), "index"
    code = _prefix(p.code, t.upper())
    if t.isdigit() and not quick:
        if len(t) < 3:  # one or two digits are in most phones: the first page comes at once
            return or_(code, func.instr(p.phone, t) > 0), "index"
        return or_(code, _fts_match("phone", t)), "scan"
    return code, "code"


def _conditions(flt: RosterFilter, quick: bool) -> tuple[list[ColumnElement[bool]], str]:
    """The filter's conditions (the text's first), and the plan of the text (see above)."""
    p = Person.__table__.c  # type: ignore[attr-defined]
    conds: list[ColumnElement[bool]] = [p.deleted == literal(False)]
    if flt.site_id is not None:
        conds.append(p.site_id == flt.site_id)
    if flt.category is not None:
        conds.append(p.category == flt.category.value)
    if flt.tier is not None:
        conds.append(p.tier == flt.tier.value)
    if flt.status is not None:
        conds.append(p.status == flt.status.value)
    if flt.lives_alone is not None:
        conds.append(p.lives_alone == literal(flt.lives_alone))
    if flt.hardship is not None:
        conds.append(p.hardship == literal(flt.hardship))
    text, plan = _text_condition(flt.text, quick)
    if text is not None:
        conds.insert(0, text)
    return conds, plan


def _columns() -> list[Any]:
    p = Person.__table__.c  # type: ignore[attr-defined]
    return [
        p.id,
        p.code,
        p.name,
        p.sex,
        p.birth_date,
        p.category,
        p.tier,
        p.status,
        p.site_id,
        p.address,
        p.phone,
        p.lives_alone,
        p.hardship,
    ]


def search_roster(
    store: Store,
    flt: RosterFilter,
    *,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    quick: bool = False,
    cancelled: Callable[[], bool] | None = None,
) -> RosterPage:
    """One page of persons matching ``flt``, ordered by pinyin (codes: by code), then id.

    One query, no count: a page fetches one row more than it shows to know
    whether another page follows. Matches inside names, addresses and phones come
    from the trigram index ``person_fts``; 1-2 characters inside names or
    addresses are first looked for among the first :data:`WINDOW` persons in
    order (a common character fills the page there); when not all there, the
    search walks on in order if the window had many (:data:`DENSE`), else reads
    the few matches from the term index.
    ``quick`` answers from the pinyin, initials and code indexes only (names
    starting with the text); see :func:`needs_scan`. ``cancelled`` is asked as
    SQLite works: once it says yes (a newer search was typed), the query stops and
    :class:`SearchCancelled` is raised.
    """
    p = Person.__table__.c  # type: ignore[attr-defined]
    conds, plan = _conditions(flt, quick)
    with store.read() as session, _stoppable(session.connection(), cancelled) as conn:
        if plan == "window":
            t = flt.text.strip()
            # the first WINDOW persons of the filter in roster order (one pass over the
            # pinyin index), then the text among them
            first = (
                select(*_columns(), p.search_full)
                .where(*conds[1:])
                .order_by(p.search_full, p.id)
                .limit(WINDOW)
                .subquery("w")
            )
            w = first.c
            query = (
                select(*(w[c.name] for c in _columns()))
                .where(or_(func.instr(w.name, t) > 0, func.instr(w.address, t) > 0))
                .order_by(w.search_full, w.id)
                .offset(offset)
                .limit(limit + 1)
            )
            found = conn.execute(query).all()
            if len(found) > limit:
                pass  # the page is all in the window
            elif len(found) >= DENSE * WINDOW:
                # common text: walk on in roster order, the page is not far
                conds[0] = or_(func.instr(p.name, t) > 0, func.instr(p.address, t) > 0)
                plan = "index"
            else:  # rare text: its few persons come from the trigram index
                plan = "scan"
        if plan != "window":
            # ``+column`` keeps SQLite from walking the pinyin index for sparse matches.
            order = {
                "scan": literal_column("+person.search_full"),
                "code": p.code,
                "index": p.search_full,
            }[plan]
            query = (
                select(*_columns(), p.search_full)
                .where(*conds)
                .order_by(order, p.id)
                .offset(offset)
                .limit(limit + 1)
            )
            found = conn.execute(query).all()
        found = _with_other_keys(conn, flt, conds, plan, found, offset, limit)
        sites = _site_names(conn, {r[8] for r in found})
    rows = [roster_row(r, sites) for r in found[:limit]]
    return RosterPage(rows=rows, offset=offset, more=len(found) > limit)


STEPS_PER_CHECK = 2000
"""SQLite virtual-machine steps between two questions whether a search is still wanted."""


@contextmanager
def _stoppable(conn: Connection, cancelled: Callable[[], bool] | None) -> Iterator[Connection]:
    """``conn``, its queries interrupted once ``cancelled()`` is true (SQLite's progress
    handler); the interruption comes out as :class:`SearchCancelled`."""
    if cancelled is None:
        yield conn
        return
    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.set_progress_handler(lambda: 1 if cancelled() else 0, STEPS_PER_CHECK)
    try:
        yield conn
    except OperationalError as error:
        if cancelled():
            raise SearchCancelled from error
        raise
    finally:
        raw.set_progress_handler(None, 0)


def _key_text(text: str) -> str | None:
    """The search text as a key of ``person_search_key`` (letters, or 3+ digits), if one."""
    low = text.strip().lower().replace(" ", "")
    if not low or not low.isascii():
        return None
    return low if low.isalpha() or (low.isdigit() and len(low) >= CODE_DIGITS) else None


def _with_other_keys(
    conn: Any,
    flt: RosterFilter,
    conds: list[ColumnElement[bool]],
    plan: str,
    found: Sequence[Any],
    offset: int,
    limit: int,
) -> Sequence[Any]:
    """``found`` merged with the persons found by the initials of their name, by
    another reading of it or by their code's digits (``person_search_key``, see
    :mod:`fieldkit.store.search_index`).

    Each source is read in page order from its own index range and cut at the
    page's end: the full pinyin (``found``, read from the first row), the initials
    (two letters or more: one letter is the full pinyin's first) and the keys.
    When the full pinyin fills the page, only what sorts before its last row can
    change it. The keys are taken :func:`_key_bound` at a time in their order, so a
    common prefix (``z``, ``s``) reads a few hundred keys, not thousands of persons.
    Most searches then add none and ``found`` stands; otherwise the sources are
    merged in the page's order, each person once.
    """
    key = _key_text(flt.text)
    if key is None:
        return found
    p = Person.__table__.c  # type: ignore[attr-defined]
    by_code = plan == "code"
    order = (p.code, p.id) if by_code else (p.search_full, p.id)
    end = offset + limit + 1
    first = (
        found
        if offset == 0
        else conn.execute(
            select(*_columns(), p.search_full).where(*conds).order_by(*order).limit(end)
        ).all()
    )
    last = first[end - 1][13] if len(first) >= end and not by_code else None
    extra: list[Any] = []
    if key.isalpha() and len(key) > 1:
        initials = select(*_columns(), p.search_full).where(
            _prefix(p.search_initials, key), *conds[1:]
        )
        if last is not None:
            initials = initials.where(p.search_full <= last)
        # ``+column``: walk the initials' index range and sort it, not the pinyin index
        extra += conn.execute(
            initials.order_by(literal_column("+person.search_full"), p.id).limit(end)
        ).all()
    step = 2 * end
    while True:
        if by_code:
            bound, persons = None, _key_range(key, None)
        else:
            bound, persons = _first_keys(conn, key, last, step)
        rows = _key_persons(conn, persons, conds, order, end)
        ranked = _merged([*first, *extra, *rows], by_code)
        if bound is None or sum(1 for r in ranked if r[13] < bound) >= end:
            return ranked[offset:end]
        step *= 4  # the filters left too few of these keys: read more of them


def _key_range(key: str, last: str | None) -> Any:
    """SQL: the persons with a key starting with ``key`` (sorting within ``last``)."""
    sql = "SELECT person FROM person_search_key WHERE key >= :key_low AND key < :key_high"
    params: dict[str, Any] = {"key_low": key, "key_high": key + _HIGH}
    if last is not None:
        sql += " AND sort <= :key_last"
        params["key_last"] = last
    return text_sql(sql).bindparams(**params)


def _first_keys(conn: Any, key: str, last: str | None, step: int) -> tuple[str | None, Any]:
    """The persons of the first ``step`` keys of the prefix in page order (within
    ``last``), one read of the key range; and, when there are more, the primary
    pinyin of the last one read: the persons sorting before it are all there."""
    params: dict[str, Any] = {"key_low": key, "key_high": key + _HIGH, "key_step": step}
    sql = "SELECT person, sort FROM person_search_key WHERE key >= :key_low AND key < :key_high"
    if last is not None:
        sql += " AND sort <= :key_last"
        params["key_last"] = last
    found = conn.execute(
        text_sql(sql + " ORDER BY sort LIMIT :key_step").bindparams(**params)
    ).all()
    bound = found[-1][1] if len(found) == step else None
    return bound, sorted({r[0] for r in found})


def _key_persons(
    conn: Connection,
    persons: Any,
    conds: list[ColumnElement[bool]],
    order: tuple[Any, ...],
    end: int,
) -> Sequence[Any]:
    """The first ``end`` persons in page order among ``persons`` (rowids, or SQL giving them)."""
    p = Person.__table__.c  # type: ignore[attr-defined]
    return conn.execute(
        select(*_columns(), p.search_full)
        .where(literal_column("person.rowid").in_(persons))
        .where(*conds[1:])
        .order_by(*order)
        .limit(end)
    ).all()


def _merged(rows: Sequence[Any], by_code: bool) -> list[Any]:
    """``rows`` in page order (by code, or by pinyin), each person once."""
    unique = {r[0]: r for r in rows}
    return sorted(unique.values(), key=lambda r: (r[1], r[0]) if by_code else (r[13], r[0]))


_FTS_INSERT_TRIGGER = "trg_person_fts_insert"
_FTS_REFILL = (
    "INSERT INTO person_fts (rowid, name, address, phone) SELECT p.rowid,"
    " p.name || char(31, 31), p.address || char(31, 31), p.phone || char(31, 31)"
    " FROM person p WHERE p.deleted = 0 AND p.rowid > ?"
)


@contextmanager
def search_index_paused_for_bulk_persons(conn: Connection) -> Iterator[None]:
    """Load many new persons on ``conn`` without the per-row trigger that adds them to
    the search index ``person_fts``, then add them all in one statement.

    For the sample-data generator (100,000 persons load ~3 s faster). Only for
    inserts of new rows inside the loading transaction; if the block fails, the
    transaction's rollback puts the trigger back too.
    """
    found = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
        (_FTS_INSERT_TRIGGER,),
    ).scalar()
    if found is None:  # no search index in this store (or already paused)
        yield
        return
    before = conn.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM person").scalar()
    conn.exec_driver_sql(f"DROP TRIGGER {_FTS_INSERT_TRIGGER}")
    yield
    conn.exec_driver_sql(str(found))
    conn.exec_driver_sql(_FTS_REFILL, (before,))


def rebuild_person_fts(conn: Connection) -> None:
    """Empty the search index ``person_fts`` and fill it again with every live person
    (a contentless FTS5 table since store migration 0014: emptied by its
    ``'delete-all'`` command)."""
    conn.exec_driver_sql("INSERT INTO person_fts (person_fts) VALUES ('delete-all')")
    conn.exec_driver_sql(_FTS_REFILL, (0,))


def _site_names(conn: Any, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    s = Site.__table__.c  # type: ignore[attr-defined]
    return {r[0]: r[1] for r in conn.execute(select(s.id, s.name).where(s.id.in_(sorted(ids))))}


def find_by_code(store: Store, code: str) -> str | None:
    """The id of the live person whose short code is ``code`` (case-insensitive), if any."""
    p = Person.__table__.c  # type: ignore[attr-defined]
    query = select(p.id).where(p.code == code.strip().upper(), p.deleted == literal(False))
    with store.read() as session:
        return session.connection().execute(query).scalar_one_or_none()


def list_sites(store: Store) -> list[tuple[str, str]]:
    """All live sites as ``(id, name)``, by name."""
    s = Site.__table__.c  # type: ignore[attr-defined]
    query = select(s.id, s.name).where(s.deleted == literal(False)).order_by(s.name)
    with store.read() as session:
        return [(r[0], r[1]) for r in session.connection().execute(query)]


TIMELINE_LIMIT = 200


def person_file(store: Store, person_id: str) -> PersonFile | None:
    """The person's file with the newest ``TIMELINE_LIMIT`` items of each kind; None if absent."""
    with store.read() as s:
        person = s.get(Person, person_id)
        if person is None:
            return None
        site = s.get(Site, person.site_id)
        assert site is not None
        contact = s.get(StaffMember, person.contact_id) if person.contact_id else None
        entries: list[TimelineEntry] = []
        visits = list(
            s.exec(
                orm_select(Visit)
                .where(col(Visit.person_id) == person_id, col(Visit.deleted) == literal(False))
                .order_by(col(Visit.visited_at).desc())
                .limit(TIMELINE_LIMIT)
            ).all()
        )
        for v in visits:
            entries.append(
                TimelineEntry(
                    when=v.visited_at.date(),
                    kind="visit",
                    code=str(v.reason),
                    summary=_join(v.visitors, v.needs, v.services),
                    row_id=v.id,
                )
            )
        for c in s.exec(
            orm_select(Consultation)
            .where(col(Consultation.person_id) == person_id)
            .where(col(Consultation.deleted) == literal(False))
            .order_by(col(Consultation.held_on).desc())
            .limit(TIMELINE_LIMIT)
        ).all():
            entries.append(
                TimelineEntry(
                    when=c.held_on,
                    kind="consultation",
                    code=str(c.topic),
                    summary=_join(c.question, c.outcome, c.referral),
                    row_id=c.id,
                )
            )
        for e in s.exec(
            orm_select(PersonEvent)
            .where(col(PersonEvent.person_id) == person_id)
            .where(col(PersonEvent.deleted) == literal(False))
            .order_by(col(PersonEvent.happened_on).desc())
            .limit(TIMELINE_LIMIT)
        ).all():
            entries.append(
                TimelineEntry(
                    when=e.happened_on, kind="event", code=str(e.kind), summary=e.note, row_id=e.id
                )
            )
        entries.extend(_activities(s, person_id))
        visit_count = int(
            s.connection()
            .execute(
                select(func.count())
                .select_from(Visit.__table__)  # type: ignore[attr-defined]
                .where(col(Visit.person_id) == person_id, col(Visit.deleted) == literal(False))
            )
            .scalar_one()
        )
        follow_ups = _follow_ups(visits)
        last_visit = visits[0].visited_at.date() if visits else None
        s.expunge_all()  # keep the loaded rows usable after the read rolls back
    entries.sort(key=lambda e: (e.when, e.kind, e.row_id), reverse=True)
    return PersonFile(
        person=person,
        site=site,
        contact=contact,
        timeline=entries,
        follow_ups=follow_ups,
        last_visit=last_visit,
        visit_count=visit_count,
    )


def _activities(s: Any, person_id: str) -> list[TimelineEntry]:
    members = list(
        s.exec(
            orm_select(TeamMember).where(
                col(TeamMember.person_id) == person_id, col(TeamMember.deleted) == literal(False)
            )
        ).all()
    )
    out: list[TimelineEntry] = []
    for m in members:
        team = s.get(VolunteerTeam, m.team_id)
        for a in s.exec(
            orm_select(ServiceActivity)
            .where(
                col(ServiceActivity.team_id) == m.team_id,
                col(ServiceActivity.deleted) == literal(False),
                func.instr(col(ServiceActivity.attendee_ids), m.id) > 0,
            )
            .order_by(col(ServiceActivity.held_on).desc())
            .limit(TIMELINE_LIMIT)
        ).all():
            out.append(
                TimelineEntry(
                    when=a.held_on,
                    kind="activity",
                    code=str(a.kind),
                    summary=_join(team.name if team else "", a.title),
                    row_id=a.id,
                )
            )
    return out


def _follow_ups(visits_newest_first: list[Visit]) -> list[FollowUp]:
    """Follow-ups recorded on the person's latest visit day.

    A follow-up is owed when a visit recorded one and no later visit of the person
    has happened since: the next visit is where it is done (or promised again).
    """
    owed: list[FollowUp] = []
    if not visits_newest_first:
        return owed
    latest = visits_newest_first[0].visited_at.date()
    for v in visits_newest_first:
        if v.visited_at.date() < latest:
            break
        if v.follow_up.strip():
            owed.append(
                FollowUp(
                    visit_id=v.id,
                    visited_on=v.visited_at.date(),
                    what=v.follow_up,
                    due=v.follow_up_due,
                )
            )
    return owed


def _join(*parts: str) -> str:
    return " · ".join(p.strip() for p in parts if p and p.strip())


def list_teams(store: Store) -> list[tuple[str, str, str]]:
    """All live volunteer teams as ``(id, name, site_id)``, by name."""
    t = VolunteerTeam.__table__.c  # type: ignore[attr-defined]
    query = select(t.id, t.name, t.site_id).where(t.deleted == literal(False)).order_by(t.name)
    with store.read() as session:
        return [(r[0], r[1], r[2]) for r in session.connection().execute(query)]


def team_members(store: Store, team_id: str) -> list[tuple[str, str]]:
    """A team's live members as ``(id, name)``, by name."""
    m = TeamMember.__table__.c  # type: ignore[attr-defined]
    query = (
        select(m.id, m.name)
        .where(m.team_id == team_id, m.deleted == literal(False))
        .order_by(m.name)
    )
    with store.read() as session:
        return [(r[0], r[1]) for r in session.connection().execute(query)]
