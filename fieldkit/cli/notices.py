"""Lines the command line prints on stderr while a command gets going."""

from __future__ import annotations

import sys
from pathlib import Path

from fieldkit.i18n import gettext as _

__all__ = ["say_upgrading"]


def say_upgrading(path: Path) -> None:
    """Tell the user the store at ``path`` is being upgraded before the command goes on
    (a new version of fieldkit on an older store: once, and a large county's store can
    take a minute)."""
    print(
        _(
            "upgrading the store {path} for this version of fieldkit: this happens once"
            " and can take a minute for a large county; please wait..."
        ).format(path=path),
        file=sys.stderr,
        flush=True,
    )
