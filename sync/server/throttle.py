"""The enrollment throttle: a few failed tries per client address a minute, then 429.

``/v1/enroll`` needs no token, so codes could be guessed there. Every failed try
(an unknown, used or expired code, an id already enrolled, a malformed or too
large body) is counted per client address in ``sync_enroll_failure``, in the
database so that every worker shares the count. Once an address has failed
``limit`` times in a window, its tries get **429** with ``Retry-After`` until the
window ends, before any of their body is read. A successful enrollment is never
held back by the tries of others at other addresses. Behind a reverse proxy,
the address is the one the proxy forwards (uvicorn's ``--forwarded-allow-ips``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select

from sync.server import tables as t
from sync.server.auth import utcnow
from sync.server.records import upsert

__all__ = ["EnrollThrottle"]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)


@dataclass(frozen=True)
class EnrollThrottle:
    """At most ``limit`` failed tries per address in each ``window``."""

    limit: int
    window: timedelta = timedelta(minutes=1)

    def wait_seconds(self, conn: Connection, address: str, now: datetime | None = None) -> int:
        """Seconds ``address`` must wait before trying again (0: it may try now)."""
        f = t.enroll_failure.c
        row = conn.execute(
            select(f.window_start, f.failures).where(f.address == address[:64])
        ).first()
        if row is None or row.failures < self.limit:
            return 0
        left = _aware(row.window_start) + self.window - (now or utcnow())
        return max(0, math.ceil(left.total_seconds()))

    def failed(self, conn: Connection, address: str, now: datetime | None = None) -> None:
        """Count one failed try of ``address`` (a new window when the last one ended)."""
        now = now or utcnow()
        f = t.enroll_failure.c
        row = conn.execute(
            select(f.window_start, f.failures).where(f.address == address[:64])
        ).first()
        if row is None or _aware(row.window_start) + self.window <= now:
            start, failures = now, 1
        else:
            start, failures = _aware(row.window_start), row.failures + 1
        upsert(
            conn,
            t.enroll_failure,
            [{"address": address[:64], "window_start": start, "failures": failures}],
            ["address"],
        )
        conn.execute(delete(t.enroll_failure).where(f.window_start < now - 10 * self.window))
