"""What every console page shares: the language, the templates and their helpers.

Pages speak Chinese unless the admin picked English (``?lang=en``, kept in the
session). Texts are English msgids translated through fieldkit's gettext catalogs,
in templates as ``_("...")``.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import HTMLResponse

from fieldkit.console.accounts import is_admin
from fieldkit.console.sessions import LoginLimits, find_session
from fieldkit.domain.careplan import Policy, TaskKind, kind_label
from fieldkit.domain.money import format_yuan
from fieldkit.domain.vocab import (
    Category,
    Confirmation,
    ConsultTopic,
    EventKind,
    Role,
    Sex,
    SiteKind,
    Status,
    Tier,
    VisitReason,
    label,
)
from fieldkit.i18n import DOMAIN, LOCALE_DIR
from sync.schema import SyncSchema

__all__ = [
    "LANGUAGES",
    "STATIC_DIR",
    "TEMPLATES_DIR",
    "Console",
    "ConsoleSettings",
    "SignInNeeded",
    "Who",
    "base_path",
    "client_address",
    "console",
    "environment",
    "language",
    "link",
    "render",
    "translator",
    "vocab",
    "who",
]

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
LANGUAGES = ("zh", "en")
_CATALOG = {"zh": "zh_CN", "en": "en"}
_VOCABS: dict[str, type[StrEnum]] = {
    "category": Category,
    "tier": Tier,
    "status": Status,
    "sex": Sex,
    "site_kind": SiteKind,
    "reason": VisitReason,
    "confirmation": Confirmation,
    "topic": ConsultTopic,
    "event": EventKind,
    "role": Role,
}


@lru_cache(maxsize=4)
def translator(lang: str) -> _gettext.NullTranslations:
    """The catalog of ``lang`` ("zh" or "en")."""
    return _gettext.translation(
        DOMAIN, localedir=LOCALE_DIR, languages=[_CATALOG.get(lang, "zh_CN")], fallback=True
    )


def vocab(kind: str, value: Any, lang: str) -> str:
    """The label of a stored slug of vocabulary ``kind`` (the slug itself if unknown)."""
    enum = _VOCABS.get(kind)
    text = "" if value is None else str(value)
    if enum is None or not text:
        return text
    try:
        member = enum(text)
    except ValueError:
        return text
    return label(member, "zh") if lang == "zh" else member.value.replace("_", " ")


def _when(value: Any) -> str:
    """A time as local ``YYYY-MM-DD HH:MM`` (a date as ``YYYY-MM-DD``)."""
    if value is None or value == "":
        return "-"
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone().strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("T", " ")[:16]


def _task_kind(kind: TaskKind | str, lang: str) -> str:
    return kind_label(TaskKind(kind), lang)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment of the console templates (autoescaped)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["yuan"] = lambda fen: format_yuan(int(fen or 0))
    env.filters["when"] = _when
    env.globals["task_kind"] = _task_kind
    env.globals["vocab"] = vocab
    return env


@dataclass(frozen=True)
class ConsoleSettings:
    """How a console behaves (the defaults suit an office intranet)."""

    secure_cookie: bool = False
    """Send the session cookie only over HTTPS (set when HQ is served behind TLS)."""
    limits: LoginLimits = field(default_factory=LoginLimits)
    today: Callable[[], date] = date.today
    policy: Policy | None = None
    """The care-plan policy (default: the county's policy.toml, else the shipped one)."""
    page_size: int = 200


@dataclass(frozen=True)
class Console:
    """What the routes need: the HQ database, the sync schema and the settings."""

    engine: Engine
    schema: SyncSchema
    settings: ConsoleSettings
    policy: Policy


@dataclass(frozen=True)
class Who:
    """The signed-in admin of a request."""

    name: str
    csrf: str
    sid: str


class SignInNeeded(Exception):
    """The request has no live admin session."""


def console(request: Request) -> Console:
    """The console a request belongs to."""
    found: Console = request.app.state.console
    return found


def language(request: Request) -> str:
    """The request's language: ``?lang=`` (remembered), else the session's, else zh."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        request.session["lang"] = asked
        return str(asked)
    kept = request.session.get("lang")
    return str(kept) if kept in LANGUAGES else "zh"


def client_address(request: Request) -> str:
    """The address the request came from."""
    return request.client.host if request.client else "-"


def who(request: Request) -> Who:
    """The signed-in admin, or :class:`SignInNeeded`."""
    sid = request.session.get("sid")
    if not isinstance(sid, str) or not sid:
        raise SignInNeeded
    with console(request).engine.connect() as conn:
        found = find_session(conn, sid)
        if found is None or not is_admin(conn, found.user):
            raise SignInNeeded
    return Who(name=found.user, csrf=found.csrf, sid=sid)


def base_path(request: Request) -> str:
    """Where the console is mounted (``/console``)."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def link(path: str, **params: Any) -> str:
    """``path`` with the non-empty ``params`` as its query string."""
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{path}?{urlencode(kept)}" if kept else path


def render(
    request: Request, template: str, status: int = 200, *, user: Who | None = None, **ctx: Any
) -> HTMLResponse:
    """The page ``template`` in the request's language."""
    lang = language(request)
    page = (
        environment()
        .get_template(template)
        .render(
            _=translator(lang).gettext,
            lang=lang,
            base=base_path(request),
            user=user,
            path=request.url.path,
            query=dict(request.query_params),
            link=link,
            **ctx,
        )
    )
    return HTMLResponse(page, status_code=status)
