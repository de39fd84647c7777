"""What the hostile tests share: a real HQ process, raw requests, laptops, HQ's tables.

Requests are sent as an attacker would, with httpx or a raw socket, never through
the sync client; laptops are real fieldkit stores that enroll and sync through
:func:`fieldkit.syncing.sync_now`; what HQ holds is read straight from its
database.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, select

from fieldkit.domain.models import Person, Site, Visit
from fieldkit.domain.vocab import SiteKind
from fieldkit.store import Store
from fieldkit.sync_schema import sync_schema
from fieldkit.syncing import enroll, sync_now
from sync import PROTOCOL_VERSION
from sync.hlc import Timestamp, format_ts
from sync.protocol import HEADER_PROTOCOL, HEADER_SCHEMA
from sync.server import tables as t
from sync.server.db import make_engine
from tests.support.hq_process import Hq, migrated_database

__all__ = [
    "COUNTY",
    "Hq",
    "Laptop",
    "add_person",
    "add_site",
    "add_visit",
    "hq_tables",
    "serve",
    "user",
    "versioned",
]

COUNTY = "古岚县"
_names = itertools.count(1)


@contextmanager
def serve(backend: str, tmp: Path, *extra: str) -> Iterator[Hq]:
    """A ``fieldkit serve`` process on a fresh database of ``backend``, stopped afterwards.

    Its enrollment throttle is generous unless ``extra`` sets it.
    """
    with migrated_database(backend, tmp) as url:
        args = extra or ("--enroll-failures-per-minute", "100000")
        server = Hq(url, log_path=tmp / "serve.log", extra=args)
        try:
            yield server
        finally:
            server.stop()


def versioned(token: str | None = None) -> dict[str, str]:
    """The version headers (and the bearer token, when given) of a request."""
    headers = {HEADER_PROTOCOL: str(PROTOCOL_VERSION), HEADER_SCHEMA: sync_schema().version}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def user(hq: Hq, role: str, sites: list[str] | None = None) -> str:
    """A new HQ user of ``role`` serving ``sites`` (ids); its name."""
    name = f"{role}{next(_names)}"
    args = ["add-user", name, "--role", role]
    if sites:
        args += ["--sites", ",".join(sites)]
    hq.admin(*args)
    return name


class Laptop:
    """A fieldkit store enrolled at ``hq`` by a new user of ``role`` and ``sites``."""

    def __init__(self, hq: Hq, tmp: Path, role: str, sites: list[str] | None = None) -> None:
        self.user = user(hq, role, sites)
        self.store = Store(tmp / f"{self.user}.db")
        enroll(self.store, hq.url, hq.enroll_code(self.user))

    @property
    def device_id(self) -> str:
        """The laptop's device id (the node of its clocks)."""
        return self.store.device_id

    @property
    def token(self) -> str:
        """The laptop's device token."""
        return self.store.meta("device_token") or ""

    def sync(self) -> None:
        """Push and pull; the sync must complete."""
        report = sync_now(self.store)
        assert report.ok, report.error

    def rejected(self) -> dict[str, str]:
        """Row id -> reason of the outbox entries HQ rejected."""
        from fieldkit.store.replica import rejected_changes

        return {e.row_id: e.reason for e in rejected_changes(self.store)}

    def push_raw(self, url: str, *changes: tuple[str, str, dict[str, Any]]) -> list[dict[str, Any]]:
        """Push ``(tbl, id, data)`` changes as this device, past its outbox; the verdicts.

        What a tampered laptop sends: well-formed changes with this device's clock and
        the next sequence numbers after what HQ holds. (The laptop's own outbox is
        then behind HQ's watermark: do not sync it afterwards.)
        """
        me = self.get(url, "/v1/me").json()
        now = int(time.time() * 1000)
        body = [
            {
                "seq": me["watermark"] + at + 1,
                "tbl": tbl,
                "id": row_id,
                "data": data,
                "hlc": format_ts(Timestamp(now, at, self.device_id)),
                "seen_rev": 0,
            }
            for at, (tbl, row_id, data) in enumerate(changes)
        ]
        reply = httpx.post(f"{url}/v1/push", json={"changes": body}, headers=versioned(self.token))
        assert reply.status_code == 200, reply.text
        verdicts: list[dict[str, Any]] = reply.json()["verdicts"]
        return verdicts

    def get(self, url: str, path: str, **params: Any) -> httpx.Response:
        """``GET path`` as this laptop, with its token and the version headers."""
        return httpx.get(f"{url}{path}", params=params, headers=versioned(self.token))


def add_site(store: Store, name: str) -> str:
    """A new site of the county on ``store``; its id."""
    with store.write() as s:
        site = Site(name=name, county=COUNTY, kind=SiteKind.VILLAGE)
        s.add(site)
    return site.id


def add_person(store: Store, site_id: str, code: str, **values: Any) -> str:
    """A new person at ``site_id`` on ``store``; its id."""
    with store.write() as s:
        person = Person(
            code=code, name=f"测试{code}", site_id=site_id, birth_date=date(1940, 3, 1), **values
        )
        s.add(person)
    return person.id


def add_visit(store: Store, person_id: str, site_id: str, **values: Any) -> str:
    """A new visit of ``person_id`` recorded under ``site_id`` on ``store``; its id."""
    with store.write() as s:
        visit = Visit(
            person_id=person_id, site_id=site_id, visited_at=datetime(2026, 6, 1, 9), **values
        )
        s.add(visit)
    return visit.id


_TABLES = (
    t.server_state,
    t.user,
    t.device,
    t.enrollment,
    t.record,
    t.exit_,
    t.rejection,
    t.conflict,
)


def hq_tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of HQ's sync tables (not the throttle's), to compare before and after."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in _TABLES:
            rows = conn.execute(select(table)).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def hq_engine(hq: Hq) -> Engine:
    """An engine on HQ's database (dispose it afterwards)."""
    return make_engine(hq.database_url)
