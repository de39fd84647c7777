"""What keeping the report's rows current works with, at HQ and on a laptop: the quarters
kept (the previous and the current one, by this machine's clock in the bureau's zone)
and what one keeping step did. The steps are :func:`fieldkit.hq.keep_reports.keep_report_rows`
(HQ) and :func:`fieldkit.services.keeping.keep_store_report_rows` (a laptop store), both
over :func:`fieldkit.reports.compute.keep_rows`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from fieldkit.reports.quarter import BUREAU_ZONE, Quarter

__all__ = ["KeptQuarter", "kept_quarters", "today_at_bureau"]


@dataclass(frozen=True)
class KeptQuarter:
    """What one keeping step did: the persons it replayed (0: the quarter's rows were
    current), its wall-clock seconds and the CPU seconds of the thread that ran it."""

    quarter: Quarter
    replayed: int
    seconds: float
    cpu_seconds: float


def today_at_bureau() -> date:
    """Today's date in the bureau's zone (Asia/Shanghai), by this machine's clock."""
    return datetime.now(BUREAU_ZONE).date()


def kept_quarters(today: date) -> tuple[Quarter, Quarter]:
    """The quarters kept current on ``today``: the previous one (a bureau reports a
    quarter after it ends) and the current one."""
    current = Quarter.of_day(today)
    return current.previous(), current
