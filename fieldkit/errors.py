"""The one error base of the application: a translated message for people and a hint.

Every problem a user can do something about is a :class:`FieldkitError`. Its
``message`` and ``hint`` are English msgids (marked with ``N_`` where raised) with
``{named}`` fields filled from ``params``; :meth:`FieldkitError.user_message` and
:meth:`FieldkitError.user_hint` translate them into the interface language when
shown. ``str(err)`` is the English text (for logs and tests). The command line and
the TUI show an error the same way: :func:`describe` gives the two lines.

Errors that belong to one layer subclass it where they are raised
(``MoneyError`` and ``IdentityError`` in the domain, ``RecordError`` in the store,
``ImportRejected`` in importing, ``ConfigError`` in config, ``CliError`` in the
CLI); errors of code this package does not own (the
sync engine's ``SyncError`` and ``AdminError``, the care-plan ``PolicyError``)
are wrapped at the boundary where fieldkit calls that code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from fieldkit.i18n import gettext as _

__all__ = ["FieldkitError", "describe", "error_from_json", "error_to_json"]


class FieldkitError(Exception):
    """A problem the user can fix, with what to do about it.

    ``message`` and ``hint`` are msgids; ``params`` (and ``values``, for callers
    that hold them in a mapping) fill their ``{named}`` fields. ``field`` names the
    input at fault when there is one (forms point at it); the class attribute
    ``exit_code`` is what the command line exits with.
    """

    exit_code: int = 1

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        field: str = "",
        values: Mapping[str, object] | None = None,
        **params: object,
    ) -> None:
        self.message = message
        self.hint = hint
        self.field = field
        self.params: dict[str, object] = {**(values or {}), **params}
        super().__init__(_fill(message, self.params))

    def user_message(self) -> str:
        """The message in the interface language."""
        return _fill(_(self.message), self.params)

    def user_hint(self) -> str:
        """What to do, in the interface language ("" when there is nothing to add)."""
        return _fill(_(self.hint), self.params) if self.hint else ""


def _fill(text: str, params: dict[str, object]) -> str:
    """``text`` with its ``{named}`` fields filled (left as they are when a field is missing)."""
    if not params:
        return text
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text


def describe(err: FieldkitError) -> tuple[str, str]:
    """The two lines every interface shows for ``err``: the message and the hint."""
    return err.user_message(), err.user_hint()


def error_to_json(err: FieldkitError) -> str:
    """``err`` kept as text (msgids and parameters) to be shown again later, translated."""
    params = {
        k: v if isinstance(v, int | float | bool) or v is None else str(v)
        for k, v in err.params.items()
    }
    return json.dumps(
        {"message": err.message, "hint": err.hint, "field": err.field, "params": params},
        ensure_ascii=False,
    )


def error_from_json(text: str) -> FieldkitError:
    """The error :func:`error_to_json` kept (its messages translate when shown)."""
    data = json.loads(text)
    return FieldkitError(
        str(data["message"]),
        hint=str(data.get("hint", "")),
        field=str(data.get("field", "")),
        values=data.get("params") or {},
    )
