"""The HQ server's settings as fieldkit runs it: with the hook that keeps the report
projection current in every push (the database comes from :func:`fieldkit.hq.database.open_hq`),
and the report keeper woken after every push that committed (:mod:`fieldkit.hq.keeper`)."""

from __future__ import annotations

from fieldkit.hq.keeper import ReportKeeper
from fieldkit.hq.projection import keep_current
from sync.server.settings import ServerSettings

__all__ = ["hq_settings"]


def hq_settings(
    settings: ServerSettings | None, keeper: ReportKeeper | None = None
) -> ServerSettings:
    """``settings`` (or the defaults) with the projection kept in every push, and
    ``keeper`` told of every push that committed."""
    out = (settings or ServerSettings()).model_copy()
    out.on_written = keep_current
    if keeper is not None:
        out.on_committed = keeper.written
    return out
