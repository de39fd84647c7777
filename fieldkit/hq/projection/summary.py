"""What the live visits add up to, kept beside them by the push hook.

Four tables of :mod:`.tables` hold what the console and the quarterly tables would
otherwise group a million visits for:

- ``report_visit_summary``: per person, what the care-plan engine needs of their
  visits (the laptop's ``visit_summary``): the latest visit's time, the follow-up owed
  on it (id, due day and text), the latest time per must-visit reason;
- ``report_visit_day``: per day and site, the visits and the money;
- ``report_visit_quarter``: per quarter, site and reason, the visits, card scans,
  money and goods;
- ``report_visit_reach``: per quarter, site and person, the visits and those that
  gave money or goods.

They are always exactly what a recomputation from ``report_visit`` gives (a test
compares them with a rebuild after pushes, corrections, voids, deaths and moves).
:func:`refill` makes them from scratch in SQL, one ``INSERT ... SELECT`` each (the
migration that adds them, and a rebuild). In a push, :class:`VisitChanges` is made
from the visits' rows before and after the write: the day, quarter and reach rows
are corrected by the difference (in key order: one lock order for concurrent pushes;
a row whose visits reach zero is deleted), and the summary rows of the persons whose
summary the write may change (:attr:`VisitChanges.persons`) are made again from their
visits (an index range each).

A summary row also holds copies of its person's columns the console reads, and
``report_person.never_visited`` marks the persons without a summary row (migration
h0006): made with the summary rows, and again for the persons a write touches
(:func:`copy_persons`), so the console reads its candidates as index ranges.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, delete, select, text

from fieldkit.domain.vocab import VisitReason
from fieldkit.hq.projection import tables as p
from sync.server import tables as sync_tables
from sync.server.records import dialect_insert

__all__ = [
    "MUST_VISIT",
    "VisitChanges",
    "copy_persons",
    "correct_sums",
    "quarter_of",
    "refill",
    "refresh_summaries",
]

MUST_VISIT = (
    VisitReason.FESTIVAL,
    VisitReason.HOSPITAL,
    VisitReason.BIRTHDAY,
    VisitReason.MISFORTUNE,
    VisitReason.CONDOLENCE,
)
"""The reasons whose latest visit settles a must-visit task (a column each)."""

_CHUNK = 1000
_VISIT_COLUMNS = ("id", "person_id", "site_id", "reason", "visited_at", "card_scanned",
                  "money_fen", "goods_given", "follow_up_owed", "follow_up_due")  # fmt: skip
_FACTS = ("person_id", "visited_at", "reason", "follow_up_owed", "follow_up_due")
"""What a person's summary row is made of, of each visit (and the follow-up's text)."""


def quarter_of(moment: datetime) -> str:
    """The quarter of a visit's time, as the tables key it (``2026Q3``)."""
    return f"{moment.year}Q{(moment.month + 2) // 3}"


def _sql(pg: bool) -> dict[str, str]:
    """The dialect's expressions over ``report_visit`` (``v``) and ``sync_record`` (``r``)."""
    if pg:
        doc = "CAST(r.data AS jsonb)"
        return {
            "day": "CAST(v.visited_at AS date)",
            "quarter": "to_char(v.visited_at, 'YYYY\"Q\"Q')",
            "text": f"CASE WHEN jsonb_typeof({doc} -> 'follow_up') = 'string'"
            f" THEN {doc} ->> 'follow_up' ELSE '' END",
        }
    return {
        "day": "date(v.visited_at)",
        "quarter": "strftime('%Y', v.visited_at) || 'Q' ||"
        " ((CAST(strftime('%m', v.visited_at) AS INTEGER) + 2) / 3)",
        "text": "CASE WHEN json_type(r.data, '$.follow_up') = 'text'"
        " THEN json_extract(r.data, '$.follow_up') ELSE '' END",
    }


_COPIES = ("site_id", "name", "code", "address", "category", "tier", "status", "birth_date")
"""The person's columns a summary row copies (migration h0006)."""


def _summary_sql(pg: bool, where: str, copies: bool = True) -> str:
    """``INSERT ... SELECT`` of the summary rows of the persons ``where`` picks (over ``v``;
    repeated for the follow-ups, or PostgreSQL reads every visit that owes one), with the
    copies of the person's columns unless not ``copies`` (a migration before h0006)."""
    copied = "".join(f", {c}" for c in _COPIES) if copies else ""
    person = f" LEFT JOIN {p.person.name} pp ON pp.id = l.person_id" if copies else ""
    reasons = ", ".join(f"{r.value}_at" for r in MUST_VISIT)
    latest = ", ".join(
        f"max(CASE WHEN v.reason = '{r.value}' THEN v.visited_at END) AS {r.value}_at"
        for r in MUST_VISIT
    )
    return (
        f"WITH l AS (SELECT v.person_id, max(v.visited_at) AS last_at, {latest}"
        f" FROM {p.visit.name} v WHERE {where} GROUP BY v.person_id),"
        f" f AS (SELECT v.person_id, max(v.id) AS follow_up_id FROM {p.visit.name} v"
        " JOIN l ON l.person_id = v.person_id AND v.visited_at = l.last_at"
        f" WHERE v.follow_up_owed AND {where} GROUP BY v.person_id)"
        f" INSERT INTO {p.visit_summary.name} (person_id, last_at, follow_up_id,"
        f" follow_up_due, follow_up_text, {reasons}{copied})"
        " SELECT l.person_id, l.last_at, f.follow_up_id, fv.follow_up_due,"
        f" CASE WHEN f.follow_up_id IS NULL THEN NULL ELSE coalesce((SELECT {_sql(pg)['text']}"
        f" FROM {sync_tables.record.name} r WHERE r.tbl = 'visit' AND r.id = f.follow_up_id),"
        " '') END,"
        f" {', '.join('l.' + r.value + '_at' for r in MUST_VISIT)}"
        + "".join(f", pp.{c}" for c in _COPIES if copies)
        + " FROM l LEFT JOIN f ON f.person_id = l.person_id"
        f" LEFT JOIN {p.visit.name} fv ON fv.id = f.follow_up_id{person}"
    )


_SUMMARISED = (
    f"EXISTS (SELECT 1 FROM {p.visit_summary.name} s WHERE s.person_id = {p.person.name}.id)"
)
_MARK = f"UPDATE {p.person.name} SET never_visited = NOT {_SUMMARISED}"
"""Marks the persons without a summary row (``never_visited``), ``WHERE`` to add."""
_COPY = (
    f"UPDATE {p.visit_summary.name} SET ({', '.join(_COPIES)}) = (SELECT"
    f" {', '.join('pp.' + c for c in _COPIES)} FROM {p.person.name} pp"
    f" WHERE pp.id = {p.visit_summary.name}.person_id) WHERE person_id IN :persons"
)
"""Copies the person's columns into the summary rows of ``:persons`` (NULLs for a person
no longer held)."""


def _mark_never_visited(conn: Connection, persons: Sequence[str] | None) -> None:
    """Mark ``persons`` (None: everyone; only the marks that change are written)."""
    if persons is None:
        conn.execute(text(f"{_MARK} WHERE never_visited = {_SUMMARISED}"))
        return
    mark = text(f"{_MARK} WHERE id IN :persons").bindparams(bindparam("persons", expanding=True))
    conn.execute(mark, {"persons": list(persons)})


def copy_persons(conn: Connection, persons: Iterable[str]) -> None:
    """Bring the summary rows' copies of ``persons``' columns, and their
    ``never_visited`` marks, to what ``report_person`` holds (after their rows were
    written or removed)."""
    wanted = sorted(set(persons))
    copy = text(_COPY).bindparams(bindparam("persons", expanding=True))
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        conn.execute(copy, {"persons": chunk})
        _mark_never_visited(conn, chunk)


def refill(conn: Connection, only: Collection[Table] | None = None) -> dict[str, int]:
    """Empty the five tables (or ``only`` those, for a migration that made no later one)
    and make them again from ``report_visit`` (and the follow-up texts from
    ``sync_record``), one ``INSERT ... SELECT`` each, in dependency order; rows per
    table. Unless ``only`` is given, the summaries' copies of the persons' columns and
    the ``never_visited`` marks are made too."""
    pg = conn.dialect.name == "postgresql"
    sql = _sql(pg)
    v = p.visit.name
    statements = {
        p.visit_summary: _summary_sql(pg, "1 = 1", copies=only is None),
        p.visit_day: f"INSERT INTO {p.visit_day.name} (day, site_id, visits, money_fen)"
        f" SELECT {sql['day']}, v.site_id, count(*), coalesce(sum(v.money_fen), 0)"
        f" FROM {v} v GROUP BY {sql['day']}, v.site_id",
        p.visit_quarter: f"INSERT INTO {p.visit_quarter.name}"
        " (quarter, site_id, reason, visits, scanned, money_fen, goods)"
        f" SELECT {sql['quarter']}, v.site_id, v.reason, count(*),"
        " sum(CASE WHEN v.card_scanned THEN 1 ELSE 0 END), coalesce(sum(v.money_fen), 0),"
        " sum(CASE WHEN v.goods_given THEN 1 ELSE 0 END)"
        f" FROM {v} v GROUP BY {sql['quarter']}, v.site_id, v.reason",
        p.visit_reach: f"INSERT INTO {p.visit_reach.name} (quarter, site_id, person_id, visits,"
        f" given) SELECT {sql['quarter']}, v.site_id, v.person_id, count(*),"
        " sum(CASE WHEN v.money_fen > 0 OR v.goods_given THEN 1 ELSE 0 END)"
        f" FROM {v} v GROUP BY {sql['quarter']}, v.site_id, v.person_id",
        p.visit_reach_site: f"INSERT INTO {p.visit_reach_site.name} (quarter, site_id, persons,"
        " given) SELECT quarter, site_id, count(*), sum(CASE WHEN given > 0 THEN 1 ELSE 0 END)"
        f" FROM {p.visit_reach.name} GROUP BY quarter, site_id",
    }
    counts = {}
    for table, statement in statements.items():
        if only is not None and table not in only:
            continue
        conn.execute(delete(table))
        counts[table.name] = conn.execute(text(statement)).rowcount
    if only is None:
        _mark_never_visited(conn, None)
    return counts


def refresh_summaries(conn: Connection, persons: Iterable[str]) -> None:
    """Make the summary rows of ``persons`` again from their live visits (none: no row),
    and their ``never_visited`` marks."""
    wanted = sorted(set(persons))
    if not wanted:
        return
    s = p.visit_summary.c
    pg = conn.dialect.name == "postgresql"
    insert = text(_summary_sql(pg, "v.person_id IN :persons")).bindparams(
        bindparam("persons", expanding=True)
    )
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        conn.execute(delete(p.visit_summary).where(s.person_id.in_(chunk)))
        conn.execute(insert, {"persons": chunk})
        _mark_never_visited(conn, chunk)


Key = tuple[Any, ...]


@dataclass
class VisitChanges:
    """What a write changes in the visits' sums: per key of each table, the difference of
    its counters; and, per visit, what its person's summary is made of before (``was``)
    and after (``now``) the write."""

    day: dict[Key, list[int]] = field(default_factory=dict)
    quarter: dict[Key, list[int]] = field(default_factory=dict)
    reach: dict[Key, list[int]] = field(default_factory=dict)
    was: dict[str, Key] = field(default_factory=dict)
    now: dict[str, Key] = field(default_factory=dict)

    @classmethod
    def before(cls, conn: Connection, ids: Sequence[str]) -> VisitChanges:
        """The changes that start by taking out the visits ``ids`` as the projection holds
        them now (call before their rows are written)."""
        out = cls()
        v = p.visit
        wanted = sorted(set(ids))
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            cols = [v.c[name] for name in _VISIT_COLUMNS]
            for row in conn.execute(select(*cols).where(v.c.id.in_(chunk))):
                out.add(dict(row._mapping), -1)
        return out

    def add(self, row: Mapping[str, Any], sign: int) -> None:
        """Count a visit's row in (``sign`` 1) or out (-1)."""
        at = row["visited_at"]
        moment = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
        site, person, fen = row["site_id"], row["person_id"], int(row["money_fen"])
        quarter = quarter_of(moment)
        given = fen > 0 or bool(row["goods_given"])
        _bump(self.day, (moment.date(), site), (sign, sign * fen))
        _bump(
            self.quarter,
            (quarter, site, row["reason"]),
            (sign, sign * bool(row["card_scanned"]), sign * fen, sign * bool(row["goods_given"])),
        )
        _bump(self.reach, (quarter, site, person), (sign, sign * given))
        (self.now if sign > 0 else self.was)[row["id"]] = tuple(row[k] for k in _FACTS)

    @property
    def persons(self) -> set[str]:
        """The persons whose summary the write may change: those of a visit added or
        removed, or whose time, reason, person or follow-up changed, or that owes a
        follow-up (its text is not in the projection). A correction of the money, the
        goods or the confirmation alone changes no summary."""
        out: set[str] = set()
        for visit in self.was.keys() | self.now.keys():
            old, new = self.was.get(visit), self.now.get(visit)
            if old == new and new is not None and not new[3]:
                continue
            out.update(facts[0] for facts in (old, new) if facts is not None)
        return out

    def apply(self, conn: Connection) -> None:
        """Correct the sums by the changes and make the persons' summaries again."""
        correct_sums(conn, p.visit_day, ("day", "site_id"), ("visits", "money_fen"), self.day)
        correct_sums(conn, p.visit_quarter, ("quarter", "site_id", "reason"),
               ("visits", "scanned", "money_fen", "goods"), self.quarter)  # fmt: skip
        now = correct_sums(conn, p.visit_reach, ("quarter", "site_id", "person_id"),
                           ("visits", "given"), self.reach)  # fmt: skip
        correct_sums(conn, p.visit_reach_site, ("quarter", "site_id"), ("persons", "given"),
                     self._reached(now))  # fmt: skip
        refresh_summaries(conn, self.persons)

    def _reached(self, now: Sequence[Sequence[Any]]) -> dict[Key, list[int]]:
        """What the reach rows' new values (``quarter, site, person, visits, given``)
        change in the persons reached per quarter and site: a row that appears or is left
        without visits, a row whose visits that gave start or stop."""
        out: dict[Key, list[int]] = {}
        for quarter, site, person, visits, given in now:
            d_visits, d_given = self.reach[quarter, site, person]
            was = (visits - d_visits > 0, given - d_given > 0)
            is_ = (visits > 0, visits > 0 and given > 0)
            if was != is_:
                _bump(out, (quarter, site), (is_[0] - was[0], is_[1] - was[1]))
        return out


def _bump(sums: dict[Key, list[int]], key: Key, by: Sequence[int]) -> None:
    found = sums.get(key)
    if found is None:
        sums[key] = list(by)
    else:
        for i, n in enumerate(by):
            found[i] += n


def correct_sums(
    conn: Connection,
    table: Table,
    keys: Sequence[str],
    counters: Sequence[str],
    sums: dict[Key, list[int]],
) -> list[Sequence[Any]]:
    """Add ``sums`` to ``table``'s rows (made when missing), in key order; delete the rows
    left empty (the first counter, what they count, at zero). The changed rows' keys and
    new counters (those deleted included)."""
    changed = sorted((k, by) for k, by in sums.items() if any(by))
    if not changed:
        return []
    stmt = dialect_insert(conn, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: table.c[c] + stmt.excluded[c] for c in counters}
    ).returning(*(table.c[c] for c in (*keys, *counters)))
    rows = [
        {**dict(zip(keys, key, strict=True)), **dict(zip(counters, by, strict=True))}
        for key, by in changed
    ]
    now: list[Sequence[Any]] = []
    for start in range(0, len(rows), _CHUNK * 5):
        now.extend(conn.execute(stmt, rows[start : start + _CHUNK * 5]).all())
    fewer = [dict(zip(keys, key, strict=True)) for key, by in changed if by[0] < 0]
    if fewer:
        gone = delete(table).where(
            and_(*(table.c[k] == bindparam(f"k_{k}") for k in keys)), table.c[counters[0]] <= 0
        )
        conn.execute(gone, [{f"k_{k}": row[k] for k in keys} for row in fewer])
    return now
