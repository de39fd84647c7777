"""Tell a handheld QR scanner from a person typing: a fast burst of keys ending in Enter.

A scanner "types" the card's payload within a few milliseconds per key and ends
with Enter. :class:`ScanBuffer` keeps the characters of the current burst (a gap
longer than ``max_gap`` seconds starts a new one) and, on Enter, returns the
burst when it is long enough, fast enough and shaped like a person's short code.
"""

from __future__ import annotations

import re

__all__ = ["CODE_PATTERN", "ScanBuffer"]

CODE_PATTERN = re.compile(r"^[A-Za-z]{1,6}-\d{1,8}$")
"""Short codes printed on cards, e.g. ``GL-0042``."""


class ScanBuffer:
    """Collects key bursts; :meth:`enter` returns a scanned code or None."""

    def __init__(self, max_gap: float = 0.05, min_len: int = 4) -> None:
        self.max_gap = max_gap
        self.min_len = min_len
        self.chars: list[str] = []
        self.last: float | None = None

    def feed(self, char: str, at: float) -> None:
        """A printable key pressed at time ``at`` (seconds, monotonic)."""
        if self.last is None or at - self.last > self.max_gap:
            self.chars = []
        self.chars.append(char)
        self.last = at

    def other_key(self) -> None:
        """Any other key ends the burst."""
        self.chars = []
        self.last = None

    def enter(self, at: float) -> str | None:
        """Enter pressed at ``at``: the scanned code if the burst was a scan."""
        text = "".join(self.chars)
        fast = self.last is not None and at - self.last <= self.max_gap
        self.chars = []
        self.last = None
        if fast and len(text) >= self.min_len and CODE_PATTERN.match(text):
            return text.upper()
        return None
