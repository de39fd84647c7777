"""Who can owe a task on a day, as a condition on HQ's projection (SQLite and PostgreSQL).

The console's port of the laptop's candidate reading (:mod:`fieldkit.store.due_sql`):
a condition on ``report_person`` (``p``) left-joined to its ``report_visit_summary``
row (``s``) that holds for every person the care-plan engine can give a task on the
day, and for few others. The engine then decides, over those persons only
(:func:`fieldkit.console.projected.candidate_facts`). The conditions are
conservative (a day wider where dates are rounded): a test compares the candidates'
tasks with a run over everyone on many days.

A person can owe a task when (the engine's rules, :class:`~fieldkit.domain.careplan.DayRules`):

- a recent hospital, misfortune or death event is recorded (whatever their status,
  unless moved away: the only rule for a deceased person);
- otherwise, served (neither moved away nor deceased) and one of: a visit after
  the day (the summary is "as of now": their facts are read from the visits); never
  visited; the tier interval ending within the listing horizon; a follow-up due
  within it; a milestone birthday (or any from the policy's great age) near and not
  yet settled; a festival visit listed and not made since its window opened; a
  relocation resident not visited this year when the yearly visit is listed.

:func:`candidate_ranges` is a superset of those with a summary row, as an ``OR`` of
index ranges of ``report_visit_summary`` alone: its copies of the person's tier, site
and birth date indexed (with the latest visit), the follow-up's due day (migration
h0006). The candidates are read in three parts (:func:`fieldkit.console.projected.
candidate_facts`): the summaries in those ranges with :func:`candidate_condition`
(without its events) on the summary's copies of the person (:data:`COPIES`); the
summaries of the persons with a recent event (:func:`recent_events`) unless moved
away; the persons marked ``never_visited`` with the whole condition.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, extract, false, or_, select

from fieldkit.domain.careplan import DayRules
from fieldkit.domain.vocab import Category, EventKind, Status, Tier
from fieldkit.hq.projection import tables as p

__all__ = [
    "COPIES",
    "PERSON",
    "Who",
    "candidate_condition",
    "candidate_ranges",
    "event_since",
    "recent_events",
]

_EVENT_KINDS = (EventKind.HOSPITALISED.value, EventKind.MISFORTUNE.value, EventKind.DECEASED.value)
_NOT_SERVED: Sequence[str] = (Status.MOVED.value, Status.DECEASED.value)


@dataclass(frozen=True)
class Who:
    """The person's columns a candidate condition reads."""

    id: Any
    tier: Any
    category: Any
    status: Any
    site_id: Any
    birth_date: Any


_READ = ("tier", "category", "status", "site_id", "birth_date")
PERSON = Who(p.person.c.id, *(p.person.c[n] for n in _READ))
"""The columns of ``report_person``."""
COPIES = Who(p.visit_summary.c.person_id, *(p.visit_summary.c[n] for n in _READ))
"""``report_visit_summary``'s copies of them (migration h0006)."""


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def event_since(rules: DayRules) -> date:
    """The oldest event day whose task can still be listed on the day (a day earlier)."""
    policy = rules.policy
    longest = max(
        policy.hospital_within_days,
        policy.misfortune_within_days,
        policy.condolence_within_days,
    )
    return rules.on - timedelta(days=policy.keep_overdue_days + longest + 1)


def _slug_in(
    column: Any, members: type[StrEnum], chosen: Collection[StrEnum], default: StrEnum
) -> ColumnElement[bool]:
    """``column`` holds one of ``chosen``, as the engine reads it (an unknown slug is
    read as ``default``)."""
    values = sorted(m.value for m in chosen)
    cond = column.in_(values) if values else false()
    if default in chosen:
        return or_(cond, column.not_in([m.value for m in members]))
    return cond


def _day_range(lo: date, hi: date, year: int) -> tuple[date, date] | None:
    """``[lo, hi]`` cut to ``year``, or None."""
    lo, hi = max(lo, date(year, 1, 1)), min(hi, date(year, 12, 31))
    return (lo, hi) if lo <= hi else None


def _in_year(day: date, year: int) -> date:
    """``day``'s month and day in ``year`` (29 February: the 28th in a common year)."""
    try:
        return day.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def _birthdays(rules: DayRules, birth: Any) -> list[ColumnElement[bool]]:
    """Persons (``birth``: their birth date column) with a birthday celebrated on a day
    whose task can show: a milestone age, or any age from the policy's great age."""
    on, policy = rules.on, rules.policy
    # a birthday on bday is listed when its due day (bday + after) is within
    # [on - keep, on + upcoming]; a day wider each side
    lo = on - timedelta(days=policy.keep_overdue_days + policy.birthday_days_after + 1)
    hi = on + timedelta(days=policy.upcoming_days - policy.birthday_days_after + 1)
    arms: list[ColumnElement[bool]] = []
    for year in (on.year - 1, on.year, on.year + 1):
        found = _day_range(lo, hi, year)
        if found is None:
            continue
        first, last = found
        for age in policy.birthday_milestones:
            born = year - age
            if born >= 1:
                arms.append(birth.between(_in_year(first, born), _in_year(last, born)))
        great = policy.birthday_every_year_from
        if great > 0 and year - great >= 1:
            md = extract("month", birth) * 100 + extract("day", birth)
            arms.append(
                and_(
                    birth <= date(year - great, 12, 31),
                    md.between(first.month * 100 + first.day, last.month * 100 + last.day),
                )
            )
    return arms


def _tier_ranges(tier: Any) -> list[tuple[ColumnElement[bool], Tier]]:
    """Conditions on ``tier`` that together hold for every value, each an index range,
    with the tier the engine reads its values as: each tier's slug, and the ranges
    between and beyond them (unknown slugs, read as routine)."""
    slugs = sorted(t.value for t in Tier)
    out: list[tuple[ColumnElement[bool], Tier]] = [(tier == v, Tier(v)) for v in slugs]
    out.append((tier < slugs[0], Tier.ROUTINE))
    out += [(and_(tier > lo, tier < hi), Tier.ROUTINE) for lo, hi in pairwise(slugs)]
    out.append((tier > slugs[-1], Tier.ROUTINE))
    return out


def _tiers(rules: DayRules, tier: Any, last_at: Any, horizon: date) -> list[ColumnElement[bool]]:
    """Persons whose tier interval ends within the horizon (visited before the cut)."""
    intervals = rules.policy.tier_interval_days
    arms: list[ColumnElement[bool]] = []
    for t in Tier:
        cut = _midnight(horizon - timedelta(days=intervals[t]))
        arms.append(and_(_slug_in(tier, Tier, (t,), Tier.ROUTINE), last_at < cut))
    return arms


def candidate_ranges(rules: DayRules, relocation_sites: Collection[str]) -> ColumnElement[bool]:
    """A condition on ``report_visit_summary`` alone, an ``OR`` of index ranges (its
    copies of the person's columns indexed with the latest visit, the follow-up's due
    day, the birth date), that holds for every person with a summary row for whom
    :func:`candidate_condition` does except through a recent event."""
    on, policy = rules.on, rules.policy
    s = p.visit_summary.c
    next_day = _midnight(on + timedelta(days=1))
    horizon = on + timedelta(days=policy.upcoming_days + 1)
    intervals = policy.tier_interval_days
    arms: list[ColumnElement[bool]] = []
    for in_range, read_as in _tier_ranges(s.tier):
        # the tier's interval ending within the horizon, or a visit after the day
        cut = _midnight(horizon - timedelta(days=intervals[read_as]))
        arms += [and_(in_range, s.last_at < cut), and_(in_range, s.last_at >= next_day)]
    default_cut = _midnight(horizon - timedelta(days=policy.follow_up_default_days))
    owing = s.follow_up_id.is_not(None)
    arms += [
        and_(owing, s.follow_up_due < horizon),
        and_(owing, s.follow_up_due.is_(None), s.last_at < default_cut),
        *_birthdays(rules, s.birth_date),
    ]
    visits = rules.festival_visits
    if visits and policy.festival_tiers and policy.festival_categories:
        opened = _midnight(max(v.window_start for v in visits))
        for in_range, read_as in _tier_ranges(s.tier):
            if read_as in policy.festival_tiers:
                arms += [and_(in_range, s.festival_at.is_(None)),
                         and_(in_range, s.festival_at < opened)]  # fmt: skip
    if _relocation_listed(rules) and relocation_sites:
        year_start = _midnight(date(on.year, 1, 1))
        arms.append(and_(s.site_id.in_(sorted(relocation_sites)), s.last_at < year_start))
    return or_(*arms)


def recent_events(rules: DayRules) -> Select[tuple[str]]:
    """The persons with an event whose task can be listed on the day."""
    e = p.event.c
    return select(e.person_id).where(
        e.kind.in_(_EVENT_KINDS), e.happened_on >= event_since(rules), e.happened_on <= rules.on
    )


def _relocation_listed(rules: DayRules) -> bool:
    """Whether the relocation residents' yearly visit can be listed on the day."""
    policy = rules.policy
    year_end = date(rules.on.year, 12, 31)
    return policy.relocation_yearly_visit and (year_end - rules.on).days <= (
        policy.relocation_notice_days
    )


def candidate_condition(
    rules: DayRules, relocation_sites: Collection[str], who: Who = PERSON, events: bool = True
) -> ColumnElement[bool]:
    """The WHERE condition on the summary ``s`` and the person's columns ``who`` (of
    ``report_person`` left-joined to it, or the summary's copies) that holds for every
    person who can owe a task on the day (see the module); without ``events``, for
    those who can owe one but through a recent event."""
    on, policy = rules.on, rules.policy
    s = p.visit_summary.c
    next_day = _midnight(on + timedelta(days=1))
    horizon = on + timedelta(days=policy.upcoming_days + 1)
    arms: list[ColumnElement[bool]] = [
        s.person_id.is_(None),  # never visited
        s.last_at >= next_day,  # a visit after the day: read from the visits
        *_tiers(rules, who.tier, s.last_at, horizon),
        and_(
            s.follow_up_id.is_not(None),
            or_(
                s.follow_up_due < horizon,
                and_(
                    s.follow_up_due.is_(None),
                    s.last_at < _midnight(horizon - timedelta(days=policy.follow_up_default_days)),
                ),
            ),
        ),
    ]
    birthdays = _birthdays(rules, who.birth_date)
    if birthdays:
        # a birthday visit on or after the latest window start settles them all
        settled = _midnight(
            on
            + timedelta(days=policy.upcoming_days + 1)
            - timedelta(days=policy.birthday_days_after + policy.birthday_days_before)
        )
        arms.append(and_(or_(*birthdays), or_(s.birthday_at.is_(None), s.birthday_at < settled)))
    visits = rules.festival_visits
    if visits and policy.festival_tiers and policy.festival_categories:
        opened = _midnight(max(v.window_start for v in visits))
        arms.append(
            and_(
                _slug_in(who.tier, Tier, policy.festival_tiers, Tier.ROUTINE),
                _slug_in(who.category, Category, policy.festival_categories, Category.RETIRED),
                or_(s.festival_at.is_(None), s.festival_at < opened),
            )
        )
    if _relocation_listed(rules) and relocation_sites:
        arms.append(
            and_(
                who.site_id.in_(sorted(relocation_sites)),
                or_(s.last_at.is_(None), s.last_at < _midnight(date(on.year, 1, 1))),
            )
        )
    served = and_(who.status.not_in(_NOT_SERVED), or_(*arms))
    if not events:
        return served
    return and_(who.status != Status.MOVED.value, or_(who.id.in_(recent_events(rules)), served))
