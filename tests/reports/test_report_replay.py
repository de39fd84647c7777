"""The care-plan replay on single persons: what counts as due, on time, late or missed."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

from fieldkit.domain.careplan import TaskKind, default_policy, parse_policy
from fieldkit.domain.vocab import Category, EventKind, Status, Tier, VisitReason
from fieldkit.reports.quarter import parse_quarter
from fieldkit.reports.replay import Outcome, PersonHistory, Replay, replay_start, status_on
from fieldkit.reports.source import EventRow, PersonRow, VisitFact

D = date.fromisoformat
Q4 = parse_quarter("2026Q4")
R = VisitReason
# no festival and no yearly visit, so each test sees only the rule it is about
PLAIN = parse_policy(
    """
[festivals]
enabled = []
[relocation]
yearly_visit = false
"""
)


def person(
    tier: Tier = Tier.ROUTINE, birth: date | None = None, status: Status = Status.ACTIVE
) -> PersonRow:
    return PersonRow(
        "p1", "A-1", "张三", "s1", "", "", Category.RETIRED, tier, status, birth or D("1950-05-05")
    )


def visit(day: str, reason: VisitReason = R.ROUTINE, follow_up_due: str | None = None) -> VisitFact:
    due = D(follow_up_due) if follow_up_due else None
    return VisitFact(D(day), reason, due is not None, due)


def history(
    *,
    before: VisitFact | None = None,
    visits: tuple[VisitFact, ...] = (),
    events: tuple[tuple[EventKind, str], ...] = (),
    created: str | None = "2025-01-01",
    **kw: object,
) -> PersonHistory:
    return PersonHistory(
        person=person(**kw),  # type: ignore[arg-type]
        relocation_site=False,
        created_on=D(created) if created else None,
        events=tuple(EventRow("p1", kind, D(day)) for kind, day in events),
        before=before,
        visits=visits,
    )


def outcomes(h: PersonHistory, policy=PLAIN) -> Counter[tuple[TaskKind, Outcome]]:
    return Counter(Replay(Q4, policy).person(h))


def test_replay_starts_before_the_quarter_by_the_longest_window() -> None:
    assert replay_start(Q4, default_policy()) == D("2026-09-17")
    wide = replace(default_policy(), hospital_within_days=30)
    assert replay_start(Q4, wide) == D("2026-09-01")


def test_tier_visit_on_time_late_and_missed() -> None:
    h = history(
        tier=Tier.KEY,
        before=visit("2026-09-10"),  # due 10-10
        visits=(visit("2026-10-09"), visit("2026-11-20")),  # 10-10 on time; 11-08 late
    )  # then due 12-20: missed
    assert outcomes(h) == Counter(
        {
            (TaskKind.TIER, Outcome.ON_TIME): 1,
            (TaskKind.TIER, Outcome.LATE): 1,
            (TaskKind.TIER, Outcome.MISSED): 1,
        }
    )


def test_a_visit_before_the_task_is_listed_restarts_it_and_is_not_counted() -> None:
    # key tier, visited every week: each next visit falls before the task's listing day
    weekly = tuple(visit(f"2026-{m:02d}-{d:02d}") for m in (10, 11, 12) for d in (3, 10, 17, 24))
    h = history(tier=Tier.KEY, before=visit("2026-09-28"), visits=weekly)
    # the last visit (12-24) owes one due 2027-01-23: outside the quarter
    assert outcomes(h) == Counter()


def test_hospital_visit_windows_and_a_newer_stay_replacing_an_unvisited_one() -> None:
    h = history(
        before=visit("2026-09-01"),
        events=((EventKind.HOSPITALISED, "2026-10-02"), (EventKind.HOSPITALISED, "2026-10-20")),
        visits=(visit("2026-10-22", R.HOSPITAL),),
    )
    # the first stay (due 10-05) was replaced on 10-20 while overdue: missed;
    # the second (due 10-23) was visited on 10-22: on time
    assert outcomes(h) == Counter(
        {(TaskKind.HOSPITAL, Outcome.MISSED): 1, (TaskKind.HOSPITAL, Outcome.ON_TIME): 1}
    )


def test_a_visit_with_another_reason_does_not_settle_a_must_visit() -> None:
    h = history(
        before=visit("2026-09-01"),
        events=((EventKind.MISFORTUNE, "2026-11-02"),),
        visits=(visit("2026-11-03", R.ROUTINE), visit("2026-11-12", R.MISFORTUNE)),
    )
    assert outcomes(h) == Counter({(TaskKind.MISFORTUNE, Outcome.LATE): 1})


def test_milestone_birthday_and_a_visit_after_the_quarter_never_counts() -> None:
    # turns 80 on 2026-12-28: window 12-21 .. 2027-01-04, due in the next quarter
    late_birthday = history(birth=D("1946-12-28"), before=visit("2026-09-01"))
    assert outcomes(late_birthday) == Counter()
    # turns 80 on 2026-11-10: due 11-17; visited 11-05 (in the window)
    h = history(
        birth=D("1946-11-10"), before=visit("2026-09-01"), visits=(visit("2026-11-05", R.BIRTHDAY),)
    )
    assert outcomes(h) == Counter({(TaskKind.BIRTHDAY, Outcome.ON_TIME): 1})
    # the same birthday with no visit in the quarter: missed (the source never hands
    # the replay a visit after the quarter, so a later one cannot change it)
    missed = history(birth=D("1946-11-10"), before=visit("2026-09-01"))
    assert outcomes(missed) == Counter({(TaskKind.BIRTHDAY, Outcome.MISSED): 1})


def test_death_cancels_what_was_not_yet_due_and_the_condolence_visit_counts() -> None:
    h = history(
        tier=Tier.PERIODIC,
        before=visit("2026-08-20"),  # tier due 11-18: not yet due when he dies
        events=((EventKind.DECEASED, "2026-11-01"),),
        visits=(visit("2026-11-01", R.CONDOLENCE),),  # same day as the death
    )
    assert outcomes(h) == Counter({(TaskKind.CONDOLENCE, Outcome.ON_TIME): 1})


def test_follow_up_settled_by_any_later_visit() -> None:
    h = history(
        before=visit("2026-09-01"),
        visits=(visit("2026-10-10", follow_up_due="2026-10-20"), visit("2026-10-18", R.NEEDS)),
    )
    assert outcomes(h) == Counter({(TaskKind.FOLLOW_UP, Outcome.ON_TIME): 1})


def test_never_visited_is_due_from_the_first_day_or_the_file_creation() -> None:
    old = history(created="2025-01-01", visits=(visit("2026-10-01"),))
    assert outcomes(old) == Counter({(TaskKind.TIER, Outcome.ON_TIME): 1})
    late = history(created="2025-01-01", visits=(visit("2026-10-02"),))
    assert outcomes(late) == Counter({(TaskKind.TIER, Outcome.LATE): 1})
    new = history(created="2026-11-20", visits=(visit("2026-11-20"),))
    assert outcomes(new) == Counter({(TaskKind.TIER, Outcome.ON_TIME): 1})
    # visited before the quarter (in the days replayed before it): nothing due in it
    done = history(created="2025-01-01", visits=(visit("2026-09-25"),))
    assert outcomes(done) == Counter()


def test_the_county_policy_decides() -> None:
    h = history(tier=Tier.KEY, before=visit("2026-09-25"), visits=(visit("2026-11-10"),))
    # shipped: key tier every 30 days, due 10-25, visited 11-10: late; then 12-10 missed
    assert outcomes(h) == Counter(
        {(TaskKind.TIER, Outcome.LATE): 1, (TaskKind.TIER, Outcome.MISSED): 1}
    )
    sixty = parse_policy("[tiers.key]\ninterval_days = 60\n[festivals]\nenabled = []\n")
    # every 60 days: due 11-24, visited 11-10 on time; next due 2027-01-09
    assert outcomes(h, sixty) == Counter({(TaskKind.TIER, Outcome.ON_TIME): 1})


def test_status_on_follows_dated_events() -> None:
    p = person(status=Status.MOVED)
    events = (
        EventRow("p1", EventKind.HOSPITALISED, D("2026-10-01")),
        EventRow("p1", EventKind.PHONE_CHANGED, D("2026-10-03")),
        EventRow("p1", EventKind.DISCHARGED, D("2026-10-05")),
        EventRow("p1", EventKind.MOVED, D("2026-11-01")),
    )
    assert status_on(p, events, D("2026-09-30")) is Status.ACTIVE
    assert status_on(p, events, D("2026-10-04")) is Status.HOSPITALISED
    assert status_on(p, events, D("2026-10-31")) is Status.ACTIVE
    assert status_on(p, events, D("2026-11-01")) is Status.MOVED
    # no dated status event: the file's status
    assert status_on(p, (), D("2026-10-01")) is Status.MOVED
