"""The error of HQ set-up: a message in the user's language with what to do next."""

from __future__ import annotations

__all__ = ["HqSetupError"]


class HqSetupError(Exception):
    """An HQ set-up step that cannot be done as asked; nothing was written."""
