"""The error of HQ set-up: a message in the user's language with what to do next."""

from __future__ import annotations

from fieldkit.errors import FieldkitError

__all__ = ["HqSetupError"]


class HqSetupError(FieldkitError):
    """An HQ set-up step that cannot be done as asked; nothing was written.

    Its message is a msgid with ``{named}`` fields (see :class:`FieldkitError`).
    """
