"""The headquarters HTTP API, assembled by :func:`create_app` from what the application declares.

Endpoints (:mod:`sync.server.routes`; all but ``/health`` need
``Authorization: Bearer <token>``, except ``/v1/enroll`` which takes a one-time
code; all but ``/health`` and the OpenAPI pages need the version headers of
:mod:`sync.protocol`, checked by :class:`sync.server.gate.VersionGate`):

- ``GET /health``
- ``POST /v1/enroll``   code -> device token
- ``GET /v1/me``        the device, its user, role and scope
- ``POST /v1/push``     a batch of changes -> a verdict per change
- ``GET /v1/pull?cursor=&limit=``  one page of rows after the cursor
- ``GET /v1/conflicts?after=REV``  conflicts in scope recorded or resolved after REV
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from starlette.types import Lifespan

from sync import PROTOCOL_VERSION
from sync.protocol import GZIP_LEVEL, EnrollRequest, PushRequest
from sync.roles import Roles
from sync.schema import SyncSchema
from sync.server.bodies import first_error
from sync.server.db import make_engine, migrate, write_begin
from sync.server.gate import VersionGate
from sync.server.openapi import install_openapi
from sync.server.records import backfill_parents
from sync.server.routes import Served, router
from sync.server.settings import AppInfo, ServerSettings

__all__ = ["AppInfo", "ServerSettings", "create_app"]


def create_app(
    schema: SyncSchema,
    roles: Roles,
    database_url: str,
    settings: ServerSettings | None = None,
    *,
    info: AppInfo,
    engine: Engine | None = None,
    lifespan: Lifespan[FastAPI] | None = None,
) -> FastAPI:
    """A FastAPI app serving ``schema`` to users of ``roles`` from ``database_url``.

    The database is migrated (and child records' parents filled in) on creation.
    ``info`` names the application in the OpenAPI document and in upgrade answers;
    ``lifespan`` is the application's start-up and shutdown (e.g. a background job).
    """
    roles.check_against(schema)
    db = engine or make_engine(database_url)
    migrate(db)
    with write_begin(db) as conn:
        backfill_parents(conn, schema)
    app = FastAPI(
        title=info.title,
        version=f"protocol {PROTOCOL_VERSION}, schema {schema.version}",
        description=info.description,
        lifespan=lifespan,
    )
    app.state.engine = db
    app.state.schema = schema
    app.state.served = Served(
        engine=db, schema=schema, roles=roles, settings=settings or ServerSettings(), info=info
    )
    # the level the laptops compress their requests with: a pull page costs 40% less
    # CPU to compress than at level 5, for a tenth more bytes
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=GZIP_LEVEL)
    app.add_middleware(VersionGate, schema_version=schema.version, app_name=info.name)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.include_router(router)
    install_openapi(app, schema.version, (EnrollRequest, PushRequest))
    return app


async def _request_invalid(request: Request, exc: Exception) -> JSONResponse:
    """422 for a query or header that does not fit, worded as one line like a bad body."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    return JSONResponse(status_code=422, content={"detail": first_error(errors, "request")})
