"""The due list's fast urgency sort gives exactly the order of ``Task.sort_key``."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldkit.domain.careplan import Task, build_due_list
from fieldkit.domain.careplan.tasks import sort_by_urgency
from tests.careplan.task_strategies import any_task


@settings(max_examples=200, deadline=None)
@given(tasks=st.lists(any_task, max_size=40))
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
