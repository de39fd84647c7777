"""Past volunteer service activities (志愿服务活动), newest first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, literal
from sqlalchemy import select as columns_select
from sqlmodel import col, select

from fieldkit.domain.models import ServiceActivity, Site, VolunteerTeam
from fieldkit.domain.vocab import ActivityKind
from fieldkit.store.store import Store

__all__ = ["ActivityPage", "ActivityRow", "activity_page"]


@dataclass(frozen=True)
class ActivityRow:
    """One activity as the list shows it."""

    id: str
    held_on: date
    team: str
    site: str
    kind: ActivityKind
    title: str
    people_reached: int
    duration_minutes: int


@dataclass(frozen=True)
class ActivityPage:
    """A page of activities (newest first) and how many there are in all."""

    rows: list[ActivityRow]
    offset: int
    total: int


def activity_page(store: Store, *, offset: int = 0, limit: int = 100) -> ActivityPage:
    """The live activities from ``offset``, newest first (latest recorded first on a day)."""
    a, team, site = ServiceActivity, VolunteerTeam, Site
    live = col(a.deleted) == literal(False)
    query = (
        columns_select(
            col(a.id),
            col(a.held_on),
            col(team.name),
            col(site.name),
            col(a.kind),
            col(a.title),
            col(a.people_reached),
            col(a.duration_minutes),
        )
        .join(team, col(team.id) == col(a.team_id))
        .join(site, col(site.id) == col(a.site_id))
        .where(live)
        .order_by(col(a.held_on).desc(), col(a.id).desc())
        .offset(offset)
        .limit(limit)
    )
    with store.read() as s:
        rows = [ActivityRow(*row) for row in s.execute(query)]
        total = s.exec(select(func.count()).select_from(a).where(live)).one()
    return ActivityPage(rows=rows, offset=offset, total=int(total))
