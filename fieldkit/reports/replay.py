"""The care plans' due visits of a quarter, by replaying the care-plan engine over it.

The engine (:mod:`fieldkit.domain.careplan`) answers one question: on a day, with a
person's facts as of that day, which visits are owed. The replay asks it again
every time those facts change, and follows each task from the day it appears to
the day it leaves.

**The replay of one person.** Their facts are rebuilt as of the end of the day
before the replay starts (``replay_start``, far enough before the quarter that
every window of a task due in it is covered), then as of the end of every day of
the replay with a visit or an event, to the quarter's last day. On a day with both,
the events come first (a visit on the day of a death follows it). Each state is
evaluated by the engine with the county's policy whose listing horizons are
widened to the whole quarter, so that every task owed is seen whatever its due
date. The facts of a state: the latest visit and the latest visit per reason up to
then, the follow-up recorded on the latest visit, the latest event per kind, and
the status as of that day (from the dated status events; with none, the file's
status). Tier, category, site and birth date are the file's current ones: the
store keeps no history of them.

A task is identified by its kind, window start and due date; the care-plan visit
of a person never visited (due "on the day itself" for the engine) is one task
whose due date is the quarter's first day, or the day the person's file was
created if later (:func:`fieldkit.reports.quarter.id_created_on`). A task that
leaves the engine's answer **after a day's visits** was settled by them; one that
leaves **after a day's events** (a death, a move away, a newer event of the same
kind) was cancelled. (The engine is not asked again after a day whose visits cannot
start a task due in the quarter; :class:`Replay` says how, and a test checks that
the figures are the same as asking after every day.)

**The due visits of the quarter** are the tasks whose due date (the last day
before the visit is late) falls in the quarter, on or after the day the
person's file was created, and that the engine listed on some day while they were
open: not settled or cancelled before their listing day (``upcoming_days`` before
the due date; ``notice_days`` before 31 December for the relocation residents'
yearly visit; the due date itself for the never-visited care-plan visit). Each is:

- **on time** if settled by a visit on or before its due date;
- **late** if settled by a visit after its due date, up to the quarter's last day;
- **missed** if still open at the end of the quarter's last day, or cancelled
  after its due date had passed. A task cancelled before its due date is not
  counted. A visit after the quarter never changes the quarter's figures.

A visit settles a task as the engine says (rules.py): a must-visit task by a visit
with its reason on or after the window start, the tier, yearly and follow-up tasks
by any visit. A visit made before a task's listing day (a key-tier person visited
again a week after the last visit) restarts the interval: that task is never
listed and is not counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from enum import StrEnum
from typing import NamedTuple

from fieldkit.domain.careplan import FollowUp, PersonFacts, Policy, Task, TaskKind
from fieldkit.domain.careplan.rules import DayRules
from fieldkit.domain.vocab import EventKind, Status, VisitReason
from fieldkit.reports.quarter import Quarter
from fieldkit.reports.source import EventRow, PersonRow, VisitFact

__all__ = [
    "Outcome",
    "PersonHistory",
    "Replay",
    "replay_start",
]

_STATUS_AFTER: dict[EventKind, Status] = {
    EventKind.HOSPITALISED: Status.HOSPITALISED,
    EventKind.DISCHARGED: Status.ACTIVE,
    EventKind.MOVED: Status.MOVED,
    EventKind.DECEASED: Status.DECEASED,
}
_ONE_DAY = timedelta(days=1)
_NEVER_VISITED = (TaskKind.TIER, None, None)
_new = tuple.__new__  # a named tuple without its Python-level __new__ (many thousands)


class Outcome(StrEnum):
    """What became of a care-plan visit due in the quarter."""

    ON_TIME = "on_time"
    LATE = "late"
    MISSED = "missed"


class PersonHistory(NamedTuple):
    """What the replay needs about one person.

    ``events`` are every live event up to the quarter's end, in date order;
    ``before`` the latest live visit before :func:`replay_start`; ``visits`` the
    live visits from it to the quarter's end, in time order.
    """

    person: PersonRow
    relocation_site: bool
    created_on: date | None
    events: Sequence[EventRow]
    before: VisitFact | None
    visits: Sequence[VisitFact]


def replay_start(quarter: Quarter, policy: Policy) -> date:
    """The first day replayed: every window and listing day of a task due in the quarter
    starts on or after it."""
    longest = max(
        policy.upcoming_days,
        policy.tier_lead_days,
        policy.hospital_within_days,
        policy.misfortune_within_days,
        policy.condolence_within_days,
        policy.birthday_days_before + policy.birthday_days_after,
        policy.festival_days_before,
    )
    return quarter.start - timedelta(days=longest)


def status_on(person: PersonRow, events: Sequence[EventRow], day: date) -> Status:
    """A person's status at the end of ``day``: set by their latest status event up to
    then; before their first status event they were in care (active); with no dated
    status event at all, the file's status."""
    status: Status | None = None
    dated = False
    for event in events:
        after = _STATUS_AFTER.get(event.kind)
        if after is None:
            continue
        dated = True
        if event.happened_on <= day:
            status = after
    if status is not None:
        return status
    return Status.ACTIVE if dated else person.status


class _Facts:
    """A person's facts, advanced day by day through the replay.

    The engine reads the facts and keeps nothing of them, so the same dictionaries
    are handed to it at every state and updated in place between states.
    """

    __slots__ = ("_constant", "_events", "_head", "_next_event", "by_reason", "events", "last")

    def __init__(self, history: PersonHistory) -> None:
        p = history.person
        self._head = (p.id, p.name, p.site_id, p.tier, p.category)
        self._constant = (p.birth_date, p.code, p.address, history.relocation_site)
        self._events = history.events
        before = history.before
        self.last: VisitFact | None = before
        self.by_reason: dict[VisitReason, date] = {}
        if before is not None:
            self.by_reason[before.reason] = before.day
        self.events: dict[EventKind, date] = {}
        self._next_event = 0

    def add_events_until(self, day: date) -> None:
        """Take in the events dated up to ``day``."""
        events = self._events
        while self._next_event < len(events) and events[self._next_event].happened_on <= day:
            event = events[self._next_event]
            self.events[event.kind] = event.happened_on
            self._next_event += 1

    def add_visit(self, visit: VisitFact) -> None:
        """Take in one visit (in time order)."""
        self.last = visit
        self.by_reason[visit.reason] = visit.day

    def as_of(self, day: date, status: Status) -> PersonFacts:
        """The engine's facts at the end of ``day``, when the person's status is ``status``."""
        last = self.last
        follow_ups: tuple[FollowUp, ...] = ()
        last_day = None
        if last is not None:
            last_day = last.day
            if last.owes_follow_up:
                follow_ups = (_new(FollowUp, ("", last_day, last.follow_up_due)),)
        return _new(
            PersonFacts,
            (*self._head, status, *self._constant, last_day, self.by_reason, self.events,
             follow_ups),
        )  # fmt: skip


TaskKey = tuple[TaskKind, date | None, date | None]


class Replay:
    """The replay of many persons over one quarter under one policy.

    After a day's visits the engine is asked again only when those visits can start
    a task due in the quarter: one records a follow-up, or the care-plan interval
    from that day ends in the quarter. After any other visit day the tasks it
    settles are worked out by the engine's own settling rule (see the module's
    words); the tasks it starts are all due after the quarter and never counted.
    ``exact=True`` asks the engine after every day (a test checks both agree).
    """

    def __init__(self, quarter: Quarter, policy: Policy, *, exact: bool = False) -> None:
        self.quarter = quarter
        self.policy = policy
        self.exact = exact
        self.start = replay_start(quarter, policy)
        span = (quarter.end - self.start).days + 1
        # every task due in the quarter is listed from any day of the replay
        self._wide = replace(
            policy,
            upcoming_days=span,
            keep_overdue_days=span,
            festival_keep_after_days=span,
            relocation_notice_days=366,
        )
        self._rules: dict[date, DayRules] = {}
        self._first, self._last = quarter.start, quarter.end
        self._upcoming = timedelta(days=policy.upcoming_days)
        self._notice = timedelta(days=policy.relocation_notice_days)
        self._interval = {
            tier: timedelta(days=days) for tier, days in policy.tier_interval_days.items()
        }

    def _tasks(self, facts: PersonFacts, on: date) -> dict[TaskKey, Task]:
        rules = self._rules.get(on)
        if rules is None:
            rules = self._rules[on] = DayRules(on, self._wide)
        never = facts.last_visit is None
        out: dict[TaskKey, Task] = {}
        for task in rules.tasks(facts):
            if never and task.kind is TaskKind.TIER:
                out[_NEVER_VISITED] = task
            else:
                out[task.kind, task.window_start, task.due] = task
        return out

    def person(self, history: PersonHistory) -> list[tuple[TaskKind, Outcome]]:
        """The care-plan visits due in the quarter for one person, with their outcomes."""
        facts = _Facts(history)
        timeline = _StatusTimeline(history)
        eve = self.start - _ONE_DAY
        facts.add_events_until(eve)
        open_ = self._tasks(facts.as_of(eve, timeline.on(eve)), eve)
        out: list[tuple[TaskKind, Outcome]] = []
        # a visit on or after this day starts a care-plan visit due after the quarter
        quiet_from = self._last - self._interval[history.person.tier] + _ONE_DAY
        for day, visits, has_events in _days(history, self.start):
            if has_events:
                facts.add_events_until(day)
                now = self._tasks(facts.as_of(day, timeline.on(day)), day)
                self._close(history, open_, now, day, False, out)
                open_ = now
            if visits:
                for visit in visits:
                    facts.add_visit(visit)
                if self.exact or day < quiet_from or any(v.owes_follow_up for v in visits):
                    now = self._tasks(facts.as_of(day, timeline.on(day)), day)
                else:
                    now = {k: t for k, t in open_.items() if not _settles(visits, day, t)}
                self._close(history, open_, now, day, True, out)
                open_ = now
        self._close(history, open_, {}, None, False, out)
        return out

    def _close(
        self,
        history: PersonHistory,
        before: Mapping[TaskKey, Task],
        after: Mapping[TaskKey, Task],
        day: date | None,
        settled: bool,
        out: list[tuple[TaskKind, Outcome]],
    ) -> None:
        """Record the outcome of every task of ``before`` missing from ``after``: closed on
        ``day`` (settled by visits, or cancelled by events), or open at the quarter's end
        (``day`` is ``None``)."""
        for key, task in before.items():
            if key not in after:
                outcome = self._outcome(history, key, task, day, settled)
                if outcome is not None:
                    out.append((task.kind, outcome))

    def _outcome(
        self,
        history: PersonHistory,
        key: TaskKey,
        task: Task,
        closed_on: date | None,
        settled: bool,
    ) -> Outcome | None:
        """The outcome of a task that closed on ``closed_on`` (``None``: still open at the
        end of the quarter), or ``None`` if it is not a due visit of the quarter."""
        created = history.created_on
        if key == _NEVER_VISITED:
            due = self._first if created is None or created < self._first else created
            listed_from = due
        else:
            due = task.due
            if task.kind is TaskKind.RELOCATION_YEARLY:
                listed_from = due - self._notice
            else:
                listed_from = due - self._upcoming
        if due < self._first or due > self._last or (created is not None and due < created):
            return None
        if closed_on is None:
            return Outcome.MISSED
        if closed_on < listed_from:
            return None
        if settled:
            return Outcome.ON_TIME if closed_on <= due else Outcome.LATE
        return Outcome.MISSED if due < closed_on else None

    def tally(self, histories: Iterable[PersonHistory]) -> Counter[tuple[str, TaskKind, Outcome]]:
        """Outcomes counted per (site id, task kind, outcome)."""
        counts: Counter[tuple[str, TaskKind, Outcome]] = Counter()
        for history in histories:
            site = history.person.site_id
            for kind, outcome in self.person(history):
                counts[site, kind, outcome] += 1
        return counts


_ANY_VISIT = frozenset({TaskKind.TIER, TaskKind.FOLLOW_UP, TaskKind.RELOCATION_YEARLY})


def _settles(visits: Sequence[VisitFact], day: date, task: Task) -> bool:
    """Whether ``visits`` (made on ``day``, none recording a follow-up) settle ``task``,
    as the engine decides: any visit settles the care-plan, yearly and follow-up visits
    (the latest visit restarts the interval and carries no follow-up); a must-visit
    needs a visit with its reason on or after its window start."""
    if task.kind in _ANY_VISIT:
        return True
    return day >= task.window_start and any(v.reason is task.reason for v in visits)


class _StatusTimeline:
    """A person's status day by day, from their dated status events (see :func:`status_on`)."""

    __slots__ = ("_changes", "_constant")

    def __init__(self, history: PersonHistory) -> None:
        self._changes = [
            (e.happened_on, _STATUS_AFTER[e.kind])
            for e in history.events
            if e.kind in _STATUS_AFTER
        ]
        self._constant = None if self._changes else history.person.status

    def on(self, day: date) -> Status:
        """The status at the end of ``day``."""
        if self._constant is not None:
            return self._constant
        status = Status.ACTIVE
        for changed, after in self._changes:
            if changed > day:
                break
            status = after
        return status


def _days(history: PersonHistory, start: date) -> Iterator[tuple[date, Sequence[VisitFact], bool]]:
    """The days from ``start`` with visits or events, in order: (day, its visits, whether
    it has events)."""
    event_days = sorted({e.happened_on for e in history.events if e.happened_on >= start})
    visits = [v for v in history.visits if v.day >= start]
    i = j = 0
    while i < len(visits) or j < len(event_days):
        if j < len(event_days) and (i == len(visits) or event_days[j] <= visits[i].day):
            day, has_events = event_days[j], True
            j += 1
        else:
            day, has_events = visits[i].day, False
        k = i
        while k < len(visits) and visits[k].day == day:
            k += 1
        yield day, visits[i:k], has_events
        i = k
