"""The endpoints of the headquarters API, as plain functions on one router.

Every route gets what it needs through FastAPI dependencies: :func:`served` (the
database, the application's schema and roles, the limits, set on the app by
:func:`sync.server.app.create_app`) and :func:`current_device` (the device of
the bearer token).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, Engine

from sync import PROTOCOL_VERSION
from sync.gcpause import gc_paused
from sync.protocol import (
    MAX_PULL_LIMIT,
    MAX_REV,
    ConflictsReply,
    EnrollReply,
    EnrollRequest,
    ErrorReply,
    Health,
    PullPage,
    PushReply,
    PushRequest,
    WhoAmI,
)
from sync.roles import Roles
from sync.schema import SyncSchema
from sync.server.admin import DeviceIdTaken, EnrollmentError, redeem_code
from sync.server.auth import Device, RoleNotServed, device_for_token
from sync.server.bodies import body_schema, push_changes, read_raw, validate
from sync.server.db import read_snapshot, write_begin
from sync.server.merge import DeviceRevoked, apply_push
from sync.server.pull import conflicts_after, current_state, pull_page_json, touch_pull
from sync.server.settings import AppInfo, OnWritten, ServerSettings, WrittenRecord
from sync.server.throttle import EnrollThrottle

__all__ = ["Served", "current_device", "router", "served"]

_JSON = "application/json"

log = logging.getLogger("sync.server")


@dataclass(frozen=True)
class Served:
    """What the routes serve: the database, the application's declarations, the limits."""

    engine: Engine
    schema: SyncSchema
    roles: Roles
    settings: ServerSettings
    info: AppInfo
    push_turns: threading.Semaphore = field(init=False, repr=False, compare=False)
    """Pushes of this process in their write transaction at once
    (:attr:`ServerSettings.pushes_at_once`)."""

    def __post_init__(self) -> None:
        turns = threading.BoundedSemaphore(self.settings.pushes_at_once)
        object.__setattr__(self, "push_turns", turns)


def served(request: Request) -> Served:
    """The :class:`Served` of the app handling ``request``."""
    found: Served = request.app.state.served
    return found


ServedDep = Annotated[Served, Depends(served)]


bearer = HTTPBearer(
    auto_error=False,
    scheme_name="deviceToken",
    description="The device token `/v1/enroll` returned: `Authorization: Bearer <token>`.",
)
"""The bearer token scheme, as the OpenAPI document declares it."""


def current_device(
    srv: ServedDep, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Device:
    """The live device of the bearer token (401 without one, 403 for a role not served)."""
    token = creds.credentials.strip() if creds is not None else ""
    if not token:
        raise HTTPException(401, "missing device token: enroll this device first")
    try:
        with srv.engine.connect() as conn:
            dev = device_for_token(conn, srv.roles, token)
    except RoleNotServed as err:
        raise HTTPException(403, str(err)) from err
    if dev is None:
        raise HTTPException(
            401, "this device's token is unknown or was revoked: enroll the device again"
        )
    return dev


DeviceDep = Annotated[Device, Depends(current_device)]

router = APIRouter()


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error answers of a route, for the OpenAPI document (each a ``detail`` message)."""
    return {code: {"model": ErrorReply, "description": _ERROR_TEXT[code]} for code in codes}


_ERROR_TEXT = {
    400: "a malformed cursor or body",
    401: "no device token, or one unknown or revoked",
    403: "an unknown, used or expired enrollment code",
    409: "a device id headquarters already knows",
    413: "a body over the limit",
    422: "a body that does not fit the request's schema",
    429: "too many failed enrollment tries from this address (see Retry-After)",
}


@router.get("/health", response_model=Health)
def health(srv: ServedDep) -> Health:
    """Is the server up, and which protocol and schema it speaks (no token needed)."""
    return Health(status="ok", protocol=PROTOCOL_VERSION, schema_version=srv.schema.version)


def _redeem(srv: Served, req: EnrollRequest) -> EnrollReply:
    """Trade the code for a token in one write transaction.

    403 for an unknown, used or expired code; 409 for a device id HQ already knows.
    """
    try:
        with write_begin(srv.engine) as conn:
            return redeem_code(conn, srv.roles, req.code, req.device_id, req.device_name)
    except DeviceIdTaken as err:
        raise HTTPException(409, str(err)) from err
    except EnrollmentError as err:
        raise HTTPException(403, str(err)) from err


def _throttle(srv: Served) -> EnrollThrottle:
    return EnrollThrottle(limit=srv.settings.enroll_failures_per_minute)


def _wait_to_enroll(srv: Served, address: str) -> None:
    """429 with ``Retry-After`` when ``address`` used up its failed tries for now."""
    with srv.engine.connect() as conn:
        wait = _throttle(srv).wait_seconds(conn, address)
    if wait:
        raise HTTPException(
            429,
            f"too many failed enrollment tries from this address: wait {wait} seconds, "
            "check the code, and try again",
            headers={"Retry-After": str(wait)},
        )


def _enroll_failed(srv: Served, address: str) -> None:
    with write_begin(srv.engine) as conn:
        _throttle(srv).failed(conn, address)


async def _enroll_request(request: Request, srv: Served) -> EnrollRequest:
    """The enrollment request of the body (small: anyone may send one)."""
    return validate(await read_raw(request, srv.settings.max_enroll_bytes), EnrollRequest)


@router.post(
    "/v1/enroll",
    response_model=EnrollReply,
    openapi_extra=body_schema(EnrollRequest),
    responses=_errors(403, 409, 413, 422, 429),
)
async def enroll(request: Request, srv: ServedDep) -> EnrollReply:
    """Trade a one-time enrollment code for a device token.

    A client address gets a few failed tries a minute, then 429 (``Retry-After``).
    """
    address = request.client.host if request.client else "unknown"
    await run_in_threadpool(_wait_to_enroll, srv, address)
    try:
        req = await _enroll_request(request, srv)
        return await run_in_threadpool(_redeem, srv, req)
    except HTTPException:
        await run_in_threadpool(_enroll_failed, srv, address)
        raise


@router.get("/v1/me", response_model=WhoAmI, responses=_errors(401))
def me(dev: DeviceDep) -> WhoAmI:
    """The device of the token: its user, role, scope and watermark."""
    scope = None if dev.scope is None else sorted(dev.scope)
    return WhoAmI(
        device_id=dev.id, user=dev.user, role=dev.role.name, scope=scope, watermark=dev.watermark
    )


def _apply(srv: Served, dev: Device, raw: bytes) -> Response:
    """Parse and apply a push body in one write transaction; the reply as JSON."""
    settings = srv.settings
    written: list[WrittenRecord] = []
    with gc_paused():
        changes = push_changes(raw, settings.max_batch)
        try:
            with srv.push_turns, write_begin(srv.engine) as conn:
                out = apply_push(
                    conn,
                    srv.schema,
                    dev,
                    changes,
                    max_drift_ms=settings.max_drift_ms,
                    now_ms=time.time_ns() // 1_000_000,
                    on_written=_written_into(written, settings.on_written),
                )
        except DeviceRevoked as err:
            raise HTTPException(401, "this device was revoked; nothing was written") from err
    if written and settings.on_committed is not None:
        try:
            settings.on_committed(written)
        except Exception:
            log.exception("the on_committed hook failed after a push")
    return Response(out.reply_json(), media_type=_JSON)


def _written_into(written: list[WrittenRecord], hook: OnWritten | None) -> OnWritten:
    """``hook``, also keeping the records it is called with in ``written``."""

    def on_written(conn: Connection, records: Sequence[WrittenRecord]) -> None:
        if hook is not None:
            hook(conn, records)
        written.extend(records)

    return on_written


@router.post(
    "/v1/push",
    response_model=PushReply,
    openapi_extra=body_schema(PushRequest),
    responses=_errors(401, 413, 422),
)
async def push(request: Request, dev: DeviceDep, srv: ServedDep) -> Response:
    """Apply a batch of changes: a verdict per change, in the order sent."""
    raw = await read_raw(request, srv.settings.max_body_bytes)
    return await run_in_threadpool(_apply, srv, dev, raw)


@router.get("/v1/pull", response_model=PullPage, responses=_errors(400, 401, 422))
def pull(
    dev: DeviceDep,
    srv: ServedDep,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    limit: Annotated[int | None, Query(ge=1, le=MAX_PULL_LIMIT)] = None,
    pending: Annotated[
        int | None,
        Query(
            ge=0,
            le=MAX_REV,
            description="how many changes wait in the device's outbox (optional; kept on"
            " the device's row when the pull ends, for HQ to show)",
        ),
    ] = None,
) -> Response:
    """One page of the records in the device's scope after ``cursor``."""
    try:
        with read_snapshot(srv.engine) as conn:
            page = pull_page_json(conn, srv.schema, dev, cursor, limit or srv.settings.default_page)
    except ValueError as err:
        raise HTTPException(400, str(err)) from err
    if not page.more:
        with write_begin(srv.engine) as conn:
            touch_pull(conn, dev, pending)
    return Response(content=page.body.encode(), media_type=_JSON)


@router.get("/v1/conflicts", response_model=ConflictsReply, responses=_errors(401, 422))
def conflicts(
    dev: DeviceDep, srv: ServedDep, after: Annotated[int, Query(ge=0, le=MAX_REV)] = 0
) -> ConflictsReply:
    """Conflicts in the device's scope recorded or resolved after revision ``after``."""
    with read_snapshot(srv.engine) as conn:
        epoch, head = current_state(conn)
        found = conflicts_after(conn, srv.schema, dev, after, limit=100_000)
    return ConflictsReply(epoch=epoch, rev=head, conflicts=found)
