"""How values are shown: dates, ages, yes/no, vocabulary labels (in the current language)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from fieldkit.domain.vocab import label
from fieldkit.i18n import current_language
from fieldkit.i18n import gettext as _

__all__ = ["age", "fmt_date", "label_of", "vocab_label", "yes_no"]


def vocab_label(member: StrEnum) -> str:
    """A vocabulary member's label in the current language (Chinese label or English words)."""
    return label(member, "zh" if current_language() == "zh" else "en")


def label_of(enum: type[StrEnum], slug: str | StrEnum) -> str:
    """The label of a stored slug in the current language (the slug itself if unknown)."""
    try:
        return vocab_label(enum(str(slug)))
    except ValueError:
        return str(slug)


def fmt_date(value: date | None) -> str:
    """``2026-11-21``, or an empty string."""
    return value.isoformat() if value else ""


def age(birth: date | None, today: date) -> str:
    """Whole years of age on ``today``."""
    if birth is None:
        return ""
    years = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return str(years)


def yes_no(value: bool) -> str:
    """是/否 or yes/no."""
    return _("yes") if value else _("no")
