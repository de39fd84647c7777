"""How values are shown: dates, ages, yes/no, vocabulary labels (in the current language)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from rich.text import Text
from textual.widgets import Select
from textual.widgets._select import NoSelection

from fieldkit.domain.vocab import label
from fieldkit.i18n import current_language
from fieldkit.i18n import gettext as _

__all__ = [
    "age",
    "fmt_date",
    "label_of",
    "policy_problem_text",
    "vocab_label",
    "vocab_select",
    "yes_no",
]


def vocab_label(member: StrEnum) -> str:
    """A vocabulary member's label in the current language (Chinese label or English words)."""
    return label(member, "zh" if current_language() == "zh" else "en")


def vocab_select(
    enum: type[StrEnum],
    widget_id: str,
    *,
    value: str | NoSelection = Select.NULL,
    allow_blank: bool = True,
    prompt: str = "",
) -> Select[str]:
    """A compact choice among a vocabulary's members, labelled in the current language.

    ``prompt`` is shown while nothing is chosen (a translated "Choose…" by default).
    """
    return Select[str](
        [(vocab_label(member), member.value) for member in enum],
        value=value,
        allow_blank=allow_blank,
        prompt=prompt or _("Choose…"),
        id=widget_id,
        compact=True,
    )


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


def policy_problem_text(file: str, problem: str) -> Text:
    """What a screen shows in place of figures made under the county's care-plan policy
    when its ``file`` cannot be used: the file, the ``problem`` and what to do."""
    text = Text(
        _("The county's care-plan policy ({file}) cannot be used:").format(file=file) + "\n",
        style="bold red",
    )
    text.append(problem + "\n")
    text.append(_("Correct or remove the file, then press r to refresh."))
    return text
