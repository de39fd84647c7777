"""Spreadsheet safety for text people typed: the formula neutraliser (CSV injection).

A cell that a spreadsheet would read as a formula (it starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return, or their full-width forms, which some
input methods produce) gets a leading single quote, as the OWASP "CSV Injection"
page advises, so that ``=HYPERLINK(...)`` typed into a name shows as text instead
of running. Every CSV and spreadsheet the project writes passes its text through
:func:`neutralise`; numbers a program computes need none.
"""

from __future__ import annotations

__all__ = ["FORMULA_TRIGGERS", "neutralise"]

FORMULA_TRIGGERS = frozenset("=+-@\t\r＝＋－＠")
"""First characters that make a spreadsheet read a cell as a formula."""


def neutralise(text: str) -> str:
    """``text`` safe to put in a spreadsheet cell: a leading ``'`` if it starts like a formula."""
    if text and text[0] in FORMULA_TRIGGERS:
        return "'" + text
    return text
