"""The console's ASGI app, and the sync API with the console beside it.

The console is its own app (:func:`create_console_app`) so that the sync API's
middleware (the protocol gate, gzip) never sees console requests and the console's
(sessions, security headers) never sees the laptops'. :func:`with_console` routes
``/console`` to it and everything else to the sync API, lifespan included.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import Engine
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fieldkit.console import actions, pages
from fieldkit.console.migrate import migrate_console
from fieldkit.console.sessions import SESSION_HOURS, cookie_secret
from fieldkit.console.web import (
    STATIC_DIR,
    Console,
    ConsoleSettings,
    SignInNeeded,
    base_path,
    render,
)
from fieldkit.hq.projection import migrate_projection
from fieldkit.i18n import N_
from fieldkit.services.due import DueVisits
from sync.schema import SyncSchema

__all__ = ["MOUNT", "create_console_app", "with_console"]

MOUNT = "/console"
"""Where ``fieldkit serve`` serves the console."""

_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'none'; object-src 'none'; "
        b"style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
        b"frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]

_TOKEN_REFUSED = (
    "<!doctype html><meta charset=utf-8><title>401</title>"
    "<p>控制台不接受设备令牌，请用管理员账号登录。</p>"
    "<p>The console does not accept device tokens: sign in as an admin.</p>"
)


class _Guard:
    """Refuses any request carrying a device's bearer token; adds security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if any(name == b"authorization" for name, _ in scope["headers"]):
            await HTMLResponse(_TOKEN_REFUSED, status_code=401)(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


def create_console_app(
    engine: Engine,
    schema: SyncSchema,
    settings: ConsoleSettings | None = None,
    *,
    mount: str = MOUNT,
) -> FastAPI:
    """The console over the HQ database behind ``engine`` (its tables and HQ's typed
    projection, which its figures read, migrated first)."""
    cfg = settings or ConsoleSettings()
    migrate_console(engine)
    migrate_projection(engine)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = Console(
        engine=engine, schema=schema, settings=cfg, policy=cfg.policy or DueVisits.policy()
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(actions.router)
    app.include_router(pages.router)

    @app.exception_handler(SignInNeeded)
    async def sign_in(request: Request, _exc: SignInNeeded) -> Response:
        if request.method in ("GET", "HEAD"):
            target = request.url.path
            if request.url.query:
                target += f"?{request.url.query}"
            return RedirectResponse(f"{base_path(request)}/login?next={target}", status_code=303)
        return render(request, "message.html", 401, title=N_("Sign in first"), kind="error")

    app.add_middleware(
        SessionMiddleware,
        secret_key=cookie_secret(engine),
        session_cookie="fieldkit_console",
        max_age=SESSION_HOURS * 3600,
        path=mount or "/",
        same_site="strict",
        https_only=cfg.secure_cookie,
    )
    app.add_middleware(_Guard)
    return app


class _WithConsole:
    """``/console...`` to the console app, everything else (and lifespan) to the API."""

    def __init__(self, api: ASGIApp, console: ASGIApp, mount: str) -> None:
        self.api = api
        self.console = console
        self.mount = mount

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] in ("http", "websocket") and (
            path == self.mount or path.startswith(self.mount + "/")
        ):
            if path == self.mount:
                await RedirectResponse(self.mount + "/", status_code=307)(scope, receive, send)
                return
            inner: dict[str, Any] = dict(scope)
            inner["root_path"] = str(scope.get("root_path", "")) + self.mount
            await self.console(inner, receive, send)
            return
        await self.api(scope, receive, send)


def with_console(
    api: ASGIApp,
    engine: Engine,
    schema: SyncSchema,
    settings: ConsoleSettings | None = None,
) -> ASGIApp:
    """The sync API ``api`` with the console served at :data:`MOUNT`."""
    return _WithConsole(api, create_console_app(engine, schema, settings), MOUNT)
