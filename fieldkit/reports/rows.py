"""Rows of a source's statements as the typed rows of :mod:`fieldkit.reports.source`.

Both sources (the laptop's over SQLite text, HQ's over typed columns) select the same
columns in the same order for each method and hand the rows here; only how a day
arrives differs (ISO text on the laptop, a ``date`` or ``datetime`` at HQ), so each
function takes the source's :data:`DayOf`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from fieldkit.domain import vocab
from fieldkit.reports.source import (
    ActivityCount,
    ConsultationCount,
    EventRow,
    PersonRow,
    SiteRow,
    TeamRow,
    VisitFact,
    VisitFigures,
    VisitReach,
    VisitTotals,
)

__all__ = [
    "DayOf",
    "activity_counts",
    "consultation_counts",
    "event_rows",
    "iso_days",
    "person_rows",
    "site_rows",
    "team_rows",
    "typed_day",
    "visit_facts",
    "visit_figures",
]

DayOf = Callable[[Any], date]
"""A source's day value (ISO text, a date or a datetime) as a ``date``."""

_REASONS = {m.value: m for m in vocab.VisitReason}
_new = tuple.__new__  # many thousands: skip the named tuple's __new__


class _IsoDays(dict[str, date]):
    """ISO day text to ``date``, each day parsed once (visits share few days)."""

    def __missing__(self, text: str) -> date:
        day = self[text] = date.fromisoformat(text[:10])
        return day


def iso_days() -> DayOf:
    """A :data:`DayOf` for ISO text (a time after the day is ignored), with a cache."""
    return _IsoDays().__getitem__


def typed_day(value: date) -> date:
    """The :data:`DayOf` of typed columns: a datetime's day, a date itself."""
    return value.date() if isinstance(value, datetime) else value


def site_rows(rows: Iterable[Sequence[Any]]) -> list[SiteRow]:
    """``id, name, kind, county, deleted``."""
    return [SiteRow(i, n, vocab.SiteKind(k), c, bool(d)) for i, n, k, c, d in rows]


def team_rows(rows: Iterable[Sequence[Any]]) -> list[TeamRow]:
    """``id, name, site_id, deleted``."""
    return [TeamRow(i, n, s, bool(d)) for i, n, s, d in rows]


def person_rows(rows: Iterable[Sequence[Any]], day_of: DayOf) -> list[PersonRow]:
    """``id, code, name, site_id, address, phone, category, tier, status, birth_date``."""
    categories = {m.value: m for m in vocab.Category}
    tiers = {m.value: m for m in vocab.Tier}
    statuses = {m.value: m for m in vocab.Status}
    return [
        _new(PersonRow, (
            pid, code, name, site, address, phone, categories[cat], tiers[tier],
            statuses[status], day_of(birth) if birth else None,
        ))
        for pid, code, name, site, address, phone, cat, tier, status, birth in rows
    ]  # fmt: skip


def event_rows(rows: Iterable[Sequence[Any]], day_of: DayOf) -> list[EventRow]:
    """``person_id, kind, happened_on``."""
    kinds = {m.value: m for m in vocab.EventKind}
    return [EventRow(pid, kinds[kind], day_of(day)) for pid, kind, day in rows]


def visit_facts(rows: Iterable[Sequence[Any]], day_of: DayOf) -> dict[str, list[VisitFact]]:
    """``person_id, visited_at, reason, follow-up owed, follow_up_due`` (in time order)
    per person."""
    out: dict[str, list[VisitFact]] = {}
    reasons = _REASONS
    for pid, at, reason, owes, due in rows:
        fact = _new(VisitFact, (day_of(at), reasons[reason], bool(owes), due and day_of(due)))
        mine = out.get(pid)
        if mine is None:
            out[pid] = [fact]
        else:
            mine.append(fact)
    return out


def visit_figures(rows: Iterable[Sequence[Any]]) -> VisitFigures:
    """``site, reason, visits, scanned, fen, goods`` per site and reason, and ``site, NULL,
    persons visited, persons given, 0, 0`` per site."""
    totals: list[VisitTotals] = []
    reach: list[VisitReach] = []
    for site, reason, n, counted, fen, goods in rows:
        if reason is None:  # a site's persons: visited, and given money or goods
            reach.append(VisitReach(site, int(n), int(counted)))
        else:
            totals.append(
                VisitTotals(site, _REASONS[reason], int(n), int(counted), int(fen or 0), int(goods))
            )
    return VisitFigures(totals, reach)


def consultation_counts(rows: Iterable[Sequence[Any]]) -> list[ConsultationCount]:
    """``site, topic, consultations``."""
    topics = {m.value: m for m in vocab.ConsultTopic}
    return [ConsultationCount(site, topics[topic], int(n)) for site, topic, n in rows]


def activity_counts(rows: Iterable[Sequence[Any]]) -> list[ActivityCount]:
    """``team, kind, activities, volunteer times, people reached, volunteer minutes``."""
    kinds = {m.value: m for m in vocab.ActivityKind}
    return [
        ActivityCount(team, kinds[kind], int(n), int(times), int(reached), int(minutes))
        for team, kind, n, times, reached, minutes in rows
    ]


def latest_facts(rows: Iterable[Sequence[Any]], day_of: DayOf) -> Mapping[str, VisitFact]:
    """``person_id, visited_at, reason, follow-up owed, follow_up_due``: one per person."""
    return {pid: facts[0] for pid, facts in visit_facts(rows, day_of).items()}
