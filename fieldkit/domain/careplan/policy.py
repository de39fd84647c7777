"""The care-plan policy: visit intervals and must-visit windows, as data.

The defaults ship as ``default_policy.toml`` beside this module. A county's own
file (TOML, same keys) is merged over the defaults key by key, so it only needs
the values it changes. Every file is validated on load: a bad file raises
:class:`PolicyError` naming the key and the problem, for example
``tiers.key.interval_days: must be a positive whole number, got -3``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from fieldkit.domain.careplan.festivals import Festival
from fieldkit.domain.vocab import Category, Tier

__all__ = ["Policy", "PolicyError", "default_policy", "load_policy", "parse_policy"]


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file, key and problem."""


@dataclass(frozen=True)
class Policy:
    """The validated rules the due engine applies (see ``default_policy.toml``)."""

    upcoming_days: int
    week_days: int
    keep_overdue_days: int
    tier_lead_days: int
    tier_interval_days: Mapping[Tier, int]
    hospital_within_days: int
    birthday_milestones: tuple[int, ...]
    birthday_every_year_from: int
    birthday_days_before: int
    birthday_days_after: int
    condolence_within_days: int
    misfortune_within_days: int
    festivals: tuple[Festival, ...]
    festival_days_before: int
    festival_keep_after_days: int
    festival_tiers: frozenset[Tier]
    festival_categories: frozenset[Category]
    relocation_yearly_visit: bool
    relocation_notice_days: int
    follow_up_default_days: int


# --- validators: each takes (dotted key, raw value) and returns the clean value ---

Check = Callable[[str, Any], Any]


def _whole(minimum: int, words: str) -> Check:
    def check(key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise PolicyError(f"{key}: must be a {words} whole number, got {value!r}")
        return value

    return check


_POSITIVE = _whole(1, "positive")
_NON_NEGATIVE = _whole(0, "non-negative")


def _flag(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise PolicyError(f"{key}: must be true or false, got {value!r}")
    return value


def _ages(key: str, value: Any) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise PolicyError(f"{key}: must be a list of ages such as [80, 90, 100], got {value!r}")
    for age in value:
        _POSITIVE(f"{key}[]", age)
    return tuple(sorted(set(value)))


def _members(kind: type[Any], what: str) -> Check:
    def check(key: str, value: Any) -> frozenset[Any] | tuple[Any, ...]:
        allowed = ", ".join(m.value for m in kind)
        if not isinstance(value, list):
            raise PolicyError(f"{key}: must be a list of {what} ({allowed}), got {value!r}")
        out = []
        for item in value:
            try:
                out.append(kind(item))
            except ValueError:
                raise PolicyError(
                    f"{key}: {item!r} is not a {what}; expected one of {allowed}"
                ) from None
        return tuple(dict.fromkeys(out))

    return check


_SCHEMA: dict[str, Any] = {
    "list": {
        "upcoming_days": _NON_NEGATIVE,
        "week_days": _NON_NEGATIVE,
        "keep_overdue_days": _NON_NEGATIVE,
    },
    "tiers": {
        "lead_days": _NON_NEGATIVE,
        **{tier.value: {"interval_days": _POSITIVE} for tier in Tier},
    },
    "hospital": {"within_days": _NON_NEGATIVE},
    "birthday": {
        "milestones": _ages,
        "every_year_from": _NON_NEGATIVE,
        "days_before": _NON_NEGATIVE,
        "days_after": _NON_NEGATIVE,
    },
    "condolence": {"within_days": _NON_NEGATIVE},
    "misfortune": {"within_days": _NON_NEGATIVE},
    "festivals": {
        "enabled": _members(Festival, "festival"),
        "days_before": _POSITIVE,
        "keep_after_days": _NON_NEGATIVE,
        "tiers": _members(Tier, "tier"),
        "categories": _members(Category, "category"),
    },
    "relocation": {"yearly_visit": _flag, "notice_days": _NON_NEGATIVE},
    "follow_ups": {"default_days": _NON_NEGATIVE},
}


def _check_tree(data: Mapping[str, Any], schema: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """Validate ``data`` against ``schema``: unknown keys and bad values are errors."""
    clean: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if key not in schema:
            known = ", ".join(schema)
            raise PolicyError(f"{path}: unknown key; expected one of {known}")
        rule = schema[key]
        if isinstance(rule, dict):
            if not isinstance(value, dict):
                raise PolicyError(f"{path}: must be a table ([{path}]), got {value!r}")
            clean[key] = _check_tree(value, rule, f"{path}.")
        else:
            clean[key] = rule(path, value)
    return clean


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _build(tree: Mapping[str, Any]) -> Policy:
    lst, tiers, bday = tree["list"], tree["tiers"], tree["birthday"]
    fest, reloc = tree["festivals"], tree["relocation"]
    return Policy(
        upcoming_days=lst["upcoming_days"],
        week_days=lst["week_days"],
        keep_overdue_days=lst["keep_overdue_days"],
        tier_lead_days=tiers["lead_days"],
        tier_interval_days={tier: tiers[tier.value]["interval_days"] for tier in Tier},
        hospital_within_days=tree["hospital"]["within_days"],
        birthday_milestones=bday["milestones"],
        birthday_every_year_from=bday["every_year_from"],
        birthday_days_before=bday["days_before"],
        birthday_days_after=bday["days_after"],
        condolence_within_days=tree["condolence"]["within_days"],
        misfortune_within_days=tree["misfortune"]["within_days"],
        festivals=fest["enabled"],
        festival_days_before=fest["days_before"],
        festival_keep_after_days=fest["keep_after_days"],
        festival_tiers=frozenset(fest["tiers"]),
        festival_categories=frozenset(fest["categories"]),
        relocation_yearly_visit=reloc["yearly_visit"],
        relocation_notice_days=reloc["notice_days"],
        follow_up_default_days=tree["follow_ups"]["default_days"],
    )


def _parse_toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise PolicyError(f"not valid TOML: {err}") from None


@cache
def _default_tree() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("default_policy.toml").read_text("utf-8")
    return _check_tree(_parse_toml(text), _SCHEMA, "")


def default_policy() -> Policy:
    """The shipped defaults."""
    return _build(_default_tree())


def parse_policy(text: str) -> Policy:
    """A policy from TOML ``text`` merged over the defaults; raises :class:`PolicyError`."""
    override = _check_tree(_parse_toml(text), _SCHEMA, "")
    return _build(_merge(_default_tree(), override))


def load_policy(path: Path | None = None) -> Policy:
    """The defaults, with the county file at ``path`` merged over them when given."""
    if path is None:
        return default_policy()
    try:
        text = path.read_text("utf-8")
    except OSError as err:
        raise PolicyError(f"{path}: cannot read the policy file ({err.strerror})") from None
    except UnicodeDecodeError:
        raise PolicyError(f"{path}: the policy file is not UTF-8 text") from None
    try:
        return parse_policy(text)
    except PolicyError as err:
        raise PolicyError(f"{path}: {err}") from None
