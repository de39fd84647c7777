"""The care-plan replay's results kept per person and quarter, so a report replays only
the persons whose records changed since it was last made.

One row of ``report_replay`` holds what the tables need of one person in one quarter
under one policy (:class:`PersonQuarter`): the person's site, category and tier,
whether they were served, new, moved away or died in the quarter, the outcome of every
care-plan visit due in it (one column per task kind and outcome), and whether they are
a relocation resident left unvisited for twelve months. A report adds up the rows that
are still valid in SQL and replays only the others.

**When a row is valid.** Every person has a version, ``report_person_version``, raised
by every write of their file, of one of their events or of one of their visits (an
insert, any update: a correction or a void setting ``deleted``, a move to another
person, and a delete): on the laptop by SQLite triggers (store migration 0009), at
headquarters by the projection's push hook (:mod:`fieldkit.hq.projection.kept`), each in
the transaction of the write. A row remembers the version it was computed from; it is
valid while that is still the person's version (a person without a version row is at
0) and its site is still (or still not) a relocation site. A report reads the versions
and the rows in one snapshot and stores the rows it computed afterwards, in a separate
transaction: a write committed meanwhile has raised the version, so the stored row is
already stale and is replayed next time (never counted wrong).

The key of a row is the quarter and :func:`replay_key`: a digest of the policy and of
:data:`REPLAY_FORMAT` (raise it whenever what the replay or the engine decides
changes, so that rows computed by an older fieldkit are not used).

The statements here are plain SQL understood by SQLite and PostgreSQL alike; each
source runs them over its own tables (:class:`Layout`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, timedelta
from enum import Enum
from typing import Any, NamedTuple

from fieldkit.domain.careplan import Policy, TaskKind
from fieldkit.domain.vocab import Category, EventKind, SiteKind, Status, Tier
from fieldkit.reports.quarter import Quarter
from fieldkit.reports.replay import Outcome, PersonHistory, Replay, status_on
from fieldkit.reports.source import EventRow, PersonRow, SiteScope
from fieldkit.store.report_kept import MIGRATED_OUTCOME_COLUMNS

__all__ = [
    "KEPT_COLUMNS",
    "MIGRATED_OUTCOME_COLUMNS",
    "OUTCOME_COLUMNS",
    "REPLAY_FORMAT",
    "KeptFigures",
    "Layout",
    "PersonQuarter",
    "StalePerson",
    "TallyRow",
    "UnvisitedRow",
    "in_sites",
    "person_quarter",
    "replay_key",
]

REPLAY_FORMAT = 1
"""Raised whenever the replay's or the engine's decisions change (see the module)."""

OUTCOME_COLUMNS: tuple[tuple[TaskKind, Outcome, str], ...] = tuple(
    (kind, outcome, f"{kind.value}_{outcome.value}") for kind in TaskKind for outcome in Outcome
)
"""One column per task kind and outcome: how many of the person's due visits ended so
(the columns the migrations made: :data:`MIGRATED_OUTCOME_COLUMNS`)."""

_PERSON_COLUMNS = (
    "person_id", "version", "site_id", "relocation", "category", "tier", "served",
    "new_file", "moved_away", "deceased", "unvisited", "last_visit",
)  # fmt: skip
KEPT_COLUMNS: tuple[str, ...] = (
    "quarter", "policy", *_PERSON_COLUMNS, *(c for _, _, c in OUTCOME_COLUMNS),
)  # fmt: skip
"""The columns of ``report_replay``, in order (both stores' migrations make them)."""

_GONE = (Status.MOVED, Status.DECEASED)


def replay_key(policy: Policy) -> str:
    """The digest of ``policy`` and :data:`REPLAY_FORMAT` that keys the kept rows."""
    text = json.dumps([REPLAY_FORMAT, _canonical(policy)], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _canonical(value: object) -> object:
    """A policy value as JSON whose text does not depend on set or dict order."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return sorted([str(_canonical(k)), _canonical(v)] for k, v in value.items())
    if isinstance(value, (set, frozenset)):
        return sorted(json.dumps(_canonical(v), sort_keys=True) for v in value)
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return repr(value)


class PersonQuarter(NamedTuple):
    """What the tables need of one person in one quarter (one ``report_replay`` row)."""

    person_id: str
    version: int
    site_id: str
    relocation: bool
    category: Category
    tier: Tier
    served: bool
    new_file: bool
    moved_away: bool
    deceased: bool
    unvisited: bool
    last_visit: date | None
    outcomes: Mapping[tuple[TaskKind, Outcome], int]

    def row(self, quarter: Quarter, key: str) -> dict[str, Any]:
        """The row as statement parameters (flags as 0 or 1, the day as ISO text)."""
        out: dict[str, Any] = {
            "quarter": str(quarter),
            "policy": key,
            "person_id": self.person_id,
            "version": self.version,
            "site_id": self.site_id,
            "relocation": int(self.relocation),
            "category": self.category.value,
            "tier": self.tier.value,
            "served": int(self.served),
            "new_file": int(self.new_file),
            "moved_away": int(self.moved_away),
            "deceased": int(self.deceased),
            "unvisited": int(self.unvisited),
            "last_visit": self.last_visit.isoformat() if self.last_visit else None,
        }
        for kind, outcome, column in OUTCOME_COLUMNS:
            out[column] = self.outcomes.get((kind, outcome), 0)
        return out


def person_quarter(
    person: PersonRow,
    events: Sequence[EventRow],
    created: date | None,
    history: PersonHistory | None,
    replay: Replay,
    version: int,
    relocation: bool,
) -> PersonQuarter:
    """One person's figures of the replay's quarter (``history`` is ``None`` for a file
    created after the quarter: not served, nothing due, not listed)."""
    quarter = replay.quarter
    served = history is not None and (
        status_on(person, events, quarter.start - timedelta(days=1)) not in _GONE
    )
    kinds = {e.kind for e in events if quarter.contains_day(e.happened_on)} if served else set()
    outcomes: dict[tuple[TaskKind, Outcome], int] = {}
    unvisited, last_day = False, None
    if history is not None:
        for kind, outcome in replay.person(history):
            outcomes[kind, outcome] = outcomes.get((kind, outcome), 0) + 1
        last = history.visits[-1] if history.visits else history.before
        last_day = last.day if last is not None else None
        since = quarter.next_start.replace(year=quarter.next_start.year - 1)
        unvisited = (
            relocation
            and status_on(person, events, quarter.end) not in _GONE
            and (last_day is None or last_day < since)
        )
    return PersonQuarter(
        person.id, version, person.site_id, relocation, person.category, person.tier,
        served, served and created is not None and quarter.contains_day(created),
        EventKind.MOVED in kinds, EventKind.DECEASED in kinds, unvisited, last_day, outcomes,
    )  # fmt: skip


class TallyRow(NamedTuple):
    """Persons of one site, category and tier added up: served, new, moved away, died,
    and their care-plan outcomes in :data:`OUTCOME_COLUMNS` order."""

    site_id: str
    category: Category
    tier: Tier
    served: int
    new_file: int
    moved_away: int
    deceased: int
    outcomes: tuple[int, ...]

    @staticmethod
    def of(one: PersonQuarter) -> TallyRow:
        """The tally of one person."""
        return TallyRow(
            one.site_id, one.category, one.tier, int(one.served), int(one.new_file),
            int(one.moved_away), int(one.deceased),
            tuple(one.outcomes.get((k, o), 0) for k, o, _ in OUTCOME_COLUMNS),
        )  # fmt: skip


class UnvisitedRow(NamedTuple):
    """A relocation resident not visited for twelve months, with the latest visit."""

    person_id: str
    code: str
    name: str
    address: str
    phone: str
    site_id: str
    last_visit: date | None


class StalePerson(NamedTuple):
    """A person to replay: no valid kept row, and the version their row will carry."""

    person_id: str
    version: int


class KeptFigures(NamedTuple):
    """The kept rows still valid, added up; and the persons to replay instead."""

    tally: Sequence[TallyRow]
    unvisited: Sequence[UnvisitedRow]
    stale: Sequence[StalePerson]


def in_sites(column: str, sites: SiteScope, params: dict[str, Any]) -> str:
    """``AND column IN (...)`` for a site scope (nothing for every site), its values
    added to ``params``."""
    return in_values(column, None if sites is None else sorted(set(sites)), params, "site")


def in_values(
    column: str, values: Collection[str] | None, params: dict[str, Any], prefix: str
) -> str:
    """``AND column IN (:prefix0, ...)`` (nothing for ``None``), values added to ``params``."""
    if values is None:
        return ""
    names = []
    for i, value in enumerate(values):
        params[f"{prefix}{i}"] = value
        names.append(f":{prefix}{i}")
    return f" AND {column} IN ({', '.join(names) or 'NULL'})"


_RELOCATION = f"CASE WHEN s.kind = '{SiteKind.RELOCATION.value}' THEN 1 ELSE 0 END"
_SUMS = ", ".join(f"sum(r.{c})" for _, _, c in OUTCOME_COLUMNS)
_TALLY = (
    "SELECT r.site_id, r.category, r.tier, sum(r.served), sum(r.new_file),"
    f" sum(r.moved_away), sum(r.deceased), {_SUMS}"
)
_TALLY_GROUPS = " GROUP BY r.site_id, r.category, r.tier"


@dataclass(frozen=True)
class Layout:
    """Where a source keeps persons and sites: the person table (aliased ``p``), the
    condition of a live person, the site table (``s``)."""

    person: str
    live: str
    site: str

    def _valid(self) -> str:
        return (
            " FROM report_replay r"
            " LEFT JOIN report_person_version v ON v.person_id = r.person_id"
            f" LEFT JOIN {self.site} s ON s.id = r.site_id"
            " WHERE r.quarter = :quarter AND r.policy = :policy"
            f" AND r.version = coalesce(v.version, 0) AND r.relocation = {_RELOCATION}"
        )

    def tally_sql(self, sites: SiteScope, params: dict[str, Any]) -> str:
        """The valid kept rows added up per site, category and tier."""
        return _TALLY + self._valid() + in_sites("r.site_id", sites, params) + _TALLY_GROUPS

    def tally_sums_sql(self, sites: SiteScope, params: dict[str, Any]) -> str:
        """:meth:`tally_sql` from the kept rows' sums (``report_replay_sum``, HQ) instead
        of the rows, when only the rows of the persons whose version was raised since the
        mark ``:xmin`` can be stale (see :mod:`fieldkit.hq.report_source`): the groups
        whose relocation flag is their site's, less the stale rows of those persons,
        found by index from the versions. A group left without rows is not a row."""
        outcomes = ", ".join(f"g.{c}" for _, _, c in OUTCOME_COLUMNS)
        taken_out = ", ".join(f"-r.{c}" for _, _, c in OUTCOME_COLUMNS)
        summed = ", ".join(f"sum(t.{c})" for _, _, c in OUTCOME_COLUMNS)
        return (
            "SELECT t.site_id, t.category, t.tier, sum(t.served), sum(t.new_file),"
            f" sum(t.moved_away), sum(t.deceased), {summed} FROM ("
            "SELECT g.site_id, g.category, g.tier, g.persons, g.served, g.new_file,"
            f" g.moved_away, g.deceased, {outcomes} FROM report_replay_sum g"
            f" LEFT JOIN {self.site} s ON s.id = g.site_id"
            " WHERE g.quarter = :quarter AND g.policy = :policy"
            f" AND g.relocation = {_RELOCATION}"
            + in_sites("g.site_id", sites, params)
            + " UNION ALL SELECT r.site_id, r.category, r.tier, -1, -r.served, -r.new_file,"
            f" -r.moved_away, -r.deceased, {taken_out} FROM report_person_version v"
            " JOIN report_replay r ON r.person_id = v.person_id"
            " AND r.quarter = :quarter AND r.policy = :policy"
            f" LEFT JOIN {self.site} s ON s.id = r.site_id"
            " WHERE v.changed_by >= :xmin AND r.version <> v.version"
            f" AND r.relocation = {_RELOCATION}"
            + in_sites("r.site_id", sites, params)
            + ") t GROUP BY t.site_id, t.category, t.tier HAVING sum(t.persons) > 0"
        )

    def changed_sql(self) -> str:
        """The persons whose version was raised since the mark ``:xmin``."""
        return "SELECT person_id FROM report_person_version WHERE changed_by >= :xmin"

    def invalid_sql(self, sites: SiteScope, params: dict[str, Any]) -> str:
        """The persons whose kept row at ``sites`` is no longer valid."""
        return (
            "SELECT r.person_id FROM report_replay r"
            " LEFT JOIN report_person_version v ON v.person_id = r.person_id"
            f" LEFT JOIN {self.site} s ON s.id = r.site_id"
            " WHERE r.quarter = :quarter AND r.policy = :policy"
            f" AND (r.version <> coalesce(v.version, 0) OR r.relocation <> {_RELOCATION})"
            + in_sites("r.site_id", sites, params)
        )

    def drop_sql(self, persons: Sequence[str], params: dict[str, Any]) -> str:
        """Delete the kept rows of ``persons`` that are still not valid."""
        return (
            "DELETE FROM report_replay WHERE quarter = :quarter AND policy = :policy"
            + in_values("person_id", persons, params, "d")
            + " AND (version <> coalesce((SELECT v.version FROM report_person_version v"
            " WHERE v.person_id = report_replay.person_id), 0)"
            f" OR relocation <> coalesce((SELECT {_RELOCATION} FROM {self.site} s"
            " WHERE s.id = report_replay.site_id), 0))"
        )

    def unvisited_sql(self, sites: SiteScope, params: dict[str, Any]) -> str:
        """The valid kept rows of relocation residents left unvisited, with their files."""
        return (
            "SELECT r.person_id, p.code, p.name, p.address, p.phone, r.site_id, r.last_visit"
            + self._valid().replace(
                " WHERE ", f" JOIN {self.person} p ON p.id = r.person_id WHERE "
            )
            + " AND r.unvisited = 1"
            + in_sites("r.site_id", sites, params)
        )

    def stale_sql(self, sites: SiteScope, params: dict[str, Any]) -> str:
        """The live persons at ``sites`` without a valid kept row, with their version."""
        return (
            f"SELECT p.id, coalesce(v.version, 0) FROM {self.person} p"
            " LEFT JOIN report_person_version v ON v.person_id = p.id"
            f" LEFT JOIN {self.site} s ON s.id = p.site_id"
            " LEFT JOIN report_replay r ON r.quarter = :quarter AND r.policy = :policy"
            " AND r.person_id = p.id"
            f" WHERE {self.live}"
            + in_sites("p.site_id", sites, params)
            + " AND (r.person_id IS NULL OR r.version <> coalesce(v.version, 0)"
            f" OR r.site_id <> p.site_id OR r.relocation <> {_RELOCATION})"
        )


def kept_params(quarter: Quarter, key: str) -> dict[str, Any]:
    """The parameters naming the kept rows of ``quarter`` under the policy ``key``."""
    return {"quarter": str(quarter), "policy": key}


def kept_figures(rows: Iterable[Sequence[Any]], unvisited: Iterable[Sequence[Any]],
                 stale: Iterable[Sequence[Any]]) -> KeptFigures:  # fmt: skip
    """The three statements' rows as :class:`KeptFigures`."""
    categories = {m.value: m for m in Category}
    tiers = {m.value: m for m in Tier}
    tally = [
        TallyRow(
            site,
            categories[cat],
            tiers[tier],
            int(served),
            int(new),
            int(moved),
            int(died),
            tuple(int(n) for n in outcomes),
        )
        for site, cat, tier, served, new, moved, died, *outcomes in rows
    ]
    listed = [
        UnvisitedRow(pid, code, name, address, phone, site, _day(last))
        for pid, code, name, address, phone, site, last in unvisited
    ]
    return KeptFigures(tally, listed, [StalePerson(pid, int(v)) for pid, v in stale])


def _day(value: object) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


DELETE_SQL = "DELETE FROM report_replay WHERE quarter = :quarter AND policy = :policy"
"""With :func:`in_values` on ``person_id``: the rows about to be replaced."""
PRUNE_SQL = "DELETE FROM report_replay WHERE quarter = :quarter AND policy <> :policy"
"""The quarter's rows kept under another policy (only one is kept per quarter)."""
INSERT_SQL = (
    f"INSERT INTO report_replay ({', '.join(KEPT_COLUMNS)})"
    f" VALUES ({', '.join(':' + c for c in KEPT_COLUMNS)})"
)
"""One kept row (executed for many)."""
