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

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta

from fieldkit.domain.careplan.festivals import Festival, festival_date, festival_label
from fieldkit.domain.careplan.policy import Policy
from fieldkit.domain.careplan.tasks import PersonFacts, Task, TaskKind, TaskState
from fieldkit.domain.vocab import EventKind, Status, Tier, VisitReason

__all__ = [
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


def state_on(due: date, on: date, week_days: int) -> TaskState:
    """The state of a task due on ``due``, seen on ``on``."""
    left = (due - on).days
    if left < 0:
        return TaskState.OVERDUE
    if left == 0:
        return TaskState.DUE_TODAY
    if left <= week_days:
        return TaskState.DUE_THIS_WEEK
    return TaskState.UPCOMING


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


class _Maker:
    """Builds the tasks of one person on one day (shared fields filled once)."""

    __slots__ = ("facts", "on", "policy")

    def __init__(self, facts: PersonFacts, on: date, policy: Policy) -> None:
        self.facts = facts
        self.on = on
        self.policy = policy

    def task(
        self,
        kind: TaskKind,
        reason: VisitReason,
        start: date,
        due: date,
        why_zh: str,
        why_en: str,
    ) -> Task:
        f = self.facts
        return Task(
            person_id=f.person_id,
            person_name=f.name,
            person_code=f.code,
            site_id=f.site_id,
            address=f.address,
            kind=kind,
            reason=reason,
            window_start=start,
            due=due,
            state=state_on(due, self.on, self.policy.week_days),
            why_zh=why_zh,
            why_en=why_en,
        )

    def listed(self, due: date, *, expires: bool) -> bool:
        """Whether a task due on ``due`` belongs on the list of ``on``."""
        left = (due - self.on).days
        if left > self.policy.upcoming_days:
            return False
        return not (expires and -left > self.policy.keep_overdue_days)

    def settled(self, reason: VisitReason, start: date) -> bool:
        """Whether a visit with ``reason`` happened on or after ``start``."""
        last = self.facts.last_by_reason.get(reason)
        return last is not None and last >= start


def _event_tasks(m: _Maker, on: date) -> Iterator[Task]:
    events = m.facts.events
    p = m.policy
    for kind, reason, within, task_kind, zh, en in (
        (
            EventKind.HOSPITALISED,
            VisitReason.HOSPITAL,
            p.hospital_within_days,
            TaskKind.HOSPITAL,
            "住院",
            "hospitalised",
        ),
        (
            EventKind.MISFORTUNE,
            VisitReason.MISFORTUNE,
            p.misfortune_within_days,
            TaskKind.MISFORTUNE,
            "家庭变故",
            "family misfortune",
        ),
    ):
        start = events.get(kind)
        if start is None or start > on:
            continue
        due = start + timedelta(days=within)
        if m.listed(due, expires=True) and not m.settled(reason, start):
            yield m.task(
                task_kind,
                reason,
                start,
                due,
                f"{zh} ({start.isoformat()}): {within} 天内走访",
                f"{en} on {start.isoformat()}: visit within {within} days",
            )


def _tier_task(m: _Maker, on: date) -> Iterator[Task]:
    f, p = m.facts, m.policy
    zh, en = _TIER_WORDS[f.tier]
    if f.last_visit is None:
        if m.listed(on, expires=False):
            never_zh, never_en = f"{zh}: 从未走访", f"{en}: never visited"
            yield m.task(TaskKind.TIER, VisitReason.ROUTINE, on, on, never_zh, never_en)
        return
    due = f.last_visit + timedelta(days=p.tier_interval_days[f.tier])
    if not m.listed(due, expires=False):
        return
    ago = (on - f.last_visit).days
    yield m.task(
        TaskKind.TIER,
        VisitReason.ROUTINE,
        due - timedelta(days=p.tier_lead_days),
        due,
        f"{zh}: 上次走访 {ago} 天前",
        f"{en}: last visited {ago} days ago",
    )


def _birthday_tasks(m: _Maker, on: date) -> Iterator[Task]:
    f, p = m.facts, m.policy
    if f.birth_date is None:
        return
    for year in (on.year - 1, on.year, on.year + 1):
        age = year - f.birth_date.year
        if not p.is_birthday_milestone(age):
            continue
        day = birthday_in(f.birth_date, year)
        start = day - timedelta(days=p.birthday_days_before)
        due = day + timedelta(days=p.birthday_days_after)
        if m.listed(due, expires=True) and not m.settled(VisitReason.BIRTHDAY, start):
            yield m.task(
                TaskKind.BIRTHDAY,
                VisitReason.BIRTHDAY,
                start,
                due,
                f"{age} 岁生日 ({day.isoformat()})",
                f"turns {age} on {day.isoformat()}",
            )


def _festival_tasks(
    m: _Maker, on: date, festivals: Sequence[tuple[Festival, date]]
) -> Iterator[Task]:
    f, p = m.facts, m.policy
    if f.tier not in p.festival_tiers or f.category not in p.festival_categories:
        return
    for festival, day in festivals:
        start = day - timedelta(days=p.festival_days_before)
        if not m.settled(VisitReason.FESTIVAL, start):
            yield m.task(
                TaskKind.FESTIVAL,
                VisitReason.FESTIVAL,
                start,
                day - timedelta(days=1),
                f"{festival_label(festival)} ({day.isoformat()}) 前走访",
                f"visit before {festival_label(festival, 'en')} ({day.isoformat()})",
            )


def _relocation_task(m: _Maker, on: date) -> Iterator[Task]:
    f, p = m.facts, m.policy
    if not (f.relocation_site and p.relocation_yearly_visit):
        return
    start, due = date(on.year, 1, 1), date(on.year, 12, 31)
    if (due - on).days > p.relocation_notice_days:
        return
    if f.last_visit is not None and f.last_visit >= start:
        return
    yield m.task(
        TaskKind.RELOCATION_YEARLY,
        VisitReason.ROUTINE,
        start,
        due,
        f"安置点居民: {on.year} 年尚未走访",
        f"relocation-site resident: not visited in {on.year}",
    )


def _follow_up_tasks(m: _Maker, on: date) -> Iterator[Task]:
    f, p = m.facts, m.policy
    for fu in f.follow_ups:
        if fu.recorded_on > on or (f.last_visit is not None and f.last_visit > fu.recorded_on):
            continue
        due = fu.due or fu.recorded_on + timedelta(days=p.follow_up_default_days)
        if not m.listed(due, expires=False):
            continue
        text = fu.text.strip() or "跟进事项"
        yield m.task(
            TaskKind.FOLLOW_UP,
            VisitReason.ROUTINE,
            fu.recorded_on,
            due,
            f"跟进: {text} ({fu.recorded_on.isoformat()} 走访时记录)",
            f"follow-up: {fu.text.strip() or 'owed'} (noted on {fu.recorded_on.isoformat()})",
        )


def person_tasks(
    facts: PersonFacts,
    on: date,
    policy: Policy,
    festivals: Sequence[tuple[Festival, date]] | None = None,
) -> list[Task]:
    """The tasks one person is owed on ``on``.

    ``festivals`` is :func:`festival_occurrences` for ``on``; pass it when
    evaluating many persons so it is computed once.
    """
    if facts.status is Status.MOVED:
        return []
    m = _Maker(facts, on, policy)
    death = facts.events.get(EventKind.DECEASED)
    if death is not None and death > on:
        death = None
    if death is not None or facts.status is Status.DECEASED:
        if death is None:
            return []
        due = death + timedelta(days=policy.condolence_within_days)
        if not m.listed(due, expires=True) or m.settled(VisitReason.CONDOLENCE, death):
            return []
        return [
            m.task(
                TaskKind.CONDOLENCE,
                VisitReason.CONDOLENCE,
                death,
                due,
                f"去世 ({death.isoformat()}): {policy.condolence_within_days} 天内慰问家属",
                f"died on {death.isoformat()}: condolence visit to the family within "
                f"{policy.condolence_within_days} days",
            )
        ]
    if festivals is None:
        festivals = festival_occurrences(on, policy)
    out: list[Task] = []
    out.extend(_event_tasks(m, on))
    out.extend(_follow_up_tasks(m, on))
    out.extend(_birthday_tasks(m, on))
    out.extend(_festival_tasks(m, on, festivals))
    out.extend(_tier_task(m, on))
    out.extend(_relocation_task(m, on))
    return out


def all_tasks(persons: Iterable[PersonFacts], on: date, policy: Policy) -> list[Task]:
    """The tasks of every person in ``persons`` on ``on`` (unsorted)."""
    festivals = festival_occurrences(on, policy)
    out: list[Task] = []
    for facts in persons:
        out.extend(person_tasks(facts, on, policy, festivals))
    return out
