"""The quarterly statistics tables of the sites in one store."""

from __future__ import annotations

from datetime import date

from fieldkit.domain.careplan import Policy
from fieldkit.reports import QuarterlyReport, StoreSource, build_report
from fieldkit.reports.quarter import Quarter
from fieldkit.store import Store
from fieldkit.sync_schema import ROLES

__all__ = ["Quarter", "QuarterlyReport", "Reports"]


class Reports:
    """Computing the quarterly report (writing it to a file is :mod:`fieldkit.reports`')."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def sites(self) -> list[tuple[str, str, bool]]:
        """Every site as ``(id, name, deleted)``."""
        return [(s.id, s.name, s.deleted) for s in StoreSource(self._store).sites()]

    def build(
        self,
        quarter: Quarter,
        *,
        site_id: str | None = None,
        policy: Policy | None = None,
        bureau: str | None = None,
        made_on: date | None = None,
    ) -> QuarterlyReport:
        """The tables of ``quarter`` for one site or every site; money hidden from volunteers."""
        return build_report(
            StoreSource(self._store),
            quarter,
            site_id=site_id,
            policy=policy,
            bureau=bureau,
            made_on=made_on,
            money_hidden=self._money_hidden(),
        )

    def visits_per_month(self, quarter: Quarter) -> list[tuple[str, tuple[int, int, int]]]:
        """Per site (by name): the live visits in each month of ``quarter``."""
        source = StoreSource(self._store)
        names = {site.id: site.name for site in source.sites() if not site.deleted}
        site_of = {person.id: person.site_id for person in source.persons(None)}
        counts = {site_id: [0, 0, 0] for site_id in names}
        first = quarter.start.month
        visits = source.visits_between(quarter.start, quarter.next_start, None)
        for person_id, facts in visits.items():
            months = counts.get(site_of.get(person_id, ""))
            if months is not None:
                for fact in facts:
                    months[fact.day.month - first] += 1
        return sorted((names[site_id], (m[0], m[1], m[2])) for site_id, m in counts.items())

    def _money_hidden(self) -> bool:
        """Whether this laptop's role may not see money (a volunteer's)."""
        role = ROLES.get(self._store.meta("role") or "")
        return role is not None and "money_fen" in role.hidden_in("visit")
