"""The replay's shortcut (the engine asked only after visits that can start a task due in
the quarter) gives the same figures as asking the engine after every day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from fieldkit.domain.careplan import Policy, default_policy, parse_policy
from fieldkit.reports import StoreSource, build_report, parse_quarter
from fieldkit.sampledata import generate_store
from fieldkit.store import Store
from tests.reports.report_county import County

TIGHT = parse_policy(
    """
[list]
upcoming_days = 10
[tiers.key]
interval_days = 20
[tiers.periodic]
interval_days = 45
[hospital]
within_days = 20
[follow_ups]
default_days = 5
[festivals]
enabled = ["spring_festival", "double_ninth"]
days_before = 21
"""
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = generate_store(tmp_path_factory.mktemp("gen") / "gen.db", persons=400, visits=6000)
    yield store
    store.close()


def _same(store: Store, quarter: str, policy: Policy) -> None:
    source, q = StoreSource(store), parse_quarter(quarter)
    fast = build_report(source, q, policy=policy, made_on=date(2027, 1, 5))
    exact = build_report(source, q, policy=policy, made_on=date(2027, 1, 5), exact_replay=True)
    assert fast.care_by_site == exact.care_by_site
    assert fast.care_by_kind == exact.care_by_kind
    assert exact.care_by_site.total.outcomes.due > 0


@pytest.mark.parametrize("quarter", ["2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4"])
@pytest.mark.parametrize("policy", [default_policy(), TIGHT], ids=["shipped", "tight"])
def test_generated_county(generated: Store, quarter: str, policy: Policy) -> None:
    _same(generated, quarter, policy)


def test_hand_worked_county(county: County) -> None:
    _same(county.store, "2026Q4", default_policy())
    _same(county.store, "2026Q4", TIGHT)
