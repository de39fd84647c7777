"""Money: entered and shown in yuan with two decimals, stored as whole fen."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

__all__ = ["MoneyError", "format_yuan", "parse_yuan"]


class MoneyError(ValueError):
    """An amount that is not a non-negative yuan figure with at most two decimals."""


def parse_yuan(raw: str) -> int:
    """Parse ``"1,200.50"`` / ``"¥300"`` / ``"300元"`` into fen; empty means 0.

    Raises :class:`MoneyError` for negative amounts, more than two decimals or text.
    """
    text = raw.strip().replace(",", "").replace("，", "").lstrip("¥￥").rstrip("元").strip()
    if not text:
        return 0
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise MoneyError(f"'{raw}' is not an amount in yuan (e.g. 500 or 500.00)") from None
    if not amount.is_finite():
        raise MoneyError(f"'{raw}' is not an amount in yuan (e.g. 500 or 500.00)")
    if amount < 0:
        raise MoneyError(f"'{raw}' is negative; money handed over cannot be below 0")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise MoneyError(f"'{raw}' has more than two decimals; give yuan to the fen (0.01)")
    return int(fen)


def format_yuan(fen: int) -> str:
    """Show fen as yuan with two decimals: ``123456 -> "1234.56"``."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}{whole}.{part:02d}"
