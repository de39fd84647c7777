"""Computing the quarterly tables from a :class:`~fieldkit.reports.source.ReportSource`.

What each figure counts (every site: the person's current site, see the source):

- **persons served** (服务对象): live persons on the roster at some time in the
  quarter: their file existed by its last day (the time in its UUIDv7 id; an id
  without one counts as an old file), and they had not died or moved away before
  its first day (status from dated events, see :func:`fieldkit.reports.replay.status_on`).
  Counted by their current category and care tier. Of them, **new**: the file was
  created in the quarter (a roster imported in the quarter counts as new);
  **moved** and **deceased**: a "moved" or "deceased" event dated in the quarter.
- **visits** (走访): live visits with a time in the quarter, by reason; **persons
  visited**: persons with at least one; **card scanned**: visits confirmed by
  scanning the person's QR card (confirmation ``qr``).
- **care-plan visits due** (一人一策): see :mod:`fieldkit.reports.replay`.
- **relocation residents not visited** (安置点居民 12 个月未走访): persons served at
  the quarter's end (alive, not moved away) living at a relocation site, with no
  live visit in the twelve months ending with the quarter (the quarter and the
  three before it), named with their latest visit.
- **money and goods** (慰问金及物资): the money of the quarter's live visits in
  whole fen, by reason; persons handed money or goods; visits that handed over
  goods. A visit corrected later counts with its corrected amount; a voided
  (tombstoned) one does not count. The domain has no negative amounts.
- **consultations** (咨询): live consultations held in the quarter, by topic.
- **service activities** (志愿服务): per team (at the team's site), live activities
  held in the quarter by kind, members taking part (人次), people reached (人次),
  and volunteer time: each activity's minutes times its members taking part.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import date

from fieldkit.domain.careplan import Policy, TaskKind, default_policy
from fieldkit.domain.vocab import (
    ActivityKind,
    Category,
    ConsultTopic,
    SiteKind,
    Tier,
    VisitReason,
)
from fieldkit.reports.kept import (
    OUTCOME_COLUMNS,
    KeptFigures,
    PersonQuarter,
    StalePerson,
    TallyRow,
    UnvisitedRow,
    person_quarter,
    replay_key,
)
from fieldkit.reports.model import (
    ActivitiesRow,
    CarePlanKindRow,
    CarePlanSiteRow,
    ConsultationsRow,
    MoneyRow,
    Outcomes,
    PersonsRow,
    QuarterlyReport,
    Section,
    SiteRef,
    TeamRef,
    UnvisitedResident,
    VisitsRow,
    zero_counts,
)
from fieldkit.reports.quarter import Quarter, id_created_on
from fieldkit.reports.replay import Outcome, PersonHistory, Replay
from fieldkit.reports.source import (
    EventRow,
    ReportSource,
    SiteRow,
)
from sync.gcpause import gc_paused

__all__ = [
    "DEFAULT_BUREAU",
    "ReportError",
    "build_report",
    "bureau_name",
    "collation_key",
    "keep_rows",
]

DEFAULT_BUREAU = "老干部局"


def collation_key(name: str) -> bytes:
    """Sort key putting Chinese names in pinyin order: GB 18030 (as GB 2312 before it)
    orders the common characters by their pinyin; rarer ones follow by radical."""
    return name.encode("gb18030", errors="replace")


class ReportError(ValueError):
    """A report that cannot be made as asked (an unknown site)."""


def bureau_name(sites: Iterable[SiteRow]) -> str:
    """The bureau the tables are made for: ``<county>老干部局`` when every live site
    names the same county, else ``老干部局``."""
    counties = {s.county.strip() for s in sites if not s.deleted and s.county.strip()}
    if len(counties) == 1:
        return f"{counties.pop()}{DEFAULT_BUREAU}"
    return DEFAULT_BUREAU


class _Sites:
    """The sites the tables have rows for, and the scope handed to the source."""

    def __init__(self, rows: Sequence[SiteRow], only: str | None) -> None:
        self._refs = {s.id: SiteRef(s.id, s.name, s.kind) for s in rows}
        self.chosen: SiteRef | None = None
        if only is not None:
            chosen = self._refs.get(only)
            if chosen is None:
                raise ReportError(f"no site with id {only}")
            self.chosen = chosen
        self.scope: Collection[str] | None = None if only is None else (only,)
        self.listed = [
            self._refs[s.id] for s in rows if not s.deleted and (only is None or s.id == only)
        ]

    def ref(self, site_id: str) -> SiteRef:
        """A site by id; an id the store does not hold is shown as such."""
        found = self._refs.get(site_id)
        return found if found is not None else SiteRef(site_id, site_id, SiteKind.VILLAGE)

    def of_kind(self, kind: SiteKind) -> frozenset[str]:
        """The ids of the sites of one kind."""
        return frozenset(r.id for r in self._refs.values() if r.kind is kind)

    def rows_for(self, used: Iterable[str]) -> list[SiteRef]:
        """The live sites in scope and any other site with figures, by name."""
        refs = {r.id: r for r in self.listed}
        for site_id in used:
            if self.scope is None or site_id in self.scope:
                refs.setdefault(site_id, self.ref(site_id))
        return sorted(refs.values(), key=lambda r: (collation_key(r.name), r.id))


def _persons_section(tally: Iterable[TallyRow], sites: _Sites) -> Section[PersonsRow]:
    served: Counter[str] = Counter()
    by_category: dict[str, Counter[Category]] = defaultdict(Counter)
    by_tier: dict[str, Counter[Tier]] = defaultdict(Counter)
    new: Counter[str] = Counter()
    moved: Counter[str] = Counter()
    deceased: Counter[str] = Counter()
    for t in tally:
        if not t.served:
            continue
        site = t.site_id
        served[site] += t.served
        by_category[site][t.category] += t.served
        by_tier[site][t.tier] += t.served
        new[site] += t.new_file
        moved[site] += t.moved_away
        deceased[site] += t.deceased
    rows = tuple(
        PersonsRow(
            site=ref,
            served=served[ref.id],
            by_category={**zero_counts(Category), **by_category[ref.id]},
            by_tier={**zero_counts(Tier), **by_tier[ref.id]},
            new=new[ref.id],
            moved=moved[ref.id],
            deceased=deceased[ref.id],
        )
        for ref in sites.rows_for(served)
    )
    return Section(rows, PersonsRow.sum(rows))


def _visit_sections(
    source: ReportSource, quarter: Quarter, sites: _Sites
) -> tuple[Section[VisitsRow], Section[MoneyRow]]:
    figures = source.visit_figures(quarter, sites.scope)
    totals = figures.totals
    reach = {r.site_id: r for r in figures.reach}
    by_reason: dict[str, dict[VisitReason, int]] = defaultdict(lambda: zero_counts(VisitReason))
    fen: dict[str, dict[VisitReason, int]] = defaultdict(lambda: zero_counts(VisitReason))
    scanned: Counter[str] = Counter()
    goods: Counter[str] = Counter()
    for t in totals:
        by_reason[t.site_id][t.reason] += t.visits
        fen[t.site_id][t.reason] += t.fen
        scanned[t.site_id] += t.card_scanned
        goods[t.site_id] += t.goods_visits
    visits: list[VisitsRow] = []
    money: list[MoneyRow] = []
    for ref in sites.rows_for([*by_reason, *reach]):
        got = reach.get(ref.id)
        visited, given = (got.persons_visited, got.persons_given) if got else (0, 0)
        visits.append(VisitsRow(ref, by_reason[ref.id], visited, scanned[ref.id]))
        money.append(MoneyRow(ref, fen[ref.id], given, goods[ref.id]))
    return (
        Section(tuple(visits), VisitsRow.sum(visits)),
        Section(tuple(money), MoneyRow.sum(money)),
    )


def _replayed(
    source: ReportSource, replay: Replay, sites: _Sites, stale: Sequence[StalePerson] | None
) -> tuple[list[PersonQuarter], list[UnvisitedRow]]:
    """The figures of the persons to replay (``None``: every person in scope, at version 0),
    and those of them left unvisited, with their files."""
    quarter = replay.quarter
    versions = None if stale is None else {s.person_id: s.version for s in stale}
    if versions is not None and not versions:
        return [], []
    only = None if versions is None or len(versions) > _BY_ID else versions
    persons = source.persons(sites.scope, only)
    if versions is not None and only is None:
        persons = [p for p in persons if p.id in versions]
    events: dict[str, list[EventRow]] = defaultdict(list)
    for event in source.events(quarter.end, sites.scope, only):
        events[event.person_id].append(event)
    recent = source.visits_between(replay.start, quarter.next_start, sites.scope, only)
    earlier = source.latest_visits_before(replay.start, sites.scope, only)
    relocation = sites.of_kind(SiteKind.RELOCATION)
    end, new = quarter.end, tuple.__new__  # many thousands: skip the named tuple's __new__
    out, unvisited = [], []
    for p in persons:
        made = id_created_on(p.id)
        mine = events.get(p.id, ())
        moved_here = p.site_id in relocation
        history = None
        if made is None or made <= end:
            history = new(PersonHistory, (
                p, moved_here, made, mine, earlier.get(p.id), recent.get(p.id, ()),
            ))  # fmt: skip
        version = 0 if versions is None else versions[p.id]
        one = person_quarter(p, mine, made, history, replay, version, moved_here)
        out.append(one)
        if one.unvisited:
            unvisited.append(
                UnvisitedRow(p.id, p.code, p.name, p.address, p.phone, p.site_id, one.last_visit)
            )
    return out, unvisited


_BY_ID = 10_000
"""Up to this many persons to replay are read by id; more, with their whole scope."""


def _care_sections(
    tally: Iterable[TallyRow], sites: _Sites
) -> tuple[Section[CarePlanSiteRow], Section[CarePlanKindRow]]:
    columns: dict[str, list[int]] = {}  # per site with a due visit, each column summed
    for t in tally:
        if not any(t.outcomes):
            continue
        summed = columns.get(t.site_id)
        if summed is None:
            columns[t.site_id] = list(t.outcomes)
        else:
            for i, n in enumerate(t.outcomes):
                summed[i] += n
    per_site: dict[str, Outcomes] = defaultdict(Outcomes)
    per_kind: dict[TaskKind, Outcomes] = defaultdict(Outcomes)
    for site_id, summed in columns.items():
        for (kind, outcome, _), n in zip(OUTCOME_COLUMNS, summed, strict=True):
            if not n:
                continue
            one = Outcomes(
                on_time=n if outcome is Outcome.ON_TIME else 0,
                late=n if outcome is Outcome.LATE else 0,
                missed=n if outcome is Outcome.MISSED else 0,
            )
            per_site[site_id] += one
            per_kind[kind] += one
    by_site = tuple(
        CarePlanSiteRow(ref, per_site.get(ref.id, Outcomes())) for ref in sites.rows_for(per_site)
    )
    by_kind = tuple(CarePlanKindRow(kind, per_kind.get(kind, Outcomes())) for kind in TaskKind)
    return (
        Section(by_site, CarePlanSiteRow.sum(by_site)),
        Section(by_kind, CarePlanKindRow.sum(by_kind)),
    )


def _unvisited(listed: Iterable[UnvisitedRow], sites: _Sites) -> tuple[UnvisitedResident, ...]:
    out = [
        UnvisitedResident(
            sites.ref(u.site_id), u.person_id, u.code, u.name, u.address, u.phone, u.last_visit
        )
        for u in listed
    ]
    out.sort(key=lambda r: (collation_key(r.site.name), r.site.id, r.code, r.person_id))
    return tuple(out)


def _consultations(
    source: ReportSource, quarter: Quarter, sites: _Sites
) -> Section[ConsultationsRow]:
    counts: dict[str, dict[ConsultTopic, int]] = defaultdict(lambda: zero_counts(ConsultTopic))
    for c in source.consultation_counts(quarter, sites.scope):
        counts[c.site_id][c.topic] += c.consultations
    rows = tuple(ConsultationsRow(ref, counts[ref.id]) for ref in sites.rows_for(counts))
    return Section(rows, ConsultationsRow.sum(rows))


def _activities(source: ReportSource, quarter: Quarter, sites: _Sites) -> Section[ActivitiesRow]:
    teams = {t.id: t for t in source.teams(sites.scope)}
    by_kind: dict[str, dict[ActivityKind, int]] = defaultdict(lambda: zero_counts(ActivityKind))
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for a in source.activity_counts(quarter, sites.scope):
        by_kind[a.team_id][a.kind] += a.activities
        team_sums = sums[a.team_id]
        team_sums[0] += a.volunteer_times
        team_sums[1] += a.people_reached
        team_sums[2] += a.volunteer_minutes
    shown = [t for t in teams.values() if not t.deleted or t.id in by_kind]
    refs = [TeamRef(t.id, t.name, sites.ref(t.site_id)) for t in shown]
    refs.sort(key=lambda r: (collation_key(r.site.name), r.site.id, collation_key(r.name), r.id))
    rows = tuple(ActivitiesRow(ref, by_kind[ref.id], *sums[ref.id]) for ref in refs)
    return Section(rows, ActivitiesRow.sum(rows))


def build_report(
    source: ReportSource,
    quarter: Quarter,
    *,
    site_id: str | None = None,
    policy: Policy | None = None,
    bureau: str | None = None,
    made_on: date | None = None,
    money_hidden: bool = False,
    exact_replay: bool = False,
) -> QuarterlyReport:
    """The quarterly tables of ``quarter`` over every site of ``source`` (or ``site_id``).

    ``policy`` is the county's care-plan policy (the shipped one by default);
    ``bureau`` names the bureau in the title (by default from the sites' county);
    ``made_on`` is the day the tables are made (today by default); ``money_hidden``
    marks a source that never received money figures (a volunteer's laptop);
    ``exact_replay`` asks the care-plan engine after every day of visits (slower; the
    figures are the same, see :class:`fieldkit.reports.replay.Replay`).
    Raises :class:`ReportError` for a site id the source does not hold.

    The cyclic garbage collector is paused meanwhile: a large scope makes hundreds of
    thousands of small rows that live until the tables are done, and the collector
    would walk them again and again (about a third of the time at HQ's size).
    """
    with gc_paused():
        return _build(source, quarter, site_id, policy, bureau, made_on, money_hidden,
                      exact_replay)  # fmt: skip


def _build(
    source: ReportSource,
    quarter: Quarter,
    site_id: str | None,
    policy: Policy | None,
    bureau: str | None,
    made_on: date | None,
    money_hidden: bool,
    exact_replay: bool,
) -> QuarterlyReport:
    """:func:`build_report` itself: the kept figures still valid, the persons replayed
    instead (all of them for ``exact_replay``, which keeps nothing), then the rest in SQL.
    The persons replayed are kept for the next report once the tables are made."""
    replay = Replay(quarter, policy or default_policy(), exact=exact_replay)
    key = replay_key(replay.policy)
    with source.reading():
        site_rows = source.sites()
        sites = _Sites(site_rows, site_id)
        kept, fresh, fresh_unvisited = _kept_and_replayed(source, replay, key, sites)
        tally = [*kept.tally, *map(TallyRow.of, fresh)]
        visits, money = _visit_sections(source, quarter, sites)
        care_by_site, care_by_kind = _care_sections(tally, sites)
        report = QuarterlyReport(
            bureau=bureau or bureau_name(site_rows),
            quarter=quarter,
            site=sites.chosen,
            made_on=made_on or date.today(),
            persons=_persons_section(tally, sites),
            visits=visits,
            care_by_site=care_by_site,
            care_by_kind=care_by_kind,
            unvisited=_unvisited([*kept.unvisited, *fresh_unvisited], sites),
            money=money,
            consultations=_consultations(source, quarter, sites),
            activities=_activities(source, quarter, sites),
            money_hidden=money_hidden,
        )
    if not exact_replay:
        source.keep(quarter, key, fresh)
    return report


def _kept_and_replayed(
    source: ReportSource, replay: Replay, key: str, sites: _Sites
) -> tuple[KeptFigures, list[PersonQuarter], list[UnvisitedRow]]:
    """The kept figures still valid at ``sites`` and the persons replayed instead, with
    those of them left unvisited (every person for an exact replay, nothing kept)."""
    if replay.exact:
        return KeptFigures((), (), ()), *_replayed(source, replay, sites, None)
    kept = source.kept(replay.quarter, key, sites.scope)
    return kept, *_replayed(source, replay, sites, kept.stale)


def keep_rows(source: ReportSource, quarter: Quarter, policy: Policy | None = None) -> int:
    """Bring the kept figures of ``quarter`` under ``policy`` current over every site of
    ``source``, as :func:`build_report` does before and after making the tables, without
    making them: the persons without a valid kept row are replayed and their rows stored
    (with the mark of a report over every site, where the source keeps one). How many
    persons were replayed (0: the rows were current already)."""
    with gc_paused():
        replay = Replay(quarter, policy or default_policy())
        key = replay_key(replay.policy)
        with source.reading():
            sites = _Sites(source.sites(), None)
            _kept, fresh, _unvisited = _kept_and_replayed(source, replay, key, sites)
        source.keep(quarter, key, fresh)
        return len(fresh)
