"""What is wrong with an import file: problems with their line numbers, and the refusal."""

from __future__ import annotations

from dataclasses import dataclass

from fieldkit.errors import FieldkitError
from fieldkit.i18n import N_

__all__ = ["ImportRejected", "Problem"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a file: its line as a spreadsheet counts (header = 1), or 0."""

    line: int
    message: str
    column: str = ""

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        if self.column:
            where += f", {self.column}"
        return f"{where}: {self.message}"


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

    def _with_problems(self, head: str) -> str:
        return "\n".join([head, *(f"  {p}" for p in self.problems)])

    def __str__(self) -> str:
        return self._with_problems(super().__str__())

    def user_message(self) -> str:
        """The refusal in the interface language, then every problem on its own line."""
        return self._with_problems(super().user_message())
