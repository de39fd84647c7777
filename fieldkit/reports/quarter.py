"""A calendar quarter of the bureau's year, in local dates (Asia/Shanghai).

Quarters are written ``2026Q4`` (year, the letter Q, 1 to 4). :func:`parse_quarter`
accepts exactly that (surrounding space and a lower-case ``q`` are tolerated) and
raises :class:`QuarterError` for anything else, saying what a quarter looks like.

How the stores keep time, and so how a quarter's bounds compare:

- ``visit.visited_at`` is the local wall-clock time the field worker entered (the
  form's date and time, defaulting to the laptop's clock), stored without a zone;
  the bureau's zone is Asia/Shanghai. SQLite keeps it as text
  ``2026-12-31 23:59:59`` (store migration 0012 took off the ``.000000`` older
  stores held); the sync wire and headquarters keep ISO text
  ``2026-12-31T23:59:59``. Both sort as dates, so a quarter is the half-open range
  ``start <= visited_at < next_start`` compared against the bare dates
  ``"2026-10-01"`` and ``"2027-01-01"``: a visit at 23:59:59 on 31 December is in
  the fourth quarter and one at 00:00:00 on 1 January is in the next, whichever
  of the two text forms holds it.
- Dates (``held_on``, ``happened_on``) are local calendar days: ``start <= day <= end``.
- A time that carries a zone (the time part of a UUIDv7 id is UTC milliseconds)
  is first turned into Asia/Shanghai local time (:func:`local_day`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

__all__ = [
    "BUREAU_ZONE",
    "Quarter",
    "QuarterError",
    "id_created_on",
    "local_day",
    "parse_quarter",
]

BUREAU_ZONE = ZoneInfo("Asia/Shanghai")
"""The zone of the bureau's local dates."""

_QUARTER = re.compile(r"([0-9]{4})[Qq]([1-4])")
_NUMERALS = ("一", "二", "三", "四")


class QuarterError(ValueError):
    """Text that is not a quarter like ``2026Q4``."""


@dataclass(frozen=True, order=True)
class Quarter:
    """One quarter: ``number`` 1 to 4 of ``year``."""

    year: int
    number: int

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 4 or not 1 <= self.year <= 9998:
            raise QuarterError(f"{self.year}Q{self.number} is not a quarter like 2026Q4")

    @classmethod
    def of_day(cls, day: date) -> Quarter:
        """The quarter ``day`` falls in."""
        return cls(day.year, (day.month - 1) // 3 + 1)

    def previous(self) -> Quarter:
        """The quarter before."""
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    @cached_property
    def start(self) -> date:
        """The first day of the quarter."""
        return date(self.year, 3 * self.number - 2, 1)

    @cached_property
    def next_start(self) -> date:
        """The first day of the next quarter (the exclusive end)."""
        if self.number == 4:
            return date(self.year + 1, 1, 1)
        return date(self.year, 3 * self.number + 1, 1)

    @cached_property
    def end(self) -> date:
        """The last day of the quarter."""
        return self.next_start - timedelta(days=1)

    def contains_day(self, day: date) -> bool:
        """Whether a local calendar day falls in the quarter."""
        return self.start <= day < self.next_start

    def contains(self, moment: datetime) -> bool:
        """Whether a moment falls in the quarter: a naive time is local wall-clock time,
        an aware one is turned into Asia/Shanghai time first."""
        return self.contains_day(local_day(moment))

    def label(self) -> str:
        """The quarter in Chinese: ``2026年第四季度``."""
        return f"{self.year}年第{_NUMERALS[self.number - 1]}季度"

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"


def parse_quarter(raw: str) -> Quarter:
    """``"2026Q4"`` -> ``Quarter(2026, 4)``; anything else raises :class:`QuarterError`."""
    found = _QUARTER.fullmatch(raw.strip())
    if found is None:
        raise QuarterError(f"'{raw}' is not a quarter like 2026Q4 (year, Q, then 1 to 4)")
    return Quarter(int(found.group(1)), int(found.group(2)))


def local_day(moment: datetime) -> date:
    """The bureau's local calendar day of ``moment`` (naive times are already local)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(BUREAU_ZONE)
    return moment.date()


def id_created_on(record_id: str) -> date | None:
    """The local day a record was created, from the time part of its UUIDv7 id.

    ``None`` for an id that is not a UUIDv7 (an id made elsewhere carries no time).
    """
    digits = record_id.replace("-", "")
    if len(digits) != 32 or digits[12] != "7":
        return None
    try:
        millis = int(digits[:12], 16)
    except ValueError:
        return None
    if _STEADY_FROM_MS <= millis < _STEADY_UNTIL_MS:
        # China has kept UTC+8 without daylight saving since 1991: plain arithmetic
        return _EPOCH_DAY + timedelta(days=(millis + _OFFSET_MS) // _DAY_MS)
    try:
        moment = datetime.fromtimestamp(millis / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):  # beyond the year 9999
        return None
    return local_day(moment)


_EPOCH_DAY = date(1970, 1, 1)
_DAY_MS = 86_400_000
_OFFSET_MS = 8 * 3_600_000
_STEADY_FROM_MS = int(datetime(1992, 1, 1, tzinfo=UTC).timestamp() * 1000)
_STEADY_UNTIL_MS = int(datetime(2100, 1, 1, tzinfo=UTC).timestamp() * 1000)
