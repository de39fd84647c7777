"""Each site's report is its row of the whole report, and the sites add up to the total."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from fieldkit.reports import QuarterlyReport, StoreSource, build_report, parse_quarter
from fieldkit.reports.model import (
    ActivitiesRow,
    CarePlanKindRow,
    CarePlanSiteRow,
    ConsultationsRow,
    MoneyRow,
    PersonsRow,
    VisitsRow,
)
from fieldkit.sampledata import generate_store
from fieldkit.store import Store
from tests.reports.report_county import County, site_of

DAY = date(2027, 1, 5)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """An invented county of 400 persons and a year of 4,000 visits (to 2026-10-31)."""
    store = generate_store(tmp_path_factory.mktemp("gen") / "gen.db", persons=400, visits=4000)
    yield store
    store.close()


def _check_sites_add_up(store: Store, quarter: str) -> QuarterlyReport:
    source = StoreSource(store)
    q = parse_quarter(quarter)
    whole = build_report(source, q, made_on=DAY)
    per_site = [
        build_report(source, q, site_id=site_of(row).id, made_on=DAY) for row in whole.persons.rows
    ]
    assert all(r.site is not None for r in per_site)
    for part, row in zip(per_site, whole.persons.rows, strict=True):
        assert part.persons.rows == (row,)
        assert part.persons.total == PersonsRow.sum([row])
    assert PersonsRow.sum(r.persons.total for r in per_site) == whole.persons.total
    assert VisitsRow.sum(r.visits.total for r in per_site) == whole.visits.total
    assert MoneyRow.sum(r.money.total for r in per_site) == whole.money.total
    assert CarePlanSiteRow.sum(r.care_by_site.total for r in per_site) == whole.care_by_site.total
    kinds = [CarePlanKindRow.sum(r.care_by_kind.rows[i] for r in per_site) for i in range(8)]
    assert [k.outcomes for k in kinds] == [k.outcomes for k in whole.care_by_kind.rows]
    assert ConsultationsRow.sum(r.consultations.total for r in per_site) == (
        whole.consultations.total
    )
    assert ActivitiesRow.sum(r.activities.total for r in per_site) == whole.activities.total
    assert [u for r in per_site for u in r.unvisited] == list(whole.unvisited)
    for part, visits in zip(per_site, whole.visits.rows, strict=True):
        assert part.visits.rows == (visits,)
    for part, care in zip(per_site, whole.care_by_site.rows, strict=True):
        assert part.care_by_site.rows == (care,)
    return whole


def test_the_hand_worked_county(county: County) -> None:
    whole = _check_sites_add_up(county.store, "2026Q4")
    assert whole.care_by_site.total.outcomes.due == 22


def test_a_generated_county(generated: Store) -> None:
    whole = _check_sites_add_up(generated, "2026Q3")
    # a real quarter of work: every section has figures
    assert whole.persons.total.served > 300
    assert whole.visits.total.visits > 500
    assert whole.money.total.fen > 0
    assert whole.care_by_site.total.outcomes.due > whole.persons.total.served
    assert whole.consultations.total.consultations > 0
    assert whole.activities.total.activities > 0
