"""Visits import: visits first written on paper, entered from a spreadsheet.

Rows name the person by code (编号); every row is checked (person known, date,
visit type, who went, money in yuan) before anything is written. A valid file is
written in one ``store.write()`` transaction, so every visit goes to the outbox.
A visit already in the store (same person, day, type and visitors) is skipped, so
importing the same file twice adds nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from fieldkit.domain.models import Person, PersonEvent, Visit
from fieldkit.domain.money import MoneyError, format_yuan, parse_yuan
from fieldkit.domain.vocab import Confirmation, EventKind, VisitReason, VocabError, accepted, parse
from fieldkit.i18n import N_, gettext
from fieldkit.importing.cells import CellError, normalize_code, parse_date
from fieldkit.importing.columns import VISIT_COLUMNS, header_index, map_header
from fieldkit.importing.problems import ImportRejected, Problem
from fieldkit.importing.sheet import Sheet, read_sheet
from fieldkit.store import Store

__all__ = ["VisitRow", "VisitsReport", "import_visits"]

_ZH = {c.key: c.zh for c in VISIT_COLUMNS}


@dataclass
class VisitsReport:
    """What a visits import did."""

    added: int = 0
    skipped: int = 0
    money_fen: int = 0

    def summary(self) -> str:
        """One line in the interface language: ``57 visit(s) added (慰问金 12300.00 yuan); ...``."""
        text = gettext("{added} visit(s) added").format(added=self.added)
        if self.money_fen:
            text += gettext(" (慰问金 {money} yuan)").format(money=format_yuan(self.money_fen))
        return text + gettext("; {skipped} already in the store, skipped").format(
            skipped=self.skipped
        )


@dataclass
class VisitRow:
    """One valid visit row."""

    line: int
    code: str
    day: date
    reason: VisitReason
    visitors: str
    money_fen: int
    needs: str
    services: str
    notes: str


def _visitors(text: str) -> str:
    """Visitors as stored: names separated by commas (、，; and spaces accepted)."""
    for sep in ("、", "，", "；", ";", " ", "\u3000"):
        text = text.replace(sep, ",")
    return ",".join(name for name in text.split(",") if name)


def _visits_sheet(path: Path) -> Sheet:
    """The visits file read whole, its header found below any title rows."""
    sheet = read_sheet(path)
    rows = [(sheet.header_line, sheet.header), *sheet.rows]
    at = header_index(rows[:10], VISIT_COLUMNS)
    return Sheet(header=rows[at][1], header_line=rows[at][0], rows=rows[at + 1 :])


@dataclass
class _Line:
    """One line of the visits sheet being read: its cells and the problems found on it."""

    line: int
    cells: list[str]
    where: dict[str, int]
    found: list[Problem] = field(default_factory=list)

    def cell(self, key: str) -> str:
        """The trimmed text of a column ("" when the line is short or has no such column)."""
        index = self.where.get(key)
        return self.cells[index].strip() if index is not None and index < len(self.cells) else ""

    def bad(self, key: str, message: str, **params: Any) -> None:
        """Note a problem in column ``key``."""
        self.found.append(Problem(self.line, message, _ZH[key], params))

    def required(self) -> None:
        """The columns every visit must have are filled in."""
        for key in ("code", "date", "reason", "visitors"):
            if not self.cell(key):
                self.bad(key, N_("is empty; this column must be filled in"))

    def code(self, known: dict[str, tuple[str, str]]) -> str:
        """The person's code, which must be on this laptop."""
        code = normalize_code(self.cell("code"))
        if code and code not in known:
            self.bad(
                "code",
                N_("no person with code {code} on this laptop; import the roster first"),
                code=code,
            )
        return code

    def day(self, today: date) -> date | None:
        """The visit's date, not in the future."""
        if not self.cell("date"):
            return None
        try:
            day = parse_date(self.cell("date"))
        except CellError as err:
            self.bad("date", err.msgid, **err.params)
            return None
        if day > today:
            self.bad("date", N_("{day} is in the future"), day=day.isoformat())
        return day

    def reason(self) -> VisitReason | None:
        """The visit's reason, one of the vocabulary's."""
        if not self.cell("reason"):
            return None
        try:
            return parse(VisitReason, self.cell("reason"))
        except VocabError:
            self.bad(
                "reason",
                N_("'{raw}' is not one of: {accepted}"),
                raw=self.cell("reason"),
                accepted=accepted(VisitReason),
            )
            return None

    def money(self) -> int:
        """The money handed over, in fen (the form's rules: :func:`parse_yuan`)."""
        try:
            return parse_yuan(self.cell("money"))
        except MoneyError as err:
            self.found.append(Problem(self.line, err.msgid, _ZH["money"], err.params))
            return 0

    def after_death(
        self, code: str, day: date | None, reason: VisitReason | None, died: dict[str, date]
    ) -> None:
        """After a death only condolence visits to the family are recorded."""
        death = died.get(code)
        if death and day and reason and reason != VisitReason.CONDOLENCE and day > death:
            self.bad(
                "date",
                N_(
                    "{code} died on {death}; after that only 去世慰问 (condolence) "
                    "visits to the family are recorded"
                ),
                code=code,
                death=death.isoformat(),
            )


def _parse(
    path: Path, known: dict[str, tuple[str, str]], died: dict[str, date], today: date
) -> list[VisitRow]:
    sheet = _visits_sheet(path)
    where, problems = map_header(sheet.header_line, sheet.header, VISIT_COLUMNS)
    if problems:
        raise ImportRejected(path.name, problems, header=True)
    rows: list[VisitRow] = []
    seen: dict[tuple[str, date, str, str], int] = {}
    for number, cells in sheet.rows:
        line = _Line(number, cells, where)
        line.required()
        code, day, reason, money = line.code(known), line.day(today), line.reason(), line.money()
        line.after_death(code, day, reason, died)
        visitors = _visitors(line.cell("visitors"))
        if line.found or day is None or reason is None:
            problems.extend(line.found)
            continue
        same = (code, day, reason.value, visitors)
        if same in seen:
            problems.append(
                Problem(
                    number,
                    N_("the same visit is already on line {other}"),
                    _ZH["code"],
                    {"other": seen[same]},
                )
            )
            continue
        seen[same] = number
        rows.append(
            VisitRow(
                line=number,
                code=code,
                day=day,
                reason=reason,
                visitors=visitors,
                money_fen=money,
                needs=line.cell("needs"),
                services=line.cell("services"),
                notes=line.cell("notes"),
            )
        )
    if not sheet.rows:
        problems.append(Problem(0, N_("the file has a header but no rows")))
    if problems:
        raise ImportRejected(path.name, problems)
    return rows


def _codes_in(path: Path) -> set[str]:
    sheet = _visits_sheet(path)
    where, _ = map_header(sheet.header_line, sheet.header, VISIT_COLUMNS)
    index = where.get("code")
    if index is None:
        return set()
    return {normalize_code(cells[index]) for _, cells in sheet.rows if index < len(cells)}


def import_visits(store: Store, path: Path, *, today: date | None = None) -> VisitsReport:
    """Import paper visits from ``path``; all or nothing, through the outbox."""
    codes = sorted(c for c in _codes_in(path) if c)
    known: dict[str, tuple[str, str]] = {}
    with store.read() as s:
        for i in range(0, len(codes), 500):
            stmt = select(Person.code, Person.id, Person.site_id).where(
                col(Person.code).in_(codes[i : i + 500]), col(Person.deleted).is_(False)
            )
            for code, person_id, site_id in s.exec(stmt):
                known[code] = (person_id, site_id)
        ids = {person_id: code for code, (person_id, _site) in known.items()}
        deaths = select(PersonEvent.person_id, func.min(PersonEvent.happened_on)).where(
            col(PersonEvent.kind) == EventKind.DECEASED,
            col(PersonEvent.deleted).is_(False),
            col(PersonEvent.person_id).in_(list(ids)),
        )
        died = {
            ids[person_id]: day
            for person_id, day in s.exec(deaths.group_by(col(PersonEvent.person_id)))
        }
    rows = _parse(path, known, died, today or date.today())
    report = VisitsReport()
    with store.write() as s:
        for row in rows:
            person_id, site_id = known[row.code]
            start = datetime.combine(row.day, time())
            exists = s.exec(
                select(func.count())
                .select_from(Visit)
                .where(
                    col(Visit.person_id) == person_id,
                    col(Visit.visited_at) >= start,
                    col(Visit.visited_at) < datetime.combine(row.day, time.max),
                    col(Visit.reason) == row.reason,
                    col(Visit.visitors) == row.visitors,
                    col(Visit.deleted).is_(False),
                )
            ).one()
            if exists:
                report.skipped += 1
                continue
            s.add(
                Visit(
                    person_id=person_id,
                    site_id=site_id,
                    reason=row.reason,
                    visited_at=start,
                    visitors=row.visitors,
                    confirmation=Confirmation.NONE,
                    needs=row.needs,
                    services=row.services,
                    money_fen=row.money_fen,
                    notes=row.notes,
                )
            )
            report.added += 1
            report.money_fen += row.money_fen
    return report
