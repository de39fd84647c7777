"""What is wrong with an import file: problems with their line numbers, and the refusal."""

from __future__ import annotations

from dataclasses import dataclass

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


class ImportRejected(Exception):
    """An import refused as a whole: nothing was written. ``problems`` lists every reason."""

    def __init__(self, source: str, problems: list[Problem], *, header: bool = False) -> None:
        self.source = source
        self.header = header
        self.problems = sorted(problems, key=lambda p: p.line)
        lines = {p.line for p in self.problems if p.line}
        if header:
            head = f"{source}: the header row is not right; nothing was imported:"
        elif lines:
            head = (
                f"{source}: {len(lines)} invalid row{'s' if len(lines) != 1 else ''}; "
                "nothing was imported. Fix them and import the file again:"
            )
        else:
            head = f"{source}: nothing was imported:"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))
