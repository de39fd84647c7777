"""The console's due list read through the candidates (``fieldkit.console.candidates``)
holds exactly the tasks of the care-plan engine run over every person HQ holds.

On SQLite and PostgreSQL, HQ gets a small invented county (written through the real
write path with the push hook) and hand-made persons for the edge cases: a hospital
stay, a bereavement with and without the condolence visit, an old death, milestone
and great-age birthdays (one born on 29 February), follow-ups with and without a due
day, a voided visit, a site move, a relocation resident, a person moved away, the
tier intervals' edges and a visit after the listed day. On many days (festival
windows, birthdays, the relocation notice, the turn of the year) the candidate path
gives the same persons, tasks (kind, due day, state, reason) and per-site counts as
the engine over everyone, and the persons it leaves out are owed nothing.

The candidates are read from the summaries' copies of the persons' columns and the
never-visited marks (migration h0006): after tiers (one to an unknown slug), statuses
and sites change, a person is removed and a never-visited person gets a visit, the
copies and marks are what a refill makes and the tasks are still those of everyone;
the migration, run on that projection, makes the same copies and marks.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from fieldkit.console import figures, records
from fieldkit.domain.careplan import DayRules, Task, default_policy
from fieldkit.domain.models import Person, PersonEvent, Site, Visit
from fieldkit.domain.vocab import Category, EventKind, SiteKind, Status, Tier, VisitReason
from fieldkit.hq.projection import migrate_projection
from fieldkit.hq.projection import tables as pt
from fieldkit.hq.projection.migrate import CHAIN
from fieldkit.hq.projection.summary import refill
from fieldkit.hq.writes import HqEdit, wire_row, write_edits
from fieldkit.sampledata.county import VISIT_COLUMNS, CountyGenerator
from fieldkit.store.outbox import synced_columns
from fieldkit.store.wire import to_wire
from sync.server.db import write_begin
from tests.support.store_revisions import projection_down_to

ON = date(2026, 11, 1)


def _id(n: int) -> str:
    return f"01900000-{n:04d}-7000-8000-000000000000"


def _write(engine: Engine, edits: list[HqEdit]) -> None:
    with write_begin(engine) as conn:
        write_edits(conn, edits)


def _new(obj: Any) -> HqEdit:
    return HqEdit(obj.__tablename__, obj.id, wire_row(obj))


def _generated(engine: Engine) -> None:
    """A small invented county, as its laptops would push it."""
    gen = CountyGenerator(persons=240, visits=2400)
    edits: list[HqEdit] = []
    for model, rows in ((Site, gen.sites), (Person, gen.persons), (PersonEvent, gen.events)):
        cols = synced_columns(model)
        edits += [
            HqEdit(str(model.__tablename__), r["id"], {c: to_wire(r[c]) for c in cols})
            for r in rows
        ]
    _write(engine, edits)
    at = {c: i for i, c in enumerate(VISIT_COLUMNS)}
    for batch in gen.iter_visit_values(1000):
        visits = []
        for v in batch:
            data = {c: v[i] for c, i in at.items() if c != "id"}
            data["visited_at"] = str(data["visited_at"]).replace(" ", "T")[:19]
            data["deleted"] = bool(data["deleted"])
            visits.append(HqEdit("visit", v[0], data))
        _write(engine, visits)


def _edge_cases(engine: Engine) -> None:
    """Hand-made persons at two sites (one a relocation site), then corrections."""
    village, camp = _id(1), _id(2)
    n = iter(range(10, 1000))

    def person(tier: Tier = Tier.KEY, **more: Any) -> Person:
        pid = _id(next(n))
        fields: dict[str, Any] = {"site_id": village, "category": Category.RETIRED, **more}
        return Person(id=pid, code=pid[9:13], name=f"p{pid[9:13]}", tier=tier, **fields)

    def visit(who: Person, at: datetime, reason: VisitReason = VisitReason.ROUTINE,
              **more: Any) -> Visit:  # fmt: skip
        return Visit(id=_id(next(n)), person_id=who.id, site_id=who.site_id, visited_at=at,
                     reason=reason, **more)  # fmt: skip

    def event(who: Person, kind: EventKind, day: date) -> PersonEvent:
        return PersonEvent(id=_id(next(n)), person_id=who.id, site_id=who.site_id, kind=kind,
                           happened_on=day)  # fmt: skip

    hospital = person(status=Status.HOSPITALISED)
    bereaved = person(status=Status.DECEASED)
    consoled = person(status=Status.DECEASED)
    long_dead = person(status=Status.DECEASED)
    octo = person(Tier.ROUTINE, birth_date=date(1946, 11, 10))
    leap = person(Tier.ROUTINE, birth_date=date(1936, 2, 29))
    great = person(Tier.ROUTINE, birth_date=date(1920, 11, 20), category=Category.WIDOW)
    followed = person(Tier.PERIODIC)
    dated = person(Tier.PERIODIC)
    voided = person(Tier.KEY)
    mover = person(Tier.PERIODIC)
    resident = person(Tier.ROUTINE, site_id=camp)
    gone = person(status=Status.MOVED)
    never = person(Tier.ROUTINE)
    ahead = person(Tier.KEY)
    edges = [person(tier) for tier in Tier for _ in range(3)]
    everyone = [hospital, bereaved, consoled, long_dead, octo, leap, great, followed, dated,
                voided, mover, resident, gone, never, ahead, *edges]  # fmt: skip
    visits = [
        visit(hospital, datetime(2026, 10, 20, 9)),
        visit(bereaved, datetime(2026, 9, 1, 9)),
        visit(consoled, datetime(2026, 10, 29, 15), VisitReason.CONDOLENCE),
        visit(octo, datetime(2026, 10, 2, 9), VisitReason.FESTIVAL),
        visit(leap, datetime(2026, 3, 3, 9), VisitReason.BIRTHDAY),
        visit(great, datetime(2025, 11, 25, 9), VisitReason.BIRTHDAY),
        visit(followed, datetime(2026, 10, 25, 11), follow_up="bring the forms"),
        visit(
            dated,
            datetime(2026, 9, 10, 11),
            follow_up="call the son",
            follow_up_due=date(2026, 11, 20),
        ),
        visit(voided, datetime(2026, 10, 30, 10)),
        visit(voided, datetime(2026, 8, 1, 10)),
        visit(mover, datetime(2026, 5, 5, 10)),
        visit(resident, datetime(2025, 12, 20, 10)),
        visit(gone, datetime(2026, 1, 1, 10)),
        visit(ahead, datetime(2026, 10, 1, 10)),
        visit(ahead, datetime(2026, 11, 3, 10), VisitReason.FESTIVAL, follow_up="later"),
    ]
    # last visits either side of each tier's cut on ON (interval + horizon)
    policy = default_policy()
    for i, p in enumerate(edges):
        back = policy.tier_interval_days[p.tier] - policy.upcoming_days + (i % 3) - 1
        visits.append(visit(p, datetime.combine(ON - timedelta(days=back), datetime.min.time())))
    events = [
        event(hospital, EventKind.HOSPITALISED, date(2026, 10, 28)),
        event(bereaved, EventKind.DECEASED, date(2026, 10, 27)),
        event(consoled, EventKind.DECEASED, date(2026, 10, 26)),
        event(long_dead, EventKind.DECEASED, date(2025, 3, 1)),
        event(octo, EventKind.MISFORTUNE, date(2026, 6, 1)),
    ]
    _write(engine, [
        _new(Site(id=village, name="石桥村", kind=SiteKind.VILLAGE)),
        _new(Site(id=camp, name="幸福安置点", kind=SiteKind.RELOCATION)),
        *(_new(x) for x in (*everyone, *visits, *events)),
    ])  # fmt: skip
    voided_latest = next(v for v in visits if v.person_id == voided.id)
    _write(engine, [
        HqEdit("visit", voided_latest.id, {"deleted": True}),
        HqEdit("person", mover.id, {"site_id": camp}),
    ])  # fmt: skip


def _everyone(engine: Engine, rules: DayRules) -> dict[str, list[Task]]:
    """The engine over every person HQ holds (the facts of all, as before)."""
    with engine.connect() as conn:
        relocation = records.relocation_site_ids(records.sites(conn))
        facts = records.care_facts(conn, rules.on, relocation)
    found = {f.person_id: rules.tasks(f) for f in facts.persons}
    return {pid: tasks for pid, tasks in found.items() if tasks}


DAYS = [
    ON,
    date(2026, 1, 20),  # Spring Festival 2026 (17 Feb) window ahead
    date(2026, 2, 10),
    date(2026, 2, 26),  # the leap-day birthday, 90 this year
    date(2026, 6, 25),  # 1 July
    date(2026, 9, 25),  # National Day
    date(2026, 10, 10),  # Double Ninth (18 October)
    date(2026, 10, 28),
    date(2026, 11, 3),
    date(2026, 11, 15),
    date(2026, 11, 28),
    date(2026, 12, 1),
    date(2026, 12, 31),
    date(2027, 1, 10),
    date(2027, 2, 1),
    *(ON + timedelta(days=d) for d in range(-120, 120, 9)),
]


def _same_tasks(engine: Engine, days: list[date]) -> Counter[str]:
    """On each of ``days`` the candidates give the tasks and counts of everyone; the
    tasks per kind."""
    hq_db = engine
    policy = default_policy()
    kinds: Counter[str] = Counter()
    for on in days:
        rules = DayRules(on, policy)
        expected = _everyone(hq_db, rules)
        with hq_db.connect() as conn:
            relocation = frozenset(records.relocation_site_ids(records.sites(conn)))
            facts = records.care_facts(conn, on, relocation)
            view = figures._computed(conn, on, rules, relocation, {})
        assert view.by_person == expected, on
        due: Counter[tuple[str, Any]] = Counter()
        for tasks in expected.values():
            for task in tasks:
                kinds[task.kind.value] += 1
                if task.state in figures.DUE_STATES:
                    due[(task.site_id, task.kind)] += 1
        assert view.due == due, on
        for pid in expected:
            assert view.tiers[pid] == facts.tiers[pid]
    return kinds


def test_candidates_give_the_tasks_of_everyone(hq_db: Engine) -> None:
    _generated(hq_db)
    _edge_cases(hq_db)
    kinds = _same_tasks(hq_db, DAYS)
    # the days reached every kind of task
    assert set(kinds) == {
        "tier", "follow_up", "hospital", "birthday", "festival", "condolence", "misfortune",
        "relocation_yearly",
    }, kinds  # fmt: skip


def _persons(engine: Engine) -> list[tuple[str, str, str]]:
    """Every person's id, tier and status, by id."""
    c = pt.person.c
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(c.id, c.tier, c.status).order_by(c.id))]


def _changed(engine: Engine) -> tuple[str, str]:
    """After the projection was filled: tiers, statuses and sites changed (one tier to
    a slug the engine does not know, read as routine), a person removed, a visit
    given to a person never visited before; the ids of the removed and that person."""
    held = _persons(engine)
    ids = [pid for pid, _tier, _status in held]
    tiers = {pid: tier for pid, tier, _status in held}
    flip = {Tier.KEY.value: Tier.ROUTINE, Tier.ROUTINE.value: Tier.KEY}
    edits = [
        HqEdit("person", pid, {"tier": flip.get(tiers[pid], Tier.KEY).value}) for pid in ids[0:60]
    ]
    edits += [HqEdit("person", pid, {"status": Status.DECEASED.value}) for pid in ids[60:70]]
    edits += [HqEdit("person", pid, {"status": Status.MOVED.value}) for pid in ids[70:80]]
    edits += [HqEdit("person", pid, {"site_id": _id(2)}) for pid in ids[80:110]]
    edits += [HqEdit("person", pid, {"tier": "vip"}) for pid in ids[110:115]]
    edits.append(HqEdit("person", ids[115], {"deleted": True}))
    _write(engine, edits)
    never = next(pid for pid in ids if pid != ids[115] and not _summarised(engine, pid))
    visit = Visit(id=_id(999), person_id=never, site_id=_site_of(engine, never),
                  visited_at=datetime(2025, 1, 5, 10), reason=VisitReason.ROUTINE)  # fmt: skip
    _write(engine, [_new(visit)])
    return ids[115], never


def _summarised(engine: Engine, person: str) -> bool:
    s = pt.visit_summary.c
    with engine.connect() as conn:
        return conn.execute(select(s.person_id).where(s.person_id == person)).first() is not None


def _site_of(engine: Engine, person: str) -> str:
    c = pt.person.c
    with engine.connect() as conn:
        return str(conn.execute(select(c.site_id).where(c.id == person)).scalar_one())


def _copies(engine: Engine) -> list[tuple[Any, ...]]:
    """The summaries with their copies of the persons' columns, and the marks."""
    s, c = pt.visit_summary.c, pt.person.c
    with engine.connect() as conn:
        summaries = conn.execute(select(pt.visit_summary).order_by(s.person_id)).all()
        marks = conn.execute(select(c.id, c.never_visited).order_by(c.id)).all()
    return [tuple(r) for r in (*summaries, *marks)]


def _refilled(engine: Engine) -> list[tuple[Any, ...]]:
    """:func:`_copies` as a refill makes them (rolled back)."""
    with engine.connect() as conn, conn.begin() as tx:
        refill(conn)
        s, c = pt.visit_summary.c, pt.person.c
        summaries = conn.execute(select(pt.visit_summary).order_by(s.person_id)).all()
        marks = conn.execute(select(c.id, c.never_visited).order_by(c.id)).all()
        tx.rollback()
    return [tuple(r) for r in (*summaries, *marks)]


def test_candidates_follow_changes_of_persons_and_the_migration(hq_db: Engine) -> None:
    _generated(hq_db)
    _edge_cases(hq_db)
    removed, visited = _changed(hq_db)
    kept = _copies(hq_db)
    assert kept == _refilled(hq_db)
    s, c = pt.visit_summary.c, pt.person.c
    with hq_db.connect() as conn:
        copies = dict(conn.execute(select(s.person_id, s.status)).all())
        marks = dict(conn.execute(select(c.id, c.never_visited)).all())
        tiers = dict(conn.execute(select(s.person_id, s.tier)).all())
    assert removed in copies
    assert copies[removed] is None, "a removed person's copies are emptied"
    assert visited in copies
    assert marks[visited] is False
    assert {pid for pid, never in marks.items() if never} == set(marks) - set(copies)
    assert "vip" in tiers.values()
    assert Status.MOVED.value in copies.values()
    days = [ON, date(2026, 9, 25), date(2026, 12, 1), date(2026, 11, 15), date(2027, 1, 10)]
    _same_tasks(hq_db, days)
    # the migration that adds the copies and marks, on a projection already filled
    projection_down_to(hq_db, "h0005")
    assert CHAIN.current_revision(hq_db) == "h0005"
    migrate_projection(hq_db)
    assert CHAIN.current_revision(hq_db) == "h0006"
    assert _copies(hq_db) == kept
    _same_tasks(hq_db, days)
