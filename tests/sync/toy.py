"""A toy application for testing the generic sync engine on its own.

Four tables: ``group`` (its own scope key), ``note`` (scoped by ``group_id``,
with a ``secret`` field guests never see and a number ``n`` between 0 and 1000),
``comment`` (on a note, whose group it follows) and ``notice`` (written at HQ
only, received by every device). Three roles: ``overseer`` (every group), ``member`` and ``guest``
(the groups given to them; guests without secrets). :class:`ToyReplica` is an
in-memory LocalReplica with an outbox.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi import FastAPI

from sync.client import SyncClient
from sync.hlc import HLC
from sync.protocol import Change, ConflictsReply, PullPage, Verdict
from sync.replica import PageApplied
from sync.roles import Roles, RoleSpec
from sync.schema import FieldLimit, SyncSchema, TableSpec
from sync.server import AppInfo, ServerSettings, create_app
from sync.server.admin import add_user, create_code
from sync.server.db import write_begin
from tests.support.server_thread import ServerThread

__all__ = [
    "TOY",
    "TOY_INFO",
    "TOY_ROLES",
    "ServerThread",
    "ToyReplica",
    "code_for",
    "enroll_toy",
    "new_user",
    "toy_app",
]

TOY = SyncSchema(
    version="toy-1",
    tables=(
        TableSpec("group", {"name": str, "deleted": bool}, scope_field=None),
        TableSpec(
            "note",
            {"group_id": str, "title": str, "body": str, "secret": str, "n": int, "deleted": bool},
            scope_field="group_id",
            nullable=frozenset({"n"}),
            limits={"n": FieldLimit(0, 1000)},
        ),
        TableSpec(
            "comment",
            {"note_id": str, "group_id": str, "text": str, "deleted": bool},
            scope_field="group_id",
            scope_parent=("note_id", "note"),
        ),
        TableSpec(
            "notice",
            {"text": str, "deleted": bool},
            scope_field=None,
            every_device=True,
            hq_only=True,
        ),
    ),
)

TOY_ROLES = Roles(
    (
        RoleSpec("overseer", everything=True),
        RoleSpec("member"),
        RoleSpec("guest", hidden={"note": frozenset({"secret"})}),
    )
)

TOY_INFO = AppInfo(name="toyapp", title="toy sync")

_names = itertools.count(1)


def toy_app(url: str, settings: ServerSettings | None = None) -> FastAPI:
    """The toy application's HQ server on the database at ``url``."""
    return create_app(TOY, TOY_ROLES, url, settings, info=TOY_INFO)


def new_user(srv: ServerThread, role: str, scope: list[str] | None) -> str:
    """A fresh user name with that role and scope."""
    name = f"user{next(_names)}"
    with write_begin(srv.engine) as conn:
        add_user(conn, TOY_ROLES, name, role, scope)
    return name


def code_for(srv: ServerThread, user: str, hours: float = 1) -> str:
    """A one-time enrollment code for ``user``."""
    with write_begin(srv.engine) as conn:
        code, _ = create_code(conn, user, timedelta(hours=hours))
    return code


@dataclass
class ToyReplica:
    """An in-memory device: rows, outbox, cursor, scope and conflict markers."""

    device_id: str
    rows: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    markers: dict[int, Any] = field(default_factory=dict)
    clock: HLC = field(init=False)

    def __post_init__(self) -> None:
        self.clock = HLC(node=self.device_id)

    def write(self, tbl: str, row_id: str, **data: Any) -> int:
        """A local edit: applied to rows and queued in the outbox."""
        self.rows.setdefault((tbl, row_id), {}).update(data)
        seq = len(self.outbox) + 1
        self.outbox.append(
            {
                "seq": seq,
                "tbl": tbl,
                "id": row_id,
                "data": dict(data),
                "hlc": self.clock.now(),
                "seen_rev": int(self.meta.get("seen_rev", 0)),
                "state": "pending",
                "reason": "",
            }
        )
        return seq

    def pending(self, limit: int, after_seq: int = 0) -> list[Change]:
        out = [e for e in self.outbox if e["state"] == "pending" and e["seq"] > after_seq][:limit]
        return [
            Change(**{k: e[k] for k in ("seq", "tbl", "id", "data", "hlc", "seen_rev")})
            for e in out
        ]

    def record_verdicts(self, verdicts: Sequence[Verdict]) -> None:
        for v in verdicts:
            e = self.outbox[v.seq - 1]
            e["state"] = "rejected" if v.status == "rejected" else "synced"
            e["reason"] = v.reason

    def cursor(self) -> str | None:
        return self.meta.get("cursor") or None

    def scope(self) -> list[str] | None:
        value: list[str] | None = self.meta.get("scope")
        return value

    def forget_cursor(self) -> None:
        self.meta["cursor"] = ""

    def apply_page(self, page: PullPage) -> PageApplied:
        stored = removed = 0
        for rec in page.records:
            if rec.op == "exit":
                removed += self.rows.pop((rec.tbl, rec.id), None) is not None
            else:
                self.rows[(rec.tbl, rec.id)] = dict(rec.data)
                stored += 1
        if page.scope is not None and page.scope != self.meta.get("scope"):
            for key in list(self.rows):
                row = self.rows[key]
                if key[0] == "notice":  # every device holds every notice
                    continue
                scope = key[1] if key[0] == "group" else row.get("group_id")
                if scope not in page.scope:
                    del self.rows[key]
                    removed += 1
        self.meta.update(cursor=page.cursor, scope=page.scope, seen_rev=page.seen_rev)
        self.meta["pages"] = self.meta.get("pages", 0) + 1
        return PageApplied(stored=stored, removed=removed)

    def conflicts_after(self) -> int:
        return int(self.meta.get("conflict_rev", 0))

    def apply_conflicts(self, reply: ConflictsReply) -> int:
        for c in reply.conflicts:
            self.markers[c.id] = c
        self.meta["conflict_rev"] = reply.rev
        return len(reply.conflicts)


def enroll_toy(
    srv: ServerThread, role: str, scope: list[str] | None
) -> tuple[ToyReplica, SyncClient]:
    """A new user, its device enrolled; returns the replica and an authenticated client."""
    user = new_user(srv, role, scope)
    replica = ToyReplica(device_id=f"dev-{user}-{time.monotonic_ns()}")
    with SyncClient(srv.url, schema_version=TOY.version) as anon:
        reply = anon.enroll(code_for(srv, user), device_id=replica.device_id)
    return replica, SyncClient(srv.url, reply.token, schema_version=TOY.version)
