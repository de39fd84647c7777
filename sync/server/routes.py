"""The endpoints of the headquarters API, as plain functions on one router.

Every route gets what it needs through FastAPI dependencies: :func:`served` (the
database, the application's schema and roles, the limits, set on the app by
:func:`sync.server.app.create_app`) and :func:`current_device` (the device of
the bearer token).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine

from sync import PROTOCOL_VERSION
from sync.gcpause import gc_paused
from sync.protocol import (
    MAX_PULL_LIMIT,
    ConflictsReply,
    EnrollReply,
    EnrollRequest,
    Health,
    PullPage,
    PushReply,
    PushRequest,
    WhoAmI,
)
from sync.roles import Roles
from sync.schema import SyncSchema
from sync.server.admin import EnrollmentError, redeem_code
from sync.server.auth import Device, RoleNotServed, device_for_token
from sync.server.bodies import body_schema, push_changes, read_raw, validate
from sync.server.db import read_snapshot, write_begin
from sync.server.merge import DeviceRevoked, apply_push
from sync.server.pull import conflicts_after, current_state, pull_page_json, touch_pull
from sync.server.settings import AppInfo, ServerSettings

__all__ = ["Served", "current_device", "router", "served"]

_JSON = "application/json"


@dataclass(frozen=True)
class Served:
    """What the routes serve: the database, the application's declarations, the limits."""

    engine: Engine
    schema: SyncSchema
    roles: Roles
    settings: ServerSettings
    info: AppInfo


def served(request: Request) -> Served:
    """The :class:`Served` of the app handling ``request``."""
    found: Served = request.app.state.served
    return found


ServedDep = Annotated[Served, Depends(served)]


def current_device(request: Request, srv: ServedDep) -> Device:
    """The live device of the bearer token (401 without one, 403 for a role not served)."""
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer ") or not auth[7:].strip():
        raise HTTPException(401, "missing device token: enroll this device first")
    try:
        with srv.engine.connect() as conn:
            dev = device_for_token(conn, srv.roles, auth[7:].strip())
    except RoleNotServed as err:
        raise HTTPException(403, str(err)) from err
    if dev is None:
        raise HTTPException(
            401, "this device's token is unknown or was revoked: enroll the device again"
        )
    return dev


DeviceDep = Annotated[Device, Depends(current_device)]

router = APIRouter()


@router.get("/health", response_model=Health)
def health(srv: ServedDep) -> Health:
    """Is the server up, and which protocol and schema it speaks (no token needed)."""
    return Health(status="ok", protocol=PROTOCOL_VERSION, schema_version=srv.schema.version)


def _redeem(srv: Served, req: EnrollRequest) -> EnrollReply:
    """Trade the code for a token in one write transaction (403 for a bad code)."""
    try:
        with write_begin(srv.engine) as conn:
            return redeem_code(conn, srv.roles, req.code, req.device_id, req.device_name)
    except EnrollmentError as err:
        raise HTTPException(403, str(err)) from err


@router.post("/v1/enroll", response_model=EnrollReply, openapi_extra=body_schema(EnrollRequest))
async def enroll(request: Request, srv: ServedDep) -> EnrollReply:
    """Trade a one-time enrollment code for a device token."""
    req = validate(await read_raw(request, srv.settings.max_body_bytes), EnrollRequest)
    return await run_in_threadpool(_redeem, srv, req)


@router.get("/v1/me", response_model=WhoAmI)
def me(dev: DeviceDep) -> WhoAmI:
    """The device of the token: its user, role, scope and watermark."""
    scope = None if dev.scope is None else sorted(dev.scope)
    return WhoAmI(
        device_id=dev.id, user=dev.user, role=dev.role.name, scope=scope, watermark=dev.watermark
    )


def _apply(srv: Served, dev: Device, raw: bytes) -> Response:
    """Parse and apply a push body in one write transaction; the reply as JSON."""
    with gc_paused():
        changes = push_changes(raw, srv.settings.max_batch)
        try:
            with write_begin(srv.engine) as conn:
                out = apply_push(
                    conn,
                    srv.schema,
                    dev,
                    changes,
                    max_drift_ms=srv.settings.max_drift_ms,
                    now_ms=time.time_ns() // 1_000_000,
                )
        except DeviceRevoked as err:
            raise HTTPException(401, "this device was revoked; nothing was written") from err
        return Response(out.reply_json(), media_type=_JSON)


@router.post("/v1/push", response_model=PushReply, openapi_extra=body_schema(PushRequest))
async def push(request: Request, dev: DeviceDep, srv: ServedDep) -> Response:
    """Apply a batch of changes: a verdict per change, in the order sent."""
    raw = await read_raw(request, srv.settings.max_body_bytes)
    return await run_in_threadpool(_apply, srv, dev, raw)


@router.get("/v1/pull", response_model=PullPage)
def pull(
    dev: DeviceDep,
    srv: ServedDep,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    limit: Annotated[int | None, Query(ge=1, le=MAX_PULL_LIMIT)] = None,
) -> Response:
    """One page of the records in the device's scope after ``cursor``."""
    try:
        with read_snapshot(srv.engine) as conn:
            page = pull_page_json(conn, srv.schema, dev, cursor, limit or srv.settings.default_page)
    except ValueError as err:
        raise HTTPException(400, str(err)) from err
    if not page.more:
        with write_begin(srv.engine) as conn:
            touch_pull(conn, dev)
    return Response(content=page.body.encode(), media_type=_JSON)


@router.get("/v1/conflicts", response_model=ConflictsReply)
def conflicts(
    dev: DeviceDep, srv: ServedDep, after: Annotated[int, Query(ge=0)] = 0
) -> ConflictsReply:
    """Conflicts in the device's scope recorded or resolved after revision ``after``."""
    with read_snapshot(srv.engine) as conn:
        epoch, head = current_state(conn)
        found = conflicts_after(conn, dev, after, limit=100_000)
    return ConflictsReply(epoch=epoch, rev=head, conflicts=found)
