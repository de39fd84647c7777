"""What the due engine works on and what it produces: person facts and tasks, and
their urgency order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from enum import StrEnum
from operator import itemgetter
from types import MappingProxyType
from typing import Any, NamedTuple

from fieldkit.domain.vocab import Category, EventKind, Status, Tier, VisitReason

__all__ = [
    "FollowUp",
    "PersonFacts",
    "Task",
    "TaskKind",
    "TaskState",
    "kind_label",
    "sort_by_name",
    "sort_by_urgency",
    "state_label",
    "urgency",
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


_NAME_ID = itemgetter(1, 0)  # (name, id) of a Task or a PersonRow, made in C
_FEW = 200  # lists up to this size are sorted by the pair, longer ones by _by_name


def _by_name(task: Sequence[Any]) -> str:
    # (name, id) as one string: the same order as the pair when no name holds a NUL
    return f"{task[1]}\0{task[0]}"


def sort_by_name(items: list[Any]) -> None:
    """Sort tasks (or person rows: id and name come first in both) by name, then id,
    in place and stably; one string per item compares faster in a long list."""
    if len(items) > _FEW and not any("\0" in item[1] for item in items):
        items.sort(key=_by_name)
    elif len(items) > 1:
        items.sort(key=_NAME_ID)


def urgency(state: TaskState, due: date, kind: TaskKind) -> int:
    """The position of (state, due date, kind) in the urgency order, as one int: tasks
    that share it are ordered by name and id (see :attr:`Task.sort_key`)."""
    return (STATE_RANK[state] * 10_000_000 + due.toordinal()) * 16 + KIND_RANK[kind]


def sort_by_urgency(tasks: Iterable[Task]) -> list[Task]:
    """``tasks`` in the order of :attr:`Task.sort_key`, computed faster for long lists.

    Tasks are bucketed by (state, due date, kind), which few distinct values take,
    then each bucket is sorted by name and id; the sort is stable like ``sorted``.
    """
    buckets: dict[int, list[Task]] = {}
    for task in tasks:
        key = urgency(task[9], task[8], task[5])
        bucket = buckets.get(key)
        if bucket is None:
            buckets[key] = [task]
        else:
            bucket.append(task)
    ordered: list[Task] = []
    for key in sorted(buckets):
        bucket = buckets[key]
        sort_by_name(bucket)
        ordered.extend(bucket)
    return ordered
