"""The error type of the command line."""

from __future__ import annotations

__all__ = ["CliError"]


class CliError(Exception):
    """A problem the user can fix: printed as one message, with a non-zero exit code."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
