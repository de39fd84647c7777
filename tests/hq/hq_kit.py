"""fieldkit's HQ server in a thread and its laptops, for the tests of fieldkit's sync.

The server is assembled as ``fieldkit serve`` assembles it
(:func:`fieldkit.cli.hq.build_app`: fieldkit's schema, roles and name) and served
over real HTTP on 127.0.0.1; laptops are real fieldkit stores that enroll with a
one-time code and sync through :func:`fieldkit.syncing.sync_now`.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

from fieldkit.cli.hq import build_app
from fieldkit.store import Store
from fieldkit.sync_schema import ROLES
from fieldkit.syncing import enroll, sync_now
from sync.server.admin import add_user, create_code
from sync.server.db import write_begin
from tests.support.server_thread import ServerThread

__all__ = ["code_for", "fieldkit_hq", "laptop", "new_user", "ok"]

_names = itertools.count(1)


def fieldkit_hq(url: str) -> ServerThread:
    """fieldkit's HQ on the database at ``url``, serving in a thread."""
    return ServerThread(build_app(url))


def new_user(hq: ServerThread, role: str, sites: list[str] | None) -> str:
    """A fresh user with that role and sites; its name."""
    name = f"user{next(_names)}"
    with write_begin(hq.engine) as conn:
        add_user(conn, ROLES, name, role, sites)
    return name


def code_for(hq: ServerThread, user: str) -> str:
    """A one-time enrollment code for ``user``."""
    with write_begin(hq.engine) as conn:
        code, _ = create_code(conn, user, timedelta(hours=1))
    return code


def laptop(hq: ServerThread, tmp: Path, name: str, role: str, sites: list[str] | None) -> Store:
    """A new laptop store enrolled by a new user of that role and sites."""
    store = Store(tmp / f"{name}.db")
    enroll(store, hq.url, code_for(hq, new_user(hq, role, sites)))
    return store


def ok(store: Store) -> None:
    """Sync ``store``, which must succeed."""
    report = sync_now(store)
    assert report.ok, report.error
