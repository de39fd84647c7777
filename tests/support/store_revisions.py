"""A store file left at an older revision, as an older fieldkit made it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from fieldkit.store.engine import make_engine
from fieldkit.store.migrate import MIGRATIONS_DIR


def store_at(path: Path, revision: str) -> None:
    """Create the store at ``path`` migrated up to ``revision`` only."""
    engine = make_engine(path)
    try:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()
