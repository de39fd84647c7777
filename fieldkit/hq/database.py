"""Opening the HQ database: the sync server's migrations, then fieldkit's own tables."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from fieldkit.hq.errors import HqSetupError
from fieldkit.hq.projection import migrate_projection
from fieldkit.i18n import N_
from sync.server.db import make_engine, migrate

__all__ = ["open_hq"]


def open_hq(url: str) -> Engine:
    """An engine on the HQ database at ``url``, migrated; raises :class:`HqSetupError`."""
    try:
        engine = make_engine(url)
        migrate(engine)
        migrate_projection(engine)
    except (SQLAlchemyError, OSError) as err:
        raise HqSetupError(
            N_("HQ: cannot open the HQ database {url}: {error}"), url=url, error=err
        ) from err
    return engine
