"""What is wrong with an import file: problems with their line numbers, and the refusal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fieldkit.errors import FieldkitError
from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _

__all__ = ["ImportRejected", "Problem", "Text", "fill"]


class Text(str):
    """A problem's parameter that is itself a msgid, translated with the message."""

    __slots__ = ()


def fill(text: str, params: Mapping[str, Any]) -> str:
    """``text`` with its fields filled: ``{named}`` ones, or ``%(named)s`` ones (the domain's)."""
    if not params:
        return text
    try:
        return text % params if "%(" in text else text.format(**params)
    except (KeyError, IndexError, ValueError, TypeError):
        return text


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a file: its line as a spreadsheet counts (header = 1), or 0.

    ``message`` is an English msgid whose fields ``params`` fills; :meth:`user_text`
    gives the problem in the interface language, ``str()`` in English.
    """

    line: int
    message: str
    column: str = ""
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def text(self) -> str:
        """The reason in English."""
        return fill(self.message, self.params)

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        if self.column:
            where += f", {self.column}"
        return f"{where}: {self.text()}"

    def user_text(self) -> str:
        """The problem, with its line and column, in the interface language."""
        params = {k: _(v) if isinstance(v, Text) else v for k, v in self.params.items()}
        reason = fill(_(self.message), params)
        if not self.line:
            return _("file: {reason}").format(reason=reason)
        if self.column:
            return _("line {line}, {column}: {reason}").format(
                line=self.line, column=self.column, reason=reason
            )
        return _("line {line}: {reason}").format(line=self.line, reason=reason)


class ImportRejected(FieldkitError):
    """An import refused as a whole: nothing was written. ``problems`` lists every reason.

    The message (translated when shown) says that nothing was imported; the
    problems follow it, one a line, with their line numbers.
    """

    def __init__(self, source: str, problems: list[Problem], *, header: bool = False) -> None:
        self.source = source
        self.header = header
        self.problems = sorted(problems, key=lambda p: p.line)
        lines = {p.line for p in self.problems if p.line}
        if header:
            head = N_("{source}: the header row is not right; nothing was imported:")
        elif len(lines) == 1:
            head = N_(
                "{source}: 1 invalid row; nothing was imported. Fix it and import the file again:"
            )
        elif lines:
            head = N_(
                "{source}: {n} invalid rows; nothing was imported. "
                "Fix them and import the file again:"
            )
        else:
            head = N_("{source}: nothing was imported:")
        super().__init__(head, source=source, n=len(lines))

    def __str__(self) -> str:
        return "\n".join([super().__str__(), *(f"  {p}" for p in self.problems)])

    def user_message(self) -> str:
        """The refusal in the interface language, then every problem on its own line."""
        return "\n".join([super().user_message(), *(f"  {p.user_text()}" for p in self.problems)])
