"""The user's settings file: ``config.toml`` in :func:`fieldkit.paths.config_dir`.

Keys (all optional)::

    language = "zh"              # "zh" or "en"
    theme = "dark"               # "dark" or "light"
    default_site = "幸福安置点"   # a site name or id the roster starts filtered on
    money_confirm_yuan = 2000    # amounts above this ask for confirmation

A bad file is reported with the file, the key and what is accepted
(:class:`ConfigError`); unknown keys are errors too, so typos do not pass silently.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from fieldkit.domain.money import MoneyError, parse_yuan
from fieldkit.errors import FieldkitError
from fieldkit.i18n import N_
from fieldkit.paths import config_dir

__all__ = ["Config", "ConfigError", "config_path", "load_config", "save_config"]

THEMES = ("dark", "light")
LANGS = ("zh", "en")


class ConfigError(FieldkitError):
    """The config file cannot be used; the message names the file and the key."""

    exit_code = 2


_FIX_HINT = N_("Fix the file, or delete it to use the defaults.")


def _refuse(path: Path, message: str, **params: object) -> ConfigError:
    return ConfigError(message, hint=_FIX_HINT, values=params, path=path)


@dataclass(frozen=True)
class Config:
    """Validated settings with their defaults."""

    language: str | None = None
    theme: str = "dark"
    default_site: str | None = None
    money_confirm_fen: int = 200_000

    def with_changes(self, **changes: Any) -> Config:
        """A copy with some settings changed."""
        return replace(self, **changes)


def config_path() -> Path:
    """Where the config file lives."""
    return config_dir() / "config.toml"


def _money(path: Path, raw: Any) -> int:
    """The amount in fen, read like every amount (:func:`fieldkit.domain.money.parse_yuan`)."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        try:
            return parse_yuan(str(raw))
        except MoneyError as err:
            problem = str(err)
    else:
        problem = repr(raw)
    raise _refuse(
        path,
        N_(
            "{path}: money_confirm_yuan must be an amount in yuan >= 0 with at most two "
            "decimals, got {problem}"
        ),
        problem=problem,
    )


def load_config(path: Path | None = None) -> Config:
    """Read and validate the config file; a missing file gives the defaults."""
    path = path or config_path()
    if not path.exists():
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise _refuse(path, N_("{path}: not a valid TOML file: {problem}"), problem=err) from None
    changes: dict[str, Any] = {}
    for key, value in data.items():
        reader = _READERS.get(key)
        if reader is None:
            raise _refuse(
                path,
                N_("{path}: unknown setting {key}; known: {known}"),
                key=repr(key),
                known=", ".join(_READERS),
            )
        changes.update(reader(path, value))
    return Config().with_changes(**changes)


def _read_choice(
    path: Path, value: object, *, setting: str, known: tuple[str, ...], msgid: str
) -> dict[str, Any]:
    """A setting whose value is one of a few words (``language``, ``theme``)."""
    if value not in known:
        raise _refuse(path, msgid, known=", ".join(known), value=repr(value))
    return {setting: value}


def _read_default_site(path: Path, value: object) -> dict[str, Any]:
    """``default_site``: a site's name or id, not blank."""
    if not isinstance(value, str) or not value.strip():
        raise _refuse(
            path,
            N_("{path}: default_site must be a site name or id, got {value}"),
            value=repr(value),
        )
    return {"default_site": value.strip()}


def _read_money_confirm(path: Path, value: object) -> dict[str, Any]:
    """``money_confirm_yuan``: the amount above which a visit's money is confirmed."""
    return {"money_confirm_fen": _money(path, value)}


# Each setting of the file and the function that checks it, in the order the
# "unknown setting" message lists them.
_READERS: dict[str, Callable[[Path, object], dict[str, Any]]] = {
    "language": partial(
        _read_choice,
        setting="language",
        known=LANGS,
        msgid=N_("{path}: language must be one of {known}, got {value}"),
    ),
    "theme": partial(
        _read_choice,
        setting="theme",
        known=THEMES,
        msgid=N_("{path}: theme must be one of {known}, got {value}"),
    ),
    "default_site": _read_default_site,
    "money_confirm_yuan": _read_money_confirm,
}


def save_config(cfg: Config, path: Path | None = None) -> Path:
    """Write the settings back (used when the user switches theme or language)."""
    path = path or config_path()
    lines = []
    if cfg.language:
        lines.append(f'language = "{cfg.language}"')
    lines.append(f'theme = "{cfg.theme}"')
    if cfg.default_site:
        escaped = cfg.default_site.replace("\\", "\\\\").replace('"', '\\"')
        lines.append(f'default_site = "{escaped}"')
    whole, part = divmod(cfg.money_confirm_fen, 100)
    lines.append(f"money_confirm_yuan = {whole}.{part:02d}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
