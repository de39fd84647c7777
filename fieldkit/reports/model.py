"""The quarterly statistics tables (活动情况统计表) as typed values, one dataclass per section.

Every section has a row per site (activities: per team) and a totals row that is the
sum of its rows; counts per vocabulary member are mappings holding every member
(zero when nothing happened). Money is whole fen (``int``), volunteer time whole
minutes: nothing is a float, so totals are exact. What each figure means is in
:mod:`fieldkit.reports.compute`; the care-plan outcomes in
:mod:`fieldkit.reports.replay`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Generic, TypeVar

from fieldkit.domain.careplan import TaskKind
from fieldkit.domain.vocab import (
    ActivityKind,
    Category,
    ConsultTopic,
    SiteKind,
    Tier,
    VisitReason,
)
from fieldkit.reports.quarter import Quarter

__all__ = [
    "ActivitiesRow",
    "CarePlanKindRow",
    "CarePlanSiteRow",
    "ConsultationsRow",
    "MoneyRow",
    "Outcomes",
    "PersonsRow",
    "QuarterlyReport",
    "Section",
    "SiteRef",
    "TeamRef",
    "UnvisitedResident",
    "VisitsRow",
    "zero_counts",
]

E = TypeVar("E", bound=StrEnum)
R = TypeVar("R")


def zero_counts(enum: type[E]) -> dict[E, int]:
    """A count of 0 for every member of a vocabulary."""
    return dict.fromkeys(enum, 0)


def _add_counts(enum: type[E], maps: Iterable[Mapping[E, int]]) -> dict[E, int]:
    total = zero_counts(enum)
    for counts in maps:
        for member, n in counts.items():
            total[member] += n
    return total


@dataclass(frozen=True, slots=True)
class SiteRef:
    """A site as the tables name it."""

    id: str
    name: str
    kind: SiteKind


@dataclass(frozen=True, slots=True)
class TeamRef:
    """A volunteer team and the site it is based at."""

    id: str
    name: str
    site: SiteRef


@dataclass(frozen=True, slots=True)
class Section(Generic[R]):
    """The rows of one table and its totals row (the sum of the rows)."""

    rows: tuple[R, ...]
    total: R


@dataclass(frozen=True, slots=True)
class PersonsRow:
    """Persons served at a site (服务对象): on the roster at some time in the quarter."""

    site: SiteRef | None
    served: int
    by_category: Mapping[Category, int]
    by_tier: Mapping[Tier, int]
    new: int
    moved: int
    deceased: int

    @staticmethod
    def sum(rows: Iterable[PersonsRow]) -> PersonsRow:
        """The totals row of ``rows``."""
        rows = tuple(rows)
        return PersonsRow(
            site=None,
            served=sum(r.served for r in rows),
            by_category=_add_counts(Category, (r.by_category for r in rows)),
            by_tier=_add_counts(Tier, (r.by_tier for r in rows)),
            new=sum(r.new for r in rows),
            moved=sum(r.moved for r in rows),
            deceased=sum(r.deceased for r in rows),
        )


@dataclass(frozen=True, slots=True)
class VisitsRow:
    """Visits of the quarter at a site (走访情况)."""

    site: SiteRef | None
    by_reason: Mapping[VisitReason, int]
    persons_visited: int
    card_scanned: int

    @property
    def visits(self) -> int:
        """Visits of every reason."""
        return sum(self.by_reason.values())

    @staticmethod
    def sum(rows: Iterable[VisitsRow]) -> VisitsRow:
        """The totals row of ``rows`` (a person belongs to one site, so persons add up)."""
        rows = tuple(rows)
        return VisitsRow(
            site=None,
            by_reason=_add_counts(VisitReason, (r.by_reason for r in rows)),
            persons_visited=sum(r.persons_visited for r in rows),
            card_scanned=sum(r.card_scanned for r in rows),
        )


@dataclass(frozen=True, slots=True)
class Outcomes:
    """Care-plan visits due in the quarter: done on time, done late, or missed."""

    on_time: int = 0
    late: int = 0
    missed: int = 0

    @property
    def due(self) -> int:
        """All visits that fell due."""
        return self.on_time + self.late + self.missed

    def __add__(self, other: Outcomes) -> Outcomes:
        return Outcomes(
            self.on_time + other.on_time, self.late + other.late, self.missed + other.missed
        )


@dataclass(frozen=True, slots=True)
class CarePlanSiteRow:
    """The care-plan visits due at a site (一人一策 应访完成情况)."""

    site: SiteRef | None
    outcomes: Outcomes

    @staticmethod
    def sum(rows: Iterable[CarePlanSiteRow]) -> CarePlanSiteRow:
        """The totals row of ``rows``."""
        return CarePlanSiteRow(None, sum((r.outcomes for r in rows), Outcomes()))


@dataclass(frozen=True, slots=True)
class CarePlanKindRow:
    """The care-plan visits due of one kind (tier visit, festival visit, ...)."""

    kind: TaskKind | None
    outcomes: Outcomes

    @staticmethod
    def sum(rows: Iterable[CarePlanKindRow]) -> CarePlanKindRow:
        """The totals row of ``rows``."""
        return CarePlanKindRow(None, sum((r.outcomes for r in rows), Outcomes()))


@dataclass(frozen=True, slots=True)
class UnvisitedResident:
    """A relocation-site resident with no visit in the twelve months ending with the quarter."""

    site: SiteRef
    person_id: str
    code: str
    name: str
    address: str
    phone: str
    last_visit: date | None


@dataclass(frozen=True, slots=True)
class MoneyRow:
    """Money (whole fen) and goods handed over on the quarter's visits at a site (慰问金及物资)."""

    site: SiteRef | None
    fen_by_reason: Mapping[VisitReason, int]
    persons_given: int
    goods_visits: int

    @property
    def fen(self) -> int:
        """Money of every reason, in fen."""
        return sum(self.fen_by_reason.values())

    @staticmethod
    def sum(rows: Iterable[MoneyRow]) -> MoneyRow:
        """The totals row of ``rows``."""
        rows = tuple(rows)
        return MoneyRow(
            site=None,
            fen_by_reason=_add_counts(VisitReason, (r.fen_by_reason for r in rows)),
            persons_given=sum(r.persons_given for r in rows),
            goods_visits=sum(r.goods_visits for r in rows),
        )


@dataclass(frozen=True, slots=True)
class ConsultationsRow:
    """Consultations given at a site in the quarter, by topic (咨询)."""

    site: SiteRef | None
    by_topic: Mapping[ConsultTopic, int]

    @property
    def consultations(self) -> int:
        """Consultations of every topic."""
        return sum(self.by_topic.values())

    @staticmethod
    def sum(rows: Iterable[ConsultationsRow]) -> ConsultationsRow:
        """The totals row of ``rows``."""
        return ConsultationsRow(None, _add_counts(ConsultTopic, (r.by_topic for r in rows)))


@dataclass(frozen=True, slots=True)
class ActivitiesRow:
    """A volunteer team's service activities in the quarter (志愿服务).

    ``volunteer_times`` counts team members taking part, activity by activity
    (志愿者人次); ``people_reached`` the people reached (受益群众人次);
    ``volunteer_minutes`` each activity's length times its members taking part.
    """

    team: TeamRef | None
    by_kind: Mapping[ActivityKind, int]
    volunteer_times: int
    people_reached: int
    volunteer_minutes: int

    @property
    def activities(self) -> int:
        """Activities of every kind."""
        return sum(self.by_kind.values())

    @staticmethod
    def sum(rows: Iterable[ActivitiesRow]) -> ActivitiesRow:
        """The totals row of ``rows``."""
        rows = tuple(rows)
        return ActivitiesRow(
            team=None,
            by_kind=_add_counts(ActivityKind, (r.by_kind for r in rows)),
            volunteer_times=sum(r.volunteer_times for r in rows),
            people_reached=sum(r.people_reached for r in rows),
            volunteer_minutes=sum(r.volunteer_minutes for r in rows),
        )


@dataclass(frozen=True, slots=True)
class QuarterlyReport:
    """The quarter's statistics tables of a bureau, over every site in scope or one site.

    ``made_on`` is the day the tables were made (printed under the title).
    """

    bureau: str
    quarter: Quarter
    site: SiteRef | None
    made_on: date
    persons: Section[PersonsRow]
    visits: Section[VisitsRow]
    care_by_site: Section[CarePlanSiteRow]
    care_by_kind: Section[CarePlanKindRow]
    unvisited: tuple[UnvisitedResident, ...]
    money: Section[MoneyRow]
    consultations: Section[ConsultationsRow]
    activities: Section[ActivitiesRow]
    money_hidden: bool = False
    """True on a volunteer's laptop, which never receives the money handed over."""
