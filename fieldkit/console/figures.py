"""What the Overview and Overdue pages show, computed from the records HQ holds.

The due list comes from the laptops' care-plan engine
(:mod:`fieldkit.domain.careplan`) run over the persons who can owe a task on the day
(the candidates, :mod:`fieldkit.console.candidates`), fed from HQ's typed projection
(:mod:`fieldkit.console.projected`). One computation serves both pages;
it and the Overview's figures are kept per worker for HQ's head revision and the
day. When HQ's data changed (any push, conflict or exit takes a new revision), only
the persons whose record, visits or events changed since the kept revision are
computed again (:func:`fieldkit.console.records.changed_since`); everyone again
when a site changed, the day turned, or too many persons changed.
"""

from __future__ import annotations

import gc
import re
import threading
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import chain

from sqlalchemy import Connection

from fieldkit.console import records
from fieldkit.domain.careplan import (
    DayRules,
    DueTasks,
    Policy,
    Task,
    TaskKind,
    TaskState,
    no_gc,
)
from fieldkit.domain.vocab import Tier
from sync.server.db import snapshot_beside
from sync.server.pull import current_state

__all__ = [
    "DUE_STATES",
    "OVERVIEW_KINDS",
    "DueView",
    "Overview",
    "Quarter",
    "SiteLine",
    "due_view",
    "forget",
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


INCREMENTAL_LIMIT = 20_000
"""At most this many changed persons are computed again alone; more, everyone is."""

DueCounts = Counter[tuple[str, TaskKind]]
"""Due tasks (:data:`DUE_STATES`) per site and kind."""


class DueView:
    """The due list of all of HQ on a day: each person's tasks, the due tasks counted per
    site and kind, each person's tier and the site names; :attr:`tasks` in urgency
    order is made when first read (the Overview needs only the counts)."""

    def __init__(
        self,
        on: date,
        by_person: dict[str, list[Task]],
        due: DueCounts,
        tiers: dict[str, Tier],
        site_names: dict[str, str],
    ) -> None:
        self.on = on
        self.by_person = by_person
        self.due = due
        self.tiers = tiers
        self.site_names = site_names
        self._tasks: DueTasks | None = None
        self._lock = threading.Lock()

    @property
    def tasks(self) -> Sequence[Task]:
        """Every task, most urgent first."""
        with self._lock:
            if self._tasks is None:
                with no_gc():
                    self._tasks = DueTasks(chain.from_iterable(self.by_person.values()))
            return self._tasks


@dataclass(frozen=True)
class _Kept:
    """The view a worker keeps, and what it was computed for."""

    epoch: str
    rev: int
    policy: Policy
    relocation: frozenset[str]
    view: DueView


_kept: _Kept | None = None
_lock = threading.Lock()


def _count(due: DueCounts, tasks: Iterable[Task], sign: int) -> None:
    for task in tasks:
        if task.state in DUE_STATES:
            due[(task.site_id, task.kind)] += sign


@contextmanager
def _kept_frozen() -> Iterator[None]:
    """:func:`no_gc` around the making of a due list kept for the day, and what is alive
    at its end moved out of the collector's generations (``gc.freeze``, as the worker
    does with what it made at start, :func:`fieldkit.cli.hq.app_factory`): the tasks
    and their lists, tens of thousands of tuples, are not walked by the collection
    that would follow at once (15-35 ms on the page), nor by later ones. A frozen
    object is still freed when its last reference goes (the list of another
    revision or day); only a reference cycle among objects alive at that moment (the
    request's) is never collected: one request's worth at most per full
    computation."""
    with no_gc():
        yield
        gc.freeze()


def _computed(
    conn: Connection, on: date, rules: DayRules, relocation: Collection[str], names: dict[str, str]
) -> DueView:
    """Every person's tasks: the engine over the persons who can owe one (the others
    are owed nothing)."""
    with _kept_frozen():
        facts = records.candidate_facts(conn, rules, relocation)
        by_person = {}
        due: DueCounts = Counter()
        for person in facts.persons:
            tasks = rules.tasks(person)
            if tasks:
                by_person[person.person_id] = tasks
                _count(due, tasks, 1)
        tiers = facts.tiers
        del facts  # freed now, not frozen
    return DueView(on, by_person, due, tiers, names)


def _updated(
    conn: Connection, kept: DueView, rules: DayRules, relocation: Collection[str], persons: set[str]
) -> DueView:
    """``kept`` with the tasks of ``persons`` computed again (a person now gone has none)."""
    with no_gc():
        facts = records.care_facts(conn, kept.on, relocation, only=sorted(persons))
        by_person = dict(kept.by_person)
        tiers = dict(kept.tiers)
        due = Counter(kept.due)
        for pid in persons:
            _count(due, by_person.pop(pid, ()), -1)
            tiers.pop(pid, None)
        for person in facts.persons:
            tiers[person.person_id] = facts.tiers[person.person_id]
            tasks = rules.tasks(person)
            if tasks:
                by_person[person.person_id] = tasks
                _count(due, tasks, 1)
    return DueView(kept.on, by_person, +due, tiers, kept.site_names)


def forget() -> None:
    """Drop the due list and the Overviews this worker keeps (the next page computes
    them for everyone)."""
    global _kept
    with _lock:
        _kept = None
        _overviews.clear()


def due_view(conn: Connection, on: date, policy: Policy) -> DueView:
    """The due list at HQ on ``on`` (kept per head revision and day; after a change,
    computed again for the persons it concerns)."""
    global _kept
    epoch, head = current_state(conn)
    with _lock:
        kept = _kept
        if kept is not None and kept.view.on == on and kept.policy is policy:
            if (kept.epoch, kept.rev) == (epoch, head):
                return kept.view
            if kept.epoch == epoch and kept.rev < head:
                changed = records.changed_since(conn, kept.rev)
                if not changed.all_persons and len(changed.persons) <= INCREMENTAL_LIMIT:
                    rules = DayRules(on, policy)
                    view = _updated(conn, kept.view, rules, kept.relocation, changed.persons)
                    _kept = _Kept(epoch, head, policy, kept.relocation, view)
                    return view
        all_sites = records.sites(conn)
        relocation = frozenset(records.relocation_site_ids(all_sites))
        names = {s.id: s.name for s in all_sites}
        view = _computed(conn, on, DayRules(on, policy), relocation, names)
        _kept = _Kept(epoch, head, policy, relocation, view)
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


_SiteFigures = tuple[
    list[records.SiteInfo], dict[str, int], dict[tuple[str, date], tuple[int, int]]
]


def _site_figures(conn: Connection, weeks: list[date]) -> _SiteFigures:
    """The sites, the persons served per site, and the visits and money per site and
    day of ``weeks``."""
    return (
        records.sites(conn),
        records.person_counts(conn),
        records.visits_by_day(conn, weeks[0], weeks[-1] + timedelta(days=7)),
    )


def _overview(conn: Connection, on: date, quarter: Quarter, policy: Policy) -> Overview:
    weeks = weeks_of(quarter.start, quarter.end)
    with snapshot_beside(conn) as beside:
        if beside is None:
            all_sites, persons, per_day = _site_figures(conn, weeks)
            due = due_view(conn, on, policy).due
        else:
            # the per-site figures read on a second connection in the same snapshot
            # while the due list is made on this one (PostgreSQL works as Python does)
            with ThreadPoolExecutor(1) as pool:
                pending = pool.submit(_site_figures, beside, weeks)
                due = due_view(conn, on, policy).due
                all_sites, persons, per_day = pending.result()
    totals: dict[str, tuple[int, int]] = {}
    for (site_id, day), (n, fen) in per_day.items():
        if quarter.start <= day < quarter.end:
            visits, money = totals.get(site_id, (0, 0))
            totals[site_id] = (visits + n, money + fen)
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
