"""Properties of the engine over generated persons and days (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldkit.domain.careplan import (
    FollowUp,
    PersonFacts,
    TaskKind,
    default_policy,
    person_tasks,
)
from fieldkit.domain.vocab import Category, EventKind, Status, Tier, VisitReason

POLICY = default_policy()
DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2031, 12, 31))


@st.composite
def person_and_day(draw: st.DrawFn) -> tuple[PersonFacts, date]:
    on = draw(DAYS)

    def near(max_back: int = 800) -> date:
        return on - timedelta(days=draw(st.integers(min_value=0, max_value=max_back)))

    last = draw(st.none() | st.builds(near))
    by_reason = {}
    if last is not None:
        for reason in draw(st.sets(st.sampled_from(list(VisitReason)), max_size=4)):
            day = near()
            by_reason[reason] = min(day, last)
    events = {
        kind: near(200) for kind in draw(st.sets(st.sampled_from(list(EventKind)), max_size=3))
    }
    follow_ups: tuple[FollowUp, ...] = ()
    if last is not None and draw(st.booleans()):
        due = draw(st.none() | st.builds(lambda: last + timedelta(days=draw(st.integers(0, 60)))))
        follow_ups = (FollowUp("回访", last, due),)
    born = draw(
        st.none()
        | st.dates(min_value=date(1915, 1, 1), max_value=date(1970, 12, 31))
        | st.sampled_from([date(1936, 2, 29), date(1948, 2, 29), date(1928, 2, 29)])
    )
    facts = PersonFacts(
        person_id="p",
        name="某人",
        site_id="S",
        tier=draw(st.sampled_from(list(Tier))),
        category=draw(st.sampled_from(list(Category))),
        status=draw(st.sampled_from(list(Status))),
        birth_date=born,
        relocation_site=draw(st.booleans()),
        last_visit=last,
        last_by_reason=by_reason,
        events=events,
        follow_ups=follow_ups,
    )
    return facts, on


@settings(max_examples=400, deadline=None)
@given(person_and_day())
def test_a_deceased_person_has_no_task_but_the_condolence_visit(
    case: tuple[PersonFacts, date],
) -> None:
    facts, on = case
    dead = facts._replace(events={**facts.events, EventKind.DECEASED: on - timedelta(days=3)})
    assert {t.kind for t in person_tasks(dead, on, POLICY)} <= {TaskKind.CONDOLENCE}
    marked = facts._replace(status=Status.DECEASED)
    assert {t.kind for t in person_tasks(marked, on, POLICY)} <= {TaskKind.CONDOLENCE}


@settings(max_examples=400, deadline=None)
@given(person_and_day())
def test_a_visit_with_the_matching_reason_settles_its_task(case: tuple[PersonFacts, date]) -> None:
    facts, on = case
    for task in person_tasks(facts, on, POLICY):
        if task.kind is TaskKind.FOLLOW_UP and task.window_start == on:
            continue  # a follow-up noted today is settled by the next visit, not today's
        # the visit counts from the window's first day (an upcoming task's window may open later)
        day = max(on, task.window_start)
        visited = facts._replace(
            last_visit=day, last_by_reason={**facts.last_by_reason, task.reason: day}
        )
        after = person_tasks(visited, on, POLICY)
        assert (task.kind, task.window_start) not in {(t.kind, t.window_start) for t in after}


@settings(max_examples=300, deadline=None)
@given(person_and_day())
def test_every_task_is_explained_and_listed_within_the_horizon(
    case: tuple[PersonFacts, date],
) -> None:
    facts, on = case
    for task in person_tasks(facts, on, POLICY):
        assert task.why_zh
        assert task.why_en
        assert task.window_start <= task.due
        assert (task.due - on).days <= max(POLICY.upcoming_days, POLICY.relocation_notice_days)
        assert task.person_id == facts.person_id
        assert task.site_id == facts.site_id
