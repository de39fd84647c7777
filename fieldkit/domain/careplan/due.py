"""The due engine's entry point: persons' facts and a day in, a sorted, grouped due list out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from fieldkit.domain.careplan.duelist import DueList, build_due_list
from fieldkit.domain.careplan.policy import Policy, default_policy
from fieldkit.domain.careplan.rules import all_tasks
from fieldkit.domain.careplan.tasks import PersonFacts

__all__ = ["compute_due_list"]


def compute_due_list(
    persons: Iterable[PersonFacts],
    on: date,
    policy: Policy | None = None,
    site_names: Mapping[str, str] | None = None,
) -> DueList:
    """The due list of ``persons`` on ``on`` under ``policy`` (the defaults if not given)."""
    tasks = all_tasks(persons, on, policy or default_policy())
    return build_due_list(tasks, on, site_names or {})
