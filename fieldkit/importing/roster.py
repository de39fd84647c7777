"""Roster import: persons from a bureau's spreadsheet, created or updated by their code.

Every row is checked before anything is written; if any row is wrong the import is
refused as a whole with every problem listed (:class:`ImportRejected`). A valid
file is written in one ``store.write()`` transaction through the ORM, so every new
or changed person (and every new site) goes to the outbox and reaches HQ.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from fieldkit.domain.models import Person, Site
from fieldkit.domain.vocab import Category, Sex, SiteKind, Tier, VocabError, parse, parse_bool
from fieldkit.importing.cells import CellError, normalize_code, parse_date, parse_year
from fieldkit.importing.columns import ROSTER_COLUMNS, find_header, map_header
from fieldkit.importing.problems import ImportRejected, Problem
from fieldkit.importing.sheet import Sheet, read_sheet
from fieldkit.store import Store

__all__ = ["RosterReport", "RosterRow", "import_roster", "parse_roster", "site_kind_for"]

_ZH = {c.key: c.zh for c in ROSTER_COLUMNS}
_TEXT = (
    "name", "former_unit", "address", "phone", "notes", "health", "family", "skills", "id_number"
)  # fmt: skip
_BOOLS = ("lives_alone", "hardship", "party_member")


@dataclass
class RosterReport:
    """What a roster import did."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    new_sites: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line: ``12 new, 3 changed, 285 unchanged; new sites: X``."""
        text = f"{self.new} new, {self.changed} changed, {self.unchanged} unchanged"
        if self.new_sites:
            text += f"; new sites: {', '.join(self.new_sites)}"
        return text


@dataclass
class RosterRow:
    """One valid roster row: the person's fields present in the file, and the site name."""

    line: int
    code: str
    site: str
    fields: dict[str, Any]


def _cell(row: list[str], where: dict[str, int], key: str) -> str | None:
    index = where.get(key)
    if index is None:
        return None
    return row[index].strip() if index < len(row) else ""


def _parse_row(
    line: int, row: list[str], where: dict[str, int], today: date
) -> tuple[RosterRow | None, list[Problem]]:
    problems: list[Problem] = []
    fields: dict[str, Any] = {}

    def bad(key: str, message: str) -> None:
        problems.append(Problem(line, message, _ZH[key]))

    for key in ("code", "name", "sex", "birth_date", "category", "site"):
        if not _cell(row, where, key):
            bad(key, "is empty; this column must be filled in")
    for key in _TEXT:
        text = _cell(row, where, key)
        if text is not None and key != "name":
            fields[key] = text
    name = _cell(row, where, "name")
    if name:
        fields["name"] = name
    for key, enum in (("sex", Sex), ("category", Category), ("tier", Tier)):
        text = _cell(row, where, key)
        if text:
            try:
                fields[key] = parse(enum, text)
            except VocabError as err:
                bad(key, str(err))
    birth = _cell(row, where, "birth_date")
    if birth:
        try:
            fields["birth_date"] = parse_date(birth)
        except CellError as err:
            bad("birth_date", str(err))
        else:
            if fields["birth_date"] > today:
                bad("birth_date", f"'{birth}' is in the future")
            elif fields["birth_date"].year < 1900:
                bad("birth_date", f"'{birth}' is before 1900")
    for key in _BOOLS:
        text = _cell(row, where, key)
        if text is not None:
            try:
                fields[key] = parse_bool(text)
            except VocabError as err:
                bad(key, str(err))
    year_text = _cell(row, where, "party_year")
    if year_text:
        try:
            year = parse_year(year_text)
        except CellError as err:
            bad("party_year", str(err))
        else:
            fields["party_year"] = year
            born = fields.get("birth_date")
            if year > today.year:
                bad("party_year", f"{year} is in the future")
            elif isinstance(born, date) and year < born.year:
                bad("party_year", f"{year} is before the birth date {born.isoformat()}")
            if fields.get("party_member") is False:
                bad("party_year", f"{year} is given but 党员 is 否; fill in 是 or clear the year")
            elif "party_member" not in fields:
                fields["party_member"] = True
    elif year_text == "":
        fields["party_year"] = None
    code = normalize_code(_cell(row, where, "code") or "")
    site = _cell(row, where, "site") or ""
    if problems:
        return None, problems
    return RosterRow(line=line, code=code, site=site, fields=fields), []


def parse_roster(sheet: Sheet, *, today: date | None = None) -> list[RosterRow]:
    """Check every row of a roster sheet; raises :class:`ImportRejected` listing all problems."""
    sheet = find_header(sheet, ROSTER_COLUMNS)
    where, problems = map_header(sheet, ROSTER_COLUMNS)
    if problems:
        raise ImportRejected("roster", problems, header=True)
    today = today or date.today()
    rows: list[RosterRow] = []
    first_line: dict[str, int] = {}
    for line, cells in sheet.rows:
        parsed, row_problems = _parse_row(line, cells, where, today)
        problems.extend(row_problems)
        code = normalize_code(_cell(cells, where, "code") or "")
        if code:
            if code in first_line:
                problems.append(
                    Problem(line, f"code {code} is already used on line {first_line[code]}", "编号")
                )
            else:
                first_line[code] = line
        if parsed is not None:
            rows.append(parsed)
    if not sheet.rows:
        problems.append(Problem(0, "the file has a header but no rows"))
    if problems:
        raise ImportRejected("roster", problems)
    return rows


def site_kind_for(name: str) -> SiteKind:
    """The kind a new site is given from its name: 安置/搬迁 relocation, 社区/小区 community."""
    if "安置" in name or "搬迁" in name:
        return SiteKind.RELOCATION
    if "社区" in name or "小区" in name:
        return SiteKind.COMMUNITY
    return SiteKind.VILLAGE


def import_roster(store: Store, path: Path, *, today: date | None = None) -> RosterReport:
    """Import a roster file into ``store``; all or nothing, through the outbox."""
    try:
        rows = parse_roster(read_sheet(path), today=today)
    except ImportRejected as err:
        raise ImportRejected(path.name, err.problems, header=err.header) from None
    report = RosterReport()
    with store.write() as s:
        sites = {
            site.name: site for site in s.exec(select(Site).where(col(Site.deleted).is_(False)))
        }
        counties = Counter(site.county for site in sites.values() if site.county)
        county = counties.most_common(1)[0][0] if counties else ""
        existing: dict[str, Person] = {}
        codes = [r.code for r in rows]
        for i in range(0, len(codes), 500):
            chunk = codes[i : i + 500]
            for person in s.exec(select(Person).where(col(Person.code).in_(chunk))):
                existing[person.code] = person
        for row in rows:
            site = sites.get(row.site)
            if site is None:
                site = Site(name=row.site, county=county, kind=site_kind_for(row.site))
                s.add(site)
                sites[row.site] = site
                report.new_sites.append(row.site)
            known = existing.get(row.code)
            if known is None:
                s.add(Person(code=row.code, site_id=site.id, **row.fields))
                report.new += 1
                continue
            wanted = {**row.fields, "site_id": site.id, "deleted": False}
            changed = False
            for key, value in wanted.items():
                if getattr(known, key) != value:
                    setattr(known, key, value)
                    changed = True
            if changed:
                report.changed += 1
            else:
                report.unchanged += 1
    return report
