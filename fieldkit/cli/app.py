"""``fieldkit`` (open the app on a store) and ``fieldkit demo`` (on a fresh demo store)."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from fieldkit.cli.errors import CliError
from fieldkit.cli.notices import say_upgrading
from fieldkit.i18n import N_

__all__ = ["register", "run_app", "run_demo"]


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add ``demo`` (the bare command opens the app)."""
    demo = sub.add_parser(
        "demo",
        parents=[common],
        help="open the app on a fresh store filled with the demo county from sample_data/",
        description="Build a new store from sample_data/ (a temporary file unless --db is "
        "given) and open the app on it.",
    )
    demo.add_argument("--force", action="store_true", help="replace the --db file if it exists")
    demo.set_defaults(handler=run_demo)


def _lang(args: argparse.Namespace) -> str | None:
    lang: str | None = getattr(args, "lang", None)
    return lang


def run_app(args: argparse.Namespace) -> int:
    """Open the TUI on the chosen store."""
    from fieldkit.cli.main import db_path
    from fieldkit.services import Services
    from fieldkit.tui.app import run

    with Services.open(db_path(args), before_upgrade=say_upgrading) as services:
        return run(services, lang=_lang(args))


def run_demo(args: argparse.Namespace) -> int:
    """Build a demo store from sample_data/ and open the TUI on it."""
    from fieldkit.services import Services
    from fieldkit.tui.app import run

    given: Path | None = getattr(args, "db", None)
    if given is None:
        path = Path(tempfile.mkdtemp(prefix="fieldkit-demo-")) / "demo.db"
    else:
        path = given
        if path.exists():
            if not args.force:
                raise CliError(
                    N_("{path} already exists; pass --force to replace it with the demo"),
                    path=path,
                )
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    with Services.open_demo(path) as services:
        return run(services, lang=_lang(args))
