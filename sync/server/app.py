"""The headquarters HTTP API, built by :func:`create_app` from the application's schema.

Endpoints (all but ``/health`` need ``Authorization: Bearer <token>``, except
``/v1/enroll`` which takes a one-time code; all but ``/health`` and the OpenAPI
pages need the version headers of :mod:`sync.protocol`):

- ``GET /health``
- ``POST /v1/enroll``   code -> device token
- ``GET /v1/me``        the device, its user, role and scope
- ``POST /v1/push``     a batch of changes -> a verdict per change
- ``GET /v1/pull?cursor=&limit=``  one page of rows after the cursor
- ``GET /v1/conflicts?after=REV``  conflicts in scope recorded or resolved after REV
"""

import logging
import time
import zlib
from collections.abc import Sequence
from typing import Annotated, Any, NamedTuple

import orjson
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine
from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from sync import PROTOCOL_VERSION
from sync.gcpause import gc_paused
from sync.protocol import (
    HEADER_PROTOCOL,
    HEADER_SCHEMA,
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
from sync.schema import SyncSchema
from sync.server.admin import EnrollmentError, redeem_code
from sync.server.auth import Device, device_for_token
from sync.server.db import make_engine, migrate, read_snapshot, write_begin
from sync.server.merge import DeviceRevoked, apply_push, backfill_parents
from sync.server.pull import conflicts_after, current_state, pull_page_json, touch_pull

__all__ = ["ServerSettings", "create_app"]

_UNVERSIONED = ("/health", "/docs", "/openapi.json", "/redoc")

log = logging.getLogger("sync.server")


class ServerSettings(BaseModel):
    """Limits of a headquarters server."""

    max_drift_ms: int = 5 * 60 * 1000
    max_batch: int = 5000
    max_body_bytes: int = 32 * 1024 * 1024
    default_page: int = 2000


class VersionGate:
    """ASGI middleware: requests without this server's protocol and schema get 426."""

    def __init__(self, app: ASGIApp, schema_version: str) -> None:
        self.app = app
        self.schema_version = schema_version

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(_UNVERSIONED):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        proto = headers.get(HEADER_PROTOCOL)
        schema_v = headers.get(HEADER_SCHEMA)
        if proto == str(PROTOCOL_VERSION) and schema_v == self.schema_version:
            await self.app(scope, receive, send)
            return
        reply = JSONResponse(
            status_code=426,
            content={
                "detail": (
                    f"headquarters speaks sync protocol {PROTOCOL_VERSION} with data "
                    f"schema {self.schema_version}, but this laptop sent protocol "
                    f"{proto or 'none'} and schema {schema_v or 'none'}: please upgrade "
                    "fieldkit on this laptop. Nothing was sent or changed; your data "
                    "stays on the laptop."
                ),
                "protocol": PROTOCOL_VERSION,
                "schema_version": self.schema_version,
            },
        )
        await reply(scope, receive, send)


class _WireChange(NamedTuple):
    """A pushed change read by the fast path (the fields of :class:`Change`)."""

    seq: int
    tbl: str
    id: str
    data: dict[str, Any]
    hlc: str
    seen_rev: int


def _fast_changes(raw: bytes) -> list[_WireChange] | None:
    """The changes of a push body when every one is plainly well-formed, else None.

    Checks what :class:`PushRequest` checks, with exact types only; anything else
    (including values pydantic would coerce) goes through pydantic, which also
    words the error.
    """
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    items = body.get("changes") if type(body) is dict else None
    if type(items) is not list:
        return None
    out: list[_WireChange] = []
    add = out.append
    try:
        for c in items:
            seq, tbl, row_id, data = c["seq"], c["tbl"], c["id"], c["data"]
            hlc, seen = c["hlc"], c["seen_rev"]
            if (
                type(seq) is not int
                or seq < 1
                or type(tbl) is not str
                or type(row_id) is not str
                or not 0 < len(row_id) <= 64
                or type(data) is not dict
                or type(hlc) is not str
                or type(seen) is not int
                or seen < 0
            ):
                return None
            add(_WireChange(seq, tbl, row_id, data, hlc, seen))
    except (TypeError, KeyError):
        return None
    return out


def _body_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema}},
            "description": "JSON, optionally with Content-Encoding: gzip",
        }
    }


def create_app(
    schema: SyncSchema,
    database_url: str,
    settings: ServerSettings | None = None,
    *,
    engine: Engine | None = None,
) -> FastAPI:
    """A FastAPI app serving ``schema`` from ``database_url`` (migrated on creation)."""
    cfg = settings or ServerSettings()
    db = engine or make_engine(database_url)
    migrate(db)
    with write_begin(db) as conn:
        backfill_parents(conn, schema)
    app = FastAPI(
        title="fieldkit headquarters sync",
        version=f"protocol {PROTOCOL_VERSION}, schema {schema.version}",
        description="Replication between field laptops and headquarters.",
    )
    app.state.engine = db
    app.state.schema = schema
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=5)

    app.add_middleware(VersionGate, schema_version=schema.version)

    def current_device(request: Request) -> Device:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            raise HTTPException(401, "missing device token: enroll this laptop first")
        with db.connect() as conn:
            dev = device_for_token(conn, auth[7:].strip())
        if dev is None:
            raise HTTPException(
                401, "this device's token is unknown or was revoked: enroll the laptop again"
            )
        return dev

    DeviceDep = Annotated[Device, Depends(current_device)]

    async def read_raw(request: Request) -> bytes:
        try:
            raw = await request.body()
        except ClientDisconnect as err:
            # a link cut mid-body: nothing was read, so nothing is written (the client
            # sends again); one line in the log, not a traceback that looks like a bug
            log.warning(
                "%s %s: the client went away before its body arrived; nothing written",
                request.method,
                request.url.path,
            )
            raise HTTPException(400, "the request body did not arrive in full") from err
        if request.headers.get("Content-Encoding", "").lower() == "gzip":
            try:
                d = zlib.decompressobj(16 + zlib.MAX_WBITS)
                raw = d.decompress(raw, cfg.max_body_bytes + 1)
            except zlib.error as err:
                raise HTTPException(400, f"the body is not valid gzip: {err}") from err
        if len(raw) > cfg.max_body_bytes:
            raise HTTPException(
                413, f"request body over {cfg.max_body_bytes} bytes: send smaller batches"
            )
        return raw

    def validate(raw: bytes, model: type[BaseModel]) -> Any:
        try:
            return model.model_validate_json(raw)
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise HTTPException(
                422, f"bad request body at {where or 'top'}: {first['msg']}"
            ) from err

    async def read_body(request: Request, model: type[BaseModel]) -> Any:
        return validate(await read_raw(request), model)

    @app.get("/health", response_model=Health)
    def health() -> Health:
        return Health(status="ok", protocol=PROTOCOL_VERSION, schema_version=schema.version)

    @app.post("/v1/enroll", response_model=EnrollReply, openapi_extra=_body_schema(EnrollRequest))
    async def enroll(request: Request) -> EnrollReply:
        req: EnrollRequest = await read_body(request, EnrollRequest)

        def work() -> EnrollReply:
            try:
                with write_begin(db) as conn:
                    return redeem_code(conn, req.code, req.device_id, req.device_name)
            except EnrollmentError as err:
                raise HTTPException(403, str(err)) from err

        return await run_in_threadpool(work)

    @app.get("/v1/me", response_model=WhoAmI)
    def me(dev: DeviceDep) -> WhoAmI:
        scope = None if dev.scope is None else sorted(dev.scope)
        return WhoAmI(
            device_id=dev.id, user=dev.user, role=dev.role, scope=scope, watermark=dev.watermark
        )

    @app.post("/v1/push", response_model=PushReply, openapi_extra=_body_schema(PushRequest))
    async def push(request: Request, dev: DeviceDep) -> Response:
        raw = await read_raw(request)

        def work() -> Response:
            with gc_paused():
                return apply(raw)

        def apply(raw: bytes) -> Response:
            changes: Sequence[Any] | None = _fast_changes(raw)
            if changes is None:
                changes = validate(raw, PushRequest).changes
            if len(changes) > cfg.max_batch:
                raise HTTPException(
                    413,
                    f"{len(changes)} changes in one push; the limit is {cfg.max_batch}: "
                    "send smaller batches",
                )
            try:
                with write_begin(db) as conn:
                    out = apply_push(
                        conn,
                        schema,
                        dev,
                        changes,
                        max_drift_ms=cfg.max_drift_ms,
                        now_ms=time.time_ns() // 1_000_000,
                    )
            except DeviceRevoked as err:
                raise HTTPException(401, "this device was revoked; nothing was written") from err
            return Response(out.reply_json(), media_type="application/json")

        return await run_in_threadpool(work)

    @app.get("/v1/pull", response_model=PullPage)
    def pull(
        dev: DeviceDep,
        cursor: Annotated[str | None, Query(max_length=300)] = None,
        limit: Annotated[int | None, Query(ge=1, le=MAX_PULL_LIMIT)] = None,
    ) -> Response:
        try:
            with read_snapshot(db) as conn:
                body = pull_page_json(conn, schema, dev, cursor, limit or cfg.default_page)
        except ValueError as err:
            raise HTTPException(400, str(err)) from err
        if '"more":false' in body[:400]:
            with write_begin(db) as conn:
                touch_pull(conn, dev)
        return Response(content=body.encode(), media_type="application/json")

    @app.get("/v1/conflicts", response_model=ConflictsReply)
    def conflicts(dev: DeviceDep, after: Annotated[int, Query(ge=0)] = 0) -> ConflictsReply:
        with read_snapshot(db) as conn:
            epoch, head = current_state(conn)
            found = conflicts_after(conn, dev, after, limit=100_000)
        return ConflictsReply(epoch=epoch, rev=head, conflicts=found)

    return app
