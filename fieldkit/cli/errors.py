"""The error type of the command line: a :class:`fieldkit.errors.FieldkitError`."""

from __future__ import annotations

from fieldkit.errors import FieldkitError

__all__ = ["CliError"]


class CliError(FieldkitError):
    """A problem with the command's input: printed as its message (and hint), exit non-zero.

    ``message`` is a msgid with ``{named}`` fields filled from ``params``.
    """

    def __init__(
        self, message: str, exit_code: int = 1, *, hint: str = "", **params: object
    ) -> None:
        super().__init__(message, hint=hint, values=params)
        self.exit_code = exit_code
