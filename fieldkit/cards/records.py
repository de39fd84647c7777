"""What service cards read from and write to the laptop store.

The key ring comes from ``card_key`` rows; the card holders (person, site,
contact) from the roster; a reissue raises ``Person.card_issue`` through the
store's normal write path, so it goes to the outbox and reaches every laptop at
the next sync. :func:`check_card` is the whole check of a scanned text: the
signature (:func:`~fieldkit.cards.payload.verify_card`), then the person and
the card's issue number against this laptop's roster.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.sql.expression import Select

from fieldkit.cards.errors import (
    CardKeyError,
    CardPrintError,
    ReplacedCardError,
    UnknownCardHolderError,
)
from fieldkit.cards.keys import KeyRing, PublicCardKey
from fieldkit.cards.payload import MAX_ISSUE, CardClaim, verify_card
from fieldkit.domain.models import CardKey, Person, Site, StaffMember, TeamMember, Visit
from fieldkit.domain.vocab import Status
from fieldkit.i18n import gettext as _
from fieldkit.store import Store

__all__ = [
    "CardHolder",
    "CheckedCard",
    "card_holders",
    "check_card",
    "last_card_scan",
    "load_ring",
    "reissue_card",
    "team_member_for",
]


@dataclass(frozen=True)
class CardHolder:
    """A person as their card shows them."""

    person_id: str
    code: str
    name: str
    site: str
    contact: str
    phone: str
    card_issue: int


@dataclass(frozen=True)
class CheckedCard:
    """A scanned card that is valid on this laptop: whose it is and which issue."""

    holder: CardHolder
    claim: CardClaim


def load_ring(store: Store) -> KeyRing:
    """The card keys this laptop holds (tombstoned and damaged rows left out)."""
    keys: list[PublicCardKey] = []
    with store.read() as s:
        for row in s.exec(select(CardKey).where(col(CardKey.deleted).is_(False))):
            try:
                keys.append(PublicCardKey.from_row(row))
            except CardKeyError:
                continue  # a damaged row verifies nothing; the others still do
    return KeyRing(keys)


def _holder_query() -> Select[Person, str, str, str]:
    """Persons with their site's name and their contact's name and phone (None if none)."""
    contact = aliased(StaffMember)
    return (
        select(Person, Site.name, contact.name, contact.phone)
        .join(Site, col(Site.id) == col(Person.site_id))
        .outerjoin(contact, col(contact.id) == col(Person.contact_id))
        .where(col(Person.deleted).is_(False))
    )


def _holder(row: Any) -> CardHolder:
    person, site, contact, phone = row
    return CardHolder(
        person_id=person.id,
        code=person.code,
        name=person.name,
        site=site,
        contact=contact or "",
        phone=phone or "",
        card_issue=person.card_issue,
    )


def _site_id(store: Store, given: str) -> str:
    text = given.strip()
    with store.read() as s:
        sites = s.exec(select(Site.id, Site.name).where(col(Site.deleted).is_(False))).all()
    found = [sid for sid, _name in sites if sid == text] or [
        sid for sid, name in sites if name == text
    ]
    if len(found) > 1:
        raise CardPrintError(
            _("Cards: {n} sites are named {site}; give the site's id: {ids}").format(
                n=len(found), site=text, ids=", ".join(found)
            )
        )
    if not found:
        names = ", ".join(sorted(name for _sid, name in sites)[:20])
        raise CardPrintError(
            _("Cards: no site named or with id {site}; sites on this laptop: {names}").format(
                site=text, names=names or "-"
            )
        )
    return found[0]


def card_holders(
    store: Store, *, site: str | None = None, code: str | None = None
) -> list[CardHolder]:
    """The persons whose cards to print, by site then code.

    ``code`` picks one person (whatever their status); ``site`` (a name or id) picks
    the site's persons who are not deceased; neither picks every such person.
    """
    query = _holder_query()
    if code is not None:
        query = query.where(col(Person.code) == code.strip())
    else:
        query = query.where(col(Person.status) != Status.DECEASED)
        if site is not None:
            query = query.where(col(Person.site_id) == _site_id(store, site))
    with store.read() as s:
        holders = [_holder(row) for row in s.exec(query.order_by(col(Site.name), col(Person.code)))]
    if code is not None and not holders:
        raise CardPrintError(_("Cards: no person with the code {code}").format(code=code.strip()))
    return holders


def reissue_card(store: Store, code: str) -> CardHolder:
    """Give the person with ``code`` a new card number; their older cards are refused from now on.

    The change goes to the outbox like any edit, so every laptop refuses the old
    card once it has synced.
    """
    with store.write() as s:
        person = s.exec(
            select(Person).where(col(Person.code) == code.strip(), col(Person.deleted).is_(False))
        ).first()
        if person is None:
            raise CardPrintError(
                _("Cards: no person with the code {code}").format(code=code.strip())
            )
        if person.card_issue >= MAX_ISSUE:
            raise CardPrintError(_("Cards: this person's card cannot be reissued again"))
        person.card_issue += 1
        s.add(person)
    return card_holders(store, code=person.code)[0]


def check_card(store: Store, text: str, ring: KeyRing | None = None) -> CheckedCard:
    """Check a scanned text completely: a genuine, current card of a person on this laptop.

    Raises one :class:`~fieldkit.cards.errors.CardRefused` saying why not. A card
    with a higher issue than the roster knows is accepted: HQ signed it after a
    reissue this laptop has not synced yet.
    """
    claim = verify_card(text, load_ring(store) if ring is None else ring)
    with store.read() as s:
        row = s.exec(_holder_query().where(col(Person.id) == claim.person_id)).first()
        holder = None if row is None else _holder(row)
    if holder is None:
        raise UnknownCardHolderError(claim.person_id)
    if claim.issue < holder.card_issue:
        raise ReplacedCardError(holder.name, claim.issue, holder.card_issue)
    return CheckedCard(holder=holder, claim=claim)


def last_card_scan(store: Store, person_id: str) -> datetime | None:
    """When the person's card was last scanned for a visit on this laptop (None: never)."""
    with store.read() as s:
        return s.exec(
            select(func.max(Visit.card_scanned_at)).where(
                col(Visit.person_id) == person_id, col(Visit.deleted).is_(False)
            )
        ).one()


def team_member_for(store: Store, team_id: str, person_id: str) -> str | None:
    """The id of the team's member who is the person ``person_id`` (None: not a member)."""
    with store.read() as s:
        return s.exec(
            select(TeamMember.id).where(
                col(TeamMember.team_id) == team_id,
                col(TeamMember.person_id) == person_id,
                col(TeamMember.deleted).is_(False),
            )
        ).first()
