"""Service cards: printing signed cards, giving a person a new card number, checking in.

Wraps :mod:`fieldkit.cards` for the apps; its ``CardError`` (wrong key, nobody to
print, a card that cannot be reissued) comes out as it is raised there, and a
scanned text that is not a valid card raises a :class:`CardRefused` whose
``problem`` names why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from fieldkit.cards.errors import CardError, CardProblem, CardRefused
from fieldkit.cards.printing import find_signing_key, print_cards
from fieldkit.cards.records import (
    CardHolder,
    card_holders,
    check_card,
    last_card_scan,
    load_ring,
    reissue_card,
    team_member_for,
)
from fieldkit.cards.sheet import Progress, SheetResult
from fieldkit.store import Store

__all__ = [
    "REPEAT_WINDOW",
    "CardError",
    "CardHolder",
    "CardProblem",
    "CardRefused",
    "Cards",
    "CheckIn",
    "SheetResult",
]

REPEAT_WINDOW = timedelta(minutes=10)
"""A second scan of the same person within this time is a repeat, not a new visit."""


@dataclass(frozen=True)
class CheckIn:
    """A valid card scanned at ``scanned_at``: whose, which issue, and the last scan before."""

    person_id: str
    name: str
    code: str
    issue: int
    scanned_at: datetime
    last_scan: datetime | None

    @property
    def repeat(self) -> bool:
        """Whether the card was already scanned for a visit within :data:`REPEAT_WINDOW`."""
        return is_repeat(self.last_scan, self.scanned_at)


def is_repeat(earlier: datetime | None, now: datetime) -> bool:
    """Whether a scan at ``now`` repeats one at ``earlier`` (within :data:`REPEAT_WINDOW`)."""
    return earlier is not None and now - earlier < REPEAT_WINDOW


class Cards:
    """The service cards of the persons in one store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def check_in(self, text: str, at: datetime) -> CheckIn:
        """Check a scanned text: the person of a genuine, current card (or :class:`CardRefused`)."""
        card = check_card(self._store, text)
        holder = card.holder
        return CheckIn(
            person_id=holder.person_id,
            name=holder.name,
            code=holder.code,
            issue=card.claim.issue,
            scanned_at=at.replace(microsecond=0),
            last_scan=last_card_scan(self._store, holder.person_id),
        )

    def last_scan(self, person_id: str) -> datetime | None:
        """When the person's card was last scanned for a visit (None: never)."""
        return last_card_scan(self._store, person_id)

    def team_member(self, team_id: str, person_id: str) -> str | None:
        """The member id of ``person_id`` in the team (None when not a member)."""
        return team_member_for(self._store, team_id, person_id)

    def reissue(self, code: str) -> CardHolder:
        """Give the person with card code ``code`` a new card number (a lost card)."""
        return reissue_card(self._store, code)

    def print(
        self,
        out: str | Path,
        *,
        site: str | None = None,
        code: str | None = None,
        key_file: Path | None = None,
        bureau: str | None = None,
        progress: Progress | None = None,
    ) -> SheetResult:
        """Sign and write the cards of a site, a person or everyone (PDF sheets or PNGs)."""
        key = find_signing_key(load_ring(self._store), key_file)
        holders = card_holders(self._store, site=site, code=code)
        return print_cards(holders, key, out, bureau=bureau, progress=progress)

    def print_person(self, code: str) -> SheetResult:
        """Print one person's card as a PDF in ``cards/`` beside the store file."""
        key = find_signing_key(load_ring(self._store))  # no key file: nothing is written
        holders = card_holders(self._store, code=code)
        out = self._store.path.parent / "cards" / f"{code}.pdf"
        out.parent.mkdir(parents=True, exist_ok=True)
        return print_cards(holders, key, out)
