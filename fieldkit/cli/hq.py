"""Headquarters commands: ``fieldkit serve`` and ``fieldkit admin ...``.

Every command takes ``--database-url`` (default: ``$FIELDKIT_DATABASE_URL``, else
a SQLite file in the user data dir), so one HQ database serves the API and the
administration.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from fieldkit.cli.errors import CliError
from fieldkit.hq.arguments import add_setup_commands
from fieldkit.paths import default_server_db_path

if TYPE_CHECKING:
    from fastapi import FastAPI

    from fieldkit.hq.keeper import KeepStep
    from sync.server.admin import AdminError
    from sync.server.settings import AppInfo, ServerSettings

__all__ = ["admin_failure", "app_factory", "build_app", "database_url", "open_engine", "register"]

_URL_ENV = "FIELDKIT_DATABASE_URL"
_DRIFT_ENV = "FIELDKIT_MAX_DRIFT_MS"
_ENROLL_ENV = "FIELDKIT_ENROLL_FAILURES_PER_MINUTE"
_KEEP_ENV = "FIELDKIT_KEEP_REPORTS"


def database_url(args: argparse.Namespace) -> str:
    """``--database-url``, else ``$FIELDKIT_DATABASE_URL``, else the data dir's hq.db."""
    given: str | None = getattr(args, "database_url", None)
    return given or os.environ.get(_URL_ENV) or f"sqlite:///{default_server_db_path()}"


def app_info() -> AppInfo:
    """How fieldkit names itself to the devices and API users of its HQ server."""
    from sync.server import AppInfo

    return AppInfo(
        name="fieldkit",
        title="fieldkit headquarters sync",
        description="Replication between fieldkit laptops and headquarters.",
    )


def build_app(
    url: str,
    settings: ServerSettings | None = None,
    *,
    keep_reports: bool = True,
    today: Callable[[], date] | None = None,
    keep_step: KeepStep | None = None,
) -> FastAPI:
    """fieldkit's HQ server on the database at ``url``: its schema, roles and name, and
    unless ``keep_reports`` is false its report keeper (:mod:`fieldkit.hq.keeper`, as
    ``app.state.report_keeper``, started and stopped with the server's lifespan) under
    the county's policy; ``today`` and ``keep_step`` replace the keeper's clock and step."""
    from fieldkit.hq.database import open_hq
    from fieldkit.hq.keep_reports import keep_report_rows, today_at_bureau
    from fieldkit.hq.keeper import ReportKeeper
    from fieldkit.hq.serving import hq_settings
    from fieldkit.services.due import DueVisits
    from fieldkit.sync_schema import ROLES, sync_schema
    from sync.server import create_app

    engine = open_hq(url)
    keeper = None
    if keep_reports:
        keeper = ReportKeeper(
            engine,
            DueVisits.policy(),
            today=today or today_at_bureau,
            step=keep_step or keep_report_rows,
        )
    app = create_app(
        sync_schema(),
        ROLES,
        url,
        hq_settings(settings, keeper),
        info=app_info(),
        engine=engine,
        lifespan=keeper.lifespan if keeper is not None else None,
    )
    app.state.report_keeper = keeper
    return app


def app_factory() -> object:
    """The ASGI app for uvicorn workers (configured through the environment)."""
    from sync.server import ServerSettings

    settings = ServerSettings()
    if os.environ.get(_DRIFT_ENV):
        settings.max_drift_ms = int(os.environ[_DRIFT_ENV])
    if os.environ.get(_ENROLL_ENV):
        settings.enroll_failures_per_minute = int(os.environ[_ENROLL_ENV])
    url = os.environ.get(_URL_ENV) or f"sqlite:///{default_server_db_path()}"
    keep = os.environ.get(_KEEP_ENV, "1") != "0"
    app = _with_console(build_app(url, settings, keep_reports=keep), url)
    # what the worker holds from its start (modules, the app) is never collected
    # again: a busy server's periodic full collection (sync.gcpause) then walks only
    # what requests made, instead of stopping every thread, the one holding the
    # revision counter included, for the whole heap
    gc.freeze()
    return app


_NEXT_STEP_COMMANDS = {
    "add_user": "fieldkit admin add-user",
    "list_devices": "fieldkit admin devices",
    "list_conflicts": "fieldkit admin conflicts",
}


def admin_failure(err: AdminError) -> CliError:
    """The command line's error for an administrative failure, with the command that helps."""
    step = _NEXT_STEP_COMMANDS.get(str(err.next_step)) if err.next_step else None
    return CliError(f"{err}; see `{step}`" if step else str(err))


def _with_console(api: object, url: str) -> object:
    """The served app: the sync API, and the admin console at ``/console`` beside it."""
    from fieldkit.console import with_console
    from fieldkit.sync_schema import sync_schema
    from sync.server.db import make_engine

    return with_console(api, make_engine(url), sync_schema())  # type: ignore[arg-type]


def open_engine(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """An engine on the HQ database of ``args``, migrated: the sync server's tables and
    fieldkit's report projection (an ``HqSetupError`` when it cannot open), the console's
    (a CliError)."""
    from sqlalchemy.exc import SQLAlchemyError

    from fieldkit.hq.database import open_hq

    url = database_url(args)
    engine = open_hq(url)
    try:
        _migrate_console(engine)
    except (SQLAlchemyError, OSError) as err:
        raise CliError(f"cannot open the HQ database {url}: {err}") from err
    return engine


def _hq_step(name: str) -> Callable[[argparse.Namespace], int]:
    """The handler of an HQ set-up command: ``fieldkit.hq.commands.STEPS[name]``."""

    def handler(args: argparse.Namespace) -> int:
        from fieldkit.hq.commands import STEPS

        return STEPS[name](args, database_url(args))

    return handler


def _migrate_console(engine: object) -> None:
    """The console's own tables (its own Alembic chain) are migrated with the sync ones."""
    from fieldkit.console.migrate import migrate_console

    migrate_console(engine)  # type: ignore[arg-type]


def run_set_password(args: argparse.Namespace) -> int:
    """Set an HQ admin's console password (asked twice, or one line from stdin)."""
    import getpass
    import sys

    from fieldkit.console.accounts import AccountError, set_password
    from sync.server.db import write_begin

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"console password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            raise CliError("the two passwords differ; nothing was changed")
    engine = open_engine(args)
    try:
        with write_begin(engine) as conn:
            set_password(conn, args.name, password)
    except AccountError as err:
        raise CliError(str(err)) from err
    finally:
        engine.dispose()
    print(f"console password set for {args.name}: sign in at http://HOST:PORT/console/")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    """Run the HQ API with uvicorn (migrating the database first)."""
    import uvicorn

    from fieldkit.hq.first_run import first_run_guide, needs_setup

    url = database_url(args)
    engine = open_engine(args)
    with engine.connect() as conn:
        if needs_setup(conn):
            print(first_run_guide(f"--database-url {url}" if args.database_url else ""), flush=True)
    engine.dispose()
    os.environ[_URL_ENV] = url
    if args.max_drift_minutes is not None:
        os.environ[_DRIFT_ENV] = str(int(args.max_drift_minutes * 60_000))
    if args.enroll_failures_per_minute is not None:
        os.environ[_ENROLL_ENV] = str(args.enroll_failures_per_minute)
    os.environ[_KEEP_ENV] = "1" if args.keep_reports else "0"
    print(f"fieldkit HQ on http://{args.host}:{args.port} ({args.workers} worker(s)), db {url}")
    uvicorn.run(
        "fieldkit.cli.hq:app_factory",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
    )
    return 0


def _resolve_sites(args: argparse.Namespace, conn: object, given: str) -> list[str]:
    from fieldkit.hq.sites import resolve_sites
    from fieldkit.i18n import gettext as _

    pick = resolve_sites(conn, given)  # type: ignore[arg-type]
    for site_id in pick.not_yet_at_hq:
        print(_("HQ: note: site {id} is not at HQ yet; it is kept as given").format(id=site_id))
    return pick.ids


def run_add_user(args: argparse.Namespace) -> int:
    """Create or update a user."""
    from fieldkit.sync_schema import ROLES
    from sync.server.admin import AdminError, add_user
    from sync.server.db import write_begin

    engine = open_engine(args)
    try:
        with write_begin(engine) as conn:
            scope = None
            role = ROLES.get(args.role)
            if role is None:
                raise CliError(
                    f"unknown role {args.role!r}; the roles are {', '.join(ROLES.names)}"
                )
            if not role.everything:
                scope = _resolve_sites(args, conn, args.sites)
            new = add_user(conn, ROLES, args.name, args.role, scope)
    except AdminError as err:
        raise admin_failure(err) from err
    finally:
        engine.dispose()
    where = "all sites" if scope is None else ", ".join(scope)
    print(f"{'added' if new else 'updated'} {args.role} {args.name} ({where})")
    return 0


def run_enroll_code(args: argparse.Namespace) -> int:
    """Print a one-time enrollment code for a user."""
    from sync.server.admin import AdminError, create_code
    from sync.server.db import write_begin

    engine = open_engine(args)
    try:
        with write_begin(engine) as conn:
            code, expires = create_code(
                conn, args.name, timedelta(hours=args.expires_hours), device_id=args.device
            )
    except AdminError as err:
        raise admin_failure(err) from err
    finally:
        engine.dispose()
    print(code)
    which = f"device {args.device} of {args.name}" if args.device else args.name
    print(
        f"one-time code for {which}, valid until {expires:%Y-%m-%d %H:%M} UTC: on the "
        f"laptop run `fieldkit enroll URL {code}`"
    )
    if sys.stdout.isatty() if args.qr is None else args.qr:
        import qrcode

        qr = qrcode.QRCode(border=1)
        qr.add_data(code)
        qr.print_ascii(out=sys.stdout, invert=True)
    return 0


def _when(value: object) -> str:
    return "-" if value is None else f"{value:%Y-%m-%d %H:%M}"


def run_devices(args: argparse.Namespace) -> int:
    """List devices with their user and last sync."""
    from sync.server.admin import list_devices

    engine = open_engine(args)
    with engine.connect() as conn:
        rows = list_devices(conn)
    engine.dispose()
    if not rows:
        print("no devices enrolled")
        return 0
    print(f"{'device':38} {'user':12} {'role':9} {'last push':16} {'last pull':16} state")
    for d in rows:
        state = f"revoked {_when(d.revoked_at)}" if d.revoked_at else "active"
        print(
            f"{d.id:38} {d.user:12} {d.role:9} {_when(d.last_push_at):16} "
            f"{_when(d.last_pull_at):16} {state}"
        )
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    """Revoke a device: its next request gets 401 and writes nothing."""
    from sync.server.admin import AdminError, revoke_device
    from sync.server.db import write_begin

    engine = open_engine(args)
    try:
        with write_begin(engine) as conn:
            device_id = revoke_device(conn, args.device)
    except AdminError as err:
        raise admin_failure(err) from err
    finally:
        engine.dispose()
    print(f"revoked device {device_id}")
    return 0


def _resolve(args: argparse.Namespace, engine: object) -> None:
    """Resolve conflict ``--resolve``: keep the value ``--keep`` names, or just mark it."""
    from fieldkit.hq.projection import keep_current
    from fieldkit.sync_schema import sync_schema
    from sync.server.admin import resolve_conflict, settle_conflict
    from sync.server.db import write_begin

    by = os.environ.get("USER", "admin")
    with write_begin(engine) as conn:  # type: ignore[arg-type]
        if args.keep is None:
            resolve_conflict(conn, args.resolve, by=by)
            print(f"conflict {args.resolve} marked resolved")
            return
        value = settle_conflict(
            conn, sync_schema(), args.resolve, by, args.keep, on_written=keep_current
        )
    print(
        f"conflict {args.resolve} resolved: {value!r} kept; laptops receive it at their next sync"
    )


def run_conflicts(args: argparse.Namespace) -> int:
    """List conflicts (open ones unless --all), or resolve one."""
    from sync.server.admin import AdminError, list_conflicts

    if args.keep is not None and args.resolve is None:
        raise CliError("--keep goes with --resolve ID")
    engine = open_engine(args)
    try:
        if args.resolve is not None:
            _resolve(args, engine)
            return 0
        with engine.connect() as conn:
            rows = list_conflicts(conn, include_resolved=args.all)
    except AdminError as err:
        raise admin_failure(err) from err
    finally:
        engine.dispose()
    if not rows:
        print("no open conflicts" if not args.all else "no conflicts")
        return 0
    for c in rows:
        state = " (resolved)" if c.resolved_at else ""
        print(
            f"#{c.id} {c.tbl} {c.row_id} field {c.field}{state}: kept {c.winner_value!r} "
            f"(device {c.winner_device}), lost {c.loser_value!r} (device {c.loser_device}), "
            f"{_when(c.created_at)}"
        )
    return 0


def run_new_epoch(args: argparse.Namespace) -> int:
    """Start a new epoch after restoring a backup: every laptop pulls again from zero."""
    from sync.server.admin import new_epoch
    from sync.server.db import write_begin

    engine = open_engine(args)
    with write_begin(engine) as conn:
        epoch = new_epoch(conn)
    engine.dispose()
    print(f"new epoch {epoch}: laptops will pull everything again at their next sync")
    return 0


def run_roles(args: argparse.Namespace) -> int:
    """List the roles a user can have, with what each sees."""
    from fieldkit.sync_schema import ROLES

    for role in ROLES:
        print(f"{role.name:10} {role.description}")
    return 0


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add ``serve`` and ``admin``."""
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument(
        "--database-url",
        default=None,
        help="HQ database, e.g. postgresql+psycopg://user@host/db "
        "(default: $FIELDKIT_DATABASE_URL, else hq.db in the user data dir)",
    )
    serve = sub.add_parser(
        "serve",
        parents=[common, db],
        help="run the headquarters sync server",
        description="Serve the sync API to enrolled laptops (migrates the database first).",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument(
        "--max-drift-minutes",
        type=float,
        default=None,
        help="reject changes whose clock is this far ahead of HQ (default 5)",
    )
    serve.add_argument(
        "--enroll-failures-per-minute",
        type=int,
        default=None,
        metavar="N",
        help="failed enrollment tries a client address gets a minute before 429 (default 5)",
    )
    serve.add_argument(
        "--keep-reports",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="keep the quarterly report's figures of the previous and the current quarter "
        "current in the background, at start-up and after pushes (default: on)",
    )
    serve.add_argument("--log-level", default="warning", help="uvicorn log level")
    serve.set_defaults(handler=run_serve)

    admin = sub.add_parser(
        "admin",
        parents=[common],
        help="headquarters administration: users, enrollment, devices, conflicts",
        description="Administer the headquarters database.",
    )
    asub = admin.add_subparsers(title="admin commands", metavar="COMMAND", required=True)
    p = asub.add_parser(
        "add-user", parents=[common, db], help="create or update a user and the sites it serves"
    )
    p.add_argument("name")
    p.add_argument(
        "--role", required=True, help="the user's role, one of those `fieldkit admin roles` lists"
    )
    p.add_argument("--sites", default="", help="comma-separated site names or ids")
    p.set_defaults(handler=run_add_user)

    p = asub.add_parser("roles", parents=[common], help="list the roles a user can have")
    p.set_defaults(handler=run_roles)

    p = asub.add_parser(
        "enroll", parents=[common, db], help="print a one-time enrollment code for a user"
    )
    p.add_argument("name")
    p.add_argument("--expires-hours", type=float, default=72.0, help="validity (default 72)")
    p.add_argument(
        "--qr",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also print the code as a QR code (default: when the output is a terminal)",
    )
    p.add_argument(
        "--device",
        default=None,
        metavar="DEVICE",
        help="a code that enrolls this known device again (e.g. after `admin revoke`), "
        "keeping its id and change sequence; no other device can use it",
    )
    p.set_defaults(handler=run_enroll_code)

    p = asub.add_parser("devices", parents=[common, db], help="list devices and their last sync")
    p.set_defaults(handler=run_devices)

    p = asub.add_parser("revoke", parents=[common, db], help="revoke a device's token")
    p.add_argument("device", help="device id (or its first characters) or name")
    p.set_defaults(handler=run_revoke)

    p = asub.add_parser(
        "conflicts", parents=[common, db], help="list concurrent edits kept for review"
    )
    p.add_argument("--all", action="store_true", help="include resolved conflicts")
    p.add_argument("--resolve", type=int, default=None, metavar="ID", help="mark one resolved")
    p.add_argument(
        "--keep",
        choices=["winner", "loser"],
        default=None,
        help="with --resolve: the value to keep, written at HQ and sent to the laptops",
    )
    p.set_defaults(handler=run_conflicts)

    p = asub.add_parser(
        "set-password", parents=[common, db], help="set an admin's password for the HQ console"
    )
    p.add_argument("name", help="an HQ user whose role is admin")
    p.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    p.set_defaults(handler=run_set_password)

    p = asub.add_parser(
        "new-epoch", parents=[common, db], help="after restoring a backup: laptops pull again"
    )
    p.set_defaults(handler=run_new_epoch)

    from fieldkit.cli.card_keys import register_card_key

    register_card_key(asub, common, db)
    add_setup_commands(asub, [common, db], _hq_step)
