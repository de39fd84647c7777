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
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from fieldkit.paths import config_dir

__all__ = ["Config", "ConfigError", "config_path", "load_config", "save_config"]

THEMES = ("dark", "light")
LANGS = ("zh", "en")


class ConfigError(ValueError):
    """The config file cannot be used; the message names the file and the key."""


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
    try:
        amount = Decimal(str(raw))
    except InvalidOperation:
        amount = Decimal(-1)
    if isinstance(raw, bool) or not amount.is_finite() or amount < 0:
        raise ConfigError(f"{path}: money_confirm_yuan must be an amount in yuan >= 0, got {raw!r}")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ConfigError(f"{path}: money_confirm_yuan has more than two decimals: {raw!r}")
    return int(fen)


def load_config(path: Path | None = None) -> Config:
    """Read and validate the config file; a missing file gives the defaults."""
    path = path or config_path()
    if not path.exists():
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: not a valid TOML file: {err}") from None
    cfg = Config()
    for key, value in data.items():
        if key == "language":
            if value not in LANGS:
                raise ConfigError(
                    f"{path}: language must be one of {', '.join(LANGS)}, got {value!r}"
                )
            cfg = cfg.with_changes(language=value)
        elif key == "theme":
            if value not in THEMES:
                raise ConfigError(
                    f"{path}: theme must be one of {', '.join(THEMES)}, got {value!r}"
                )
            cfg = cfg.with_changes(theme=value)
        elif key == "default_site":
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{path}: default_site must be a site name or id, got {value!r}")
            cfg = cfg.with_changes(default_site=value.strip())
        elif key == "money_confirm_yuan":
            cfg = cfg.with_changes(money_confirm_fen=_money(path, value))
        else:
            raise ConfigError(
                f"{path}: unknown setting {key!r}; known: language, theme, default_site, "
                "money_confirm_yuan"
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
