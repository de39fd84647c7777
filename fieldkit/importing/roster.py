"""Roster import: persons from a bureau's spreadsheet, created or updated by their code.

The file is read as a stream and every row checked (:class:`RosterChecks`): the
cells one by one, the ID number (身份证号: its check character and its birth date
against 出生日期) and the phone, and across rows, codes and ID numbers given twice
in the file or held by another person already in the store. Valid rows are written
a chunk at a time (:mod:`fieldkit.importing.roster_write`) inside one
``store.write()`` transaction; if any row is wrong, writing stops, the rest of the
file is still checked, and the transaction is rolled back: nothing is written and
every problem is listed with its line (:class:`ImportRejected`). Every new or
changed person (and every new site) gets its outbox entry, so it reaches HQ.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select

from fieldkit.domain.identity import IdentityError, check_id_number, check_phone
from fieldkit.domain.models import Person
from fieldkit.domain.vocab import (
    Category,
    Sex,
    SiteKind,
    Tier,
    VocabError,
    accepted,
    parse,
    parse_bool,
)
from fieldkit.i18n import N_, gettext
from fieldkit.importing.cells import CellError, normalize_code, parse_date, parse_year
from fieldkit.importing.columns import ROSTER_COLUMNS, header_index, map_header
from fieldkit.importing.problems import ImportRejected, Problem
from fieldkit.importing.progress import ImportProgress, ProgressCallback
from fieldkit.importing.sheet import Row, SheetStream, open_sheet
from fieldkit.store import Store

__all__ = [
    "CHUNK_ROWS",
    "HELD_AT_HQ",
    "HELD_IN_STORE",
    "RosterChecks",
    "RosterFile",
    "RosterReport",
    "RosterRow",
    "import_roster",
    "parse_roster",
    "roster_rows",
    "site_kind_for",
]

CHUNK_ROWS = 2000
"""Rows checked, then written together (a chunk's persons are looked up in one query)."""

_ZH = {c.key: c.zh for c in ROSTER_COLUMNS}
_TEXT = (
    "name", "former_unit", "address", "notes", "health", "family", "skills"
)  # fmt: skip
_BOOLS = ("lives_alone", "hardship", "party_member")
_BOOL_WORDS = "是 (yes, 1), 否 (no, 0)"
E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


@dataclass
class RosterReport:
    """What a roster import did."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    new_sites: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line in the interface language: ``12 new, 3 changed, 285 unchanged``."""
        text = gettext("{new} new, {changed} changed, {unchanged} unchanged").format(
            new=self.new, changed=self.changed, unchanged=self.unchanged
        )
        if self.new_sites:
            text += gettext("; new sites: {sites}").format(sites=", ".join(self.new_sites))
        return text


@dataclass(slots=True)
class RosterRow:
    """One valid roster row: the person's fields present in the file, and the site name."""

    line: int
    code: str
    site: str
    fields: dict[str, Any]


@lru_cache(maxsize=512)
def _vocab(enum: type[E], text: str) -> E:
    return parse(enum, text)


@lru_cache(maxsize=64)
def _yes_no(text: str) -> bool:
    return parse_bool(text)


class _Row:
    """The checks of one row: its cells read into fields, its problems named."""

    def __init__(self, line: int, cells: list[str], where: dict[str, int]) -> None:
        self.line = line
        n = len(cells)
        self.values = {key: cells[i].strip() if i < n else "" for key, i in where.items()}
        """Each column's cell, read once: stripped, "" past the row's end."""
        self.fields: dict[str, Any] = {}
        self.problems: list[Problem] = []

    def cell(self, key: str) -> str | None:
        """The column's cell; None when the file has no such column."""
        return self.values.get(key)

    def bad(self, key: str, message: str, **params: Any) -> None:
        self.problems.append(Problem(self.line, message, _ZH[key], params))

    def vocab(self, key: str, enum: type[StrEnum]) -> None:
        text = self.cell(key)
        if text:
            try:
                self.fields[key] = _vocab(enum, text)
            except VocabError:
                self.bad(
                    key, N_("'{raw}' is not one of: {accepted}"), raw=text, accepted=accepted(enum)
                )

    def yes_no(self, key: str) -> None:
        text = self.cell(key)
        if text is not None:
            try:
                self.fields[key] = _yes_no(text)
            except VocabError:
                self.bad(
                    key, N_("'{raw}' is not one of: {accepted}"), raw=text, accepted=_BOOL_WORDS
                )

    def parsed(self, key: str, read: Callable[[str], T]) -> T | None:
        """The cell read by ``read``; None when empty or unreadable (its problem named)."""
        text = self.cell(key)
        if not text:
            return None
        try:
            return read(text)
        except CellError as err:
            self.bad(key, err.msgid, **err.params)
            return None

    def birth_date(self, today: date) -> None:
        born = self.parsed("birth_date", parse_date)
        if born is None:
            return
        text = self.cell("birth_date")
        if born > today:
            self.bad("birth_date", N_("'{raw}' is in the future"), raw=text)
        elif born.year < 1900:
            self.bad("birth_date", N_("'{raw}' is before 1900"), raw=text)
        else:
            self.fields["birth_date"] = born

    def party_year(self, today: date) -> None:
        if self.cell("party_year") == "":
            self.fields["party_year"] = None
        year = self.parsed("party_year", parse_year)
        if year is None:
            return
        self.fields["party_year"] = year
        born = self.fields.get("birth_date")
        if year > today.year:
            self.bad("party_year", N_("{year} is in the future"), year=year)
        elif isinstance(born, date) and year < born.year:
            self.bad(
                "party_year",
                N_("{year} is before the birth date {birth}"),
                year=year,
                birth=born.isoformat(),
            )
        if self.fields.get("party_member") is False:
            self.bad(
                "party_year",
                N_("{year} is given but 党员 is 否; fill in 是 or clear the year"),
                year=year,
            )
        elif "party_member" not in self.fields:
            self.fields["party_member"] = True

    def identity(self) -> None:
        """The ID number (check character, birth date) and the phone, normalised."""
        for key in ("id_number", "phone"):
            text = self.cell(key)
            if text is None:
                continue
            try:
                if key == "phone":
                    self.fields[key] = check_phone(text)
                elif text:
                    born = self.fields.get("birth_date")
                    self.fields[key] = check_id_number(text, born)
                else:
                    self.fields[key] = ""
            except IdentityError as err:
                self.bad(key, err.msgid, **err.params)


def _check_row(line: int, cells: list[str], where: dict[str, int], today: date) -> _Row:
    row = _Row(line, cells, where)
    for key in ("code", "name", "sex", "birth_date", "category", "site"):
        if not row.cell(key):
            row.bad(key, N_("is empty; this column must be filled in"))
    for key in _TEXT:
        text = row.cell(key)
        if text:
            row.fields[key] = text
        elif text is not None and key != "name":
            row.fields[key] = ""
    for key, enum in (("sex", Sex), ("category", Category), ("tier", Tier)):
        row.vocab(key, enum)
    row.birth_date(today)
    for key in _BOOLS:
        row.yes_no(key)
    row.party_year(today)
    row.identity()
    return row


class RosterChecks:
    """The checks of a roster's rows, one at a time, and across them.

    Keeps only what the cross-row checks need: each code's first line and each ID
    number's first line, name and code. ``problems`` grows as rows are checked.
    """

    def __init__(self, where: dict[str, int], *, today: date) -> None:
        self.where = where
        self.today = today
        self.problems: list[Problem] = []
        self.rows = 0
        self._code_line: dict[str, int] = {}
        self._id_owner: dict[str, tuple[int, str, str]] = {}

    def check(self, line: int, cells: list[str]) -> RosterRow | None:
        """The valid row, or None (its problems added to :attr:`problems`)."""
        self.rows += 1
        row = _check_row(line, cells, self.where, self.today)
        code = normalize_code(row.cell("code") or "")
        if code:
            first = self._code_line.setdefault(code, line)
            if first != line:
                row.bad(
                    "code",
                    N_("code {code} is already used on line {other}"),
                    code=code,
                    other=first,
                )
        number = row.fields.get("id_number")
        if number and code:
            name = row.fields.get("name", "")
            owner = self._id_owner.setdefault(number, (line, name, code))
            if owner[0] != line:
                row.bad(
                    "id_number",
                    N_(
                        "ID number {number} is already given on line {other} "
                        "to {other_name} ({other_code})"
                    ),
                    number=number,
                    other=owner[0],
                    other_name=owner[1],
                    other_code=owner[2],
                )
        self.problems.extend(row.problems)
        if row.problems:
            return None
        return RosterRow(line=line, code=code, site=row.cell("site") or "", fields=row.fields)

    def held_by_others(self, held: Iterable[tuple[str, str, str]], message: str) -> None:
        """Name the rows whose ID number a person outside the file already holds.

        ``held`` gives (ID number, code, name) of the live persons already stored;
        persons the file itself names are left out, since the file sets their number.
        """
        for number, code, name in held:
            owner = self._id_owner.get(number)
            if owner is None or code in self._code_line:
                continue
            line, own_name, own_code = owner
            self.problems.append(
                Problem(
                    line,
                    message,
                    _ZH["id_number"],
                    {
                        "number": number,
                        "name": own_name,
                        "code": own_code,
                        "other_name": name,
                        "other_code": code,
                    },
                )
            )

    def finish(self) -> None:
        """Add the problem of a file with a header and no rows."""
        if not self.rows:
            self.problems.append(Problem(0, N_("the file has a header but no rows")))


HELD_IN_STORE = N_(
    "ID number {number} of {name} ({code}) is already held by {other_name} ({other_code}) "
    "on this laptop"
)
HELD_AT_HQ = N_(
    "ID number {number} of {name} ({code}) is already held by {other_name} ({other_code}) at HQ"
)


@dataclass
class RosterFile:
    """A roster file being read: its checks (the header already read), the data rows
    still to check, and the part of the file read so far (0 to 1)."""

    checks: RosterChecks
    rows: Iterator[Row]
    done: Callable[[], float]


@contextmanager
def roster_rows(path: Path, *, today: date | None = None) -> Iterator[RosterFile]:
    """Open a roster file for checking, row by row.

    Raises :class:`ImportRejected` (named after the file) when the header is wrong.
    """
    with open_sheet(path) as stream:
        yield _start(path.name, stream, today or date.today())


def _start(source: str, stream: SheetStream, today: date) -> RosterFile:
    at = header_index(stream.head, ROSTER_COLUMNS)
    line, header = stream.head[at]
    where, problems = map_header(line, header, ROSTER_COLUMNS)
    if problems:
        raise ImportRejected(source, problems, header=True)

    def rows() -> Iterator[Row]:
        yield from stream.head[at + 1 :]
        yield from stream.rest

    return RosterFile(RosterChecks(where, today=today), rows(), stream.done)


def parse_roster(path: Path, *, today: date | None = None) -> tuple[list[RosterRow], RosterChecks]:
    """Check every row of the roster at ``path``; the valid rows and the checks.

    Raises :class:`ImportRejected` for a file that cannot be read or a wrong
    header. The rows' problems are in ``checks.problems``: the caller runs
    :meth:`RosterChecks.held_by_others` against the persons it holds, then
    refuses the file if there are any.
    """
    with roster_rows(path, today=today) as file:
        checks = file.checks
        valid = [row for line, cells in file.rows if (row := checks.check(line, cells)) is not None]
    checks.finish()
    return valid, checks


def site_kind_for(name: str) -> SiteKind:
    """The kind a new site is given from its name: 安置/搬迁 relocation, 社区/小区 community."""
    if "安置" in name or "搬迁" in name:
        return SiteKind.RELOCATION
    if "社区" in name or "小区" in name:
        return SiteKind.COMMUNITY
    return SiteKind.VILLAGE


def _held(conn: Any) -> Iterator[tuple[str, str, str]]:
    p = Person.__table__.c  # type: ignore[attr-defined]
    stmt = select(p.id_number, p.code, p.name).where(p.deleted.is_(False), p.id_number != "")
    for number, code, name in conn.execute(stmt):
        yield str(number), str(code), str(name)


def import_roster(
    store: Store,
    path: Path,
    *,
    today: date | None = None,
    progress: ProgressCallback | None = None,
) -> RosterReport:
    """Import a roster file into ``store``; all or nothing, through the outbox.

    ``progress`` is called after every chunk with the rows read and written and
    the part of the file read.
    """
    from fieldkit.importing.roster_write import RosterWriter

    report = RosterReport()
    say: Callable[[ImportProgress], None] = progress or (lambda _p: None)
    with roster_rows(path, today=today) as file, store.write() as session:
        checks = file.checks
        writer = RosterWriter(session, report)
        with writer.loading():
            chunk: list[RosterRow] = []
            for line, cells in file.rows:
                row = checks.check(line, cells)
                if checks.problems:
                    chunk.clear()
                    continue
                assert row is not None
                chunk.append(row)
                if len(chunk) == CHUNK_ROWS:
                    if not writer.written:
                        writer.expect(round(CHUNK_ROWS / max(file.done(), 1e-6)))
                    writer.write(chunk)
                    chunk = []
                    say(ImportProgress(checks.rows, writer.written, file.done()))
            if chunk and not checks.problems:
                writer.write(chunk)
            checks.finish()
            checks.held_by_others(_held(session.connection()), HELD_IN_STORE)
            if checks.problems:
                raise ImportRejected(path.name, checks.problems)
        writer.finish()
        say(ImportProgress(checks.rows, writer.written, 1.0))
    return report
