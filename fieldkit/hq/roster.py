"""A bureau roster loaded straight into HQ, as changes HQ makes.

The file is read and checked exactly as on a laptop
(:func:`fieldkit.importing.roster.parse_roster`: CSV or XLSX, every row checked
first, ID numbers and phones included, every bad line named, nothing written when
one is wrong); an ID number another person at HQ already holds is refused the
same way, naming both. Persons are
matched by 编号 among HQ's records: a known code updates the fields the file
gives (and brings a tombstoned file back), a new one adds a person; a site the
file names that HQ does not hold is added. Everything is one HQ write (one
revision, one transaction): the laptops whose users serve those sites receive
it at their next sync.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from fieldkit.domain.models import Person
from fieldkit.hq.records import records_of
from fieldkit.hq.sites import HqSite, add_site, live_sites
from fieldkit.hq.writes import HqEdit, wire_row, write_edits
from fieldkit.i18n import N_
from fieldkit.importing.problems import ImportRejected, Problem
from fieldkit.importing.roster import HELD_AT_HQ, RosterReport, RosterRow, parse_roster
from fieldkit.store.wire import to_wire

__all__ = ["import_roster_at_hq"]

_PERSON = str(Person.__tablename__)


def _persons_by_code(conn: Connection) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Code -> the (id, wire values) of every person at HQ with that code."""
    found: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for rec in records_of(conn, _PERSON):
        found.setdefault(str(rec.data.get("code", "")), []).append((rec.id, rec.data))
    return found


def _shared_codes(
    rows: list[RosterRow], known: dict[str, list[tuple[str, dict[str, Any]]]]
) -> list[Problem]:
    """Rows whose code two persons at HQ hold (made offline on two laptops)."""
    return [
        Problem(
            row.line,
            N_("code {code} is held by {n} persons at HQ; renumber one of them first"),
            "编号",
            {"code": row.code, "n": len(known[row.code])},
        )
        for row in rows
        if len(known.get(row.code, ())) > 1
    ]


def _held_ids(
    known: dict[str, list[tuple[str, dict[str, Any]]]],
) -> list[tuple[str, str, str]]:
    """(ID number, code, name) of every live person at HQ with an ID number."""
    return [
        (str(data["id_number"]), code, str(data.get("name", "")))
        for code, persons in known.items()
        for _id, data in persons
        if data.get("id_number") and not data.get("deleted")
    ]


def _site_for(conn: Connection, name: str, sites: dict[str, HqSite], report: RosterReport) -> str:
    site = sites.get(name)
    if site is None:
        site = sites[name] = add_site(conn, name)
        report.new_sites.append(name)
    return site.id


def _person_edit(row: RosterRow, site_id: str, known: list[tuple[str, dict[str, Any]]]) -> HqEdit:
    """The new person, or the fields of the known one the row changes."""
    if not known:
        person = Person(code=row.code, site_id=site_id, **row.fields)
        return HqEdit(_PERSON, person.id, wire_row(person))
    person_id, stored = known[0]
    wanted = {key: to_wire(value) for key, value in row.fields.items()}
    wanted.update(site_id=site_id, deleted=False)
    return HqEdit(_PERSON, person_id, {k: v for k, v in wanted.items() if stored.get(k) != v})


def import_roster_at_hq(conn: Connection, path: Path, *, today: date | None = None) -> RosterReport:
    """Load the roster at ``path`` into HQ in the caller's transaction; what it did.

    Raises :class:`ImportRejected` (nothing written) when any row is wrong.
    """
    rows, checks = parse_roster(path, today=today)
    known = _persons_by_code(conn)
    checks.held_by_others(_held_ids(known), HELD_AT_HQ)
    shared = _shared_codes(rows, known) + checks.problems
    if shared:
        raise ImportRejected(path.name, shared)
    report = RosterReport()
    sites = {site.name: site for site in live_sites(conn)}
    edits: list[HqEdit] = []
    for row in rows:
        mine = known.get(row.code, [])
        edit = _person_edit(row, _site_for(conn, row.site, sites, report), mine)
        if not mine:
            report.new += 1
        elif edit.data:
            report.changed += 1
        else:
            report.unchanged += 1
        if edit.data:
            edits.append(edit)
    if edits:
        write_edits(conn, edits)
    return report
