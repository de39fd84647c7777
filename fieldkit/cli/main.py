"""The ``fieldkit`` command: the root parser and the dispatch to each command group.

Each command group lives in its own module with a ``register(subparsers, common)``
function; a command's handler takes the parsed arguments and returns an exit code.
Errors the user can fix are :class:`~fieldkit.errors.FieldkitError` (the CLI's own
is :class:`CliError`) and are printed as a clear message and a hint, never as a
traceback. Commands reach the store only through :mod:`fieldkit.services`.

Messages are in English unless ``--lang`` or the config's ``language`` says
otherwise (the app itself follows the locale too, see :func:`fieldkit.i18n.resolve_language`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from fieldkit import __version__
from fieldkit.cli import app, cards, device, due, hq, imports, report
from fieldkit.cli.errors import print_error
from fieldkit.config import ConfigError, load_config
from fieldkit.errors import FieldkitError
from fieldkit.i18n import current_language, set_language
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


def cli_language(args: argparse.Namespace) -> str:
    """The language of the command line's messages: ``--lang``, the config, else English."""
    given: str | None = getattr(args, "lang", None)
    if given:
        return given
    try:
        return load_config().language or "en"
    except (ConfigError, OSError):
        return "en"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    before = current_language()
    set_language(cli_language(args))
    try:
        return handler(args)
    except FieldkitError as err:
        print_error(err)
        return err.exit_code
    except KeyboardInterrupt:
        print("fieldkit: interrupted", file=sys.stderr)
        return 130
    finally:
        set_language(before)  # main() run in a process that goes on (tests) changes nothing
