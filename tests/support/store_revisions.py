"""A store file left at an older revision, as an older fieldkit made it; HQ's report
projection taken back to an older revision."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from fieldkit.store.engine import make_engine
from fieldkit.store.migrate import MIGRATIONS_DIR


def store_at(path: Path, revision: str) -> None:
    """Create the store at ``path`` migrated up to ``revision`` only."""
    _migrate(path, command.upgrade, revision)


def store_down_to(path: Path, revision: str) -> None:
    """Take the store at ``path`` back to ``revision``, as an older fieldkit left it."""
    _migrate(path, command.downgrade, revision)


def _migrate(path: Path, step: Callable[[Config, str], None], revision: str) -> None:
    engine = make_engine(path)
    try:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            step(cfg, revision)
    finally:
        engine.dispose()


def projection_down_to(engine: Engine, revision: str) -> None:
    """Downgrade HQ's report projection on ``engine`` to ``revision`` (a later
    ``migrate_projection`` then runs the newer migrations on the rows it holds)."""
    from fieldkit.hq.projection.migrate import CHAIN

    with engine.begin() as conn:
        cfg = Config()
        cfg.set_main_option("script_location", str(CHAIN.script_location))
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
