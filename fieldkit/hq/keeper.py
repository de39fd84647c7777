"""The HQ server's report keeper: one background thread that keeps the kept figures of the
previous and the current quarter current (:func:`fieldkit.hq.keep_reports.keep_report_rows`),
so that a bureau's report at a running HQ replays only the persons written since the
keeper's last run, never every person of the quarter.

**When it runs.** Once when the server starts (a freshly migrated, rebuilt or restored
HQ, or a new policy, fills itself), and after every push whose committed records touch
what the report replays (:data:`REPORTED_TABLES`): :meth:`ReportKeeper.written` is the
server's ``on_committed`` hook, called after the push's transaction committed, so a run
it wakes sees the push. A run a push asks for starts once the pushes settled: no other
push asked for :data:`SETTLE_S` (at most :data:`SETTLE_MAX_S` after the first), so a
burst of pushes is answered before the keeper replays its persons once. The quarters
are those of the server's clock in the bureau's zone at the start of each run
(:func:`fieldkit.hq.keep_reports.kept_quarters`). A keeper left idle for
:data:`EVERY_S` runs anyway (writes made at HQ without a push, and a new quarter, are
kept within that time).

**Single flight.** One thread per server process runs the step, never two at once: a
push while a run is going marks the keeper dirty, and it runs once more afterwards
(any number of pushes meanwhile make one run). Across the processes of a server with
several workers (PostgreSQL), a run holds a session advisory lock
(:data:`KEEPER_LOCK`), so another worker's keeper waits and then finds the rows
current. A failing run is logged and the keeper waits for the next push; it never
reaches a request. :meth:`ReportKeeper.stop` (at shutdown) lets a running step end,
waiting up to a timeout (the thread is a daemon: a server that exits meanwhile loses
only the uncommitted rows of a cache).

**Beside reports.** A report never waits for the keeper: it checks every kept row by
version and replays what is stale, as without a keeper. Storing is serialised with the
reports' by the keeping lock (:data:`fieldkit.hq.projection.kept.KEEP_LOCK`, and the
write lock on SQLite); a row is never replaced by one of an older version, so the
keeper and a report storing the same persons leave the same rows. A report made while
a run is replaying replays the same persons once more (the same figures, in its own
time).
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, contextmanager
from datetime import date
from typing import Any

from sqlalchemy import Engine, text

from fieldkit.domain.careplan import Policy
from fieldkit.hq.keep_reports import keep_report_rows
from fieldkit.reports.keeping import KeptQuarter, kept_quarters, today_at_bureau
from fieldkit.reports.quarter import Quarter
from sync.server.settings import WrittenRecord

__all__ = ["EVERY_S", "KEEPER_LOCK", "REPORTED_TABLES", "KeepStep", "ReportKeeper"]

log = logging.getLogger("fieldkit.hq.keeper")

REPORTED_TABLES = frozenset({"person", "event", "visit", "site"})
"""The records whose writes can make kept rows stale (a person's file, events and visits
raise their version; a site's kind decides the relocation flag)."""

KEEPER_LOCK = 7_413_212
"""The session advisory lock (PostgreSQL) a keeper run holds: one run at a time across
the server's worker processes."""

EVERY_S = 600.0
"""A keeper idle this long runs anyway: it picks up what was written at HQ without a push
(a roster import, a conflict settled in the console) and a quarter that began."""

SETTLE_S = 2.0
"""A push's run starts once no other push asked for one for this long: a burst of pushes
(every laptop syncing at the start of the day) is answered first and kept once after it,
not replayed beside each push in the server's process."""

SETTLE_MAX_S = 30.0
"""However many pushes keep coming, a run starts this long after the first one asked."""

KeepStep = Callable[[Engine, Quarter, Policy], KeptQuarter]
"""The step a run takes per quarter (:func:`keep_report_rows`)."""


class ReportKeeper:
    """The background keeper of the HQ database behind ``engine`` under ``policy``
    (see the module). ``today`` is the server's clock; ``step`` the step per quarter;
    ``every``: seconds after which it runs when nothing asked (``None``: never);
    ``settle``: seconds without a request before a requested run starts, and at most
    ``settle_max`` after the first request (:data:`SETTLE_S`, :data:`SETTLE_MAX_S`)."""

    def __init__(
        self,
        engine: Engine,
        policy: Policy,
        *,
        today: Callable[[], date] = today_at_bureau,
        step: KeepStep = keep_report_rows,
        every: float | None = EVERY_S,
        settle: float = SETTLE_S,
        settle_max: float = SETTLE_MAX_S,
    ) -> None:
        self.engine = engine
        self.policy = policy
        self._today = today
        self._step = step
        self._every = every
        self._settle, self._settle_max = settle, settle_max
        self._asked_first = self._asked_last = -math.inf
        """When the requests waiting for the next run came: the first and the last."""
        self._changed = threading.Condition()
        self._dirty = False
        self._running = False
        self._thread: threading.Thread | None = None
        """The thread serving now (a thread that is no longer it ends at its next wait)."""
        self.runs = 0
        """Runs ended so far (failed ones included)."""
        self.failures = 0
        """Runs that failed so far."""
        self.last: tuple[KeptQuarter, ...] = ()
        """What the last run that succeeded did, per quarter."""

    def start(self) -> None:
        """Start the thread and ask for a first run (does nothing if started)."""
        with self._changed:
            if self._thread is not None:
                return
            self._dirty = True
            self._thread = threading.Thread(
                target=self._serve, name="fieldkit-report-keeper", daemon=True
            )
            self._thread.start()

    def request(self) -> None:
        """Ask for a run: once no other request came for ``settle`` seconds when idle,
        else once more after the one going."""
        now = time.monotonic()
        with self._changed:
            if not self._dirty:
                self._asked_first = now
            self._asked_last = now
            self._dirty = True
            self._changed.notify_all()

    def written(self, records: Sequence[WrittenRecord]) -> None:
        """The server's ``on_committed`` hook: a run when ``records`` (a committed push)
        touch :data:`REPORTED_TABLES`."""
        if any(rec.tbl in REPORTED_TABLES for rec in records):
            self.request()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no run is going or asked for (a started keeper); whether it is."""
        with self._changed:
            return self._changed.wait_for(
                lambda: not (self._dirty or self._running) or self._thread is None, timeout
            )

    def stop(self, timeout: float = 30.0) -> bool:
        """Start no more runs and wait up to ``timeout`` seconds for the one going to end;
        whether the thread ended."""
        with self._changed:
            thread, self._thread = self._thread, None
            self._changed.notify_all()
        if thread is None:
            return True
        thread.join(timeout)
        if thread.is_alive():
            log.warning("report keeper: a run is still going at shutdown; left to the exit")
            return False
        return True

    @asynccontextmanager
    async def lifespan(self, app: Any) -> AsyncIterator[None]:
        """The server's lifespan: started with it, stopped when it shuts down."""
        self.start()
        try:
            yield
        finally:
            await asyncio.to_thread(self.stop)

    def _serve(self) -> None:
        me = threading.current_thread()
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._dirty or self._thread is not me, self._every)
                self._wait_settled(me)
                if self._thread is not me:  # stopped
                    self._changed.notify_all()
                    return
                self._dirty, self._running = False, True
            try:
                self._run()
            except Exception:
                with self._changed:
                    self.failures += 1
                log.exception("report keeper: the run failed; the next push or wake runs again")
            finally:
                with self._changed:
                    self._running = False
                    self.runs += 1
                    self._changed.notify_all()

    def _wait_settled(self, me: threading.Thread) -> None:
        """Holding the condition, wait until the requests settled: none for ``settle``
        seconds, or ``settle_max`` since the first, or the keeper stopped."""
        while self._thread is me:
            now = time.monotonic()
            until = min(self._asked_last + self._settle, self._asked_first + self._settle_max)
            if now >= until:
                return
            self._changed.wait(until - now)

    def _run(self) -> None:
        """One run: each kept quarter brought current, under the keeper's lock."""
        with _one_keeper(self.engine):
            done = tuple(
                self._step(self.engine, quarter, self.policy)
                for quarter in kept_quarters(self._today())
            )
        self.last = done
        for one in done:
            log.info(
                "report keeper: %s kept current, %d persons replayed in %.1f s",
                one.quarter, one.replayed, one.seconds,
            )  # fmt: skip


@contextmanager
def _one_keeper(engine: Engine) -> Any:
    """Hold :data:`KEEPER_LOCK` meanwhile (PostgreSQL; nothing on SQLite, whose write
    lock serialises the stores)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": KEEPER_LOCK})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": KEEPER_LOCK})
            conn.commit()
