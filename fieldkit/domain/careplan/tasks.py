"""What the due engine works on and what it produces: person facts, tasks, the due list."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from operator import itemgetter
from types import MappingProxyType
from typing import Any, NamedTuple

from fieldkit.domain.vocab import Category, EventKind, Status, Tier, VisitReason

__all__ = [
    "DueList",
    "FollowUp",
    "PersonFacts",
    "SiteGroup",
    "Task",
    "TaskKind",
    "TaskState",
    "build_due_list",
    "kind_label",
    "sort_by_urgency",
    "state_label",
]


class TaskKind(StrEnum):
    """Which rule made a task."""

    CONDOLENCE = "condolence"
    HOSPITAL = "hospital"
    MISFORTUNE = "misfortune"
    FOLLOW_UP = "follow_up"
    BIRTHDAY = "birthday"
    FESTIVAL = "festival"
    TIER = "tier"
    RELOCATION_YEARLY = "relocation_yearly"


class TaskState(StrEnum):
    """Where a task stands on the day the list is made for, most urgent first."""

    OVERDUE = "overdue"
    DUE_TODAY = "due_today"
    DUE_THIS_WEEK = "due_this_week"
    UPCOMING = "upcoming"


_KIND_LABELS: dict[TaskKind, tuple[str, str]] = {
    TaskKind.CONDOLENCE: ("去世慰问", "condolence visit"),
    TaskKind.HOSPITAL: ("住院探望", "hospital visit"),
    TaskKind.MISFORTUNE: ("变故走访", "misfortune visit"),
    TaskKind.FOLLOW_UP: ("跟进事项", "follow-up"),
    TaskKind.BIRTHDAY: ("生日走访", "birthday visit"),
    TaskKind.FESTIVAL: ("节日走访", "festival visit"),
    TaskKind.TIER: ("定期走访", "care-plan visit"),
    TaskKind.RELOCATION_YEARLY: ("年度走访", "yearly visit"),
}

_STATE_LABELS: dict[TaskState, tuple[str, str]] = {
    TaskState.OVERDUE: ("已逾期", "overdue"),
    TaskState.DUE_TODAY: ("今日到期", "due today"),
    TaskState.DUE_THIS_WEEK: ("本周到期", "due this week"),
    TaskState.UPCOMING: ("即将到期", "upcoming"),
}

_EMPTY: Mapping[Any, date] = MappingProxyType({})

STATE_RANK: dict[TaskState, int] = {state: rank for rank, state in enumerate(TaskState)}
KIND_RANK: dict[TaskKind, int] = {kind: rank for rank, kind in enumerate(TaskKind)}


def kind_label(kind: TaskKind, lang: str = "zh") -> str:
    """A task kind's name in Chinese (default) or English."""
    zh, en = _KIND_LABELS[kind]
    return zh if lang == "zh" else en


def state_label(state: TaskState, lang: str = "zh") -> str:
    """A task state's name in Chinese (default) or English."""
    zh, en = _STATE_LABELS[state]
    return zh if lang == "zh" else en


class FollowUp(NamedTuple):
    """A follow-up owed, recorded on a visit on ``recorded_on`` (due date optional)."""

    text: str
    recorded_on: date
    due: date | None = None


class PersonFacts(NamedTuple):
    """Everything the rules need to know about one person, as of the list's date.

    ``last_visit`` is the date of the latest visit of any reason; ``last_by_reason``
    the latest visit date per reason (only reasons that close a must-visit task
    matter); ``events`` the latest date per event kind. ``follow_ups`` are those
    recorded on visits; a later visit of any reason settles them.
    """

    person_id: str
    name: str
    site_id: str
    tier: Tier = Tier.ROUTINE
    category: Category = Category.RETIRED
    status: Status = Status.ACTIVE
    birth_date: date | None = None
    code: str = ""
    address: str = ""
    relocation_site: bool = False
    last_visit: date | None = None
    last_by_reason: Mapping[VisitReason, date] = _EMPTY
    events: Mapping[EventKind, date] = _EMPTY
    follow_ups: Sequence[FollowUp] = ()


class Task(NamedTuple):
    """A visit someone owes a person: why, by when, and how urgent it is.

    ``reason`` is the visit reason that settles the task (for the tier, yearly and
    follow-up tasks any visit does). ``window_start`` is the first day a visit
    counts; ``due`` the last day before the task is late.
    """

    person_id: str
    person_name: str
    person_code: str
    site_id: str
    address: str
    kind: TaskKind
    reason: VisitReason
    window_start: date
    due: date
    state: TaskState
    why_zh: str
    why_en: str

    def why(self, lang: str = "zh") -> str:
        """Why the task exists, in plain words ("重点关注: 上次走访 41 天前")."""
        return self.why_zh if lang == "zh" else self.why_en

    @property
    def sort_key(self) -> tuple[int, int, int, str, str]:
        """Urgency order: state, then due date, then kind, then name."""
        return (
            STATE_RANK[self.state],
            self.due.toordinal(),
            KIND_RANK[self.kind],
            self.person_name,
            self.person_id,
        )


@dataclass(frozen=True, slots=True)
class SiteGroup:
    """The tasks of one site, most urgent first, with counts per state."""

    site_id: str
    site_name: str
    tasks: tuple[Task, ...]
    counts: Mapping[TaskState, int]


@dataclass(frozen=True, slots=True)
class DueList:
    """The due list of a scope on a day: tasks by urgency, groups per site, counts per state."""

    on: date
    tasks: tuple[Task, ...]
    groups: tuple[SiteGroup, ...]
    counts: Mapping[TaskState, int]

    @property
    def total(self) -> int:
        """How many tasks the list holds."""
        return len(self.tasks)

    def group(self, site_id: str) -> SiteGroup | None:
        """The group of one site, if it has any task."""
        return next((g for g in self.groups if g.site_id == site_id), None)


_STATE_OF = itemgetter(9)  # Task.state


def _counts(tasks: Iterable[Task]) -> dict[TaskState, int]:
    counts = dict.fromkeys(TaskState, 0)
    counts.update(Counter(map(_STATE_OF, tasks)))
    return counts


_NAME_ID = itemgetter(1, 0)  # (Task.person_name, Task.person_id), made in C
_FEW = 200  # buckets up to this size are sorted by the pair, longer ones by _by_name


def _by_name(task: Task) -> str:
    # (name, id) as one string: the same order as the pair when no name holds a NUL
    return f"{task[1]}\0{task[0]}"


def sort_by_urgency(tasks: Iterable[Task]) -> list[Task]:
    """``tasks`` in the order of :attr:`Task.sort_key`, computed faster for long lists.

    Tasks are bucketed by (state, due date, kind), which few distinct values take,
    then each bucket is sorted by name and id; the sort is stable like ``sorted``.
    """
    state_rank, kind_rank = STATE_RANK, KIND_RANK
    buckets: dict[int, list[Task]] = {}
    for task in tasks:
        key = (state_rank[task[9]] * 10_000_000 + task[8].toordinal()) * 16 + kind_rank[task[5]]
        bucket = buckets.get(key)
        if bucket is None:
            buckets[key] = [task]
        else:
            bucket.append(task)
    ordered: list[Task] = []
    for key in sorted(buckets):
        bucket = buckets[key]
        if len(bucket) > _FEW:
            # one string per task compares faster than a pair in a long sort
            plain = not any("\0" in task[1] for task in bucket)
            bucket.sort(key=_by_name if plain else _NAME_ID)
        elif len(bucket) > 1:
            bucket.sort(key=_NAME_ID)
        ordered.extend(bucket)
    return ordered


def build_due_list(tasks: Iterable[Task], on: date, site_names: Mapping[str, str]) -> DueList:
    """Sort ``tasks`` by urgency and group them per site (groups ordered by site name)."""
    ordered = sort_by_urgency(tasks)
    by_site: dict[str, list[Task]] = {}
    for task in ordered:
        site_tasks = by_site.get(task[3])
        if site_tasks is None:
            by_site[task[3]] = [task]
        else:
            site_tasks.append(task)
    groups = [
        SiteGroup(
            site_id=site_id,
            site_name=site_names.get(site_id, site_id),
            tasks=tuple(site_tasks),
            counts=_counts(site_tasks),
        )
        for site_id, site_tasks in by_site.items()
    ]
    groups.sort(key=lambda g: (g.site_name, g.site_id))
    return DueList(on=on, tasks=tuple(ordered), groups=tuple(groups), counts=_counts(ordered))
