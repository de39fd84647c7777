"""The quarterly tables' figures from the laptop store (SQLite, over the laptop's scope).

Each method of :class:`StoreSource` is one SQL statement on a read session of the
store. Counts and sums are aggregated by SQLite (``GROUP BY``); rows come to Python
only for the care-plan replay (persons, events, visits around the quarter). Times
compare as text against bare dates (see :mod:`fieldkit.reports.quarter`). A
record's site is its person's site when it has a person (``COALESCE(p.site_id, ...)``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

from fieldkit.domain.vocab import (
    ActivityKind,
    Category,
    Confirmation,
    ConsultTopic,
    EventKind,
    SiteKind,
    Status,
    Tier,
    VisitReason,
)
from fieldkit.reports.quarter import Quarter
from fieldkit.reports.source import (
    ActivityCount,
    ConsultationCount,
    EventRow,
    PersonRow,
    SiteRow,
    SiteScope,
    TeamRow,
    VisitFact,
    VisitFigures,
    VisitReach,
    VisitTotals,
)
from fieldkit.store import Store

__all__ = ["StoreSource"]

_REASONS = {m.value: m for m in VisitReason}
_fromiso = date.fromisoformat


def _scope(column: str, sites: SiteScope, params: dict[str, Any]) -> str:
    """``AND column IN (...)`` for a site scope (nothing for every site)."""
    if sites is None:
        return ""
    names = []
    for i, site_id in enumerate(sorted(set(sites))):
        params[f"site{i}"] = site_id
        names.append(f":site{i}")
    return f" AND {column} IN ({', '.join(names) or 'NULL'})"


def _quarter(quarter: Quarter, **more: Any) -> dict[str, Any]:
    """The quarter's bounds as statement parameters (with ``more`` of them)."""
    return {
        "q_start": quarter.start.isoformat(),
        "q_next": quarter.next_start.isoformat(),
        "q_end": quarter.end.isoformat(),
        **more,
    }


_VISIT_SITE = "coalesce(p.site_id, v.site_id)"
_QUARTER_VISITS = (
    " FROM visit v LEFT JOIN person p ON p.id = v.person_id"
    " WHERE v.deleted = 0 AND v.visited_at >= :q_start AND v.visited_at < :q_next"
)
"""The quarter's live visits, each with its person (if the file still exists)."""


class _Days(dict[str, date]):
    """ISO day text to ``date``, each day parsed once (visits share few days)."""

    def __missing__(self, text: str) -> date:
        day = self[text] = _fromiso(text)
        return day


def _visit_fact(day_text: str, reason: str, owes: int, due: str | None) -> VisitFact:
    return VisitFact(
        _fromiso(day_text[:10]), _REASONS[reason], bool(owes), _fromiso(due) if due else None
    )


class StoreSource:
    """:class:`fieldkit.reports.source.ReportSource` over a laptop store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @contextmanager
    def _cursor(self) -> Iterator[sqlite3.Cursor]:
        with self.store.read() as s:
            driver = s.connection().connection.driver_connection
            assert isinstance(driver, sqlite3.Connection), "the store is a SQLite file"
            cur = driver.cursor()
            try:
                yield cur
            finally:
                cur.close()

    def _rows(self, sql: str, params: dict[str, Any] | None = None) -> list[Any]:
        """All the rows of one statement."""
        with self._cursor() as cur:
            return cur.execute(sql, params or {}).fetchall()

    def sites(self) -> Sequence[SiteRow]:
        """Every site."""
        rows = self._rows("SELECT id, name, kind, county, deleted FROM site")
        return [SiteRow(i, n, SiteKind(k), c, bool(d)) for i, n, k, c, d in rows]

    def teams(self, sites: SiteScope) -> Sequence[TeamRow]:
        """Every volunteer team based at ``sites``."""
        params: dict[str, Any] = {}
        sql = "SELECT id, name, site_id, deleted FROM volunteer_team WHERE 1" + _scope(
            "site_id", sites, params
        )
        rows = self._rows(sql, params)
        return [TeamRow(i, n, s, bool(d)) for i, n, s, d in rows]

    def persons(self, sites: SiteScope) -> Sequence[PersonRow]:
        """The live persons at ``sites``."""
        params: dict[str, Any] = {}
        sql = (
            "SELECT id, code, name, site_id, address, phone, category, tier, status, birth_date"
            " FROM person WHERE deleted = 0" + _scope("site_id", sites, params)
        )
        rows = self._rows(sql, params)
        categories = {m.value: m for m in Category}
        tiers = {m.value: m for m in Tier}
        statuses = {m.value: m for m in Status}
        new = tuple.__new__  # many thousands: skip the named tuple's __new__
        return [
            new(PersonRow, (
                pid, code, name, site, address, phone, categories[cat], tiers[tier],
                statuses[status], _fromiso(birth) if birth else None,
            ))
            for pid, code, name, site, address, phone, cat, tier, status, birth in rows
        ]  # fmt: skip

    def events(self, until: date, sites: SiteScope) -> Sequence[EventRow]:
        """The live events of live persons at ``sites`` up to ``until``, in date order."""
        params: dict[str, Any] = {"until": until.isoformat()}
        sql = (
            "SELECT e.person_id, e.kind, e.happened_on FROM person_event e"
            " JOIN person p ON p.id = e.person_id"
            " WHERE e.deleted = 0 AND p.deleted = 0 AND e.happened_on <= :until"
            + _scope("p.site_id", sites, params)
            + " ORDER BY e.happened_on, e.rowid"
        )
        rows = self._rows(sql, params)
        kinds = {m.value: m for m in EventKind}
        return [EventRow(pid, kinds[kind], _fromiso(day)) for pid, kind, day in rows]

    def visits_between(
        self, since: date, before: date, sites: SiteScope
    ) -> Mapping[str, Sequence[VisitFact]]:
        """Per live person at ``sites``, their live visits in ``[since, before)``, in order."""
        params: dict[str, Any] = {"since": since.isoformat(), "before": before.isoformat()}
        sql = (
            "SELECT v.person_id, substr(v.visited_at, 1, 10), v.reason,"
            " v.follow_up != '' OR v.follow_up_due IS NOT NULL, v.follow_up_due"
            " FROM visit v JOIN person p ON p.id = v.person_id"
            " WHERE v.deleted = 0 AND p.deleted = 0"
            " AND v.visited_at >= :since AND v.visited_at < :before"
            + _scope("p.site_id", sites, params)
            + " ORDER BY v.visited_at, v.rowid"
        )
        out: dict[str, list[VisitFact]] = {}
        day_of = _Days()
        reasons, new = _REASONS, tuple.__new__
        with self._cursor() as cur:
            for pid, day, reason, owes, due in cur.execute(sql, params):
                fact = new(
                    VisitFact, (day_of[day], reasons[reason], owes == 1, due and day_of[due])
                )
                mine = out.get(pid)
                if mine is None:
                    out[pid] = [fact]
                else:
                    mine.append(fact)
        return out

    def latest_visits_before(self, day: date, sites: SiteScope) -> Mapping[str, VisitFact]:
        """Per live person at ``sites``, their latest live visit before ``day``."""
        params: dict[str, Any] = {"day": day.isoformat()}
        # one seek per person on visit (person_id, visited_at), newest first
        sql = (
            "SELECT p.id, (SELECT v.visited_at || char(31) || v.reason || char(31)"
            " || (v.follow_up != '' OR v.follow_up_due IS NOT NULL) || char(31)"
            " || coalesce(v.follow_up_due, '') FROM visit v"
            " WHERE v.person_id = p.id AND v.deleted = 0 AND v.visited_at < :day"
            " ORDER BY v.visited_at DESC, v.rowid DESC LIMIT 1)"
            " FROM person p WHERE p.deleted = 0" + _scope("p.site_id", sites, params)
        )
        out: dict[str, VisitFact] = {}
        with self._cursor() as cur:
            for pid, packed in cur.execute(sql, params):
                if packed is not None:
                    at, reason, owes, due = packed.split("\x1f")
                    out[pid] = _visit_fact(at, reason, int(owes), due or None)
        return out

    def visit_figures(self, quarter: Quarter, sites: SiteScope) -> VisitFigures:
        """The quarter's live visits per site and reason, and the persons they reached per
        site, from one pass over the visits (a materialised narrow copy grouped twice)."""
        params = _quarter(quarter, qr=Confirmation.QR.value)
        sql = (
            f"WITH q AS MATERIALIZED (SELECT {_VISIT_SITE} AS site, v.person_id, v.reason,"
            " v.confirmation = :qr AS scanned, v.money_fen AS fen, v.goods != '' AS goods"
            + _QUARTER_VISITS
            + _scope(_VISIT_SITE, sites, params)
            + ") SELECT site, reason, count(*), sum(scanned), sum(fen), sum(goods)"
            " FROM q GROUP BY site, reason"
            " UNION ALL SELECT site, NULL, count(*), sum(given), 0, 0 FROM ("
            " SELECT site, person_id, max(fen > 0 OR goods) AS given FROM q"
            " GROUP BY site, person_id) GROUP BY site"
        )
        totals: list[VisitTotals] = []
        reach: list[VisitReach] = []
        for site, reason, n, counted, fen, goods in self._rows(sql, params):
            if reason is None:  # a site's persons: visited, and given money or goods
                reach.append(VisitReach(site, n, counted))
            else:
                totals.append(VisitTotals(site, _REASONS[reason], n, counted, fen, goods))
        return VisitFigures(totals, reach)

    def consultation_counts(
        self, quarter: Quarter, sites: SiteScope
    ) -> Sequence[ConsultationCount]:
        """The quarter's live consultations per site and topic."""
        params = _quarter(quarter)
        sql = (
            "SELECT coalesce(p.site_id, c.site_id) AS site, c.topic, count(*)"
            " FROM consultation c LEFT JOIN person p ON p.id = c.person_id"
            " WHERE c.deleted = 0 AND c.held_on >= :q_start AND c.held_on <= :q_end"
            + _scope("coalesce(p.site_id, c.site_id)", sites, params)
            + " GROUP BY site, c.topic"
        )
        rows = self._rows(sql, params)
        topics = {m.value: m for m in ConsultTopic}
        return [ConsultationCount(site, topics[topic], n) for site, topic, n in rows]

    def activity_counts(self, quarter: Quarter, sites: SiteScope) -> Sequence[ActivityCount]:
        """The quarter's live service activities per team and kind."""
        params = _quarter(quarter)
        sql = (
            "SELECT a.team_id, a.kind, count(*), sum(a.attendee_count), sum(a.people_reached),"
            " sum(a.duration_minutes * a.attendee_count)"
            " FROM service_activity a JOIN volunteer_team t ON t.id = a.team_id"
            " WHERE a.deleted = 0 AND a.held_on >= :q_start AND a.held_on <= :q_end"
            + _scope("t.site_id", sites, params)
            + " GROUP BY a.team_id, a.kind"
        )
        rows = self._rows(sql, params)
        kinds = {m.value: m for m in ActivityKind}
        return [ActivityCount(team, kinds[kind], *sums) for team, kind, *sums in rows]
