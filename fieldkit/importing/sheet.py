"""Reading a spreadsheet file (CSV in UTF-8, with or without BOM, or XLSX) into text cells.

A file is read as a stream (:func:`open_sheet`): the CSV a line at a time, the XLSX
with openpyxl's read-only mode, so a big roster never sits in memory whole. Rows
come as lists of stripped strings, each with its line number as a spreadsheet
shows it (the header is line 1), and the stream says how much of the file has
been read (for a progress bar). :func:`read_sheet` gathers a whole small file into
a :class:`Sheet`. Files that are not CSV/XLSX, or CSV not in UTF-8, are refused
with a message that says how to save the file instead.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from fieldkit.i18n import N_
from fieldkit.importing.problems import ImportRejected, Problem, Text

__all__ = ["Sheet", "SheetStream", "cell_text", "open_sheet", "read_sheet"]

_SAVE_AS = N_("save it as 'CSV UTF-8 (逗号分隔)' or as an Excel .xlsx workbook and import that")
_TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ""}
_XLSX_SUFFIXES = {".xlsx", ".xlsm"}
Row = tuple[int, list[str]]


@dataclass
class Sheet:
    """A table read from a file: header cells and data rows with their line numbers."""

    header: list[str]
    header_line: int = 1
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


@dataclass
class SheetStream:
    """A table being read: the first non-empty rows, then the rest as they are read.

    ``head`` holds the first few non-empty rows (where the header is looked for);
    ``rest`` yields the rows after them; ``done()`` is the part of the file read so
    far (0 to 1), for progress.
    """

    head: list[Row]
    rest: Iterator[Row]
    done: Callable[[], float]


def cell_text(value: Any) -> str:
    """The text of a spreadsheet cell: dates as ISO, whole numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return str(value).strip()


def _refuse(file: Path, message: str, **params: Any) -> ImportRejected:
    return ImportRejected(
        file.name, [Problem(0, message, params={"save_as": Text(_SAVE_AS), **params})]
    )


def _non_empty(rows: Iterator[tuple[int, list[str]]]) -> Iterator[Row]:
    for line, row in rows:
        cells = [c.strip() for c in row]
        if any(cells):
            yield line, cells


def _xlsx_rows(path: Path, stack: ExitStack) -> tuple[Iterator[Row], Callable[[], float]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise _refuse(
            path,
            N_("this is not a readable Excel .xlsx workbook ({error}); {save_as}"),
            error=str(err),
        ) from None
    stack.callback(book.close)
    sheet = book.worksheets[0]
    last = getattr(sheet, "max_row", None) or 0
    seen = [0]

    def rows() -> Iterator[tuple[int, list[str]]]:
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            seen[0] = line
            yield line, [cell_text(v) for v in values]

    return _non_empty(rows()), lambda: min(1.0, seen[0] / last) if last else 0.0


def _first_bytes(path: Path, data: bytes) -> None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refuse(
            path, N_("the file is saved as UTF-16 ('Unicode text'), not UTF-8; {save_as}")
        )
    if b"\x00" in data:
        raise _refuse(path, N_("this is not a CSV text file (it holds binary data); {save_as}"))


def _decoded_lines(path: Path, handle: IO[bytes], read: list[int]) -> Iterator[str]:
    """The file's text a line at a time; bytes that are not UTF-8 refuse the file."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    first = True
    for raw in handle:
        try:
            text = decoder.decode(raw)
        except UnicodeDecodeError as err:
            hint = ""
            try:
                raw.decode("gb18030")
                hint = Text(
                    N_(" It looks like GBK, what Excel writes for plain 'CSV' on Chinese Windows.")
                )
            except UnicodeDecodeError:
                pass
            raise _refuse(
                path,
                N_(
                    "the file is not UTF-8 text (bad byte at position {position}).{hint} "
                    "Open it in Excel or WPS and {save_as}"
                ),
                position=read[0] + err.start,
                hint=hint,
            ) from None
        read[0] += len(raw)
        if first:
            text = text.removeprefix("\ufeff")
            first = False
        yield text


def _csv_rows(path: Path, stack: ExitStack) -> tuple[Iterator[Row], Callable[[], float]]:
    handle = stack.enter_context(path.open("rb"))
    start = handle.read(8192)
    _first_bytes(path, start)
    handle.seek(0)
    size = path.stat().st_size
    read = [0]
    lines = _decoded_lines(path, handle, read)
    first = next(lines, "")
    delimiter = "\t" if "\t" in first and "," not in first else ","

    def text() -> Iterator[str]:
        yield first
        yield from lines

    reader = csv.reader(text(), delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            yield from enumerate(reader, start=1)
        except csv.Error as err:
            raise _refuse(
                path, N_("the CSV cannot be read ({error}); {save_as}"), error=str(err)
            ) from None

    return _non_empty(rows()), lambda: min(1.0, read[0] / size) if size else 1.0


def _rows(path: Path, stack: ExitStack) -> tuple[Iterator[Row], Callable[[], float]]:
    try:
        with path.open("rb") as handle:
            start = handle.read(8)
    except FileNotFoundError:
        raise _refuse(path, N_("there is no file {path}"), path=str(path)) from None
    except OSError as err:
        raise _refuse(
            path, N_("cannot read {path}: {error}"), path=str(path), error=str(err.strerror)
        ) from None
    suffix = path.suffix.lower()
    if start.startswith(b"\xd0\xcf\x11\xe0") or suffix in {".xls", ".et"}:
        raise _refuse(
            path, N_("this is an old binary Excel/WPS file (.xls), not CSV/XLSX; {save_as}")
        )
    if start.startswith(b"PK\x03\x04") or suffix in _XLSX_SUFFIXES:
        if suffix not in _XLSX_SUFFIXES and suffix != "":
            raise _refuse(
                path,
                N_(
                    "this {suffix} file is a zip archive (an Office document?), "
                    "not CSV or XLSX; {save_as}"
                ),
                suffix=suffix,
            )
        return _xlsx_rows(path, stack)
    if suffix not in _TEXT_SUFFIXES:
        raise _refuse(
            path, N_("this is a {suffix} file, not CSV or XLSX; {save_as}"), suffix=suffix
        )
    return _csv_rows(path, stack)


@contextmanager
def open_sheet(path: Path, head: int = 10) -> Iterator[SheetStream]:
    """Open ``path`` (CSV UTF-8 with or without BOM, tab-separated text, or XLSX) for reading.

    Refuses a file that holds no non-empty row. Errors met later in the file (bytes
    that are not UTF-8, a broken CSV quote) are raised as :class:`ImportRejected`
    while the rows are read.
    """
    with ExitStack() as stack:
        rows, done = _rows(path, stack)
        first: list[Row] = []
        for row in rows:
            first.append(row)
            if len(first) == head:
                break
        if not first:
            raise _refuse(path, N_("the file is empty: it needs a header row and at least one row"))
        yield SheetStream(head=first, rest=rows, done=done)


def read_sheet(path: Path) -> Sheet:
    """Read the whole of ``path`` into a :class:`Sheet` (first non-empty row = header)."""
    with open_sheet(path) as stream:
        rows = [*stream.head, *stream.rest]
    header_line, header = rows[0]
    return Sheet(header=header, header_line=header_line, rows=rows[1:])
