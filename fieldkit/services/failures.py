"""Any exception as something to tell the user: a :class:`FieldkitError`.

The apps catch failures in one place (the TUI's worker handler, the CLI's main)
and show ``explain(exc)``: a FieldkitError as it is, a failure of the store file
(busy, full, read-only) with what to do, anything else as an unexpected error
that names its type and text.
"""

from __future__ import annotations

from fieldkit.errors import FieldkitError
from fieldkit.i18n import N_
from fieldkit.store.failures import store_failure

__all__ = ["UnexpectedError", "explain"]


class UnexpectedError(FieldkitError):
    """A failure nobody planned for; the app goes on, and nothing half-written was kept."""


def explain(exc: BaseException) -> FieldkitError:
    """``exc`` as the user should see it."""
    if isinstance(exc, FieldkitError):
        return exc
    known = store_failure(exc)
    if known is not None:
        return known
    unexpected = UnexpectedError(
        N_("Something went wrong: {kind}: {text}"),
        hint=N_("Nothing half-done was saved. Try again; if it keeps happening, report it."),
        kind=type(exc).__name__,
        text=str(exc) or "-",
    )
    unexpected.__cause__ = exc
    return unexpected
