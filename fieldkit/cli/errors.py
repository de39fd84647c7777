"""The error type of the command line (a :class:`fieldkit.errors.FieldkitError`) and how
the command line shows every such error: ``fieldkit: message`` then the hint, on stderr.
"""

from __future__ import annotations

import sys
from typing import TextIO

from fieldkit.errors import FieldkitError, describe

__all__ = ["CliError", "print_error"]


def print_error(err: FieldkitError, out: TextIO | None = None) -> None:
    """Print ``err`` as the TUI shows it: the message, then what to do (when there is a hint)."""
    message, hint = describe(err)
    stream = out if out is not None else sys.stderr
    print(f"fieldkit: {message}", file=stream)
    if hint:
        print(f"  {hint}", file=stream)


class CliError(FieldkitError):
    """A problem with the command's input: printed as its message (and hint), exit non-zero.

    ``message`` is a msgid with ``{named}`` fields filled from ``params``.
    """

    def __init__(
        self, message: str, exit_code: int = 1, *, hint: str = "", **params: object
    ) -> None:
        super().__init__(message, hint=hint, values=params)
        self.exit_code = exit_code
