"""The lazily ordered due list: runs of shared tasks, buckets sorted when read, groups,
counts and the first screenful, against a plain sort of the same tasks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldkit.domain.careplan import (
    DueTasks,
    PersonRow,
    Task,
    TaskKind,
    TaskRun,
    TaskState,
    build_due_list,
    count_due_tasks,
    first_due_tasks,
)
from fieldkit.domain.careplan.tasks import sort_by_urgency
from fieldkit.domain.vocab import VisitReason
from tests.careplan.task_strategies import BASE, NAMES, any_task, make_task

ON = BASE


def _festival(days: int, state: TaskState) -> TaskRun:
    due = ON + timedelta(days=days)
    fields = (TaskKind.FESTIVAL, VisitReason.FESTIVAL, due, due, state, "节", "festival")
    return TaskRun(fields, [])


_tasks = st.lists(any_task, max_size=30)
_persons = st.lists(
    st.tuples(
        st.sampled_from(["p1", "p2", "p3", "p4", "p5", "p6"]),
        st.sampled_from(NAMES) | st.text(max_size=3),
        st.just("GL-1"),
        st.sampled_from(["s1", "s2", "s4"]),
        st.just("一组"),
    ),
    max_size=30,
)
_runs = st.lists(
    st.builds(
        lambda days, state, persons: TaskRun(_festival(days, state).fields, persons),
        st.integers(-2, 2),
        st.sampled_from(list(TaskState)),
        _persons,
    ),
    max_size=3,
)


def _plain(tasks: list[Task], runs: list[TaskRun]) -> list[Task]:
    """Every task made and sorted the plain way (the reference)."""
    made = tasks + [run.task(p) for run in runs for p in run.persons]
    return sorted(made, key=lambda t: t.sort_key)


def _counts(tasks: list[Task]) -> dict[TaskState, int]:
    return {state: sum(t.state is state for t in tasks) for state in TaskState}


@settings(max_examples=200, deadline=None)
@given(tasks=_tasks, runs=_runs, n=st.integers(0, 70))
def test_the_lazy_order_is_the_sort_key_order(
    tasks: list[Task], runs: list[TaskRun], n: int
) -> None:
    expected = _plain(tasks, runs)
    ordered = DueTasks(tasks, runs)
    assert len(ordered) == len(expected)
    assert ordered.first(n) == expected[:n]  # before anything is sorted
    assert ordered[:n] == expected[:n]
    assert list(ordered) == expected
    assert ordered == expected
    assert ordered == tuple(expected)
    if expected:
        assert ordered[-1] == expected[-1]
        assert ordered[len(expected) // 2] == expected[len(expected) // 2]
    assert sort_by_urgency(expected) == expected  # the eager fast sort agrees


@settings(max_examples=200, deadline=None)
@given(tasks=_tasks, runs=_runs)
def test_groups_and_counts_match_the_tasks(tasks: list[Task], runs: list[TaskRun]) -> None:
    expected = _plain(tasks, runs)
    dl = build_due_list(tasks, ON, {"s1": "乙站", "s2": "甲站"}, runs)
    assert dl.total == len(expected)
    assert dict(dl.counts) == _counts(expected)
    assert [g.site_id for g in dl.groups] == sorted(
        {t.site_id for t in expected}, key=lambda s: ({"s1": "乙站", "s2": "甲站"}.get(s, s), s)
    )
    for group in dl.groups:
        mine = [t for t in expected if t.site_id == group.site_id]
        assert list(group.tasks) == mine
        assert dict(group.counts) == _counts(mine)
    assert dl.group("no-such-site") is None


@settings(max_examples=200, deadline=None)
@given(tasks=_tasks, runs=_runs, limit=st.integers(0, 40))
def test_the_first_tasks_read_only_the_persons_they_need(
    tasks: list[Task], runs: list[TaskRun], limit: int
) -> None:
    expected = _plain(tasks, runs)
    asked: list[tuple[int, int]] = []

    def first_persons(i: int, n: int) -> list[PersonRow]:
        asked.append((i, n))
        return sorted(runs[i].persons, key=lambda p: (p[1], p[0]))[:n]

    first = first_due_tasks(tasks, limit, [run.fields for run in runs], first_persons)
    assert first == expected[:limit]
    assert all(0 < n <= limit for _, n in asked)  # never more persons than fit
    assert len({i for i, _ in asked}) == len(asked)  # each run read once
    assert count_due_tasks(tasks, [(run.fields, len(run.persons)) for run in runs]) == _counts(
        expected
    )


def test_a_run_is_held_once_and_made_into_tasks_when_read() -> None:
    persons: list[PersonRow] = [
        ("p2", "赵六", "GL-2", "s1", "二组"),
        ("p1", "张三", "GL-1", "s2", "一组"),
        ("p3", "张三", "GL-3", "s1", "三组"),
    ]
    run = TaskRun(_festival(6, TaskState.DUE_THIS_WEEK).fields, persons)
    overdue = make_task("p9", "钱七", "s1", TaskKind.TIER, TaskState.OVERDUE, -3)
    ordered = DueTasks([overdue], [run])
    assert [(t.person_id, t.kind) for t in ordered] == [
        ("p9", TaskKind.TIER),
        ("p1", TaskKind.FESTIVAL),  # 张三 before 张三 (by id), then 赵六
        ("p3", TaskKind.FESTIVAL),
        ("p2", TaskKind.FESTIVAL),
    ]
    festival = ordered[1]
    assert (festival.person_code, festival.address, festival.due) == (
        "GL-1",
        "一组",
        ON + timedelta(days=6),
    )
    assert festival.why_zh == "节"
    assert festival.state is TaskState.DUE_THIS_WEEK
    with pytest.raises(IndexError):
        ordered[4]
    assert ordered != [overdue]
    assert not DueTasks()
