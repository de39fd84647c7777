"""Money: entered and shown in yuan with two decimals, stored as whole fen.

What a person types for yuan is accepted: digits with up to two decimals,
thousands separators, an optional ``¥``/``￥`` before or ``元`` after, full-width
digits (``５００``). Exponents (``1e9``), underscores (``1_000``), signs and
anything else are refused, and so is an amount above the maximum a single
hand-over may carry (:data:`MAX_FEN` by default; a county's policy may set a
lower one). Every error carries an English msgid and its parameters, so the
interface shows it in the user's language.
"""

from __future__ import annotations

import re
from typing import Any

from fieldkit.errors import FieldkitError
from fieldkit.i18n import N_

__all__ = ["MAX_FEN", "MoneyError", "format_yuan", "parse_yuan"]

MAX_FEN = 100_000_000  # 1,000,000.00 yuan: far above any single 慰问金, far below int64

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
_AMOUNT = re.compile(r"(?:0|[1-9][0-9]*|[1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.([0-9]{1,2}))?")


class MoneyError(FieldkitError, ValueError):
    """An amount that is not a yuan figure a person could mean, or is too large."""

    def __init__(self, msgid: str, **params: Any) -> None:
        super().__init__(msgid, hint=_MONEY_HINT, **params)

    @property
    def msgid(self) -> str:
        """The English msgid of the message (translated where it is shown)."""
        return self.message


_MONEY_HINT = N_("Give yuan as digits with at most two decimals, e.g. 500 or 500.00.")


def _clean(raw: str) -> str:
    """The amount's digits: full width folded, currency marks and spaces removed."""
    text = raw.strip().translate(_FULL_WIDTH).replace("，", ",")
    text = text.removeprefix("¥").removeprefix("￥").strip()
    return text.removesuffix("元").strip()


def parse_yuan(raw: str, *, max_fen: int = MAX_FEN) -> int:
    """Parse ``"1,200.50"`` / ``"¥300"`` / ``"300元"`` / ``"５００"`` into fen; empty means 0.

    Raises :class:`MoneyError` for signs, exponents, underscores, more than two
    decimals, text, or an amount above ``max_fen``.
    """
    text = _clean(raw)
    if not text:
        return 0
    match = _AMOUNT.fullmatch(text)
    if match is None:
        if re.fullmatch(r"[0-9.,]*\.[0-9]{3,}", text):
            raise MoneyError(
                N_("'{raw}' has more than two decimals; give yuan to the fen (0.01)"), raw=raw
            )
        if text.startswith("-"):
            raise MoneyError(
                N_("'{raw}' is negative; money handed over cannot be below 0"), raw=raw
            )
        raise MoneyError(N_("'{raw}' is not an amount in yuan (e.g. 500 or 500.00)"), raw=raw)
    whole, _, cents = text.replace(",", "").partition(".")
    fen = int(whole) * 100 + int(cents.ljust(2, "0") or "0")
    if fen > max_fen:
        raise MoneyError(
            N_(
                "'{raw}' is above the most one hand-over may carry ({limit} yuan); "
                "check the amount or split it"
            ),
            raw=raw,
            limit=format_yuan(max_fen),
        )
    return fen


def format_yuan(fen: int) -> str:
    """Show fen as yuan with two decimals: ``123456 -> "1234.56"``."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}{whole}.{part:02d}"
