"""The due engine's entry point: persons' facts and a day in, a sorted, grouped due list out."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date

from fieldkit.domain.careplan.duelist import DueList, build_due_list
from fieldkit.domain.careplan.policy import Policy, default_policy
from fieldkit.domain.careplan.rules import all_tasks
from fieldkit.domain.careplan.tasks import PersonFacts

__all__ = ["compute_due_list", "no_gc"]


def compute_due_list(
    persons: Iterable[PersonFacts],
    on: date,
    policy: Policy | None = None,
    site_names: Mapping[str, str] | None = None,
) -> DueList:
    """The due list of ``persons`` on ``on`` under ``policy`` (the defaults if not given)."""
    tasks = all_tasks(persons, on, policy or default_policy())
    return build_due_list(tasks, on, site_names or {})


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while tens of thousands of acyclic tuples are
    made (the facts and tasks of many persons): it would otherwise walk them over and
    over (~10% of a festival-window list on the laptop; a third of the CPU of HQ's
    due list)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
