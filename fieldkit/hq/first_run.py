"""What ``fieldkit serve`` tells an HQ that nobody has set up yet: the three commands."""

from __future__ import annotations

from sqlalchemy import Connection, exists, select

from fieldkit.i18n import gettext as _
from sync.server import tables as sync_tables

__all__ = ["first_run_guide", "needs_setup"]


def needs_setup(conn: Connection) -> bool:
    """Whether HQ has no user yet (so no laptop can enroll)."""
    return not conn.execute(select(exists().select_from(sync_tables.user))).scalar()


def first_run_guide(database_option: str) -> str:
    """The steps that set up an empty HQ, each a command to run.

    ``database_option`` is appended to each admin command (``--database-url URL``
    when the server was started with one, else empty).
    """
    db = f" {database_option}" if database_option else ""
    return _(
        "HQ: this headquarters has no users yet. Set it up in three steps:\n"
        "  1. add the sites: fieldkit admin add-site NAME --kind village{db}\n"
        "     (or load the bureau's roster: fieldkit admin import roster FILE{db})\n"
        "  2. add a user: fieldkit admin add-user NAME --role staff --sites SITE{db}\n"
        "     (an admin sees every site: --role admin, no --sites)\n"
        "  3. enroll a laptop: fieldkit admin enroll NAME{db}\n"
        "     then on the laptop: fieldkit enroll URL CODE"
    ).format(db=db)
