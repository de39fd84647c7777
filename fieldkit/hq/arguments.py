"""The arguments of the HQ set-up commands under ``fieldkit admin`` (argparse only: the
command line builds its parser on every start, so nothing heavy is imported here)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

__all__ = ["add_setup_commands"]


def add_setup_commands(
    asub: argparse._SubParsersAction[argparse.ArgumentParser],
    parents: list[argparse.ArgumentParser],
    handler: Callable[[str], Callable[[argparse.Namespace], int]],
) -> None:
    """Add the HQ set-up commands under ``fieldkit admin``; ``handler(name)`` runs one."""
    common = parents[0]
    p = asub.add_parser("sites", parents=parents, help="list the sites")
    p.set_defaults(handler=handler("sites"))
    p = asub.add_parser("add-site", parents=parents, help="add a site (sent to the laptops)")
    p.add_argument("name")
    p.add_argument(
        "--kind",
        choices=["relocation", "community", "village"],
        default=None,
        help="default: from the name (安置/搬迁 relocation, 社区/小区 community, else village)",
    )
    p.add_argument("--county", default=None, help="default: the county most sites have")
    p.set_defaults(handler=handler("add-site"))
    p = asub.add_parser("rename-site", parents=parents, help="rename a site")
    p.add_argument("old", help="the site's name or id")
    p.add_argument("new", help="its new name")
    p.set_defaults(handler=handler("rename-site"))
    imp = asub.add_parser("import", parents=[common], help="load a bureau roster into HQ")
    kinds = imp.add_subparsers(title="what to import", metavar="KIND", required=True)
    p = kinds.add_parser(
        "roster",
        parents=parents,
        help="persons from a roster (same formats and checks as `fieldkit import roster`)",
    )
    p.add_argument("file", type=Path, metavar="FILE", help="the roster (.csv or .xlsx)")
    p.set_defaults(handler=handler("import-roster"))
    p = asub.add_parser(
        "rebuild-reports",
        parents=parents,
        help="rebuild the tables the quarterly report reads from the synced records",
    )
    p.set_defaults(handler=handler("rebuild-reports"))
    p = asub.add_parser(
        "keep-reports",
        parents=parents,
        help="bring the kept figures of the quarterly report current (the running server "
        "keeps the previous and the current quarter's itself)",
    )
    p.add_argument(
        "--quarter", metavar="YYYYQN", help="one quarter (default: the previous and the current)"
    )
    p.add_argument("--policy", type=Path, metavar="FILE", help="a county policy file (TOML)")
    p.set_defaults(handler=handler("keep-reports"))
