"""The must-visit rules (五必访), the care-plan tier interval, and the yearly visit.

Each rule looks at one person's :class:`PersonFacts` on a day and yields the
tasks it owes. The rules, with the policy's default numbers:

- tier: due ``interval`` days after the last visit of any reason (重点关注 30,
  定期关注 90, 日常跟踪 365); the window opens ``lead_days`` (7) before; a
  person never visited is due on the day itself. Any visit restarts it.
- hospital: a "hospitalised" event on E -> a hospital visit in [E, E+3].
- birthday: turning 80, 90, 100 or any age from 100 on, on B -> a birthday
  visit in [B-7, B+7]. Someone born on 29 February celebrates on 28 February
  in common years.
- deceased: a "deceased" event on D -> a condolence visit in [D, D+7], and no
  other task for that person. A person marked deceased without a dated event
  gets no task at all.
- misfortune: a "misfortune" event on E -> a misfortune visit in [E, E+7].
- festival: Spring Festival, July 1, National Day, Double Ninth on F -> a
  festival visit in [F-14, F-1], for the tiers and categories the policy lists;
  it stays listed (overdue) ``keep_after_days`` after F, then drops.
- relocation: a resident of a relocation site -> a visit each calendar year
  (window 1 January to 31 December, listed from ``notice_days`` before its end).
- follow-ups recorded on a visit -> due on their date (or ``default_days`` after
  the visit); a later visit of any reason settles them.

A must-visit task is settled by a visit with its reason on or after its window
start. Persons who moved away get no task. Events dated after the day are
ignored. Event tasks (hospital, birthday, condolence, misfortune) leave the
list ``keep_overdue_days`` after their due date; the tier, yearly and follow-up
tasks stay until a visit settles them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any, NamedTuple

from fieldkit.domain.careplan.festivals import Festival, festival_date, festival_label
from fieldkit.domain.careplan.policy import Policy
from fieldkit.domain.careplan.tasks import PersonFacts, Task, TaskKind, TaskState
from fieldkit.domain.vocab import Category, EventKind, Status, Tier, VisitReason

__all__ = [
    "DayRules",
    "FestivalVisit",
    "all_tasks",
    "birthday_in",
    "festival_occurrences",
    "person_tasks",
    "state_on",
]

_TIER_WORDS: dict[Tier, tuple[str, str]] = {
    Tier.KEY: ("重点关注", "key attention"),
    Tier.PERIODIC: ("定期关注", "periodic attention"),
    Tier.ROUTINE: ("日常跟踪", "routine tracking"),
}
_OVERDUE, _TODAY, _WEEK, _UPCOMING = (
    TaskState.OVERDUE,
    TaskState.DUE_TODAY,
    TaskState.DUE_THIS_WEEK,
    TaskState.UPCOMING,
)
_MOVED, _DECEASED = Status.MOVED, Status.DECEASED
_FOLLOW_UP = TaskKind.FOLLOW_UP
_UNSEEN: Any = object()  # a cache miss (``None`` is a cached "no task")
_new = tuple.__new__  # Task(...) without its Python-level __new__ (many thousands a list)
_EV_DEATH, _EV_HOSPITAL, _EV_MISFORTUNE = (
    EventKind.DECEASED,
    EventKind.HOSPITALISED,
    EventKind.MISFORTUNE,
)
_R_CONDOLENCE, _R_HOSPITAL, _R_MISFORTUNE, _R_BIRTHDAY, _R_FESTIVAL, _R_ROUTINE = (
    VisitReason.CONDOLENCE,
    VisitReason.HOSPITAL,
    VisitReason.MISFORTUNE,
    VisitReason.BIRTHDAY,
    VisitReason.FESTIVAL,
    VisitReason.ROUTINE,
)


def state_on(due: date, on: date, week_days: int) -> TaskState:
    """The state of a task due on ``due``, seen on ``on``."""
    left = (due - on).days
    if left < 0:
        return _OVERDUE
    if left == 0:
        return _TODAY
    if left <= week_days:
        return _WEEK
    return _UPCOMING


def birthday_in(birth: date, year: int) -> date:
    """The day someone born on ``birth`` celebrates in ``year``.

    Born on 29 February: 28 February in common years.
    """
    try:
        return birth.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def festival_occurrences(on: date, policy: Policy) -> list[tuple[Festival, date]]:
    """The enabled festivals whose visit window can show on ``on`` (listed or kept overdue)."""
    out: list[tuple[Festival, date]] = []
    for year in (on.year - 1, on.year, on.year + 1):
        for festival in policy.festivals:
            day = festival_date(festival, year)
            if day is None:
                continue
            due = day - timedelta(days=1)
            if (due - on).days <= policy.upcoming_days and (
                on - day
            ).days <= policy.festival_keep_after_days:
                out.append((festival, day))
    return out


class FestivalVisit(NamedTuple):
    """A festival visit listed on the day: the same task for everyone who owes it.

    A person owes it when their tier and category are among the policy's festival
    tiers and categories and no festival visit of theirs falls on or after
    ``window_start``.
    """

    festival: Festival
    day: date
    window_start: date
    due: date
    state: TaskState
    why_zh: str
    why_en: str

    def task_fields(self) -> tuple[Any, ...]:
        """The fields of its :class:`Task` after the person's (kind to ``why_en``)."""
        return (
            TaskKind.FESTIVAL, _R_FESTIVAL, self.window_start, self.due, self.state,
            self.why_zh, self.why_en,
        )  # fmt: skip


class DayRules:
    """The rules compiled for one day and policy: evaluate many persons cheaply.

    Everything that does not depend on the person (festival windows, the yearly
    window, labels) is worked out once here; :meth:`tasks` then applies the rules
    to one person, one rule family at a time.
    """

    def __init__(self, on: date, policy: Policy) -> None:
        self.on = on
        self.policy = policy
        p = policy
        self._upcoming = p.upcoming_days
        self._week = p.week_days
        self._keep = p.keep_overdue_days
        self._intervals = {tier: timedelta(days=n) for tier, n in p.tier_interval_days.items()}
        self._lead = timedelta(days=p.tier_lead_days)
        self._follow_up_default = timedelta(days=p.follow_up_default_days)
        self._milestones = frozenset(p.birthday_milestones)
        self._every_from = p.birthday_every_year_from or 10**6
        self._bday_before = timedelta(days=p.birthday_days_before)
        self._bday_after = timedelta(days=p.birthday_days_after)
        # the years a listed birthday can fall in: its due date (the birthday plus
        # days_after) at most upcoming_days ahead and at most keep_overdue_days behind
        after = p.birthday_days_after
        first = date.fromordinal(max(1, on.toordinal() - p.keep_overdue_days - after)).year
        last = date.fromordinal(max(1, on.toordinal() + p.upcoming_days - after)).year
        self._years = tuple(y for y in (on.year - 1, on.year, on.year + 1) if first <= y <= last)
        # birth years with a milestone birthday in one of those years (a quick test
        # that skips the per-year loop for nearly everyone)
        self._milestone_born = frozenset(y - age for y in self._years for age in self._milestones)
        self._oldest_born = (self._years[-1] if self._years else 0) - self._every_from
        # every birth year with a birthday listable in one of those years: one test
        self._birthday_years = self._milestone_born | frozenset(range(1, self._oldest_born + 1))
        # the days of the year (month, day) a listed birthday can fall on: its due date
        # within the same reach; born on 29 February, celebrated on 28 February
        lo = max(1, on.toordinal() - p.keep_overdue_days - after)
        hi = min(on.toordinal() + p.upcoming_days - after, lo + 366)
        days = {(d.month, d.day) for d in map(date.fromordinal, range(lo, hi + 1))}
        if (2, 28) in days:
            days.add((2, 29))
        self._birthday_days = frozenset(days)
        self.festivals = festival_occurrences(on, policy)
        self.festival_visits = tuple(self._festival_visit(f, day) for f, day in self.festivals)
        """The festival visits listed on the day (none outside festival windows)."""
        self._tier_tails: dict[tuple[Tier, date], tuple[Any, ...] | None] = {}
        self._noted: dict[date, tuple[str, str]] = {}  # a follow-up's "(noted on day)" texts
        self._yearly = self._yearly_fields()

    def _festival_visit(self, festival: Festival, day: date) -> FestivalVisit:
        """The visit owed before ``festival`` on ``day``: window, due date, state, reason."""
        due = day - timedelta(days=1)
        return FestivalVisit(
            festival,
            day,
            day - timedelta(days=self.policy.festival_days_before),
            due,
            self.state(due),
            f"{festival_label(festival)} ({day.isoformat()}) 前走访",
            f"visit before {festival_label(festival, 'en')} ({day.isoformat()})",
        )

    def _yearly_fields(self) -> tuple[date, date, TaskState, str, str] | None:
        """(window start, due, state, why zh, why en) of the relocation residents' yearly
        visit, if it is listed on the day."""
        on, p = self.on, self.policy
        year_end = date(on.year, 12, 31)
        if not p.relocation_yearly_visit or (year_end - on).days > p.relocation_notice_days:
            return None
        return (
            date(on.year, 1, 1),
            year_end,
            self.state(year_end),
            f"安置点居民: {on.year} 年尚未走访",
            f"relocation-site resident: not visited in {on.year}",
        )

    def festival_applies(self, tier: Tier, category: Category) -> bool:
        """Whether a person of ``tier`` and ``category`` owes the day's festival visits
        (those not yet made)."""
        return tier in self.policy.festival_tiers and category in self.policy.festival_categories

    def state(self, due: date) -> TaskState:
        """The state on this day of a task due on ``due``."""
        return self._state_left((due - self.on).days)

    def _state_left(self, left: int) -> TaskState:
        """The state of a task due ``left`` days after this day."""
        if left < 0:
            return _OVERDUE
        if left == 0:
            return _TODAY
        if left <= self._week:
            return _WEEK
        return _UPCOMING

    def _listed(self, due: date, expires: bool) -> bool:
        """Whether a task due on ``due`` shows on the day (``expires``: an event task,
        dropped ``keep_overdue_days`` after its due date)."""
        left = (due - self.on).days
        return left <= self._upcoming and not (expires and -left > self._keep)

    def tasks(self, f: PersonFacts, *, festivals: bool = True) -> list[Task]:
        """The tasks person ``f`` is owed on this day.

        ``festivals=False`` leaves out the festival visits, for a caller that lists
        them for many persons at once (see :attr:`festival_visits`).
        """
        # every field at once (one step; a list reads this for many thousand persons)
        (pid, name, site_id, tier, _category, status, birth, code, address, relocation,
         last, _by_reason, events, follow_ups) = f  # fmt: skip
        if status is _MOVED or status is _DECEASED or events:
            only = self._only_tasks(f)
            if only is not None:
                return only
        out = self._event_tasks(f) if events else []
        if follow_ups:
            out += self._follow_up_tasks(f)
        # a quick test of the birth year and day skips the birthday rule for nearly everyone
        if (
            birth is not None
            and birth.year in self._birthday_years
            and (birth.month, birth.day) in self._birthday_days
        ):
            out += self._birthday_tasks(f, birth)
        if festivals and self.festival_visits:
            out += self._festival_tasks(f)
        if last is None:
            out += self._never_visited(f)
        else:  # the tier task, its fields after the person's worked out once per last visit
            tail = self._tier_tails.get((tier, last), _UNSEEN)
            if tail is _UNSEEN:
                tail = self._tier_tail(tier, last)
            if tail is not None:
                out.append(_new(Task, (pid, name, code, site_id, address, *tail)))
        if relocation and self._yearly is not None:
            out += self._yearly_task(f, self._yearly)
        return out

    def _only_tasks(self, f: PersonFacts) -> list[Task] | None:
        """The tasks of a person who moved away (none) or died (the condolence visit
        after a dated death, or none), who are owed nothing else; ``None`` for
        anyone else."""
        if f.status is _MOVED:
            return []
        death = f.events.get(_EV_DEATH) if f.events else None
        if death is not None and death > self.on:
            death = None
        if death is not None or f.status is _DECEASED:
            return self._condolence(f, death)
        return None

    def _condolence(self, f: PersonFacts, death: date | None) -> list[Task]:
        """A deceased person's only task: the condolence visit after a dated death,
        until a condolence visit made since the death settles it."""
        if death is None:
            return []
        within = self.policy.condolence_within_days
        due = death + timedelta(days=within)
        settled = f.last_by_reason.get(_R_CONDOLENCE)
        if not self._listed(due, True) or (settled is not None and settled >= death):
            return []
        day = death.isoformat()
        return [
            _new(Task, (
                f.person_id, f.name, f.code, f.site_id, f.address, TaskKind.CONDOLENCE,
                _R_CONDOLENCE, death, due, self.state(due),
                f"去世 ({day}): {within} 天内慰问家属",
                f"died on {day}: condolence visit to the family within {within} days",
            ))
        ]  # fmt: skip

    def _event_tasks(self, f: PersonFacts) -> list[Task]:
        """The hospital and misfortune visits owed after the latest event of each kind."""
        out: list[Task] = []
        for kind, reason, within, task_kind, zh, en in (
            (_EV_HOSPITAL, _R_HOSPITAL, self.policy.hospital_within_days,
             TaskKind.HOSPITAL, "住院", "hospitalised"),
            (_EV_MISFORTUNE, _R_MISFORTUNE, self.policy.misfortune_within_days,
             TaskKind.MISFORTUNE, "家庭变故", "family misfortune"),
        ):  # fmt: skip
            start = f.events.get(kind)
            if start is None or start > self.on:
                continue
            due = start + timedelta(days=within)
            settled = f.last_by_reason.get(reason)
            if self._listed(due, True) and not (settled is not None and settled >= start):
                day = start.isoformat()
                out.append(
                    _new(Task, (
                        f.person_id, f.name, f.code, f.site_id, f.address, task_kind, reason,
                        start, due, self.state(due),
                        f"{zh} ({day}): {within} 天内走访",
                        f"{en} on {day}: visit within {within} days",
                    ))
                )  # fmt: skip
        return out

    def _follow_up_tasks(self, f: PersonFacts) -> list[Task]:
        """The follow-ups noted on the latest visit, due on their date (or
        ``follow_up_default_days`` after the visit); a later visit settles them."""
        out: list[Task] = []
        last, on, upcoming = f.last_visit, self.on, self._upcoming
        for text, recorded, due in f.follow_ups:
            if recorded > on or (last is not None and last > recorded):
                continue
            if due is None:
                due = recorded + self._follow_up_default
            left = (due - on).days
            if left > upcoming:  # not listed yet (a follow-up never expires)
                continue
            text = text.strip()
            noted = self._noted.get(recorded)
            if noted is None:
                day = recorded.isoformat()
                noted = self._noted[recorded] = (f" ({day} 走访时记录)", f" (noted on {day})")
            out.append(
                _new(Task, (
                    f.person_id, f.name, f.code, f.site_id, f.address, _FOLLOW_UP, _R_ROUTINE,
                    recorded, due, self._state_left(left),
                    f"跟进: {text or '跟进事项'}{noted[0]}",
                    f"follow-up: {text or 'owed'}{noted[1]}",
                ))
            )  # fmt: skip
        return out

    def _birthday_tasks(self, f: PersonFacts, birth: date) -> list[Task]:
        """The milestone birthday visits (and every birthday from a great age) whose
        window shows on the day, unless a birthday visit in the window settled them."""
        out: list[Task] = []
        settled = f.last_by_reason.get(_R_BIRTHDAY)
        for year in self._years:
            age = year - birth.year
            if age not in self._milestones and age < self._every_from:
                continue
            bday = birthday_in(birth, year)
            start = bday - self._bday_before
            due = bday + self._bday_after
            if self._listed(due, True) and not (settled is not None and settled >= start):
                day = bday.isoformat()
                out.append(
                    _new(Task, (
                        f.person_id, f.name, f.code, f.site_id, f.address, TaskKind.BIRTHDAY,
                        _R_BIRTHDAY, start, due, self.state(due),
                        f"{age} 岁生日 ({day})", f"turns {age} on {day}",
                    ))
                )  # fmt: skip
        return out

    def _festival_tasks(self, f: PersonFacts) -> list[Task]:
        """The day's festival visits the person owes: those of their tier and category
        not settled by a festival visit since the window opened."""
        if not self.festival_applies(f.tier, f.category):
            return []
        settled = f.last_by_reason.get(_R_FESTIVAL)
        return [
            _new(Task, (f.person_id, f.name, f.code, f.site_id, f.address, *v.task_fields()))
            for v in self.festival_visits
            if settled is None or settled < v.window_start
        ]

    def _never_visited(self, f: PersonFacts) -> list[Task]:
        """The tier task of someone never visited: due on the day itself."""
        if self._upcoming < 0:
            return []
        zh, en = _TIER_WORDS[f.tier]
        return [
            _new(Task, (
                f.person_id, f.name, f.code, f.site_id, f.address, TaskKind.TIER,
                _R_ROUTINE, self.on, self.on, _TODAY, f"{zh}: 从未走访", f"{en}: never visited",
            ))
        ]  # fmt: skip

    def _tier_tail(self, tier: Tier, last: date) -> tuple[Any, ...] | None:
        """The fields after the person's of the tier task owed after a visit on ``last``
        (``None`` if not listed today), worked out once per tier and day of last visit
        (many persons share them)."""
        due = last + self._intervals[tier]
        tail: tuple[Any, ...] | None = None
        if (due - self.on).days <= self._upcoming:
            zh, en = _TIER_WORDS[tier]
            ago = (self.on - last).days
            tail = (
                TaskKind.TIER, _R_ROUTINE, due - self._lead, due, self.state(due),
                f"{zh}: 上次走访 {ago} 天前", f"{en}: last visited {ago} days ago",
            )  # fmt: skip
        self._tier_tails[tier, last] = tail
        return tail

    def _yearly_task(
        self, f: PersonFacts, yearly: tuple[date, date, TaskState, str, str]
    ) -> list[Task]:
        """A relocation-site resident's yearly visit, unless visited this calendar year."""
        last = f.last_visit
        if last is not None and last >= yearly[0]:
            return []
        return [
            _new(Task, (
                f.person_id, f.name, f.code, f.site_id, f.address, TaskKind.RELOCATION_YEARLY,
                _R_ROUTINE, *yearly,
            ))
        ]  # fmt: skip


def person_tasks(
    facts: PersonFacts,
    on: date,
    policy: Policy,
    festivals: Sequence[tuple[Festival, date]] | None = None,
) -> list[Task]:
    """The tasks one person is owed on ``on``.

    For many persons, build one :class:`DayRules` and call its ``tasks`` instead.
    ``festivals`` is accepted for compatibility and ignored (the day's festivals
    are worked out from the policy).
    """
    return DayRules(on, policy).tasks(facts)


def all_tasks(persons: Iterable[PersonFacts], on: date, policy: Policy) -> list[Task]:
    """The tasks of every person in ``persons`` on ``on`` (unsorted)."""
    rules = DayRules(on, policy)
    out: list[Task] = []
    for facts in persons:
        out.extend(rules.tasks(facts))
    return out
