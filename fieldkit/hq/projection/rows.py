"""A synced record's wire values (``sync_record.data``) as a row of the typed projection.

Values come as the laptops send them: dates and times as ISO text, slugs as text,
money as whole fen. A value that cannot be read (never sent by a laptop that
passed HQ's checks, but the projection must never stop a push) becomes the
column's empty value: ``None`` for a date, 0 for a number, and a visit without a
readable time is left out, as it falls in no quarter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table

from fieldkit.domain.vocab import Confirmation
from fieldkit.hq.projection import tables as p

__all__ = ["PROJECTED", "Projected", "projected_row"]

Data = Mapping[str, Any]
Row = dict[str, Any]


def _text(data: Data, key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _int(data: Data, key: str) -> int:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _day(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        return None


def _site(row_id: str, d: Data) -> Row:
    return {
        "id": row_id,
        "name": _text(d, "name"),
        "kind": _text(d, "kind"),
        "county": _text(d, "county"),
        "deleted": bool(d.get("deleted")),
    }


def _team(row_id: str, d: Data) -> Row:
    return {
        "id": row_id,
        "name": _text(d, "name"),
        "site_id": _text(d, "site_id"),
        "deleted": bool(d.get("deleted")),
    }


def _person(row_id: str, d: Data) -> Row:
    row = {"id": row_id, "birth_date": _day(d.get("birth_date"))}
    for key in ("code", "name", "site_id", "address", "phone", "category", "tier", "status"):
        row[key] = _text(d, key)
    return row


def _event(row_id: str, d: Data) -> Row | None:
    day = _day(d.get("happened_on"))
    if day is None:
        return None
    return {
        "id": row_id,
        "person_id": _text(d, "person_id"),
        "kind": _text(d, "kind"),
        "happened_on": day,
    }


def _visit(row_id: str, d: Data) -> Row | None:
    at = _moment(d.get("visited_at"))
    if at is None:
        return None
    due = _day(d.get("follow_up_due"))
    return {
        "id": row_id,
        "person_id": _text(d, "person_id"),
        "site_id": _text(d, "site_id"),
        "reason": _text(d, "reason"),
        "visited_at": at,
        "card_scanned": d.get("confirmation") == Confirmation.QR.value,
        "money_fen": _int(d, "money_fen"),
        "goods_given": _text(d, "goods") != "",
        "follow_up_owed": _text(d, "follow_up") != "" or due is not None,
        "follow_up_due": due,
    }


def _consultation(row_id: str, d: Data) -> Row | None:
    day = _day(d.get("held_on"))
    if day is None:
        return None
    person_id = d.get("person_id")
    return {
        "id": row_id,
        "site_id": _text(d, "site_id"),
        "person_id": person_id if isinstance(person_id, str) else None,
        "topic": _text(d, "topic"),
        "held_on": day,
    }


def _activity(row_id: str, d: Data) -> Row | None:
    day = _day(d.get("held_on"))
    if day is None:
        return None
    return {
        "id": row_id,
        "team_id": _text(d, "team_id"),
        "kind": _text(d, "kind"),
        "held_on": day,
        "duration_minutes": _int(d, "duration_minutes"),
        "attendee_count": _int(d, "attendee_count"),
        "people_reached": _int(d, "people_reached"),
    }


@dataclass(frozen=True)
class Projected:
    """How one synced table is projected: its typed table, the row maker, tombstones kept."""

    table: Table
    row: Callable[[str, Data], Row | None]
    keeps_tombstones: bool = False


PROJECTED: dict[str, Projected] = {
    "site": Projected(p.site, _site, keeps_tombstones=True),
    "volunteer_team": Projected(p.team, _team, keeps_tombstones=True),
    "person": Projected(p.person, _person),
    "person_event": Projected(p.event, _event),
    "visit": Projected(p.visit, _visit),
    "consultation": Projected(p.consultation, _consultation),
    "service_activity": Projected(p.activity, _activity),
}
"""Synced table -> its projection (tables not listed are not projected)."""


def projected_row(how: Projected, row_id: str, data: Data, deleted: bool) -> Row | None:
    """The projection row of a record, or None when the projection holds none for it."""
    if deleted and not how.keeps_tombstones:
        return None
    return how.row(row_id, data)
