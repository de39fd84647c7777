"""The care-plan figures a report keeps per person and quarter are replaced exactly when
the person's records change: a visit added, corrected, moved to another person or
voided after a report was made changes the next report exactly as it should, and only
the persons touched are replayed again.

Each step is checked three ways: the hand-worked change of the figures (the county of
``report_county``, 2026Q4), the same report made from scratch (``exact_replay`` keeps
and reads nothing), and the persons the report replayed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path

import pytest

from fieldkit.domain.careplan import TaskKind
from fieldkit.domain.models import Visit
from fieldkit.domain.vocab import VisitReason
from fieldkit.reports import QuarterlyReport, StoreSource, build_report, parse_quarter
from fieldkit.reports.kept import MIGRATED_OUTCOME_COLUMNS, OUTCOME_COLUMNS
from fieldkit.reports.model import Outcomes
from fieldkit.store.records import VisitInput, record_visit
from tests.reports.report_county import County, Watching, build_county, site_of

Q4 = parse_quarter("2026Q4")
DAY = date(2027, 1, 5)


class Watched(Watching, StoreSource):
    """A store source that remembers whom each report replayed."""


def _reports(source: Watched) -> tuple[QuarterlyReport, QuarterlyReport]:
    kept = build_report(source, Q4, made_on=DAY)
    fresh = build_report(source, Q4, made_on=DAY, exact_replay=True)
    assert kept == fresh, "the kept figures are the figures made from scratch"
    return kept, fresh


def _site_a(report: QuarterlyReport, county: County) -> Outcomes:
    (row,) = [r for r in report.care_by_site.rows if site_of(r).id == county["site_A"]]
    return row.outcomes


def _kinds(report: QuarterlyReport) -> dict[TaskKind | None, Outcomes]:
    return {row.kind: row.outcomes for row in report.care_by_kind.rows}


def _unvisited(report: QuarterlyReport) -> Sequence[str]:
    return [u.code for u in report.unvisited]


def _festival_visits_at_a(report: QuarterlyReport, county: County) -> int:
    (row,) = [r for r in report.visits.rows if site_of(r).id == county["site_A"]]
    return row.by_reason[VisitReason.FESTIVAL]


@pytest.fixture
def county(tmp_path: Path) -> Iterator[County]:
    built = build_county(tmp_path / "laptop.db")
    yield built
    built.store.close()


def test_a_changed_visit_changes_the_next_report_exactly(county: County) -> None:
    source = Watched(county.store)
    first, _ = _reports(source)
    assert len(source.replayed) == 9, "the first report replays every live person"
    again, _ = _reports(source)
    assert again == first
    assert source.replayed == set(), "then nobody, nothing changed"
    assert _site_a(first, county) == Outcomes(on_time=3, late=3, missed=9)
    assert _kinds(first)[TaskKind.FESTIVAL] == Outcomes(on_time=2, missed=5)
    assert _kinds(first)[TaskKind.TIER] == Outcomes(on_time=1, late=3, missed=5)
    assert _kinds(first)[TaskKind.RELOCATION_YEARLY] == Outcomes(missed=2)
    assert _unvisited(first) == ["A-2", "A-5"]

    # A-5, never visited, gets a festival visit on 10-15 (Double Ninth window 10-04..10-17):
    # festival on time; the never-visited tier visit (due 10-01) late; the yearly visit,
    # done before it is listed (11-01), no longer counted; A-5 is not unvisited any more
    added = record_visit(
        county.store,
        VisitInput(county["A-5"], datetime(2026, 10, 15, 9, 0), reason=VisitReason.FESTIVAL),
    ).id
    visited, _ = _reports(source)
    assert source.replayed == {county["A-5"]}
    assert _site_a(visited, county) == Outcomes(on_time=4, late=4, missed=6)
    assert _kinds(visited)[TaskKind.FESTIVAL] == Outcomes(on_time=3, missed=4)
    assert _kinds(visited)[TaskKind.TIER] == Outcomes(on_time=1, late=4, missed=4)
    assert _kinds(visited)[TaskKind.RELOCATION_YEARLY] == Outcomes(missed=1)
    assert _unvisited(visited) == ["A-2"]
    assert _festival_visits_at_a(visited, county) == _festival_visits_at_a(first, county) + 1

    # corrected to a routine visit: the festival visit is missed again, the rest stays
    _edit(county, added, reason=VisitReason.ROUTINE)
    corrected, _ = _reports(source)
    assert source.replayed == {county["A-5"]}
    assert _site_a(corrected, county) == Outcomes(on_time=3, late=4, missed=7)
    assert _kinds(corrected)[TaskKind.FESTIVAL] == Outcomes(on_time=2, missed=5)
    assert _kinds(corrected)[TaskKind.TIER] == Outcomes(on_time=1, late=4, missed=4)

    # moved to A-2 (last visited 2025-10-05): A-5 is as first; both are replayed
    _edit(county, added, person_id=county["A-2"])
    moved, _ = _reports(source)
    assert source.replayed == {county["A-2"], county["A-5"]}
    assert _unvisited(moved) == ["A-5"]

    # voided (the record's deleted flag set): every figure is the first report's again
    _edit(county, added, person_id=county["A-5"])
    _reports(source)
    _edit(county, added, deleted=True)
    voided, _ = _reports(source)
    assert source.replayed == {county["A-5"]}
    assert voided == first


def test_a_changed_policy_or_quarter_is_kept_apart(county: County) -> None:
    source = Watched(county.store)
    first, _ = _reports(source)
    q3 = parse_quarter("2026Q3")
    build_report(source, q3, made_on=DAY)
    assert len(source.replayed) == 9, "another quarter has figures of its own"
    build_report(source, Q4, made_on=DAY)
    assert source.replayed == set(), "and the first quarter's are still kept"
    assert build_report(source, Q4, made_on=DAY) == first


def _edit(county: County, visit_id: str, **values: object) -> None:
    with county.store.write() as s:
        visit = s.get(Visit, visit_id)
        assert visit is not None
        for name, value in values.items():
            setattr(visit, name, value)
        s.add(visit)


def test_the_migrations_made_a_column_for_every_outcome() -> None:
    assert tuple(c for _, _, c in OUTCOME_COLUMNS) == MIGRATED_OUTCOME_COLUMNS
