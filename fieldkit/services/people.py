"""Adding persons to the roster, and who may write which fields of a person's file.

A new retiree, or a resident newly found at a relocation site, is added on the
laptop as a normal synced change (its outbox entry reaches HQ at the next sync)
with the next code of the store's scheme. Staff and administrators may add
persons, and so may a laptop not yet enrolled (its changes go up once it is);
volunteers may not. Fields a role never receives (a volunteer's: health, ID
number, family) may not be written from its laptop either: HQ would reject them.
"""

from __future__ import annotations

from fieldkit.domain.models import Person
from fieldkit.i18n import N_
from fieldkit.services.conflicts import NotAllowed
from fieldkit.store import Store
from fieldkit.store.people import IdHolder, NewPerson, PersonRefused, add_person, id_number_holder
from fieldkit.sync_schema import ROLES

__all__ = ["ADDING_ROLES", "IdHolder", "NewPerson", "People", "PersonRefused", "hidden_fields"]

ADDING_ROLES = frozenset({"", "admin", "staff"})
"""The roles that may add a person ("" is a laptop not enrolled yet)."""


def hidden_fields(store: Store) -> frozenset[str]:
    """The person fields this laptop's role never receives and may not write."""
    role = ROLES.get(store.meta("role") or "")
    return role.hidden_in(str(Person.__tablename__)) if role is not None else frozenset()


def refuse_hidden(store: Store, fields: set[str]) -> None:
    """Raise :class:`NotAllowed` when ``fields`` holds one this laptop's role may not write."""
    hidden = sorted(fields & hidden_fields(store))
    if hidden:
        raise NotAllowed(
            N_("Your role may not change this field of a person's file"),
            hint=N_("Ask a staff member or an administrator to change it."),
            field=hidden[0],
            fields=", ".join(hidden),
        )


class People:
    """Adding persons, and finding who holds an ID number."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def may_add(self) -> bool:
        """Whether this laptop's user may add a person to the roster."""
        return (self._store.meta("role") or "") in ADDING_ROLES

    def add(self, data: NewPerson) -> Person:
        """Save a new person (with the next code); raises :class:`NotAllowed` or
        :class:`PersonRefused` (naming the field at fault)."""
        if not self.may_add():
            raise NotAllowed(
                N_("Only staff and administrators can add a person to the roster"),
                hint=N_("Ask a staff member to add the person, or tell headquarters."),
            )
        refuse_hidden(self._store, {"id_number"} if data.id_number.strip() else set())
        return add_person(self._store, data)

    def id_number_holder(self, number: str) -> IdHolder | None:
        """The live person whose file holds ID number ``number`` (normalised), if any."""
        with self._store.read() as s:
            return id_number_holder(s, number)
