"""The quarterly tables' figures from the laptop store (SQLite, over the laptop's scope).

Each method of :class:`StoreSource` is one SQL statement on a read session of the
store (one session for a whole report: :meth:`StoreSource.reading`). Counts and sums
are aggregated by SQLite (``GROUP BY``); rows come to Python only for the care-plan
replay of the persons whose kept figures are stale (:mod:`fieldkit.reports.kept`:
``report_replay`` and ``report_person_version``, store migration 0009). Times compare
as text against bare dates (see :mod:`fieldkit.reports.quarter`). A record's site is
its person's site when it has a person (``COALESCE(p.site_id, ...)``). Ids are stored
compact (:mod:`fieldkit.domain.ids`): the ids a statement binds are encoded
(:func:`_stored`), those it reads decoded (:func:`_decoded`).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

from fieldkit.domain.ids import decode_id, encode_id
from fieldkit.domain.vocab import Confirmation
from fieldkit.reports import rows as decode
from fieldkit.reports.kept import (
    DELETE_SQL,
    INSERT_SQL,
    PRUNE_SQL,
    KeptFigures,
    Layout,
    PersonQuarter,
    in_sites,
    in_values,
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
from fieldkit.store import Store

__all__ = ["StoreSource"]

_LAYOUT = Layout(person="person", live="p.deleted = 0", site="site")


def _quarter(quarter: Quarter, **more: Any) -> dict[str, Any]:
    """The quarter's bounds as statement parameters (with ``more`` of them)."""
    return {
        "q_start": quarter.start.isoformat(),
        "q_next": quarter.next_start.isoformat(),
        "q_end": quarter.end.isoformat(),
        **more,
    }


def _persons(column: str, sites: SiteScope, only: PersonScope, params: dict[str, Any]) -> str:
    """The site scope, and the persons named, of a statement."""
    return in_sites("p.site_id", sites, params) + in_values(column, only, params, "person")


_ID_PARAM = re.compile(r"(?:site|person|p)\d+")
"""The parameters :func:`in_values` makes for ids (site scopes, persons named)."""


def _stored(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with the ids :func:`in_values` added in their stored form."""
    match = _ID_PARAM.fullmatch
    return {k: encode_id(v) if match(k) else v for k, v in params.items()}


def _decoded(rows: Iterable[Sequence[Any]], *at: int) -> Iterator[Sequence[Any]]:
    """``rows`` with the ids at positions ``at`` as text (each distinct id decoded once)."""
    known: dict[Any, Any] = {}
    for row in rows:
        out = list(row)
        for i in at:
            value = out[i]
            text = known.get(value)
            if text is None:
                text = known[value] = decode_id(value)
            out[i] = text
        yield out


_VISIT_SITE = "coalesce(p.site_id, v.site_id)"
_QUARTER_VISITS = (
    " FROM visit v LEFT JOIN person p ON p.id = v.person_id"
    " WHERE v.deleted = 0 AND v.visited_at >= :q_start AND v.visited_at < :q_next"
)
"""The quarter's live visits, each with its person (if the file still exists)."""


class StoreSource:
    """:class:`fieldkit.reports.source.ReportSource` over a laptop store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._pinned: sqlite3.Connection | None = None

    @contextmanager
    def reading(self) -> Iterator[object]:
        """One read session (one snapshot) for every read made inside."""
        if self._pinned is not None:
            yield self
            return
        with self.store.read() as s:
            driver = s.connection().connection.driver_connection
            assert isinstance(driver, sqlite3.Connection), "the store is a SQLite file"
            self._pinned = driver
            try:
                yield self
            finally:
                self._pinned = None

    @contextmanager
    def _cursor(self) -> Iterator[sqlite3.Cursor]:
        with self.reading():
            assert self._pinned is not None
            cur = self._pinned.cursor()
            try:
                yield cur
            finally:
                cur.close()

    def _rows(self, sql: str, params: dict[str, Any] | None = None, *ids: int) -> list[Any]:
        """All the rows of one statement, the ids at positions ``ids`` as text."""
        with self._cursor() as cur:
            rows = cur.execute(sql, _stored(params or {})).fetchall()
        return list(_decoded(rows, *ids)) if ids else rows

    def kept(self, quarter: Quarter, key: str, sites: SiteScope) -> KeptFigures:
        """The valid kept figures at ``sites`` added up, and the persons to replay."""
        with self.reading():
            tally = self._rows(*_statement(_LAYOUT.tally_sql, quarter, key, sites), 0)
            unvisited = self._rows(*_statement(_LAYOUT.unvisited_sql, quarter, key, sites), 0, 5)
            stale = self._rows(*_statement(_LAYOUT.stale_sql, quarter, key, sites), 0)
        return kept_figures(tally, unvisited, stale)

    def keep(self, quarter: Quarter, key: str, figures: Sequence[PersonQuarter]) -> None:
        """Store ``figures`` in one write transaction (none: nothing to do)."""
        if not figures:
            return
        with self.store.write() as s:
            driver = s.connection().connection.driver_connection
            assert isinstance(driver, sqlite3.Connection)
            base = kept_params(quarter, key)
            driver.execute(PRUNE_SQL, base)
            ids = [f.person_id for f in figures]
            for start in range(0, len(ids), 500):
                params = dict(base)
                driver.execute(
                    DELETE_SQL + in_values("person_id", ids[start : start + 500], params, "p"),
                    _stored(params),
                )
            driver.executemany(INSERT_SQL, (_stored_row(f.row(quarter, key)) for f in figures))

    def sites(self) -> Sequence[SiteRow]:
        """Every site."""
        return decode.site_rows(
            self._rows("SELECT id, name, kind, county, deleted FROM site", None, 0)
        )

    def teams(self, sites: SiteScope) -> Sequence[TeamRow]:
        """Every volunteer team based at ``sites``."""
        params: dict[str, Any] = {}
        sql = "SELECT id, name, site_id, deleted FROM volunteer_team WHERE 1" + in_sites(
            "site_id", sites, params
        )
        return decode.team_rows(self._rows(sql, params, 0, 2))

    def persons(self, sites: SiteScope, only: PersonScope = None) -> Sequence[PersonRow]:
        """The live persons at ``sites``."""
        params: dict[str, Any] = {}
        sql = (
            "SELECT p.id, p.code, p.name, p.site_id, p.address, p.phone, p.category, p.tier,"
            " p.status, p.birth_date FROM person p WHERE p.deleted = 0"
            + _persons("p.id", sites, only, params)
        )
        return decode.person_rows(self._rows(sql, params, 0, 3), decode.iso_days())

    def events(self, until: date, sites: SiteScope, only: PersonScope = None) -> Sequence[EventRow]:
        """The live events of live persons at ``sites`` up to ``until``, in date order."""
        params: dict[str, Any] = {"until": until.isoformat()}
        sql = (
            "SELECT e.person_id, e.kind, e.happened_on FROM person_event e"
            " JOIN person p ON p.id = e.person_id"
            " WHERE e.deleted = 0 AND p.deleted = 0 AND e.happened_on <= :until"
            + _persons("e.person_id", sites, only, params)
            + " ORDER BY e.happened_on, e.rowid"
        )
        return decode.event_rows(self._rows(sql, params, 0), decode.iso_days())

    def visits_between(
        self, since: date, before: date, sites: SiteScope, only: PersonScope = None
    ) -> Mapping[str, Sequence[VisitFact]]:
        """Per live person at ``sites``, their live visits in ``[since, before)``, in order."""
        params: dict[str, Any] = {"since": since.isoformat(), "before": before.isoformat()}
        sql = (
            "SELECT v.person_id, substr(v.visited_at, 1, 10), v.reason,"
            " v.follow_up != '' OR v.follow_up_due IS NOT NULL, v.follow_up_due"
            " FROM visit v JOIN person p ON p.id = v.person_id"
            " WHERE v.deleted = 0 AND p.deleted = 0"
            " AND v.visited_at >= :since AND v.visited_at < :before"
            + _persons("v.person_id", sites, only, params)
            + " ORDER BY v.visited_at, v.rowid"
        )
        with self._cursor() as cur:
            rows = _decoded(cur.execute(sql, _stored(params)), 0)
            return decode.visit_facts(rows, decode.iso_days())

    def latest_visits_before(
        self, day: date, sites: SiteScope, only: PersonScope = None
    ) -> Mapping[str, VisitFact]:
        """Per live person at ``sites``, their latest live visit before ``day``."""
        params: dict[str, Any] = {"day": day.isoformat()}
        # one seek per person on visit (person_id, visited_at), newest first
        sql = (
            "SELECT v.person_id, substr(v.visited_at, 1, 10), v.reason,"
            " v.follow_up != '' OR v.follow_up_due IS NOT NULL, v.follow_up_due"
            " FROM person p JOIN visit v ON v.rowid = (SELECT w.rowid FROM visit w"
            " WHERE w.person_id = p.id AND w.deleted = 0 AND w.visited_at < :day"
            " ORDER BY w.visited_at DESC, w.rowid DESC LIMIT 1)"
            " WHERE p.deleted = 0" + _persons("p.id", sites, only, params)
        )
        with self._cursor() as cur:
            rows = _decoded(cur.execute(sql, _stored(params)), 0)
            return decode.latest_facts(rows, decode.iso_days())

    def visit_figures(self, quarter: Quarter, sites: SiteScope) -> VisitFigures:
        """The quarter's live visits per site and reason, and the persons they reached per
        site, from one pass over the visits (a materialised narrow copy grouped twice)."""
        params = _quarter(quarter, qr=Confirmation.QR.value)
        sql = (
            f"WITH q AS MATERIALIZED (SELECT {_VISIT_SITE} AS site, v.person_id, v.reason,"
            " v.confirmation = :qr AS scanned, v.money_fen AS fen, v.goods != '' AS goods"
            + _QUARTER_VISITS
            + in_sites(_VISIT_SITE, sites, params)
            + ") SELECT site, reason, count(*), sum(scanned), sum(fen), sum(goods)"
            " FROM q GROUP BY site, reason"
            " UNION ALL SELECT site, NULL, count(*), sum(given), 0, 0 FROM ("
            " SELECT site, person_id, max(fen > 0 OR goods) AS given FROM q"
            " GROUP BY site, person_id) GROUP BY site"
        )
        return decode.visit_figures(self._rows(sql, params, 0))

    def consultation_counts(
        self, quarter: Quarter, sites: SiteScope
    ) -> Sequence[ConsultationCount]:
        """The quarter's live consultations per site and topic."""
        params = _quarter(quarter)
        sql = (
            "SELECT coalesce(p.site_id, c.site_id) AS site, c.topic, count(*)"
            " FROM consultation c LEFT JOIN person p ON p.id = c.person_id"
            " WHERE c.deleted = 0 AND c.held_on >= :q_start AND c.held_on <= :q_end"
            + in_sites("coalesce(p.site_id, c.site_id)", sites, params)
            + " GROUP BY site, c.topic"
        )
        return decode.consultation_counts(self._rows(sql, params, 0))

    def activity_counts(self, quarter: Quarter, sites: SiteScope) -> Sequence[ActivityCount]:
        """The quarter's live service activities per team and kind."""
        params = _quarter(quarter)
        sql = (
            "SELECT a.team_id, a.kind, count(*), sum(a.attendee_count), sum(a.people_reached),"
            " sum(a.duration_minutes * a.attendee_count)"
            " FROM service_activity a JOIN volunteer_team t ON t.id = a.team_id"
            " WHERE a.deleted = 0 AND a.held_on >= :q_start AND a.held_on <= :q_end"
            + in_sites("t.site_id", sites, params)
            + " GROUP BY a.team_id, a.kind"
        )
        return decode.activity_counts(self._rows(sql, params, 0))


def _stored_row(row: dict[str, Any]) -> dict[str, Any]:
    """A kept row's parameters with its person and site ids in their stored form."""
    row["person_id"] = encode_id(row["person_id"])
    row["site_id"] = encode_id(row["site_id"])
    return row


def _statement(
    make: Any, quarter: Quarter, key: str, sites: SiteScope
) -> tuple[str, dict[str, Any]]:
    """One of the :class:`Layout`'s statements with its parameters."""
    params = kept_params(quarter, key)
    return make(sites, params), params
