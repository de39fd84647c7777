"""Hypothesis strategies of due-list tasks, shared by the tests of the urgency order."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from fieldkit.domain.careplan import Task, TaskKind, TaskState
from fieldkit.domain.vocab import VisitReason

__all__ = ["BASE", "NAMES", "SITES", "any_task", "make_task"]

BASE = date(2026, 1, 1)
"""The day the generated due dates lie around."""
NAMES = ["王", "王五", "王五\0甲", "王\0", "李四", "", "Zhang", "zhang", "张三丰", "张三"]
SITES = ["s1", "s2", "s3"]


def make_task(pid: str, name: str, site: str, kind: TaskKind, state: TaskState, days: int) -> Task:
    """A task due ``days`` after :data:`BASE` (window of one day)."""
    due = BASE + timedelta(days=days)
    return Task(pid, name, "", site, "", kind, VisitReason.ROUTINE, due, due, state, "", "")


any_task = st.builds(
    make_task,
    st.sampled_from(["a", "b", "a\0", "c"]),
    st.sampled_from(NAMES) | st.text(max_size=4),
    st.sampled_from(SITES),
    st.sampled_from(list(TaskKind)),
    st.sampled_from(list(TaskState)),
    st.integers(-3, 3),
)
"""Tasks with few distinct names, ids, sites, kinds, states and due dates (many ties)."""
