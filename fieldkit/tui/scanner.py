"""Tell a handheld QR scanner from a person typing: a fast burst of keys ending in Enter.

A scanner "types" the card's payload within a few milliseconds per key and ends
with Enter. :class:`ScanBuffer` keeps the characters of the current burst (a gap
longer than ``max_gap`` seconds starts a new one) and, on Enter, returns the
burst when it is long enough, fast enough and shaped like a service card's
payload (``FK1…``) or a person's short code.

A card payload must never land in the focused field, so the keys of a burst
that still reads as the start of a card (``F``, ``FK``, ``FK1``…) are *held*
(:meth:`ScanBuffer.holds`): the app keeps them back and hands them on only when
the burst turns out to be typing (another key, or a pause longer than
``max_gap``).
"""

from __future__ import annotations

import re

__all__ = ["CODE_PATTERN", "ScanBuffer", "card_start"]

CODE_PATTERN = re.compile(r"^[A-Za-z]{1,6}-\d{1,8}$")
"""Short codes printed on cards, e.g. ``GL-0042``."""


def card_start(text: str) -> bool:
    """True if ``text`` can be the beginning of a card payload (``F``, ``FK``, ``FK1…``)."""
    from fieldkit.cards.payload import PREFIX  # loaded with the card code, not at start

    upper = text.upper()
    if len(upper) <= len(PREFIX):
        return PREFIX.startswith(upper)
    if not upper.startswith(PREFIX) or not upper[len(PREFIX)].isdigit():
        return False
    rest = upper[len(PREFIX) + 1 :]
    return not rest or (rest.isascii() and rest.isalnum())


class ScanBuffer:
    """Collects key bursts; :meth:`enter` returns a scanned text or None."""

    def __init__(self, max_gap: float = 0.05, min_len: int = 4) -> None:
        self.max_gap = max_gap
        self.min_len = min_len
        self.chars: list[str] = []
        self.last: float | None = None
        self.card_from: int | None = None
        """Where in the burst a card payload may begin (None: nowhere so far)."""

    def feed(self, char: str, at: float) -> None:
        """A printable key pressed at time ``at`` (seconds, monotonic)."""
        if self.last is None or at - self.last > self.max_gap:
            self.chars = []
            self.card_from = None
        self.chars.append(char)
        self.last = at
        if self.card_from is not None and not card_start("".join(self.chars[self.card_from :])):
            self.card_from = None
        if self.card_from is None and card_start(char):
            self.card_from = len(self.chars) - 1

    def holds(self) -> int:
        """How many of the burst's last keys may be a card payload's (they must not reach a
        field)."""
        return 0 if self.card_from is None else len(self.chars) - self.card_from

    def other_key(self) -> None:
        """Any other key ends the burst."""
        self.chars = []
        self.last = None
        self.card_from = None

    def enter(self, at: float) -> str | None:
        """Enter pressed at ``at``: the scanned text if the burst was a scan.

        A card payload typed right after other keys (a scan into a field being
        typed in) is the payload alone.
        """
        text = "".join(self.chars)
        card = None if self.card_from is None else text[self.card_from :]
        fast = self.last is not None and at - self.last <= self.max_gap
        self.other_key()
        if not fast:
            return None
        if card is not None and len(card) >= self.min_len:
            return card.upper()
        if len(text) >= self.min_len and CODE_PATTERN.match(text):
            return text.upper()
        return None
