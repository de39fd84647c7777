"""Recording field work: visits, consultations, activities, file edits, status events.

Every call is one store transaction with its outbox entries; the record is durable
when the call returns. A record that cannot be saved raises :class:`RecordError`
(a :class:`fieldkit.errors.FieldkitError`) naming the input at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fieldkit.domain.models import Consultation, Person, PersonEvent, ServiceActivity, Visit
from fieldkit.domain.vocab import EventKind
from fieldkit.services.people import refuse_hidden
from fieldkit.store import Store, records
from fieldkit.store.records import (
    EDITABLE_FIELDS,
    ActivityInput,
    ConsultationInput,
    OpenFollowUp,
    RecordError,
    VisitInput,
)

__all__ = [
    "EDITABLE_FIELDS",
    "ActivityInput",
    "ConsultationInput",
    "OpenFollowUp",
    "RecordError",
    "Recorder",
    "StatusEventInput",
    "VisitInput",
]


@dataclass(frozen=True)
class StatusEventInput:
    """A dated change of a person's situation; ``new_value`` is a new phone or address."""

    person_id: str
    kind: EventKind
    happened_on: date
    note: str = ""
    new_value: str = ""


class Recorder:
    """Saving what field workers record."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def visit(self, data: VisitInput) -> Visit:
        """Save a visit."""
        return records.record_visit(self._store, data)

    def open_follow_up(self, person_id: str) -> OpenFollowUp | None:
        """The follow-up still owed to a person (the visit form offers to close it)."""
        return records.open_follow_up(self._store, person_id)

    def consultation(self, data: ConsultationInput) -> Consultation:
        """Save a consultation (of a person on the roster or a walk-in)."""
        return records.record_consultation(self._store, data)

    def activity(self, data: ActivityInput) -> ServiceActivity:
        """Save a volunteer team's service activity."""
        return records.record_activity(self._store, data)

    def edit_person(self, person_id: str, changes: dict[str, Any]) -> Person:
        """Apply edits of :data:`EDITABLE_FIELDS` to a person's file.

        An ID number is checked (and refused when another person holds it); fields
        this laptop's role may not write are refused with :class:`NotAllowed`.
        """
        refuse_hidden(self._store, set(changes))
        return records.update_person(self._store, person_id, changes)

    def status_event(self, data: StatusEventInput) -> PersonEvent:
        """Record a dated change of a person's situation (hospitalised, moved, phone...).

        A new phone must be a mobile (11 digits) or a landline with its area code.
        """
        return records.record_status_event(
            self._store,
            data.person_id,
            data.kind,
            data.happened_on,
            data.note,
            new_value=data.new_value,
        )
