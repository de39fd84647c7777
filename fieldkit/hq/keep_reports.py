"""Bringing the quarterly report's kept figures of a quarter current at HQ, without making
the tables: the step the HQ server runs in the background after pushes
(:mod:`fieldkit.hq.keeper`) and ``fieldkit admin keep-reports`` runs on demand.

It is the report's own path (:func:`fieldkit.reports.compute.keep_rows`): the persons
without a valid kept row (:mod:`fieldkit.reports.kept`) are replayed and their rows
stored, with the mark of a report over every site (:mod:`fieldkit.hq.report_source`).
A report that follows reads them and replays nobody unless a write came in between.
The kept rows are checked by version at every report, so this step only makes the
report faster: it never changes what a report counts.
"""

from __future__ import annotations

import time

from sqlalchemy import Engine

from fieldkit.domain.careplan import Policy
from fieldkit.hq.database import open_hq
from fieldkit.hq.report_source import HqSource
from fieldkit.reports.compute import keep_rows
from fieldkit.reports.keeping import KeptQuarter, kept_quarters, today_at_bureau
from fieldkit.reports.quarter import Quarter
from sync.server.db import read_snapshot

__all__ = ["KeptQuarter", "keep_report_rows", "kept_quarters", "today_at_bureau"]


def keep_report_rows(
    target: str | Engine, quarter: Quarter, policy: Policy | None = None
) -> KeptQuarter:
    """Bring the kept rows of ``quarter`` under ``policy`` (the shipped one by default)
    current at the HQ database ``target`` (a URL, opened and migrated, or an engine):
    replay the persons whose row is stale or missing and store their rows. Raises
    :class:`fieldkit.hq.errors.HqSetupError` for a URL that cannot be opened."""
    wall, cpu = time.perf_counter(), time.thread_time()
    engine = open_hq(target) if isinstance(target, str) else target
    try:
        with read_snapshot(engine) as conn, conn.begin():
            replayed = keep_rows(HqSource(conn, engine), quarter, policy)
    finally:
        if isinstance(target, str):
            engine.dispose()
    return KeptQuarter(quarter, replayed, time.perf_counter() - wall, time.thread_time() - cpu)
