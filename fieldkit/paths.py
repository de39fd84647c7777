"""Where fieldkit keeps its files by default (platformdirs), and the shipped sample data."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_config_path, user_data_path

__all__ = ["config_dir", "data_dir", "default_db_path", "default_server_db_path", "sample_data_dir"]

APP = "fieldkit"


def data_dir() -> Path:
    """The user data directory (``FIELDKIT_HOME`` overrides it, e.g. in tests)."""
    home = os.environ.get("FIELDKIT_HOME")
    return Path(home) if home else user_data_path(APP, appauthor=False)


def config_dir() -> Path:
    """The user config directory (``FIELDKIT_HOME``/config when that is set)."""
    home = os.environ.get("FIELDKIT_HOME")
    return Path(home) / "config" if home else user_config_path(APP, appauthor=False)


def default_db_path() -> Path:
    """The laptop store: ``FIELDKIT_DB`` if set, else ``fieldkit.db`` in the data dir."""
    env = os.environ.get("FIELDKIT_DB")
    return Path(env) if env else data_dir() / "fieldkit.db"


def default_server_db_path() -> Path:
    """The headquarters SQLite database used when no ``--database-url`` is given."""
    return data_dir() / "hq.db"


def sample_data_dir() -> Path:
    """The demo county's files: ``sample_data/`` of a checkout, or the copy in the wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "sample_data", here / "_sample_data"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("sample_data is missing from this installation; reinstall fieldkit")
