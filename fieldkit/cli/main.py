"""The ``fieldkit`` command: the root parser and the dispatch to each command group.

Each command group lives in its own module with a ``register(subparsers, common)``
function; a command's handler takes the parsed arguments and returns an exit code.
Errors the user can fix are raised as :class:`CliError` and printed as one clear
message, never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from fieldkit import __version__
from fieldkit.cli import app, cards, device, due, hq, imports, report
from fieldkit.cli.errors import CliError
from fieldkit.paths import default_db_path

__all__ = ["build_parser", "db_path", "main"]

Handler = Callable[[argparse.Namespace], int]


def _common() -> argparse.ArgumentParser:
    """Options every command accepts, before or after the command name."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        type=Path,
        default=argparse.SUPPRESS,
        help="the laptop store file (default: $FIELDKIT_DB or fieldkit.db in the user data dir)",
    )
    common.add_argument(
        "--lang",
        choices=["zh", "en"],
        default=argparse.SUPPRESS,
        help="interface language (default: config, then locale, then zh)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    """The full parser: ``fieldkit --help`` lists every command."""
    common = _common()
    parser = argparse.ArgumentParser(
        prog="fieldkit",
        parents=[common],
        description="Offline field tool of a retired-cadre bureau: with no command, "
        "opens the app on the laptop store.",
    )
    parser.add_argument("--version", action="version", version=f"fieldkit {__version__}")
    parser.set_defaults(handler=app.run_app)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    for module in (app, imports, due, device, hq, cards, report):
        module.register(sub, common)
    return parser


def db_path(args: argparse.Namespace) -> Path:
    """The store the command works on: ``--db``, else ``FIELDKIT_DB``, else the default."""
    given: Path | None = getattr(args, "db", None)
    return given if given is not None else default_db_path()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except CliError as err:
        print(f"fieldkit: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("fieldkit: interrupted", file=sys.stderr)
        return 130
