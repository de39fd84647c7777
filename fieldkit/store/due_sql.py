"""The SQL of the due list: who can owe a task on a day, read from ``person`` and the
local ``visit_summary`` (migration 0003), and who owes the day's festival visits.

:class:`DueQuery` holds one listing's conditions and parameters; the steps that run
them are in :mod:`fieldkit.store.due_list`. The candidate conditions are
conservative: the rules decide exactly (tests compare both on many days).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from enum import Enum, StrEnum
from typing import Any

from fieldkit.domain.careplan import DayRules, Policy
from fieldkit.domain.ids import encode_ids
from fieldkit.domain.vocab import Category, EventKind, Status, Tier, VisitReason

__all__ = [
    "CANDIDATE_COLUMNS",
    "CANDIDATE_REASONS",
    "CATEGORIES",
    "FIELD_SEP",
    "FIRST",
    "MUST_VISIT_REASONS",
    "NEWEST_VISIT",
    "PERSON_KINDS",
    "PROBE",
    "REST",
    "STALE_AT",
    "STATUSES",
    "SUMMARY_CATEGORY",
    "SUMMARY_LIVE",
    "TIERS",
    "WHOLE",
    "DueQuery",
    "Part",
    "id_params",
    "id_set",
]

MUST_VISIT_REASONS = (
    VisitReason.FESTIVAL,
    VisitReason.HOSPITAL,
    VisitReason.BIRTHDAY,
    VisitReason.MISFORTUNE,
    VisitReason.CONDOLENCE,
)
"""The reasons whose latest visit the summary keeps (each settles a must-visit task)."""
CANDIDATE_REASONS = (
    VisitReason.HOSPITAL,
    VisitReason.BIRTHDAY,
    VisitReason.MISFORTUNE,
    VisitReason.CONDOLENCE,
)
"""The reasons whose latest visit a candidate's row ends with, in order (the festival
visits are listed apart, see :meth:`DueQuery.festival_members`)."""
_EVENT_KINDS = (EventKind.HOSPITALISED, EventKind.MISFORTUNE, EventKind.DECEASED)
TIERS = tuple(Tier)
CATEGORIES = tuple(Category)
STATUSES = tuple(Status)

# The summary row is "as of now": it is used unless the person has a visit after the
# day (or, defensively, no summary row), in which case ``visit`` is read instead.
_STALE = "(s.person_id IS NULL OR s.last_at >= :next_day)"
_CURRENT = "(s.last_at IS NULL OR s.last_at < :next_day)"  # on an inner join of s


def id_set(name: str) -> str:
    """SQL: the ids of the parameters :func:`id_params` made under ``name``, as stored:
    the 16-byte ids cut from one BLOB (``substr`` of a BLOB is a BLOB), then the text
    ids of a JSON list. No id goes through a Python function inside SQLite, and a list
    of any length is two parameters."""
    return (
        f"SELECT substr(:{name}, 16 * i + 1, 16) FROM (WITH RECURSIVE k(i) AS ("
        f"SELECT 0 WHERE length(:{name}) > 0 UNION ALL"
        f" SELECT i + 1 FROM k WHERE i + 1 < length(:{name}) / 16) SELECT i FROM k)"
        f" UNION ALL SELECT value FROM json_each(:{name}_text)"
    )


def id_params(name: str, ids: Iterable[Any]) -> dict[str, Any]:
    """The parameters of :func:`id_set` for ``ids`` (as text or as stored): the
    16-byte ids one after another in one BLOB, the others as a JSON list."""
    stored = encode_ids(ids)
    return {
        name: b"".join(i for i in stored if i.__class__ is bytes),
        f"{name}_text": json.dumps([i for i in stored if i.__class__ is not bytes]),
    }


PROBE = (
    "SELECT p.id, ("
    "SELECT substr(v.visited_at, 1, 10)"
    " || (v.follow_up != '' OR v.follow_up_due IS NOT NULL)"
    " || coalesce(v.follow_up_due, '') || char(31) || v.follow_up"
    " FROM visit v WHERE v.person_id = p.id AND v.deleted = 0 AND v.visited_at < :next_day"
    " ORDER BY v.visited_at DESC, v.rowid DESC LIMIT 1), ("
    "SELECT group_concat(v.reason || ' ' || substr(v.visited_at, 1, 10))"
    " FROM visit v WHERE v.person_id = p.id AND v.deleted = 0"
    " AND v.visited_at >= :since AND v.visited_at < :next_day"
    f" AND v.reason IN ({', '.join(repr(r.value) for r in MUST_VISIT_REASONS)}))"
    f" FROM person p WHERE p.id IN ({id_set('stale')})"
)
"""For persons whose summary is not current (``:stale``, see :func:`id_params`), read from
``visit`` itself: their latest live visit up to the day as one string: its date
(10 characters), "1" if it records a follow-up else "0", then
follow_up_due<US>follow_up (one seek on visit (person_id, visited_at)); and their
must-visit visits since the oldest listed window, as "reason YYYY-MM-DD" items joined
by commas."""


def _position(column: str, members: Sequence[StrEnum]) -> str:
    """``column``'s slug as its position in ``members`` (a small int is cheaper to read
    than a new string to look up)."""
    whens = " ".join(f"WHEN '{m.value}' THEN {i}" for i, m in enumerate(members))
    return f"CASE {column} {whens} END"


SUMMARY_CATEGORY = _position("p.category", CATEGORIES)
"""``visit_summary.category`` of the person ``p`` (migration 0013): their category's
position in CATEGORIES."""
SUMMARY_LIVE = "(p.deleted = 0 AND p.status NOT IN ('moved', 'deceased'))"
"""``visit_summary.live`` of the person ``p`` (migration 0013): 1 when they are not
removed, moved away nor deceased."""


PERSON_KINDS = tuple(
    (tier, category, status) for tier in TIERS for category in CATEGORIES for status in STATUSES
)
"""Every (tier, category, status), at the position that :data:`CANDIDATE_COLUMNS` gives
a person's three as one small int."""
_KINDS = (
    f"({_position('p.tier', TIERS)} * {len(CATEGORIES)} + {_position('p.category', CATEGORIES)})"
    f" * {len(STATUSES)} + {_position('p.status', STATUSES)}"
)
FIELD_SEP = "\x1f"
"""Between the due date and the text of a candidate's follow-up (one column)."""
_FOLLOW_UP = (
    "CASE WHEN s.follow_up_owed THEN coalesce(s.follow_up_due, '') || char(31) || s.follow_up END"
)
_VISITED = (
    f"CASE WHEN coalesce({', '.join(f's.{r.value}_at' for r in CANDIDATE_REASONS)}) IS NOT NULL"
    " THEN "
    + " || ',' || ".join(f"coalesce(substr(s.{r.value}_at, 1, 10), '')" for r in CANDIDATE_REASONS)
    + " END"
)

CANDIDATE_COLUMNS = (
    "p.id, p.name, p.code, p.site_id, p.address,"
    f" {_KINDS}, p.birth_date, {_STALE}, s.last_at, {_FOLLOW_UP}, {_VISITED}"
)
"""What a candidate's row holds, in this order: the person (id, name, code, site id,
address, then their tier, category and status as one position in
:data:`PERSON_KINDS`, birth date), whether the summary is stale, then the summary:
the last visit, the follow-up owed (``NULL`` for none, else its due date, empty for
none, :data:`FIELD_SEP` and its text), and the days of the latest hospital,
birthday, misfortune and condolence visits (``NULL`` for none of them, else the four
days in that order joined by commas, each empty for none). Fewer columns cost less
to read than the same values apart. The festival visits are listed by
:meth:`DueQuery.festival_members`."""
STALE_AT = 7
"""Where a candidate's row says whether their summary is stale."""

_PERSON_ROW = "p.id, p.name, p.code, p.site_id, p.address"

NEWEST_VISIT = (
    "WITH RECURSIVE t(tier) AS (SELECT min(tier) FROM visit_summary UNION ALL"
    " SELECT (SELECT min(tier) FROM visit_summary WHERE tier > t.tier) FROM t"
    " WHERE t.tier IS NOT NULL)"
    " SELECT max((SELECT max(last_at) FROM visit_summary WHERE tier = t.tier)) FROM t"
)
"""The latest visit any summary row shows, found along ``ix_visit_summary_tier`` one
tier at a time (a few seeks, not a scan). Rows without a tier belong to no person
yet and are never counted as live."""


def _placeholders(prefix: str, values: Sequence[Any], params: dict[str, Any]) -> str:
    """Named placeholders for ``values`` (added to ``params``), comma-separated."""
    names = []
    for i, value in enumerate(values):
        name = f"{prefix}{i}"
        params[name] = value
        names.append(f":{name}")
    return ", ".join(names) or "NULL"


def _since(on: date, policy: Policy, festivals: Sequence[tuple[Any, date]]) -> date:
    """The oldest window start a listed must-visit task can have on ``on``."""
    longest = max(
        policy.hospital_within_days,
        policy.misfortune_within_days,
        policy.condolence_within_days,
        policy.birthday_days_before + policy.birthday_days_after,
    )
    since = on - timedelta(days=policy.keep_overdue_days + longest + 1)
    for _, day in festivals:
        since = min(since, day - timedelta(days=policy.festival_days_before))
    return since


def _birthday_ranges(on: date, policy: Policy) -> list[tuple[str, str, str, str]]:
    """Birth dates of everyone who may have a birthday task on ``on``: tuples
    ``(lo, hi, md_lo, md_hi)`` meaning ``lo <= birth <= hi`` (ISO strings) and a
    birth month-day (``MM-DD``) from ``md_lo`` to ``md_hi``.

    Conservative: birthdays celebrated from the oldest listed window to the newest,
    one day wider each side (a 29 February birthday is kept on 28 February).
    """
    lo_day = on - timedelta(days=policy.keep_overdue_days + policy.birthday_days_after + 1)
    hi_day = on + timedelta(days=policy.upcoming_days + policy.birthday_days_before + 1)
    ranges: list[tuple[str, str, str, str]] = []
    for year in range(lo_day.year, hi_day.year + 1):
        lo_md = lo_day.strftime("%m-%d") if year == lo_day.year else "01-01"
        hi_md = hi_day.strftime("%m-%d") if year == hi_day.year else "12-31"
        for age in policy.birthday_milestones:
            born = year - age
            if born >= 1:
                ranges.append((f"{born:04d}-{lo_md}", f"{born:04d}-{hi_md}", lo_md, hi_md))
        oldest = year - policy.birthday_every_year_from
        if policy.birthday_every_year_from > 0 and oldest >= 1:
            ranges.append(("0000", f"{oldest:04d}-12-31", lo_md, hi_md))
    return ranges


class Part(Enum):
    """Which candidates :meth:`DueQuery.seek_sql` reads."""

    WHOLE = "whole"
    FIRST = "first"
    REST = "rest"


WHOLE, FIRST, REST = Part.WHOLE, Part.FIRST, Part.REST


def _part(part: Part, column: str, cut: str) -> str:
    """``column < :cut`` (an arm's index range), cut in two at ``:head_<cut>`` (see
    :meth:`DueQuery.split_at`): the range below it (:data:`FIRST`), from it on
    (:data:`REST`) or whole."""
    if part is FIRST:
        return f"{column} < :head_{cut}"
    if part is REST:
        return f"{column} >= :head_{cut} AND {column} < :{cut}"
    return f"{column} < :{cut}"


class DueQuery:
    """The conditions of one listing (a day, a policy, a scope) as SQL with parameters."""

    def __init__(self, rules: DayRules, site_ids: Sequence[str] | None) -> None:
        on, policy = rules.on, rules.policy
        self.rules = rules
        self.params: dict[str, Any] = {
            "since": _since(on, policy, rules.festivals).isoformat(),
            "on": on.isoformat(),
            "next_day": (on + timedelta(days=1)).isoformat(),
        }
        p = self.params
        self.scope = ""
        """An AND clause on ``p.site_id`` (empty for every site)."""
        self.summary_scope = ""
        """The same on the summary's copy, ``s.site_id``."""
        if site_ids is not None:
            sites = _placeholders("s", encode_ids(sorted(set(site_ids))), p)
            self.scope = f"AND p.site_id IN ({sites})"
            self.summary_scope = f"AND s.site_id IN ({sites})"
        horizon = on + timedelta(days=policy.upcoming_days + 1)
        for tier in Tier:
            p[f"tier_{tier.value}"] = tier.value
            p[f"cut_{tier.value}"] = (
                horizon - timedelta(days=policy.tier_interval_days[tier])
            ).isoformat()
        p["fu_cut"] = horizon.isoformat()
        p["fu_default_cut"] = (horizon - timedelta(days=policy.follow_up_default_days)).isoformat()
        self.birthdays = _birthday_ranges(on, policy)
        # a birthday visit on or after this day settles every birthday task listable
        # today (their windows start at the latest here)
        p["b_settled"] = (
            on
            + timedelta(
                days=policy.upcoming_days - policy.birthday_days_after - policy.birthday_days_before
            )
        ).isoformat()
        for i, (lo, hi, md_lo, md_hi) in enumerate(self.birthdays):
            p[f"b_lo{i}"], p[f"b_hi{i}"] = lo, hi
            p[f"b_md_lo{i}"], p[f"b_md_hi{i}"] = md_lo, md_hi
        year_end = date(on.year, 12, 31)
        self.relocation = False
        if policy.relocation_yearly_visit and (year_end - on).days <= policy.relocation_notice_days:
            self.relocation = True
            p["year_start"] = date(on.year, 1, 1).isoformat()
        self.events = False
        self._first_arms: dict[str, bool] = {}
        self.all_current = False
        """Whether no summary row shows a visit after the day (:meth:`know_newest`):
        then the festival statements need not test it on each row."""

    def know_newest(self, newest: str | None) -> None:
        """Take the latest visit any summary row shows (:data:`NEWEST_VISIT`)."""
        self.all_current = newest is None or newest < self.params["next_day"]

    def owe_events(self, persons: Sequence[str]) -> None:
        """Make ``persons`` candidates: they are owed an event task (hospital,
        misfortune, condolence) not yet settled."""
        self.events = bool(persons)
        self.params.update(id_params("event_persons", persons))

    def events_sql(self) -> str:
        """Every live event of the scope that a rule may need, with the day of the visit
        that would settle it per the summary (``NULL`` when the summary is not current):
        recent hospital and misfortune events, recent deaths, and older deaths of
        persons not marked deceased, moved away nor removed (``visit_summary.live``;
        for the others an older death changes nothing: they are owed nothing but a
        condolence visit, listed only after a recent death, and the festival
        statements leave them out by their row). Each row ends with whether it is
        the death of a person the summary shows as live."""
        kinds = _placeholders("k", [k.value for k in _EVENT_KINDS], self.params)
        within = (
            self.scope and f"AND e.person_id IN (SELECT p.id FROM person p WHERE 1 {self.scope})"
        )
        return (
            "SELECT e.person_id, e.kind, e.happened_on,"
            f" CASE WHEN {_STALE} THEN NULL ELSE CASE e.kind"
            f" WHEN '{EventKind.HOSPITALISED.value}' THEN s.{VisitReason.HOSPITAL.value}_at"
            f" WHEN '{EventKind.MISFORTUNE.value}' THEN s.{VisitReason.MISFORTUNE.value}_at"
            f" WHEN '{EventKind.DECEASED.value}' THEN s.{VisitReason.CONDOLENCE.value}_at"
            " END END,"
            # a death of a person the summary shows as live: maybe not marked deceased yet
            f" e.kind = '{EventKind.DECEASED.value}' AND s.live IS NOT 0"
            # a whole scope scans the (small) table; a few sites seek their persons' events
            f" FROM person_event e {'' if self.scope else 'NOT INDEXED'}"
            " LEFT JOIN visit_summary s ON s.person_id = e.person_id"
            f" WHERE e.deleted = 0 AND e.kind IN ({kinds}) AND e.happened_on <= :on"
            # an older death only of a person the summary shows as live (not yet marked
            # deceased, moved or removed): it is what leaves them out; the first test
            # reads the event alone, so older events of other kinds are left before
            # their summary row is looked up
            " AND (e.happened_on >= :since OR e.kind = 'deceased')"
            " AND (e.happened_on >= :since OR s.live IS NOT 0)"
            f" {within}"
        )

    def count_sql(self, limit: int) -> str:
        """How many persons the scope holds, counted only as far as ``limit + 1``."""
        return (
            f"SELECT count(*) FROM (SELECT 1 FROM person p WHERE 1 {self.scope} LIMIT {limit + 1})"
        )

    def _live(self) -> str:
        """Persons who can owe a task: not removed, not moved away, and not deceased
        unless a recent death not yet settled is owed its condolence visit."""
        live = f"p.deleted = 0 AND p.status != 'moved' {self.scope}"
        if self.events:
            return f"{live} AND (p.status != 'deceased' OR p.id IN ({id_set('event_persons')}))"
        return f"{live} AND p.status != 'deceased'"

    def scan_sql(self) -> str:
        """Every person in scope read with their summary and filtered in SQL (a small
        scope): the candidates, as :data:`CANDIDATE_COLUMNS`."""
        return (
            f"SELECT {CANDIDATE_COLUMNS} FROM person p"
            " LEFT JOIN visit_summary s ON s.person_id = p.id"
            f" WHERE {self._live()} AND ({self._filter()})"
        )

    def seek_sql(self, part: Part = WHOLE) -> str:
        """The candidates found through the summary's and person's indexes (a large
        scope), read by primary key, as :data:`CANDIDATE_COLUMNS`: all of them, or
        (after :meth:`split_at`) those that may owe a task due by the split day
        (:data:`FIRST`) or the others (:data:`REST`; a person may be in both)."""
        return (
            f"SELECT {CANDIDATE_COLUMNS} FROM person p INDEXED BY ix_person_due"
            " LEFT JOIN visit_summary s ON s.person_id = p.id"
            f" WHERE p.id IN ({self._candidates(part)}) AND {self._live()}"
        )

    def earliest_dues(self, first: int) -> str:
        """The due dates (ISO text) of the ``first`` earliest tier and follow-up tasks
        of each kind that the summary shows for live persons, and the day itself once
        for each of up to ``first`` persons never visited: a guess of where the first
        ``first`` tasks of the list end, each part read in index order."""
        p, n = self.params, int(first)
        live = f"s.live = 1 {self.summary_scope}"
        tiers = ", ".join(f":tier_{t.value}" for t in Tier)  # ix_visit_summary_tier
        arms = []
        for t in Tier:
            p[f"days_{t.value}"] = f"+{self.rules.policy.tier_interval_days[t]} days"
            arms.append(
                f"SELECT date(s.last_at, :days_{t.value}) FROM visit_summary s"
                f" WHERE s.tier = :tier_{t.value} AND s.last_at < :next_day AND {live}"
                f" ORDER BY s.last_at LIMIT {n}"
            )
        p["fu_days"] = f"+{self.rules.policy.follow_up_default_days} days"
        arms += [
            "SELECT s.follow_up_due FROM visit_summary s WHERE s.follow_up_owed = 1"
            f" AND s.follow_up_due IS NOT NULL AND {_CURRENT} AND {live}"
            f" ORDER BY s.follow_up_due LIMIT {n}",
            "SELECT date(s.last_at, :fu_days) FROM visit_summary s WHERE s.follow_up_owed = 1"
            f" AND s.follow_up_due IS NULL AND s.last_at < :next_day AND {live}"
            f" ORDER BY s.last_at LIMIT {n}",
            f"SELECT :on FROM visit_summary s WHERE s.tier IN ({tiers}) AND s.last_at IS NULL"
            f" AND {live} LIMIT {n}",
        ]
        return " UNION ALL ".join(f"SELECT * FROM ({arm})" for arm in arms)

    def split_at(self, until: date) -> None:
        """Split the candidates at ``until``: :data:`FIRST` those who may owe a task due
        on or before it, :data:`REST` the others (see :meth:`seek_sql`). An arm whose
        tasks' due dates follow from the summary is cut in two ranges of its index;
        the others (persons whose summary is not current, owed an event task) are
        read whole in the first part, or in the rest when none of their tasks can
        be due by ``until`` (the never visited, birthdays, relocation residents)."""
        on, policy, p = self.rules.on, self.rules.policy, self.params
        after = (until + timedelta(days=1)).isoformat()
        for t in Tier:
            cut = (until - timedelta(days=policy.tier_interval_days[t] - 1)).isoformat()
            p[f"head_cut_{t.value}"] = min(p[f"cut_{t.value}"], cut)
        p["head_fu_cut"] = min(p["fu_cut"], after)
        default_cut = (until - timedelta(days=policy.follow_up_default_days - 1)).isoformat()
        p["head_fu_default_cut"] = min(p["fu_default_cut"], default_cut)
        # a never-visited person's tier task is due on the day; an event task (a
        # birthday's included) is listed until ``keep_overdue_days`` after its due date
        self._first_arms = {
            "never": until >= on,
            "born": until >= on - timedelta(days=policy.keep_overdue_days + 1),
            "relocation": until >= date(on.year, 12, 31),
        }

    def _born(self, person: str, summary: str | None) -> str:
        """Persons with a birthday task that may be listed and is not yet settled per
        their summary row ``summary`` (``None``: settled or not, for an index arm, where
        looking up each one's summary in birth-date order cost more than the few
        candidates it leaves out)."""
        born = " OR ".join(
            f"({person}.birth_date BETWEEN :b_lo{i} AND :b_hi{i}"
            f" AND substr({person}.birth_date, 6) BETWEEN :b_md_lo{i} AND :b_md_hi{i})"
            for i in range(len(self.birthdays))
        )
        if summary is None:
            return f"({born})"
        open_ = (
            f"{summary}.person_id IS NULL OR {summary}.last_at >= :next_day"
            f" OR {summary}.birthday_at IS NULL OR {summary}.birthday_at < :b_settled"
        )
        return f"(({born}) AND ({open_}))"

    def _filter(self) -> str:
        """A WHERE condition on ``p`` (person) and ``s`` (its summary row): some rule
        other than the festival visits may fire."""
        cut = " ".join(f"WHEN '{t.value}' THEN :cut_{t.value}" for t in Tier)
        fired = [
            _STALE,
            "s.last_at IS NULL",
            f"s.last_at < CASE p.tier {cut} END",
            "(s.follow_up_owed = 1 AND (s.follow_up_due < :fu_cut"
            " OR (s.follow_up_due IS NULL AND s.last_at < :fu_default_cut)))",
        ]
        if self.birthdays:
            fired.append(self._born("p", "s"))
        if self.events:
            fired.append(f"p.id IN ({id_set('event_persons')})")
        if self.relocation:
            fired.append(
                "(s.last_at < :year_start AND p.site_id IN "
                "(SELECT id FROM site WHERE kind = 'relocation'))"
            )
        return " OR ".join(fired)

    def _candidates(self, part: Part = WHOLE) -> str:
        """A query of candidate person ids through the indexes: the same conditions as
        :meth:`_filter`, one index range per arm (of ``part``, see :meth:`seek_sql`)."""
        tiers = ", ".join(f":tier_{t.value}" for t in Tier)
        summary = "SELECT person_id FROM visit_summary WHERE"
        arms = [
            f"{summary} tier = :tier_{t.value} AND {_part(part, 'last_at', f'cut_{t.value}')}"
            for t in Tier
        ]
        arms.append(f"{summary} follow_up_owed = 1 AND {_part(part, 'follow_up_due', 'fu_cut')}")
        arms.append(
            f"{summary} follow_up_owed = 1 AND follow_up_due IS NULL"
            f" AND {_part(part, 'last_at', 'fu_default_cut')}"
        )
        if part is not REST:  # read whole in the first part
            arms.append(f"{summary} tier IN ({tiers}) AND last_at >= :next_day")
            if self.events:
                arms.append(id_set("event_persons"))
        if self._arm(part, "never"):
            arms.append(f"{summary} tier IN ({tiers}) AND last_at IS NULL")
        if self.birthdays and self._arm(part, "born"):
            arms.append(f"SELECT b.id FROM person b WHERE {self._born('b', None)}")
        if self.relocation and self._arm(part, "relocation"):
            arms.append(
                "SELECT person_id FROM visit_summary"
                " WHERE site_id IN (SELECT id FROM site WHERE kind = 'relocation')"
                " AND last_at < :year_start"
            )
        return " UNION ALL ".join(arms)

    def _arm(self, part: Part, name: str) -> bool:
        """Whether the arm ``name``, read whole in one part, is read in ``part``."""
        if part is WHOLE:
            return True
        return self._first_arms[name] == (part is FIRST)

    def unmarked_dead(self, dead: Sequence[str]) -> str:
        """Of ``dead`` (persons with a recorded death), those that :meth:`_festival`
        must leave out by id: live rows whose status does not already leave them out
        (their death recorded, their status not yet changed). Usually none, and then
        the festival statements have no ``NOT IN`` to test on every row."""
        self.params.update(id_params("recorded_dead", dead))
        return (
            "SELECT p.id FROM person p"
            f" WHERE p.id IN ({id_set('recorded_dead')})"
            " AND p.deleted = 0 AND p.status NOT IN ('moved', 'deceased') ORDER BY p.id"
        )

    def festival_members(
        self, start: date, dead: Sequence[str], *, first: int | None = None
    ) -> str:
        """The persons who owe the festival visit whose window opens on ``start``, as
        person rows (id, name, code, site id, address).

        Those of the policy's festival tiers and categories, alive (``dead``: persons
        with a recorded death), whose summary is current and shows no festival visit
        since the window opened. Persons whose summary is not current are candidates
        and have their festival visits listed with their other tasks. ``first``: only
        the first so many by name and id.
        """
        order = f" ORDER BY p.name, p.id LIMIT {int(first)}" if first is not None else ""
        return (
            f"SELECT {_PERSON_ROW} FROM visit_summary s JOIN person p ON p.id = s.person_id"
            f" WHERE {self._festival(start, dead)}{order}"
        )

    def festival_first_counted(self, start: date, dead: Sequence[str], first: int) -> str:
        """The ``first`` persons of :meth:`festival_members` by name and id, each row
        ending with how many persons it lists in all (counted in the summary alone)."""
        return (
            f"SELECT {_PERSON_ROW}, ({self.festival_count(start, dead)})"
            " FROM visit_summary s JOIN person p ON p.id = s.person_id"
            f" WHERE {self._festival(start, dead)} ORDER BY p.name, p.id LIMIT {int(first)}"
        )

    def festival_count(self, start: date, dead: Sequence[str]) -> str:
        """How many persons :meth:`festival_members` lists (read from the summary
        alone)."""
        return f"SELECT count(*) FROM visit_summary s WHERE {self._festival(start, dead)}"

    def festival_sizes(self, start: date, dead: Sequence[str]) -> str:
        """How many persons :meth:`festival_members` lists, per site: rows of site id
        and count (read from the summary alone)."""
        # grouped by ``+s.site_id``: a scan of the summary, not ix_visit_summary_site
        # (each of its rows would be looked up in the table)
        return (
            f"SELECT s.site_id, count(*) FROM visit_summary s"
            f" WHERE {self._festival(start, dead)} GROUP BY +s.site_id"
        )

    def _festival(self, start: date, dead: Sequence[str]) -> str:
        """A condition on the summary row ``s`` alone (its copies of the person's tier,
        category, site and liveness, migration 0013): its person owes the festival
        visit opening on ``start``."""
        policy, p = self.rules.policy, self.params
        kinds = ""  # the policy's tiers and categories; none when it names them all
        if set(policy.festival_tiers) != set(TIERS):
            tiers = _placeholders("ft", sorted(t.value for t in policy.festival_tiers), p)
            kinds += f" AND s.tier IN ({tiers})"
        if set(policy.festival_categories) != set(CATEGORIES):
            positions = sorted(CATEGORIES.index(c) for c in policy.festival_categories)
            kinds += f" AND s.category IN ({', '.join(str(i) for i in positions)})"
        p["festival_start"] = start.isoformat()
        p.update(id_params("dead", dead))
        # a summary showing a visit after the day is not current: its person is a
        # candidate (tested only when some summary row shows one)
        current = "" if self.all_current else f" AND {_CURRENT}"
        return (
            f"s.live = 1 {self.summary_scope}{kinds}{current}"
            " AND (s.festival_at IS NULL OR s.festival_at < :festival_start)"
            + (f" AND s.person_id NOT IN ({id_set('dead')})" if dead else "")
        )
