"""The version gate: a request without this server's protocol and schema gets 426."""

from __future__ import annotations

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from sync import PROTOCOL_VERSION
from sync.protocol import HEADER_PROTOCOL, HEADER_SCHEMA

__all__ = ["UNVERSIONED", "VersionGate"]

UNVERSIONED = ("/health", "/docs", "/openapi.json", "/redoc")
"""Paths served without the version headers."""


class VersionGate:
    """ASGI middleware: requests without this server's protocol and schema get 426.

    The answer names both versions and tells the user to upgrade ``app_name``;
    nothing is read or written.
    """

    def __init__(self, app: ASGIApp, schema_version: str, app_name: str) -> None:
        self.app = app
        self.schema_version = schema_version
        self.app_name = app_name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass versioned (and unversioned-path) requests on; answer the others 426."""
        if scope["type"] != "http" or scope["path"].startswith(UNVERSIONED):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        proto = headers.get(HEADER_PROTOCOL)
        schema_v = headers.get(HEADER_SCHEMA)
        if proto == str(PROTOCOL_VERSION) and schema_v == self.schema_version:
            await self.app(scope, receive, send)
            return
        await self._refuse(proto, schema_v)(scope, receive, send)

    def _refuse(self, proto: str | None, schema_v: str | None) -> JSONResponse:
        """The 426 answer to a request with these versions."""
        return JSONResponse(
            status_code=426,
            content={
                "detail": (
                    f"headquarters speaks sync protocol {PROTOCOL_VERSION} with data "
                    f"schema {self.schema_version}, but this device sent protocol "
                    f"{proto or 'none'} and schema {schema_v or 'none'}: please upgrade "
                    f"{self.app_name} on this device. Nothing was sent or changed; your "
                    "data stays on the device."
                ),
                "protocol": PROTOCOL_VERSION,
                "schema_version": self.schema_version,
            },
        )
