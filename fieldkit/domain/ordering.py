"""Natural order of addresses: numbers, in Arabic or Chinese numerals, compared as numbers.

Raw character order puts 一组, 七组, 三组, 二组 in that order and 三组51号 before
三组6号. :func:`address_key` splits an address into text and numbers (``51``,
``六``, ``十二``, ``一百零五``, ``二〇二``) and gives a key that sorts 一组 < 二组 <
三组 and 三组6号 < 三组51号.
"""

from __future__ import annotations

import re

__all__ = ["address_key", "chinese_number"]

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000}
_NUMBER = re.compile(r"[0-9０-９]+|[零〇一二两三四五六七八九十百千万]+")


def chinese_number(text: str) -> int:
    """A Chinese numeral's value: ``十二`` 12, ``二十`` 20, ``一百零五`` 105, ``二〇二`` 202."""
    if not any(ch in _UNITS for ch in text):
        value = 0
        for ch in text:
            value = value * 10 + _DIGITS[ch]
        return value
    total, section, digit = 0, 0, 0
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch == "万":
            total += (section + digit) * 10_000
            section, digit = 0, 0
        else:
            section += (digit or 1) * _UNITS[ch]
            digit = 0
    return total + section + digit


def _value(part: str) -> int:
    """A run of Arabic (ASCII or full-width) or Chinese digits as a number."""
    if part[0] in _DIGITS or part[0] in _UNITS:
        return chinese_number(part)
    return int(part)


def address_key(address: str) -> tuple[tuple[int, int, str], ...]:
    """A sort key for ``address``: text compared as text, numbers as numbers.

    Each piece becomes ``(kind, number, text)`` so that numbers and text never
    compare with each other's values: at the same place, a number sorts before text.
    """
    key: list[tuple[int, int, str]] = []
    pos = 0
    for match in _NUMBER.finditer(address):
        if match.start() > pos:
            key.append((1, 0, address[pos : match.start()]))
        key.append((0, _value(match.group()), ""))
        pos = match.end()
    if pos < len(address):
        key.append((1, 0, address[pos:]))
    return tuple(key)
