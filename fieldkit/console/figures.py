"""What the Overview and Overdue pages show, computed from the records HQ holds.

The due list comes from the laptops' care-plan engine
(:mod:`fieldkit.domain.careplan`) over every person at HQ. One computation serves
both pages; it and the Overview's figures are kept per worker for HQ's head
revision and the day, so a page is recomputed only when HQ's data changed (any
push, conflict or exit takes a new revision) or the day turned.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Connection

from fieldkit.console import records
from fieldkit.domain.careplan import Policy, Task, TaskKind, TaskState, compute_due_list
from fieldkit.domain.vocab import Tier

__all__ = [
    "DUE_STATES",
    "OVERVIEW_KINDS",
    "DueView",
    "Overview",
    "Quarter",
    "SiteLine",
    "due_view",
    "overdue_tasks",
    "overview",
    "weeks_of",
]

DUE_STATES = (TaskState.OVERDUE, TaskState.DUE_TODAY)
"""Tasks counted as due: past their due date, or due today."""

OVERVIEW_KINDS = (TaskKind.HOSPITAL, TaskKind.CONDOLENCE, TaskKind.BIRTHDAY, TaskKind.FESTIVAL)
"""The must-visits the Overview counts per site (the care-plan interval has its own column)."""

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


@dataclass(frozen=True)
class Quarter:
    """A calendar quarter, ``2026Q4``."""

    year: int
    number: int

    @classmethod
    def of(cls, day: date) -> Quarter:
        """The quarter ``day`` falls in."""
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, raw: str) -> Quarter | None:
        """``2026Q4`` (any case), or None when it is not a quarter."""
        found = _QUARTER.match(raw.strip().upper())
        return cls(int(found.group(1)), int(found.group(2))) if found else None

    @property
    def start(self) -> date:
        """Its first day."""
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        """The first day after it."""
        return (
            date(self.year + 1, 1, 1)
            if self.number == 4
            else date(self.year, 3 * self.number + 1, 1)
        )

    def previous(self) -> Quarter:
        """The quarter before."""
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    def following(self) -> Quarter:
        """The quarter after."""
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"


@dataclass(frozen=True)
class DueView:
    """The due list of all of HQ on a day, with each person's tier and the site names."""

    on: date
    tasks: Sequence[Task]
    tiers: dict[str, Tier]
    site_names: dict[str, str]


_cache: dict[tuple[int, date, int], DueView] = {}
_lock = threading.Lock()


def due_view(conn: Connection, on: date, policy: Policy) -> DueView:
    """The due list at HQ on ``on`` (computed once per head revision and day)."""
    key = (records.head_revision(conn), on, id(policy))
    with _lock:
        found = _cache.get(key)
        if found is not None:
            return found
        all_sites = records.sites(conn)
        facts = records.care_facts(conn, on, records.relocation_site_ids(all_sites))
        names = {s.id: s.name for s in all_sites}
        due = compute_due_list(facts.persons, on, policy, names)
        view = DueView(on=on, tasks=due.tasks, tiers=facts.tiers, site_names=names)
        _cache.clear()
        _cache[key] = view
        return view


def overdue_tasks(
    view: DueView,
    *,
    site: str | None = None,
    tier: Tier | None = None,
    kind: TaskKind | None = None,
    include_upcoming: bool = False,
) -> list[Task]:
    """The tasks of ``view`` that match the filters, most urgent first."""
    out = []
    for task in view.tasks:
        if not include_upcoming and task.state not in DUE_STATES:
            continue
        if site and task.site_id != site:
            continue
        if kind is not None and task.kind != kind:
            continue
        if tier is not None and view.tiers.get(task.person_id) != tier:
            continue
        out.append(task)
    return out


@dataclass
class SiteLine:
    """One site's figures on the Overview."""

    site_id: str
    name: str
    persons: int = 0
    visits: int = 0
    money_fen: int = 0
    not_in_interval: int = 0
    overdue: dict[TaskKind, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Overview:
    """The Overview: a line per site, the totals, and visits per week per site."""

    on: date
    quarter: Quarter
    lines: list[SiteLine]
    total: SiteLine
    weeks: list[date]
    weekly: dict[str, list[int]]


def weeks_of(start: date, end: date) -> list[date]:
    """The Mondays of the weeks that overlap ``[start, end)``."""
    first = start - timedelta(days=start.weekday())
    out = []
    day = first
    while day < end:
        out.append(day)
        day += timedelta(days=7)
    return out


def _weekly(
    per_day: dict[tuple[str, date], tuple[int, int]], weeks: list[date], site_ids: Iterable[str]
) -> dict[str, list[int]]:
    index = {w: i for i, w in enumerate(weeks)}
    out = {s: [0] * len(weeks) for s in site_ids}
    for (site, day), (n, _money) in per_day.items():
        monday = day - timedelta(days=day.weekday())
        if monday in index:
            out.setdefault(site, [0] * len(weeks))[index[monday]] += n
    return out


_overviews: dict[tuple[int, date, Quarter, int], Overview] = {}


def overview(conn: Connection, on: date, quarter: Quarter, policy: Policy) -> Overview:
    """Every site's figures for ``quarter`` and the due list as of ``on`` (computed once
    per head revision, day and quarter)."""
    key = (records.head_revision(conn), on, quarter, id(policy))
    found = _overviews.get(key)
    if found is None:
        found = _overview(conn, on, quarter, policy)
        if len(_overviews) > 16:
            _overviews.clear()
        _overviews[key] = found
    return found


def _overview(conn: Connection, on: date, quarter: Quarter, policy: Policy) -> Overview:
    all_sites = records.sites(conn)
    persons = records.person_counts(conn)
    weeks = weeks_of(quarter.start, quarter.end)
    per_day = records.visits_by_day(conn, weeks[0], weeks[-1] + timedelta(days=7))
    totals: dict[str, tuple[int, int]] = {}
    for (site_id, day), (n, fen) in per_day.items():
        if quarter.start <= day < quarter.end:
            visits, money = totals.get(site_id, (0, 0))
            totals[site_id] = (visits + n, money + fen)
    view = due_view(conn, on, policy)
    due = Counter((task.site_id, task.kind) for task in view.tasks if task.state in DUE_STATES)
    lines = []
    for site in all_sites:
        visits, money = totals.get(site.id, (0, 0))
        lines.append(
            SiteLine(
                site_id=site.id,
                name=site.name,
                persons=persons.get(site.id, 0),
                visits=visits,
                money_fen=money,
                not_in_interval=due[(site.id, TaskKind.TIER)],
                overdue={kind: due[(site.id, kind)] for kind in OVERVIEW_KINDS},
            )
        )
    total = SiteLine(
        site_id="",
        name="",
        persons=sum(line.persons for line in lines),
        visits=sum(line.visits for line in lines),
        money_fen=sum(line.money_fen for line in lines),
        not_in_interval=sum(line.not_in_interval for line in lines),
        overdue={kind: sum(line.overdue[kind] for line in lines) for kind in OVERVIEW_KINDS},
    )
    weekly = _weekly(per_day, weeks, (s.id for s in all_sites))
    return Overview(on=on, quarter=quarter, lines=lines, total=total, weeks=weeks, weekly=weekly)
