"""The laptop's report keeper: the quarterly report's kept rows of the previous and the
current quarter brought current on the laptop store, so that the first report of a
quarter replays only the persons written since, not every person.

The step is the report's own path (:func:`fieldkit.reports.compute.keep_rows` over the
store's :class:`~fieldkit.reports.store_source.StoreSource`): the persons without a
valid kept row are replayed and their rows stored in one write transaction (a step
killed before it commits leaves the rows as they were). The rows are checked by version
at every report, so the step only makes reports faster; it never changes their figures.

``fieldkit sync`` runs it in its own process after a sync that moved records. The field
app runs it in a child process (``python -m fieldkit.services.keeping STORE``, at a
lowered priority), so the replay never holds the app's interpreter:
:class:`fieldkit.services.keeper_process.KeeperProcess` starts one child at a time, and
a request while one runs makes one more run after it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

from fieldkit.domain.careplan import Policy
from fieldkit.reports.compute import keep_rows
from fieldkit.reports.keeping import KeptQuarter, kept_quarters, today_at_bureau
from fieldkit.reports.quarter import Quarter
from fieldkit.reports.store_source import StoreSource
from fieldkit.services.due import DueVisits
from fieldkit.store import Store

__all__ = ["keep_store_current", "keep_store_report_rows", "main"]

log = logging.getLogger("fieldkit.services.keeping")

NICE = 10
"""How much the child lowers its priority (where the system has ``os.nice``)."""


def keep_store_report_rows(
    db_path: Path | str, quarter: Quarter, policy: Policy | None = None
) -> KeptQuarter:
    """Bring the kept rows of ``quarter`` under ``policy`` (the shipped one by default)
    current in the laptop store at ``db_path``: replay the persons whose row is stale or
    missing and store their rows in one transaction. Raises :class:`FileNotFoundError`
    when there is no store there (a cache is never kept in a new file)."""
    with _open_store(db_path) as store:
        return _keep(store, quarter, policy)


def keep_store_current(
    db_path: Path | str, policy: Policy | None = None, today: date | None = None
) -> tuple[KeptQuarter, ...]:
    """The kept quarters (previous and current on ``today``, by default the laptop's
    clock in the bureau's zone) brought current under ``policy`` (by default the
    county's, as ``fieldkit report`` uses)."""
    chosen = policy if policy is not None else DueVisits.policy()
    quarters = kept_quarters(today if today is not None else today_at_bureau())
    with _open_store(db_path) as store:
        return tuple(_keep(store, quarter, chosen) for quarter in quarters)


@contextlib.contextmanager
def _open_store(db_path: Path | str) -> Iterator[Store]:
    """The store at ``db_path``, closed afterwards; :class:`FileNotFoundError` when there
    is none (a cache is never kept in a new file)."""
    if not Path(db_path).is_file():
        raise FileNotFoundError(f"no store at {db_path}")
    store = Store(db_path)
    try:
        yield store
    finally:
        store.close()


def _keep(store: Store, quarter: Quarter, policy: Policy | None) -> KeptQuarter:
    """One quarter's kept rows brought current in ``store``, timed."""
    wall, cpu = time.perf_counter(), time.thread_time()
    replayed = keep_rows(StoreSource(store), quarter, policy)
    return KeptQuarter(quarter, replayed, time.perf_counter() - wall, time.thread_time() - cpu)


def main(argv: Sequence[str] | None = None) -> int:
    """The child: ``python -m fieldkit.services.keeping STORE`` brings the kept
    quarters of the store current at a lowered priority; 0 on success."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m fieldkit.services.keeping STORE", file=sys.stderr)
        return 2
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(NICE)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        for one in keep_store_current(args[0]):
            log.info(
                "report keeper: %s kept current, %d persons replayed in %.1f s",
                one.quarter, one.replayed, one.seconds,
            )  # fmt: skip
    except Exception:
        log.exception("report keeper: the step failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
