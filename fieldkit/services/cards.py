"""Service cards: printing signed cards for persons, and giving a person a new card number.

Wraps :mod:`fieldkit.cards` for the apps; its ``CardError`` (wrong key, nobody to
print, a card that cannot be reissued) comes out as it is raised there.
"""

from __future__ import annotations

from pathlib import Path

from fieldkit.cards.printing import find_signing_key, print_cards
from fieldkit.cards.records import CardHolder, card_holders, load_ring, reissue_card
from fieldkit.cards.sheet import Progress, SheetResult
from fieldkit.store import Store

__all__ = ["CardHolder", "Cards", "SheetResult"]


class Cards:
    """The service cards of the persons in one store."""

    def __init__(self, store: Store) -> None:
        self._store = store

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
