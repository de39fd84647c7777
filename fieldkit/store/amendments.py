"""Correcting and voiding saved records, each with its append-only amendment row.

A correction changes some fields of a visit, consultation, status event or service
activity; a void sets its ``deleted`` flag, so every query that leaves out tombstones
(the care plan, the due list, the reports, HQ's projection) leaves it out. Both are
ordinary synced changes of the record, written in one transaction with a
:class:`~fieldkit.domain.models.RecordAmendment` that keeps what changed (old and new
values), the reason, who, on which device and when. Nothing is overwritten without
its trace; an amendment row is never changed (HQ refuses it).

Voiding or correcting a status event brings the person's status back in line with
the events left (a mistyped 出院 or 去世 undone), and voiding a phone or address
change puts the old value back while the person still holds the new one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from fieldkit.domain.models import (
    Consultation,
    Person,
    PersonEvent,
    RecordAmendment,
    ServiceActivity,
    Visit,
)
from fieldkit.domain.money import MAX_FEN
from fieldkit.domain.vocab import (
    ActivityKind,
    AmendAction,
    Confirmation,
    ConsultTopic,
    EventKind,
    Status,
    VisitReason,
)
from fieldkit.i18n import N_
from fieldkit.store.outbox import meta_get
from fieldkit.store.records import _STATUS_AFTER, RecordError
from fieldkit.store.store import Store
from fieldkit.store.wire import to_wire

__all__ = [
    "CORRECTABLE",
    "TABLES",
    "Amendment",
    "AmendmentRules",
    "amendments_of",
    "correct_record",
    "void_record",
]

TABLES: dict[str, type[SQLModel]] = {
    "visit": Visit,
    "consultation": Consultation,
    "activity": ServiceActivity,
    "event": PersonEvent,
}
"""The record kinds that can be corrected or voided, as the timeline names them."""

CORRECTABLE: dict[str, dict[str, type]] = {
    "visit": {
        "reason": VisitReason,
        "visited_at": datetime,
        "visitors": str,
        "people_present": str,
        "confirmation": Confirmation,
        "needs": str,
        "services": str,
        "money_fen": int,
        "goods": str,
        "follow_up": str,
        "follow_up_due": date,
        "notes": str,
    },
    "consultation": {
        "topic": ConsultTopic,
        "held_on": date,
        "walkin_name": str,
        "walkin_village": str,
        "question": str,
        "outcome": str,
        "referral": str,
        "given_by": str,
    },
    "activity": {
        "kind": ActivityKind,
        "title": str,
        "held_on": date,
        "duration_minutes": int,
        "people_reached": int,
        "notes": str,
    },
    "event": {"kind": EventKind, "happened_on": date, "note": str},
}
"""The fields a correction may change, per kind, with their types. Who, where and
the scanned card are what happened: they are not corrected."""

_NULLABLE = frozenset({"follow_up_due"})
_NOT_FOUND = N_("This record is not in the store.")


@dataclass(frozen=True)
class AmendmentRules:
    """Who amends, from where, and which fields their role may not see.

    ``forbidden`` maps a table to the fields this user may not change (their role
    never receives them); ``split`` maps a table to the fields some role may not see,
    whose old and new values go to the amendment's ``hidden_changes``.
    """

    user: str
    forbidden: Mapping[str, frozenset[str]]
    split: Mapping[str, frozenset[str]]


@dataclass(frozen=True)
class Amendment:
    """One correction or void as the record view shows it."""

    id: str
    action: AmendAction
    at: datetime
    by_user: str
    device: str
    reason: str
    changes: dict[str, tuple[Any, Any]]
    """Field name → (old, new), wire values; hidden fields only where the role sees them."""


def _table(kind: str) -> type[SQLModel]:
    table = TABLES.get(kind)
    if table is None:
        raise RecordError("kind", N_("{kind} records cannot be amended"), kind=kind)
    return table


def _load(s: Session, kind: str, row_id: str) -> Any:
    row: Any = s.get(_table(kind), row_id)
    if row is None:
        raise RecordError("record", _NOT_FOUND)
    if row.deleted:
        raise RecordError("record", N_("This record is voided: it cannot be changed any more"))
    return row


def _checked(kind: str, changes: Mapping[str, Any], forbidden: frozenset[str]) -> None:
    """Every changed field may be corrected here, by this user, with a value of its type."""
    fields = CORRECTABLE[kind]
    for name, value in changes.items():
        if name not in fields:
            raise RecordError(name, N_("{name} cannot be corrected"), name=name)
        if name in forbidden:
            raise RecordError(
                name, N_("Your role may not see {name}, so it may not correct it"), name=name
            )
        kind_of = fields[name]
        if value is None and name in _NULLABLE:
            continue
        wrong = not isinstance(value, kind_of) or (kind_of is int and isinstance(value, bool))
        if kind_of is date and isinstance(value, datetime):
            wrong = True
        if wrong:
            raise RecordError(name, N_("{name} must be {type}"), name=name, type=kind_of.__name__)


def _check_values(kind: str, row: Any) -> None:
    """The corrected record obeys the rules a new one does."""
    check = _VALUE_CHECKS.get(kind)
    if check is not None:
        check(row)


def _check_visit(row: Any) -> None:
    """A visit's money is within the limits; a follow-up says what and is not due early."""
    if not 0 <= row.money_fen <= MAX_FEN:
        raise RecordError("money_fen", N_("Money handed over cannot be below 0"))
    if row.follow_up_due is not None and not row.follow_up.strip():
        raise RecordError("follow_up", N_("Say what must be followed up"))
    if row.follow_up_due is not None and row.follow_up_due < row.visited_at.date():
        raise RecordError("follow_up_due", N_("The follow-up cannot be due before the visit"))


def _check_consultation(row: Any) -> None:
    """A consultation has a question, and a walk-in a name or a village."""
    if not row.question.strip():
        raise RecordError("question", N_("The question is empty"))
    if row.person_id is None and not (row.walkin_name.strip() or row.walkin_village.strip()):
        raise RecordError("walkin_village", N_("A walk-in needs a name or a village"))


def _check_activity(row: Any) -> None:
    """An activity's duration and people reached are not negative."""
    if row.duration_minutes < 0:
        raise RecordError("duration_minutes", N_("The duration cannot be negative"))
    if row.people_reached < 0:
        raise RecordError("people_reached", N_("People reached cannot be negative"))


_VALUE_CHECKS: dict[str, Callable[[Any], None]] = {
    "visit": _check_visit,
    "consultation": _check_consultation,
    "activity": _check_activity,
}


def _normal(value: Any) -> Any:
    """Text trimmed, datetimes to the second, like a new record's."""
    if isinstance(value, str) and not isinstance(value, StrEnum):
        return value.strip()
    if isinstance(value, datetime):
        return value.replace(microsecond=0)
    return value


def _status_from(events: list[PersonEvent]) -> Status | None:
    """The status the person's latest live status event sets (None: no such event)."""
    live = [e for e in events if not e.deleted and e.kind in _STATUS_AFTER]
    if not live:
        return None
    latest = max(live, key=lambda e: (e.happened_on, e.id))
    return _STATUS_AFTER[EventKind(latest.kind)]


def _person_events(s: Session, person_id: str) -> list[PersonEvent]:
    query = select(PersonEvent).where(col(PersonEvent.person_id) == person_id)
    return list(s.exec(query))


def _restore_person(
    s: Session, event: PersonEvent, before: Status | None, voided: bool
) -> dict[str, tuple[Any, Any]]:
    """Bring the person in line with their events after ``event`` changed; the changes."""
    person = s.get(Person, event.person_id)
    if person is None:
        return {}
    done: dict[str, tuple[Any, Any]] = {}
    after = _status_from(_person_events(s, person.id))
    if after != before and person.status == (before or Status.ACTIVE):
        new = after or Status.ACTIVE
        done["person.status"] = (str(person.status), str(new))
        person.status = new
    target = {EventKind.PHONE_CHANGED: "phone", EventKind.MOVED: "address"}.get(
        EventKind(event.kind)
    )
    if voided and target is not None:
        first = event.note.split("; ", 1)[0]
        old, arrow, new_value = first.partition(" -> ")
        if arrow and getattr(person, target) == new_value:
            done[f"person.{target}"] = (new_value, old)
            setattr(person, target, old)
    if done:
        s.add(person)
    return done


def _amendment_row(
    s: Session,
    row: Any,
    tbl: str,
    action: AmendAction,
    changes: Mapping[str, tuple[Any, Any]],
    reason: str,
    rules: AmendmentRules,
) -> RecordAmendment:
    split = rules.split.get(tbl, frozenset())
    shown = {k: [to_wire(o), to_wire(n)] for k, (o, n) in changes.items() if k not in split}
    hidden = {k: [to_wire(o), to_wire(n)] for k, (o, n) in changes.items() if k in split}
    return RecordAmendment(
        site_id=row.site_id,
        person_id=getattr(row, "person_id", None),
        tbl=tbl,
        record_id=row.id,
        action=action,
        changes=json.dumps(shown, ensure_ascii=False, sort_keys=True),
        hidden_changes=json.dumps(hidden, ensure_ascii=False, sort_keys=True),
        reason=reason,
        by_user=rules.user,
        device=meta_get(s, "device_id") or "",
        at=datetime.now().replace(microsecond=0),
    )


def correct_record(
    store: Store,
    kind: str,
    row_id: str,
    changes: Mapping[str, Any],
    reason: str,
    rules: AmendmentRules,
) -> RecordAmendment:
    """Change fields of a saved record and keep the old values in an amendment row."""
    table = _table(kind)
    tbl = str(table.__tablename__)
    _checked(kind, changes, rules.forbidden.get(tbl, frozenset()))
    with store.write() as s:
        row = _load(s, kind, row_id)
        is_event = isinstance(row, PersonEvent)
        kinds = {row.kind, changes.get("kind", row.kind)} if is_event else set()
        if EventKind.PHONE_CHANGED in kinds and len(kinds) > 1:
            raise RecordError("kind", N_("A phone change cannot become another kind of event"))
        before = _status_from(_person_events(s, row.person_id)) if is_event else None
        done: dict[str, tuple[Any, Any]] = {}
        for name, value in changes.items():
            new = _normal(value)
            if getattr(row, name) != new:
                done[name] = (getattr(row, name), new)
                setattr(row, name, new)
        if not done:
            raise RecordError("record", N_("Nothing was changed"))
        _check_values(kind, row)
        s.add(row)
        if is_event:
            done.update(_restore_person(s, row, before, voided=False))
        amendment = _amendment_row(s, row, tbl, AmendAction.CORRECT, done, reason.strip(), rules)
        s.add(amendment)
    return amendment


def void_record(
    store: Store, kind: str, row_id: str, reason: str, rules: AmendmentRules
) -> RecordAmendment:
    """Void a saved record (a tombstone) with the reason, kept in an amendment row."""
    table = _table(kind)
    if not reason.strip():
        raise RecordError("reason", N_("Say why the record is voided"))
    with store.write() as s:
        row = _load(s, kind, row_id)
        is_event = isinstance(row, PersonEvent)
        before = _status_from(_person_events(s, row.person_id)) if is_event else None
        row.deleted = True
        s.add(row)
        done: dict[str, tuple[Any, Any]] = {"deleted": (False, True)}
        if is_event:
            done.update(_restore_person(s, row, before, voided=True))
        amendment = _amendment_row(
            s, row, str(table.__tablename__), AmendAction.VOID, done, reason.strip(), rules
        )
        s.add(amendment)
    return amendment


def amendments_of(s: Session, tbl: str, row_id: str) -> list[Amendment]:
    """The amendments of one record, oldest first (hidden values merged in where held)."""
    query = (
        select(RecordAmendment)
        .where(col(RecordAmendment.tbl) == tbl, col(RecordAmendment.record_id) == row_id)
        .where(col(RecordAmendment.deleted) == False)  # noqa: E712
        .order_by(col(RecordAmendment.at), col(RecordAmendment.id))
    )
    out: list[Amendment] = []
    for a in s.exec(query):
        values: dict[str, Any] = {**json.loads(a.changes or "{}")}
        values.update(json.loads(a.hidden_changes or "{}"))
        out.append(
            Amendment(
                id=a.id,
                action=AmendAction(a.action),
                at=a.at,
                by_user=a.by_user,
                device=a.device,
                reason=a.reason,
                changes={k: (v[0], v[1]) for k, v in sorted(values.items())},
            )
        )
    return out
