"""Cell values shared by the report writers; the formula neutraliser comes from the domain.

:func:`fieldkit.domain.cells.neutralise` is applied to every text cell a report
writes (quoting of separators and quotes is left to the :mod:`csv` writer).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from fieldkit.domain.cells import FORMULA_TRIGGERS, neutralise
from fieldkit.domain.money import format_yuan

__all__ = ["FORMULA_TRIGGERS", "Hours", "Yuan", "neutralise"]


@dataclass(frozen=True, slots=True)
class Yuan:
    """An amount of money held as whole fen, shown as yuan with two decimals."""

    fen: int

    def text(self) -> str:
        """``"1234.56"``."""
        return format_yuan(self.fen)

    def decimal(self) -> Decimal:
        """The exact amount in yuan."""
        return Decimal(self.fen).scaleb(-2)


@dataclass(frozen=True, slots=True)
class Hours:
    """A length of time held as whole minutes, shown as hours with two decimals."""

    minutes: int

    def decimal(self) -> Decimal:
        """The hours, rounded half up to the hundredth."""
        return (Decimal(self.minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def text(self) -> str:
        """``"4.50"``."""
        return f"{self.decimal():.2f}"
