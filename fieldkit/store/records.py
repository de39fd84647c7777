"""Saving what a field worker records: visits, consultations, activities, file edits, events.

Each function is one ``store.write()`` transaction: the row, its outbox entry (the
store's flush hook) and any status change commit together or not at all, and the
record is durable when the function returns. Inputs are already-parsed values;
:class:`RecordError` names the field that is wrong so the interface can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from fieldkit.domain.models import (
    Consultation,
    Person,
    PersonEvent,
    ServiceActivity,
    TeamMember,
    Visit,
    VolunteerTeam,
)
from fieldkit.domain.vocab import (
    ActivityKind,
    Category,
    Confirmation,
    ConsultTopic,
    EventKind,
    Sex,
    Status,
    Tier,
    VisitReason,
)
from fieldkit.errors import FieldkitError
from fieldkit.i18n import N_
from fieldkit.store.outbox import meta_get
from fieldkit.store.people import PersonRefused, checked_identity, checked_phone
from fieldkit.store.store import Store

__all__ = [
    "EDITABLE_FIELDS",
    "ActivityInput",
    "ConsultationInput",
    "OpenFollowUp",
    "RecordError",
    "VisitInput",
    "open_follow_up",
    "record_activity",
    "record_consultation",
    "record_status_event",
    "record_visit",
    "update_person",
]


class RecordError(FieldkitError):
    """A record that cannot be saved; ``field`` names the offending input.

    ``message`` is a msgid (see :class:`fieldkit.errors.FieldkitError`); ``params``
    fill its ``{named}`` fields.
    """

    def __init__(self, field: str, message: str, **params: object) -> None:
        super().__init__(message, field=field, values=params)


_NO_PERSON = N_("No person has the id {person_id}")


def _recorder(s: Session) -> str:
    """The enrolled user saving a record on this laptop ("" before enrolling)."""
    return meta_get(s, "user_name") or ""


@dataclass(frozen=True)
class VisitInput:
    """A visit as entered on the form."""

    person_id: str
    visited_at: datetime
    reason: VisitReason = VisitReason.ROUTINE
    visitors: str = ""
    people_present: str = ""
    confirmation: Confirmation = Confirmation.NONE
    needs: str = ""
    services: str = ""
    money_fen: int = 0
    goods: str = ""
    follow_up: str = ""
    follow_up_due: date | None = None
    notes: str = ""
    card_scanned_at: datetime | None = None
    """When the person's service card was scanned for this visit (a check-in)."""
    card_issue: int | None = None
    """The issue number of the scanned card."""
    carry_follow_up: bool = False
    """The follow-up owed from an earlier visit was not done on this one: the new visit
    carries it on (the care plan reads the latest visit's follow-up)."""


@dataclass(frozen=True)
class OpenFollowUp:
    """A follow-up owed to a person, noted on the visit ``visit_id``."""

    visit_id: str
    text: str
    due: date | None


def open_follow_up(store: Store, person_id: str) -> OpenFollowUp | None:
    """The follow-up the person's latest live visit still owes, if any."""
    with store.read() as s:
        latest = _latest_visit(s, person_id)
        if latest is None or not (latest.follow_up or latest.follow_up_due):
            return None
        return OpenFollowUp(latest.id, latest.follow_up, latest.follow_up_due)


def _latest_visit(s: Session, person_id: str) -> Visit | None:
    """The person's latest visit that is not voided (the one the care plan reads)."""
    query = (
        select(Visit)
        .where(Visit.person_id == person_id, Visit.deleted == False)  # noqa: E712
        .order_by(col(Visit.visited_at).desc())
        .limit(1)
    )
    return s.exec(query).first()


def _carried_follow_up(s: Session, data: VisitInput) -> tuple[str, date | None]:
    """The follow-up the new visit records: its own, plus one still owed and not done."""
    text, due = data.follow_up.strip(), data.follow_up_due
    if not data.carry_follow_up:
        return text, due
    latest = _latest_visit(s, data.person_id)
    if latest is None or latest.visited_at > data.visited_at:
        return text, due
    if not (latest.follow_up or latest.follow_up_due):
        return text, due
    owed_due = latest.follow_up_due
    joined = "; ".join(t for t in (latest.follow_up, text) if t)
    dues = [d for d in (owed_due, due) if d is not None]
    return joined, min(dues) if dues else None


@dataclass(frozen=True)
class ConsultationInput:
    """A consultation: for a person on the roster (``person_id``) or a walk-in."""

    site_id: str
    held_on: date
    topic: ConsultTopic
    person_id: str | None = None
    walkin_name: str = ""
    walkin_village: str = ""
    question: str = ""
    outcome: str = ""
    referral: str = ""
    given_by: str = ""


@dataclass(frozen=True)
class ActivityInput:
    """A volunteer team's service activity."""

    team_id: str
    site_id: str
    kind: ActivityKind
    held_on: date
    title: str = ""
    duration_minutes: int = 60
    attendee_ids: tuple[str, ...] = ()
    people_reached: int = 0
    notes: str = ""


def record_visit(store: Store, data: VisitInput) -> Visit:
    """Save a visit (and its outbox entry) in one transaction; returns the saved row."""
    if data.money_fen < 0:
        raise RecordError("money", N_("Money handed over cannot be below 0"))
    if data.follow_up_due is not None and not data.follow_up.strip():
        raise RecordError("follow_up", N_("Say what must be followed up"))
    if data.follow_up_due is not None and data.follow_up_due < data.visited_at.date():
        raise RecordError("follow_up_due", N_("The follow-up cannot be due before the visit"))
    with store.write() as s:
        person = s.get(Person, data.person_id)
        if person is None or person.deleted:
            raise RecordError("person", _NO_PERSON, person_id=data.person_id)
        follow_up, follow_up_due = _carried_follow_up(s, data)
        visit = Visit(
            person_id=person.id,
            site_id=person.site_id,
            reason=data.reason,
            visited_at=data.visited_at.replace(microsecond=0),
            visitors=data.visitors.strip(),
            people_present=data.people_present.strip(),
            confirmation=data.confirmation,
            needs=data.needs.strip(),
            services=data.services.strip(),
            money_fen=data.money_fen,
            goods=data.goods.strip(),
            follow_up=follow_up,
            follow_up_due=follow_up_due,
            notes=data.notes.strip(),
            card_scanned_at=data.card_scanned_at,
            card_issue=data.card_issue,
            recorded_by=_recorder(s),
        )
        s.add(visit)
    return visit


def record_consultation(store: Store, data: ConsultationInput) -> Consultation:
    """Save a consultation in one transaction."""
    if data.person_id is None and not (data.walkin_name.strip() or data.walkin_village.strip()):
        raise RecordError("walkin_village", N_("A walk-in needs a name or a village"))
    if not data.question.strip():
        raise RecordError("question", N_("The question is empty"))
    with store.write() as s:
        site_id = data.site_id
        if data.person_id is not None:
            person = s.get(Person, data.person_id)
            if person is None or person.deleted:
                raise RecordError("person", _NO_PERSON, person_id=data.person_id)
            site_id = person.site_id
        row = Consultation(
            site_id=site_id,
            person_id=data.person_id,
            walkin_name=data.walkin_name.strip(),
            walkin_village=data.walkin_village.strip(),
            topic=data.topic,
            held_on=data.held_on,
            question=data.question.strip(),
            outcome=data.outcome.strip(),
            referral=data.referral.strip(),
            given_by=data.given_by.strip(),
            recorded_by=_recorder(s),
        )
        s.add(row)
    return row


def record_activity(store: Store, data: ActivityInput) -> ServiceActivity:
    """Save a service activity; attendees must be members of the team."""
    if data.duration_minutes < 0:
        raise RecordError("duration", N_("The duration cannot be negative"))
    if data.people_reached < 0:
        raise RecordError("people_reached", N_("People reached cannot be negative"))
    with store.write() as s:
        team = s.get(VolunteerTeam, data.team_id)
        if team is None or team.deleted:
            raise RecordError("team", N_("No team has the id {team_id}"), team_id=data.team_id)
        for member_id in data.attendee_ids:
            member = s.get(TeamMember, member_id)
            if member is None or member.team_id != team.id:
                raise RecordError(
                    "attendees",
                    N_("{member_id} is not a member of {team}"),
                    member_id=member_id,
                    team=team.name,
                )
        row = ServiceActivity(
            team_id=team.id,
            site_id=data.site_id,
            kind=data.kind,
            title=data.title.strip(),
            held_on=data.held_on,
            duration_minutes=data.duration_minutes,
            attendee_ids=",".join(data.attendee_ids),
            attendee_count=len(data.attendee_ids),
            people_reached=data.people_reached,
            notes=data.notes.strip(),
            recorded_by=_recorder(s),
        )
        s.add(row)
    return row


EDITABLE_FIELDS: dict[str, type] = {
    "name": str,
    "sex": Sex,
    "birth_date": date,
    "category": Category,
    "former_unit": str,
    "address": str,
    "family": str,
    "health": str,
    "lives_alone": bool,
    "hardship": bool,
    "party_member": bool,
    "party_year": int,
    "skills": str,
    "notes": str,
    "tier": Tier,
    "plan_notes": str,
    "plan_review_date": date,
    "id_number": str,
}
"""Fields a file edit may change directly. Status and phone change through events."""


def update_person(store: Store, person_id: str, changes: dict[str, Any]) -> Person:
    """Apply validated field edits to a person in one transaction (only changed fields sync).

    A changed ID number or birth date is checked against each other, and the number
    against every other live person's (:func:`fieldkit.store.people.checked_identity`).
    """
    for key, value in changes.items():
        if key not in EDITABLE_FIELDS:
            raise RecordError(key, N_("{key} cannot be edited here"), key=key)
        kind = EDITABLE_FIELDS[key]
        if value is not None and not isinstance(value, kind):
            raise RecordError(key, N_("{key} must be {kind}"), key=key, kind=kind.__name__)
    if "name" in changes and not str(changes["name"]).strip():
        raise RecordError("name", N_("The name is empty"))
    year = changes.get("party_year")
    if year is not None and not 1921 <= year <= date.today().year:
        raise RecordError("party_year", N_("{year} is not a plausible year of joining"), year=year)
    with store.write() as s:
        person = s.get(Person, person_id)
        if person is None or person.deleted:
            raise RecordError("person", _NO_PERSON, person_id=person_id)
        if "id_number" in changes or ("birth_date" in changes and person.id_number):
            changes = {**changes, "id_number": _checked_id_number(s, person, changes)}
        for key, value in changes.items():
            if getattr(person, key) != value:
                setattr(person, key, value)
        s.add(person)
    return person


def _checked_id_number(s: Session, person: Person, changes: dict[str, Any]) -> str:
    """The ID number the edited file will hold; a refusal points at the field that changed."""
    try:
        return checked_identity(
            s,
            person_id=person.id,
            name=changes.get("name", person.name),
            code=person.code,
            id_number=changes.get("id_number", person.id_number),
            birth_date=changes.get("birth_date", person.birth_date),
        )
    except PersonRefused as err:
        if "id_number" not in changes:
            err.field = "birth_date"
        raise


_STATUS_AFTER: dict[EventKind, Status] = {
    EventKind.HOSPITALISED: Status.HOSPITALISED,
    EventKind.DISCHARGED: Status.ACTIVE,
    EventKind.MOVED: Status.MOVED,
    EventKind.DECEASED: Status.DECEASED,
}


def record_status_event(
    store: Store,
    person_id: str,
    kind: EventKind,
    happened_on: date,
    note: str = "",
    *,
    new_value: str = "",
) -> PersonEvent:
    """Record a dated change in a person's situation and update the file with it.

    Hospitalised, discharged, moved and deceased set the person's status; a phone
    change needs ``new_value`` (the new number, the old one is kept in the note);
    a move may give the new address as ``new_value``. Both rows (event and person)
    commit together with their outbox entries.
    """
    if kind is EventKind.PHONE_CHANGED:
        if not new_value.strip():
            raise RecordError("new_value", N_("Give the new phone number"))
        new_value = checked_phone(new_value, field="new_value")
    with store.write() as s:
        person = s.get(Person, person_id)
        if person is None or person.deleted:
            raise RecordError("person", _NO_PERSON, person_id=person_id)
        if person.status == Status.DECEASED and kind is not EventKind.DECEASED:
            raise RecordError("kind", N_("{name} is recorded as deceased"), name=person.name)
        text = note.strip()
        if kind is EventKind.PHONE_CHANGED:
            text = _join_note(f"{person.phone} -> {new_value.strip()}", text)
            person.phone = new_value.strip()
        elif kind is EventKind.MOVED and new_value.strip():
            text = _join_note(f"{person.address} -> {new_value.strip()}", text)
            person.address = new_value.strip()
        status = _STATUS_AFTER.get(kind)
        if status is not None and person.status != status:
            person.status = status
        event = PersonEvent(
            person_id=person.id,
            site_id=person.site_id,
            kind=kind,
            happened_on=happened_on,
            note=text,
            recorded_by=_recorder(s),
        )
        s.add(event)
        s.add(person)
    return event


def _join_note(*parts: str) -> str:
    return "; ".join(p for p in parts if p)
