"""The console's actions (POST): sign in and out, revoke a device, issue an enrollment
code, settle a conflict. Every form carries the session's CSRF token; every action
is written to the audit trail in the same transaction as its effect.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from fieldkit.console import audit
from fieldkit.console.accounts import check_password
from fieldkit.console.pages import conflicts_context, devices_context
from fieldkit.console.qr import qr_svg
from fieldkit.console.sessions import (
    csrf_matches,
    end_session,
    is_limited,
    note_failure,
    start_session,
)
from fieldkit.console.web import (
    Who,
    base_path,
    client_address,
    console,
    render,
    who,
)
from fieldkit.hq.projection import keep_current
from fieldkit.i18n import N_
from sync.server.admin import AdminError, create_code, revoke_device, settle_conflict
from sync.server.db import read_snapshot, write_begin

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_LOGIN_CSRF = "login_csrf"


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _refused(request: Request, user: Who | None) -> Response:
    title = N_("This form has expired: open the page again and repeat the action")
    return render(request, "message.html", 403, user=user, kind="error", title=title)


async def _checked(request: Request) -> tuple[Who, dict[str, str]]:
    """The signed-in admin and the form, after the CSRF check (raises on failure)."""
    user = await run_in_threadpool(who, request)
    form = await _form(request)
    if not csrf_matches(user.csrf, form.get("csrf")):
        raise _CsrfFailed(user)
    return user, form


class _CsrfFailed(Exception):
    def __init__(self, user: Who | None) -> None:
        super().__init__("csrf")
        self.user = user


def _safe_next(request: Request, raw: str | None) -> str:
    """Where to go after signing in: a console path, never another site."""
    base = base_path(request)
    if raw and raw.startswith(base + "/") and not urlsplit(raw).netloc and "//" not in raw:
        return raw
    return base + "/"


@router.get("/login")
def login_page(request: Request) -> Response:
    """The sign-in form."""
    request.session.setdefault(_LOGIN_CSRF, secrets.token_urlsafe(32))
    return render(
        request,
        "login.html",
        csrf=request.session[_LOGIN_CSRF],
        next=_safe_next(request, request.query_params.get("next")),
    )


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the password; limited per user name and per address."""
    form = await _form(request)
    expected = request.session.get(_LOGIN_CSRF)
    if not isinstance(expected, str) or not csrf_matches(expected, form.get("csrf")):
        return _refused(request, None)
    name = form.get("name", "").strip()[:200]
    password = form.get("password", "")[:1000]
    address = client_address(request)
    c = console(request)
    limits = c.settings.limits

    def work() -> str | None:
        with write_begin(c.engine) as conn:
            if is_limited(conn, name, address, limits):
                audit.record(
                    conn, name or "-", "login refused", "too many failed sign-ins", address
                )
                return "limited"
            if not name or not check_password(conn, name, password):
                note_failure(conn, name, address, limits)
                audit.record(conn, name or "-", "login failed", "", address)
                return None
            audit.record(conn, name, "login", "", address)
            return start_session(conn, name, address)

    outcome = await run_in_threadpool(work)
    if outcome is None or outcome == "limited":
        message = (
            N_("Too many failed sign-ins: wait 15 minutes and try again")
            if outcome == "limited"
            else N_("Wrong name or password")
        )
        return render(
            request,
            "login.html",
            401 if outcome is None else 429,
            error=message,
            csrf=expected,
            next=_safe_next(request, form.get("next")),
            name=name,
        )
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    request.session["sid"] = outcome
    return RedirectResponse(_safe_next(request, form.get("next")), status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session (its cookie opens nothing afterwards)."""
    try:
        user = (await _checked(request))[0]
    except _CsrfFailed as err:
        return _refused(request, err.user)
    c = console(request)

    def work() -> None:
        with write_begin(c.engine) as conn:
            end_session(conn, user.sid)
            audit.record(conn, user.name, "logout", "", client_address(request))

    await run_in_threadpool(work)
    request.session.clear()
    return RedirectResponse(f"{base_path(request)}/login", status_code=303)


def _devices_result(request: Request, user: Who, status: int, **extra: Any) -> Response:
    with read_snapshot(console(request).engine) as conn:
        ctx = devices_context(conn, request)
    return render(request, "devices.html", status, user=user, **ctx, **extra)


@router.post("/devices/revoke")
async def revoke(request: Request) -> Response:
    """Revoke a device: its next sync is refused and writes nothing."""
    try:
        user, form = await _checked(request)
    except _CsrfFailed as err:
        return _refused(request, err.user)
    device = form.get("device", "").strip()[:64]
    c = console(request)

    def work() -> Response:
        try:
            with write_begin(c.engine) as conn:
                device_id = revoke_device(conn, device) if device else ""
                if not device_id:
                    raise AdminError("no device given")
                audit.record(conn, user.name, "revoke", device_id, client_address(request))
        except AdminError:
            return _devices_result(request, user, 400, error=N_("No such device"))
        return _devices_result(request, user, 200, done=(N_("Device revoked"), device_id))

    return await run_in_threadpool(work)


@router.post("/devices/code")
async def enrollment_code(request: Request) -> Response:
    """A one-time enrollment code for a user, shown as text and as a QR code."""
    try:
        user, form = await _checked(request)
    except _CsrfFailed as err:
        return _refused(request, err.user)
    name = form.get("user", "").strip()[:200]
    raw_hours = form.get("hours", "72").strip()
    hours = int(raw_hours) if raw_hours.isdecimal() and 1 <= int(raw_hours) <= 720 else 72
    c = console(request)

    def work() -> Response:
        try:
            with write_begin(c.engine) as conn:
                code, expires = create_code(conn, name, timedelta(hours=hours))
                audit.record(
                    conn,
                    user.name,
                    "enrollment code",
                    f"for {name}, {hours} h",
                    client_address(request),
                )
        except AdminError:
            return _devices_result(request, user, 400, error=N_("No such user"))
        server = str(request.base_url).split("/console")[0]
        return render(
            request,
            "code.html",
            user=user,
            code=code,
            expires=expires,
            for_user=name,
            qr=qr_svg(code),
            server=server,
        )

    return await run_in_threadpool(work)


@router.post("/conflicts/{conflict_id}")
async def resolve(request: Request, conflict_id: int) -> Response:
    """Keep one side of a conflict: it becomes a change every laptop pulls."""
    try:
        user, form = await _checked(request)
    except _CsrfFailed as err:
        return _refused(request, err.user)
    keep = form.get("keep", "")
    c = console(request)

    def work() -> Response:
        try:
            if keep not in ("winner", "loser"):
                raise AdminError(f"keep must be winner or loser, not {keep[:20]!r}")
            with write_begin(c.engine) as conn:
                value = settle_conflict(
                    conn,
                    c.schema,
                    conflict_id,
                    user.name,
                    "winner" if keep == "winner" else "loser",
                    on_written=keep_current,
                )
                audit.record(
                    conn,
                    user.name,
                    "conflict resolved",
                    f"#{conflict_id} kept {keep}: {value!r}",
                    client_address(request),
                )
        except AdminError as err:
            message = N_("This conflict could not be resolved")
            status = 400
            extra: dict[str, Any] = {"error": message, "detail": str(err)}
        else:
            status = 200
            extra = {"done": (N_("Conflict resolved"), f"#{conflict_id}")}
        with read_snapshot(c.engine) as conn:
            ctx = conflicts_context(conn)
        return render(request, "conflicts.html", status, user=user, **ctx, **extra)

    return await run_in_threadpool(work)
