"""Cell values shared by the report writers, and the spreadsheet-formula neutraliser.

:func:`neutralise` is for every CSV (or other spreadsheet text) a program writes
from data people typed: a cell that a spreadsheet would read as a formula (it
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, or their
full-width forms, which some input methods produce) gets a leading single quote,
as the OWASP "CSV Injection" page advises, so that ``=HYPERLINK(...)`` typed into
a name shows as text instead of running. Quoting of separators and quotes is left
to the :mod:`csv` writer. Numbers a program computes are written as numbers and
need no neutralising.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from fieldkit.domain.money import format_yuan

__all__ = ["FORMULA_TRIGGERS", "Hours", "Yuan", "neutralise"]

FORMULA_TRIGGERS = frozenset("=+-@\t\r＝＋－＠")
"""First characters that make a spreadsheet read a cell as a formula."""


def neutralise(text: str) -> str:
    """``text`` safe to put in a spreadsheet cell: a leading ``'`` if it starts like a formula."""
    if text and text[0] in FORMULA_TRIGGERS:
        return "'" + text
    return text


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
