"""The due list: tasks in urgency order, grouped per site, counted per state.

In a festival window nearly everyone owes the same festival visit. Those tasks are
held as a :class:`TaskRun`: the fields they share once, and one short
:data:`PersonRow` per person; a :class:`Task` is made only when it is read. The
persons themselves may be :class:`LazyPersons`: how many there are, and how many per
site, known up front; the rows read only when a task of the run is first read.

The order (:attr:`Task.sort_key`) is worked out lazily. Tasks are bucketed by
(state, due date, kind), which few distinct values take; a bucket is sorted by name
and id the first time one of its tasks is read, and :meth:`DueTasks.first` takes the
first few of a long bucket without sorting it. So the first screenful of a list of a
hundred thousand tasks costs little, and the rest is sorted as it is read.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from itertools import accumulate, chain
from operator import itemgetter
from typing import overload

from fieldkit.domain.careplan.tasks import (
    Task,
    TaskKind,
    TaskState,
    sort_by_name,
    urgency,
)
from fieldkit.domain.vocab import VisitReason

__all__ = [
    "DueList",
    "DueTasks",
    "LazyPersons",
    "PersonRow",
    "SharedFields",
    "SiteGroup",
    "TaskRun",
    "build_due_list",
    "count_due_tasks",
    "first_due_tasks",
]

PersonRow = tuple[str, str, str, str, str]
"""A person as a task names them: id, name, code, site id, address (a Task's first five
fields, in the same places)."""

SharedFields = tuple[TaskKind, VisitReason, date, date, TaskState, str, str]
"""A task's fields after the person's: kind, reason, window start, due, state, why."""

_NAME_ID = itemgetter(1, 0)  # (name, id) of a Task or a PersonRow
_SITE = itemgetter(3)  # the site id of a Task or a PersonRow
_SITE_STATE = itemgetter(3, 9)  # (site id, state) of a Task
_STATE = itemgetter(9)
_PLACE = itemgetter(9, 8, 5)  # (state, due, kind) of a Task: its place in the order
_new = tuple.__new__  # Task(...) without its Python-level __new__ (a run has thousands)


class LazyPersons(Sequence[PersonRow]):
    """The persons of a run, counted up front and read when first needed.

    ``size`` is how many there are; ``read()`` returns every person, called once, on
    first use of the rows; ``first(n)`` the first ``n`` persons by name and id, for a
    screenful without reading them all; ``count_sites()`` how many persons each site
    has, for the groups of a list whose rows were not read yet (``None`` for either:
    from the rows instead). ``read`` must return exactly ``size`` persons, and
    ``count_sites`` must agree with them.
    """

    __slots__ = ("__weakref__", "_count_sites", "_first", "_per_site", "_read", "_rows",
                 "_sites", "size")  # fmt: skip

    def __init__(
        self,
        size: int,
        read: Callable[[], Sequence[PersonRow]],
        first: Callable[[int], Sequence[PersonRow]] | None = None,
        count_sites: Callable[[], Mapping[str, int]] | None = None,
    ) -> None:
        self.size = size
        self._read: Callable[[], Sequence[PersonRow]] | None = read
        self._first = first
        self._count_sites = count_sites
        self._per_site: dict[str, int] | None = None
        self._rows: Sequence[PersonRow] | None = None
        self._sites: dict[str, list[PersonRow]] | None = None

    @property
    def per_site(self) -> Mapping[str, int]:
        """How many persons each site has (counted on first use)."""
        if self._per_site is None:
            if self._rows is None and self._count_sites is not None:
                self._per_site = {k: n for k, n in self._count_sites().items() if n}
            else:
                self._per_site = dict(Counter(map(_SITE, self.rows())))
            if sum(self._per_site.values()) != self.size:
                raise RuntimeError(f"persons counted per site differ from the {self.size} counted")
        return self._per_site

    @property
    def read(self) -> bool:
        """Whether the rows have been read."""
        return self._rows is not None

    def rows(self) -> Sequence[PersonRow]:
        """Every person (read on the first call)."""
        if self._rows is None:
            assert self._read is not None
            rows = self._read()
            if len(rows) != self.size:
                raise RuntimeError(f"{len(rows)} persons read where {self.size} were counted")
            self._rows, self._read, self._first, self._count_sites = rows, None, None, None
        return self._rows

    def by_site(self) -> dict[str, LazyPersons]:
        """The same persons, one sequence per site, each read when first needed (all
        sites at once, from these rows)."""
        return {
            site_id: LazyPersons(n, partial(self._of_site, site_id))
            for site_id, n in self.per_site.items()
        }

    def _of_site(self, site_id: str) -> list[PersonRow]:
        """The persons of one site, in the order read."""
        if self._sites is None:
            sites: dict[str, list[PersonRow]] = {}
            for person in self.rows():
                sites.setdefault(person[3], []).append(person)
            self._sites = sites
        return self._sites.get(site_id, [])

    def first(self, n: int) -> list[PersonRow]:
        """The first ``n`` persons by name and id."""
        if self._rows is None and self._first is not None:
            return list(self._first(n))
        return heapq.nsmallest(n, self.rows(), _NAME_ID)

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, index: int) -> PersonRow: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[PersonRow]: ...
    def __getitem__(self, index: int | slice) -> PersonRow | Sequence[PersonRow]:
        return self.rows()[index]

    def __iter__(self) -> Iterator[PersonRow]:
        return iter(self.rows())

    def __repr__(self) -> str:
        return f"LazyPersons({self.size} persons, {'read' if self.read else 'not read'})"


def _first_persons(persons: Sequence[PersonRow], n: int) -> list[PersonRow]:
    """The first ``n`` of ``persons`` by name and id."""
    if isinstance(persons, LazyPersons):
        return persons.first(n)
    return heapq.nsmallest(n, persons, _NAME_ID)


def _site_sizes(persons: Sequence[PersonRow]) -> Mapping[str, int]:
    """How many of ``persons`` each site has."""
    if isinstance(persons, LazyPersons):
        return persons.per_site
    return Counter(map(_SITE, persons))


@dataclass(frozen=True, slots=True)
class TaskRun:
    """Tasks that differ only in their person: ``fields`` once, one row per person."""

    fields: SharedFields
    persons: Sequence[PersonRow]

    @property
    def key(self) -> int:
        """Where the run's tasks stand in the urgency order (see :func:`urgency`)."""
        return _key_of(self.fields)

    @property
    def state(self) -> TaskState:
        """The state every task of the run has."""
        return self.fields[4]

    def task(self, person: PersonRow) -> Task:
        """The task of one person of the run."""
        return _new(Task, person + self.fields)


def _key_of(fields: SharedFields) -> int:
    """Where tasks with these shared fields stand in the urgency order."""
    kind, _reason, _start, due, state = fields[:5]
    return urgency(state, due, kind)


class _Bucket:
    """The tasks that share one place in the urgency order (state, due date, kind)."""

    __slots__ = ("_ordered", "runs", "tasks")

    def __init__(self) -> None:
        self.tasks: list[Task] = []
        self.runs: list[TaskRun] = []
        self._ordered: list[Task] | None = None

    def __len__(self) -> int:
        return len(self.tasks) + sum(len(run.persons) for run in self.runs)

    def ordered(self) -> list[Task]:
        """Every task of the bucket by name and id (sorted once, on first use)."""
        if self._ordered is None:
            items = self.tasks + [run.task(p) for run in self.runs for p in run.persons]
            sort_by_name(items)
            self._ordered = items
        return self._ordered

    def first(self, n: int) -> list[Task]:
        """The first ``n`` tasks by name and id, without sorting a long bucket."""
        if self._ordered is not None or n >= len(self) // 2:
            return self.ordered()[:n]
        # each run's first n persons, then the first n of those and the other tasks
        # (``nsmallest`` is stable like a sort: equal keys keep the order of ``ordered``)
        heads = [run.task(p) for run in self.runs for p in _first_persons(run.persons, n)]
        return heapq.nsmallest(n, chain(self.tasks, heads), _NAME_ID)


class DueTasks(Sequence[Task]):
    """Tasks in urgency order (:attr:`Task.sort_key`), each bucket sorted when first read.

    Equal to any sequence of the same tasks in the same order.
    """

    def __init__(self, tasks: Iterable[Task] = (), runs: Iterable[TaskRun] = ()) -> None:
        # grouped by (state, due date, kind) as the tasks hold them (a tuple made in C),
        # then each group's place in the order worked out once
        places: dict[tuple[TaskState, date, TaskKind], list[Task]] = {}
        for task in tasks:
            place = _PLACE(task)
            group = places.get(place)
            if group is None:
                places[place] = [task]
            else:
                group.append(task)
        buckets: dict[int, _Bucket] = {}
        for place, group in places.items():
            bucket = buckets[urgency(*place)] = _Bucket()
            bucket.tasks = group
        for run in runs:
            if run.persons:
                key = run.key
                if key not in buckets:
                    buckets[key] = _Bucket()
                buckets[key].runs.append(run)
        self._keys = sorted(buckets)
        self._buckets = [buckets[key] for key in self._keys]
        self._ends = list(accumulate(len(b) for b in self._buckets))

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    @overload
    def __getitem__(self, index: int) -> Task: ...
    @overload
    def __getitem__(self, index: slice) -> list[Task]: ...
    def __getitem__(self, index: int | slice) -> Task | list[Task]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step == 1 and start == 0:
                return self.first(stop)
            return [self[i] for i in range(start, stop, step)]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("task index out of range")
        b = bisect_right(self._ends, index)
        before = self._ends[b - 1] if b else 0
        return self._buckets[b].ordered()[index - before]

    def __iter__(self) -> Iterator[Task]:
        for bucket in self._buckets:
            yield from bucket.ordered()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"DueTasks({len(self)} tasks)"

    def before(self, key: int) -> int:
        """How many tasks come before those at ``key`` in the urgency order."""
        b = bisect_left(self._keys, key)
        return self._ends[b - 1] if b else 0

    def first(self, n: int) -> list[Task]:
        """The first ``n`` tasks, sorting no more of the list than they need."""
        out: list[Task] = []
        for bucket in self._buckets:
            if len(out) >= n:
                break
            out += bucket.first(n - len(out))
        return out

    def counts(self) -> dict[TaskState, int]:
        """How many tasks there are in each state (every state present, maybe 0)."""
        return _count_states(
            chain.from_iterable(b.tasks for b in self._buckets),
            [run for b in self._buckets for run in b.runs],
        )

    def by_site(self) -> dict[str, DueTasks]:
        """The same tasks, one sequence per site."""
        tasks: dict[str, list[Task]] = {}
        runs: dict[str, list[TaskRun]] = {}
        for bucket in self._buckets:
            for task in bucket.tasks:
                tasks.setdefault(task[3], []).append(task)
            for run in bucket.runs:
                if isinstance(run.persons, LazyPersons) and not run.persons.read:
                    for site_id, lazy in run.persons.by_site().items():
                        runs.setdefault(site_id, []).append(TaskRun(run.fields, lazy))
                    continue
                persons: dict[str, list[PersonRow]] = {}
                for person in run.persons:
                    persons.setdefault(person[3], []).append(person)
                for site_id, rows in persons.items():
                    runs.setdefault(site_id, []).append(TaskRun(run.fields, rows))
        return {
            site_id: DueTasks(tasks.get(site_id, ()), runs.get(site_id, ()))
            for site_id in tasks.keys() | runs.keys()
        }


def count_due_tasks(
    tasks: Iterable[Task], runs: Iterable[tuple[SharedFields, int]] = ()
) -> dict[TaskState, int]:
    """Tasks per state, every state present: ``tasks`` and runs of the given sizes."""
    counts = dict.fromkeys(TaskState, 0)
    for state, n in Counter(map(_STATE, tasks)).items():
        counts[state] += n
    for fields, size in runs:
        counts[fields[4]] += size
    return counts


def _count_states(tasks: Iterable[Task], runs: Iterable[TaskRun]) -> dict[TaskState, int]:
    """Tasks per state of ``tasks`` and ``runs``, every state present."""
    return count_due_tasks(tasks, [(run.fields, len(run.persons)) for run in runs])


def _count_sites(tasks: Iterable[Task], runs: Iterable[TaskRun]) -> dict[str, dict[TaskState, int]]:
    """Tasks per site and state, every state present for each site that has a task."""
    out: dict[str, dict[TaskState, int]] = {}

    def of(site_id: str) -> dict[TaskState, int]:
        counts = out.get(site_id)
        if counts is None:
            counts = out[site_id] = dict.fromkeys(TaskState, 0)
        return counts

    for (site_id, state), n in Counter(map(_SITE_STATE, tasks)).items():
        of(site_id)[state] += n
    for run in runs:
        for site_id, n in _site_sizes(run.persons).items():
            of(site_id)[run.state] += n
    return out


class _SiteTasks:
    """Every site's tasks, split from the whole list the first time a group is read."""

    __slots__ = ("_all", "_split")

    def __init__(self, tasks: DueTasks) -> None:
        self._all = tasks
        self._split: dict[str, DueTasks] | None = None

    def of(self, site_id: str) -> DueTasks:
        if self._split is None:
            self._split = self._all.by_site()
        return self._split.get(site_id) or DueTasks()


@dataclass(frozen=True, slots=True)
class SiteGroup:
    """The tasks of one site, most urgent first, with counts per state."""

    site_id: str
    site_name: str
    counts: Mapping[TaskState, int]
    _sites: _SiteTasks = field(repr=False, compare=False)

    @property
    def tasks(self) -> DueTasks:
        """The site's tasks in urgency order."""
        return self._sites.of(self.site_id)


class _Groups:
    """The groups per site of a list, made the first time they are read (counting a
    festival visit's persons per site may need a query or their rows)."""

    __slots__ = ("_groups", "_names", "_runs", "_sites", "_tasks")

    def __init__(
        self,
        tasks: list[Task],
        runs: Sequence[TaskRun],
        names: Mapping[str, str],
        sites: _SiteTasks,
    ) -> None:
        self._tasks, self._runs, self._names, self._sites = tasks, runs, names, sites
        self._groups: tuple[SiteGroup, ...] | None = None

    def get(self) -> tuple[SiteGroup, ...]:
        if self._groups is None:
            names, sites = self._names, self._sites
            groups = [
                SiteGroup(site_id, names.get(site_id, site_id), counts, sites)
                for site_id, counts in _count_sites(self._tasks, self._runs).items()
            ]
            groups.sort(key=lambda g: (g.site_name, g.site_id))
            self._groups = tuple(groups)
            self._tasks, self._runs = [], ()
        return self._groups


@dataclass(frozen=True, slots=True)
class DueList:
    """The due list of a scope on a day: tasks by urgency, groups per site, counts per state."""

    on: date
    tasks: DueTasks
    counts: Mapping[TaskState, int]
    _groups: _Groups = field(repr=False, compare=False)

    @property
    def groups(self) -> tuple[SiteGroup, ...]:
        """One group per site that has a task, ordered by site name (made when first read)."""
        return self._groups.get()

    @property
    def total(self) -> int:
        """How many tasks the list holds."""
        return len(self.tasks)

    def group(self, site_id: str) -> SiteGroup | None:
        """The group of one site, if it has any task."""
        return next((g for g in self.groups if g.site_id == site_id), None)


def build_due_list(
    tasks: Iterable[Task],
    on: date,
    site_names: Mapping[str, str],
    runs: Sequence[TaskRun] = (),
) -> DueList:
    """The due list of ``tasks`` and ``runs`` on ``on``: in urgency order, grouped per
    site (groups ordered by site name, made when first read), counted per state."""
    tasks = list(tasks)
    ordered = DueTasks(tasks, runs)
    groups = _Groups(tasks, runs, site_names, _SiteTasks(ordered))
    return DueList(on, ordered, _count_states(tasks, runs), groups)


def first_due_tasks(
    tasks: Iterable[Task],
    limit: int,
    runs: Sequence[SharedFields] = (),
    first_persons: Callable[[int, int], Sequence[PersonRow]] = lambda _run, _n: (),
) -> list[Task]:
    """The first ``limit`` tasks of the due list of ``tasks`` and of runs whose persons
    are read only as far as they are needed.

    ``runs`` gives each run's shared fields; ``first_persons(i, n)`` returns the first
    ``n`` persons of run ``i`` by name and id (fewer if the run has fewer). It is called
    only for the runs that reach into the first ``limit`` tasks, in urgency order.
    """
    ordered = DueTasks(tasks)
    read: list[TaskRun] = []
    earlier: dict[int, int] = {}  # persons read per run place in the order
    for i, fields in sorted(enumerate(runs), key=lambda item: _key_of(item[1])):
        key = _key_of(fields)
        before = ordered.before(key) + sum(n for k, n in earlier.items() if k < key)
        if before >= limit:
            break  # neither this run nor any later one reaches the screenful
        persons = first_persons(i, limit - before)
        read.append(TaskRun(fields, persons))
        earlier[key] = earlier.get(key, 0) + len(persons)
    # the first ``limit`` of the whole list are among the first ``limit`` of the tasks
    # and the persons read
    return DueTasks(ordered.first(limit), read).first(limit)
