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
from dataclasses import dataclass, replace
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
    cfg = Config()
    for key, value in data.items():
        if key == "language":
            if value not in LANGS:
                raise _refuse(
                    path,
                    N_("{path}: language must be one of {known}, got {value}"),
                    known=", ".join(LANGS),
                    value=repr(value),
                )
            cfg = cfg.with_changes(language=value)
        elif key == "theme":
            if value not in THEMES:
                raise _refuse(
                    path,
                    N_("{path}: theme must be one of {known}, got {value}"),
                    known=", ".join(THEMES),
                    value=repr(value),
                )
            cfg = cfg.with_changes(theme=value)
        elif key == "default_site":
            if not isinstance(value, str) or not value.strip():
                raise _refuse(
                    path,
                    N_("{path}: default_site must be a site name or id, got {value}"),
                    value=repr(value),
                )
            cfg = cfg.with_changes(default_site=value.strip())
        elif key == "money_confirm_yuan":
            cfg = cfg.with_changes(money_confirm_fen=_money(path, value))
        else:
            raise _refuse(
                path,
                N_("{path}: unknown setting {key}; known: {known}"),
                key=repr(key),
                known="language, theme, default_site, money_confirm_yuan",
            )
    return cfg


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
