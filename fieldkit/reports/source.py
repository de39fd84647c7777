"""Where the quarterly tables read their figures: a typed interface, one method per aggregate.

:class:`ReportSource` is what :func:`fieldkit.reports.compute.build_report` needs.
The laptop's implementation is :class:`fieldkit.reports.store_source.StoreSource`
(SQL over the local SQLite store); headquarters implements the same methods over
its own tables (docs/ARCHITECTURE.md, "Reports"). Every method returns small typed
rows: counts come aggregated in the database, and only what the care-plan replay
needs per person (persons, their events, their visits around the quarter) comes
row by row.

Rules every implementation keeps:

- tombstoned rows (``deleted``) never count;
- a record's site is its person's site when it belongs to a person (visits,
  consultations about a person): sync files a person's history under the site
  they live at now, so the laptop and headquarters file it the same way;
- ``sites`` narrows everything to persons (and walk-in consultations, teams)
  of those sites; ``None`` means every site the source holds;
- times compare as described in :mod:`fieldkit.reports.quarter`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date
from typing import TYPE_CHECKING, NamedTuple, Protocol

from fieldkit.domain.vocab import (
    ActivityKind,
    Category,
    ConsultTopic,
    EventKind,
    SiteKind,
    Status,
    Tier,
    VisitReason,
)
from fieldkit.reports.quarter import Quarter

if TYPE_CHECKING:
    from fieldkit.reports.kept import KeptFigures, PersonQuarter

__all__ = [
    "ActivityCount",
    "ConsultationCount",
    "EventRow",
    "PersonRow",
    "PersonScope",
    "ReportSource",
    "SiteRow",
    "SiteScope",
    "TeamRow",
    "VisitFact",
    "VisitFigures",
    "VisitReach",
    "VisitTotals",
]

SiteScope = Collection[str] | None
"""Site ids to report on, or ``None`` for every site."""
PersonScope = Collection[str] | None
"""Person ids to read (within the site scope), or ``None`` for every person there."""


class SiteRow(NamedTuple):
    """A site."""

    id: str
    name: str
    kind: SiteKind
    county: str
    deleted: bool


class TeamRow(NamedTuple):
    """A volunteer team."""

    id: str
    name: str
    site_id: str
    deleted: bool


class PersonRow(NamedTuple):
    """A live person's file, as far as the tables need it."""

    id: str
    code: str
    name: str
    site_id: str
    address: str
    phone: str
    category: Category
    tier: Tier
    status: Status
    birth_date: date | None


class EventRow(NamedTuple):
    """A live dated event of a person."""

    person_id: str
    kind: EventKind
    happened_on: date


class VisitFact(NamedTuple):
    """A live visit as the care-plan replay sees it: its local day, reason, follow-up."""

    day: date
    reason: VisitReason
    owes_follow_up: bool
    follow_up_due: date | None


class VisitTotals(NamedTuple):
    """The quarter's live visits of one reason at one site."""

    site_id: str
    reason: VisitReason
    visits: int
    card_scanned: int
    fen: int
    goods_visits: int


class VisitReach(NamedTuple):
    """How many persons of a site were visited, and given money or goods, in the quarter."""

    site_id: str
    persons_visited: int
    persons_given: int


class ConsultationCount(NamedTuple):
    """The quarter's live consultations of one topic at one site."""

    site_id: str
    topic: ConsultTopic
    consultations: int


class ActivityCount(NamedTuple):
    """The quarter's live service activities of one kind by one team."""

    team_id: str
    kind: ActivityKind
    activities: int
    volunteer_times: int
    people_reached: int
    volunteer_minutes: int


class VisitFigures(NamedTuple):
    """The quarter's visit counts: per site and reason, and the persons reached per site."""

    totals: Sequence[VisitTotals]
    reach: Sequence[VisitReach]


class ReportSource(Protocol):
    """The figures behind the quarterly tables, each read in one query.

    The persons, events and visits are read only for the persons whose kept figures
    (:mod:`fieldkit.reports.kept`) are missing or stale; ``only`` names them.
    """

    def reading(self) -> AbstractContextManager[object]:
        """Every read made inside it sees one snapshot of the records."""
        ...

    def kept(self, quarter: Quarter, key: str, sites: SiteScope) -> KeptFigures:
        """The kept figures of ``quarter`` under the policy ``key`` still valid for the
        live persons at ``sites``, added up, and the persons to replay instead."""
        ...

    def keep(self, quarter: Quarter, key: str, figures: Sequence[PersonQuarter]) -> None:
        """Store ``figures`` (replacing the persons' earlier rows), in a transaction of
        its own. Called after every report that keeps figures, with none when nobody was
        replayed (HQ's source may still note that its figures were checked)."""
        ...

    def sites(self) -> Sequence[SiteRow]:
        """Every site (tombstoned ones too, flagged)."""
        ...

    def teams(self, sites: SiteScope) -> Sequence[TeamRow]:
        """Every volunteer team based at ``sites`` (tombstoned ones too, flagged)."""
        ...

    def persons(self, sites: SiteScope, only: PersonScope = None) -> Sequence[PersonRow]:
        """The live persons living at ``sites``."""
        ...

    def events(self, until: date, sites: SiteScope, only: PersonScope = None) -> Sequence[EventRow]:
        """The live events of live persons at ``sites`` dated on or before ``until``,
        in date order (same-day events in the order they were recorded)."""
        ...

    def visits_between(
        self, since: date, before: date, sites: SiteScope, only: PersonScope = None
    ) -> Mapping[str, Sequence[VisitFact]]:
        """Per live person at ``sites``: their live visits from the day ``since`` to before
        the day ``before``, in time order (same-time visits in the order stored)."""
        ...

    def latest_visits_before(
        self, day: date, sites: SiteScope, only: PersonScope = None
    ) -> Mapping[str, VisitFact]:
        """Per live person at ``sites``: their latest live visit before the day ``day``
        (same-time visits: the one stored last)."""
        ...

    def visit_figures(self, quarter: Quarter, sites: SiteScope) -> VisitFigures:
        """The quarter's live visits counted per site and reason (visits, visits confirmed
        by scanning the person's card, money handed over in fen, visits that handed over
        goods), and per site the persons with at least one of them and those handed
        money or goods on one."""
        ...

    def consultation_counts(
        self, quarter: Quarter, sites: SiteScope
    ) -> Sequence[ConsultationCount]:
        """The quarter's live consultations counted per site and topic."""
        ...

    def activity_counts(self, quarter: Quarter, sites: SiteScope) -> Sequence[ActivityCount]:
        """The quarter's live service activities of the teams based at ``sites``, summed per
        team and kind."""
        ...
