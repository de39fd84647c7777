"""The due list's fast urgency sort gives exactly the order of ``Task.sort_key``."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldkit.domain.careplan import Task, TaskKind, TaskState, build_due_list
from fieldkit.domain.careplan.tasks import sort_by_urgency
from fieldkit.domain.vocab import VisitReason

_NAMES = ["王", "王五", "王五\0甲", "王\0", "李四", "", "Zhang", "zhang", "张三丰", "张三"]


def _make(pid: str, name: str, site: str, kind: TaskKind, state: TaskState, days: int) -> Task:
    due = date(2026, 1, 1) + timedelta(days=days)
    return Task(pid, name, "", site, "", kind, VisitReason.ROUTINE, due, due, state, "", "")


_task = st.builds(
    _make,
    st.sampled_from(["a", "b", "a\0", "c"]),
    st.sampled_from(_NAMES) | st.text(max_size=4),
    st.sampled_from(["s1", "s2", "s3"]),
    st.sampled_from(list(TaskKind)),
    st.sampled_from(list(TaskState)),
    st.integers(-3, 3),
)


@settings(max_examples=200, deadline=None)
@given(tasks=st.lists(_task, max_size=40))
def test_the_fast_sort_is_the_sort_key_order(tasks: list[Task]) -> None:
    expected = sorted(tasks, key=lambda t: t.sort_key)
    assert sort_by_urgency(tasks) == expected
    # stable too: equal keys keep their input order (the same objects in the same places)
    assert [id(t) for t in sort_by_urgency(tasks)] == [id(t) for t in expected]
    dl = build_due_list(tasks, date(2026, 1, 1), {"s1": "乙", "s2": "甲"})
    assert list(dl.tasks) == expected
    assert [g.site_id for g in dl.groups] == sorted(
        {t.site_id for t in tasks}, key=lambda s: ({"s1": "乙", "s2": "甲"}.get(s, s), s)
    )
