"""Reading a spreadsheet file (CSV in UTF-8, with or without BOM, or XLSX) into text cells.

Whatever the file, the result is a :class:`Sheet`: the header row and the data rows
as lists of stripped strings, each with its line number as a spreadsheet shows it
(the header is line 1). Files that are not CSV/XLSX, or CSV not in UTF-8, are
refused with a message that says how to save the file instead.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fieldkit.importing.problems import ImportRejected, Problem

__all__ = ["Sheet", "cell_text", "read_sheet"]

_SAVE_AS = "save it as 'CSV UTF-8 (逗号分隔)' or as an Excel .xlsx workbook and import that"
_TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ""}
_XLSX_SUFFIXES = {".xlsx", ".xlsm"}


@dataclass
class Sheet:
    """A table read from a file: header cells and data rows with their line numbers."""

    header: list[str]
    header_line: int = 1
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


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


def _refuse(path: Path, message: str) -> ImportRejected:
    return ImportRejected(path.name, [Problem(0, message)])


def _table(path: Path, raw_rows: list[list[str]], first_line: int = 1) -> Sheet:
    numbered = [(first_line + i, [c.strip() for c in row]) for i, row in enumerate(raw_rows)]
    numbered = [(n, row) for n, row in numbered if any(row)]
    if not numbered:
        raise _refuse(path, "the file is empty: it needs a header row and at least one row")
    header_line, header = numbered[0]
    return Sheet(header=header, header_line=header_line, rows=numbered[1:])


def _read_xlsx(path: Path, data: bytes) -> Sheet:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise _refuse(
            path, f"this is not a readable Excel .xlsx workbook ({err}); {_SAVE_AS}"
        ) from None
    try:
        sheet = book.worksheets[0]
        rows = [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    return _table(path, rows)


def _read_csv(path: Path, data: bytes) -> Sheet:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refuse(path, f"the file is saved as UTF-16 ('Unicode text'), not UTF-8; {_SAVE_AS}")
    if b"\x00" in data[:8192]:
        raise _refuse(path, f"this is not a CSV text file (it holds binary data); {_SAVE_AS}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        hint = ""
        try:
            data.decode("gb18030")
            hint = " It looks like GBK, what Excel writes for plain 'CSV' on Chinese Windows."
        except UnicodeDecodeError:
            pass
        raise _refuse(
            path,
            f"the file is not UTF-8 text (bad byte at position {err.start}).{hint} "
            f"Open it in Excel or WPS and {_SAVE_AS}",
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as err:
        raise _refuse(path, f"the CSV cannot be read ({err}); {_SAVE_AS}") from None
    return _table(path, rows)


def read_sheet(path: Path) -> Sheet:
    """Read ``path`` (CSV UTF-8 with or without BOM, tab-separated text, or XLSX)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _refuse(path, f"there is no file {path}") from None
    except OSError as err:
        raise _refuse(path, f"cannot read {path}: {err.strerror}") from None
    suffix = path.suffix.lower()
    if data.startswith(b"\xd0\xcf\x11\xe0") or suffix in {".xls", ".et"}:
        raise _refuse(
            path, f"this is an old binary Excel/WPS file (.xls), not CSV/XLSX; {_SAVE_AS}"
        )
    if data.startswith(b"PK\x03\x04") or suffix in _XLSX_SUFFIXES:
        if suffix not in _XLSX_SUFFIXES and suffix != "":
            raise _refuse(
                path,
                f"this {suffix} file is a zip archive (an Office document?), not CSV or XLSX; "
                f"{_SAVE_AS}",
            )
        return _read_xlsx(path, data)
    if suffix not in _TEXT_SUFFIXES:
        raise _refuse(path, f"this is a {suffix} file, not CSV or XLSX; {_SAVE_AS}")
    return _read_csv(path, data)
