"""The voided records of a person's timeline: still shown (marked), counted nowhere.

The file's live timeline (:func:`fieldkit.store.roster.person_file`) leaves tombstones
out; a voided record must stay visible, so this adds them back, marked ``voided``.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select

from fieldkit.domain.models import (
    Consultation,
    PersonEvent,
    ServiceActivity,
    TeamMember,
    Visit,
    VolunteerTeam,
)
from fieldkit.store.roster import TIMELINE_LIMIT, TimelineEntry
from fieldkit.store.store import Store

__all__ = ["voided_timeline"]


def _join(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


def voided_timeline(store: Store, person_id: str) -> list[TimelineEntry]:
    """The person's voided visits, consultations, events and activities (newest first)."""
    out: list[TimelineEntry] = []
    with store.read() as s:
        for v in s.exec(
            select(Visit)
            .where(col(Visit.person_id) == person_id, col(Visit.deleted) == True)  # noqa: E712
            .limit(TIMELINE_LIMIT)
        ):
            summary = _join(v.visitors, v.needs, v.services)
            out.append(
                TimelineEntry(v.visited_at.date(), "visit", str(v.reason), summary, v.id, True)
            )
        for c in s.exec(
            select(Consultation)
            .where(col(Consultation.person_id) == person_id)
            .where(col(Consultation.deleted) == True)  # noqa: E712
            .limit(TIMELINE_LIMIT)
        ):
            summary = _join(c.question, c.outcome, c.referral)
            out.append(TimelineEntry(c.held_on, "consultation", str(c.topic), summary, c.id, True))
        for e in s.exec(
            select(PersonEvent)
            .where(col(PersonEvent.person_id) == person_id)
            .where(col(PersonEvent.deleted) == True)  # noqa: E712
            .limit(TIMELINE_LIMIT)
        ):
            out.append(TimelineEntry(e.happened_on, "event", str(e.kind), e.note, e.id, True))
        members = s.exec(
            select(TeamMember).where(
                col(TeamMember.person_id) == person_id,
                col(TeamMember.deleted) == False,  # noqa: E712
            )
        ).all()
        for m in members:
            team = s.get(VolunteerTeam, m.team_id)
            for a in s.exec(
                select(ServiceActivity)
                .where(
                    col(ServiceActivity.team_id) == m.team_id,
                    col(ServiceActivity.deleted) == True,  # noqa: E712
                    func.instr(col(ServiceActivity.attendee_ids), m.id) > 0,
                )
                .limit(TIMELINE_LIMIT)
            ):
                summary = _join(team.name if team else "", a.title)
                out.append(TimelineEntry(a.held_on, "activity", str(a.kind), summary, a.id, True))
    return out
