"""A small county whose fourth quarter of 2026 is worked out by hand in the report tests.

Built through the store's write path (``store.write()`` sessions and the
``fieldkit.store.records`` functions the forms use), so every row has its outbox
entry like a real laptop's. Files are created on 2025-06-01 (the time in their
UUIDv7 id) unless said otherwise. Nobody has a milestone birthday near the quarter.

Quarter 2026Q4 = 2026-10-01 .. 2026-12-31; Double Ninth is 2026-10-18, so every
person owes a festival visit in [10-04, 10-17], due 10-17. The replay starts on
2026-09-17 (the quarter's start less the 14-day listing horizon).

Sites: 幸福安置点 (relocation), 石桥村 (village), 河东社区 (community, nobody
lives there), 旧村 (tombstoned, nothing).

幸福安置点
- A-1 张三 key tier, 离休: visits 03-01, 09-20, 10-10 festival (QR, 500.50 yuan,
  goods), 11-20 routine (typed code, follow-up "送轮椅" due 11-30), 12-31
  23:59:59 routine (QR, 120.00), 2027-01-01 00:00:00 routine (99.99, next quarter).
- A-2 李四 routine tier, resident: last visit 2025-10-05.
- A-3 王五 periodic tier, retired: visit 08-01; died 11-10; condolence visit
  11-14 (1000.00).
- A-4 赵六 routine tier, widow: lived at 石桥村 (visits 2025-12-01 and 10-08 routine
  QR 200.00, a legal consultation 10-09), moved to 幸福安置点 on 11-05 (a site
  change, status unchanged); visit 11-25 needs (goods).
- A-5 孔十一 routine tier, resident: never visited.

石桥村
- B-1 钱七 key tier, retired: visit 09-01; a festival visit 10-16 (800.00) voided;
  hospitalised 10-20; hospital visit 10-25 entered as 300.00, corrected to 250.50;
  discharged 10-28.
- B-2 孙八 routine tier, retired: visit 05-01; festival visit 10-12 (QR, 200.00);
  moved away 11-15.
- B-3 周九 routine tier, resident: file created 2026-11-02, never visited.
- B-4 吴十 routine tier, retired: visit 06-01; died 09-25; condolence visit 09-28.
- B-5 郑一: visit 10-05 routine (100.00), then the file was removed (tombstoned).

Consultations: A-4's (legal, 10-09, entered at 石桥村), a walk-in at 石桥村 on
12-31 (anti-fraud), walk-ins at 幸福安置点 on 09-30 and 2027-01-01, a voided one.
Teams: 爱晚志愿者 (幸福安置点: a talk 10-18, 90 min, 2 members, 45 reached; a
patrol 12-31, 120 min, 3 members; a talk 09-30), 银发护林队 (石桥村: a patrol 11-11,
60 min, 1 member, 12 reached; a voided one), a removed team with nothing.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Protocol

from sqlmodel import SQLModel

from fieldkit.domain.models import (
    Consultation,
    Person,
    ServiceActivity,
    Site,
    TeamMember,
    Visit,
    VolunteerTeam,
)
from fieldkit.domain.vocab import (
    ActivityKind,
    Category,
    Confirmation,
    ConsultTopic,
    EventKind,
    SiteKind,
    Tier,
    VisitReason,
)
from fieldkit.reports.kept import KeptFigures
from fieldkit.reports.model import ActivitiesRow, SiteRef, TeamRef
from fieldkit.reports.quarter import Quarter
from fieldkit.reports.source import SiteScope
from fieldkit.store import Store
from fieldkit.store.records import (
    ActivityInput,
    ConsultationInput,
    VisitInput,
    record_activity,
    record_consultation,
    record_status_event,
    record_visit,
)

__all__ = ["County", "D", "build_county", "id_at"]

D = date.fromisoformat
_rng = random.Random(11)


def id_at(moment: datetime) -> str:
    """A UUIDv7 whose time part is ``moment`` (UTC if naive)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    ms = int(moment.timestamp() * 1000)
    bits = _rng.getrandbits(74)
    n = (ms << 80) | (0x7 << 76) | ((bits >> 62) << 64) | (0b10 << 62) | (bits & ((1 << 62) - 1))
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_OLD = datetime(2025, 6, 1, 2, 0)


def at(day: str, clock: str = "10:00:00") -> datetime:
    """A local wall-clock time."""
    return datetime.combine(D(day), time.fromisoformat(clock))


class County:
    """The built store and the ids of its sites, persons and teams by their short names."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.ids: dict[str, str] = {}

    def __getitem__(self, key: str) -> str:
        return self.ids[key]


def _visit(store: Store, person: str, moment: datetime, reason: VisitReason, **kw: object) -> str:
    return record_visit(
        store,
        VisitInput(person_id=person, visited_at=moment, reason=reason, **kw),  # type: ignore[arg-type]
    ).id


def build_county(path: Path) -> County:
    """Build the county's store at ``path``."""
    store = Store(path)
    county = County(store)
    ids = county.ids
    with store.write() as s:
        sites = {
            "A": Site(id=id_at(_OLD), name="幸福安置点", kind=SiteKind.RELOCATION, county="古岚县"),
            "B": Site(id=id_at(_OLD), name="石桥村", kind=SiteKind.VILLAGE, county="古岚县"),
            "C": Site(id=id_at(_OLD), name="河东社区", kind=SiteKind.COMMUNITY, county="古岚县"),
            "D": Site(id=id_at(_OLD), name="旧村", kind=SiteKind.VILLAGE, county="古岚县",
                      deleted=True),
        }  # fmt: skip
        s.add_all(sites.values())
        s.flush()
        ids.update({f"site_{k}": v.id for k, v in sites.items()})
        a, b = sites["A"].id, sites["B"].id

        def person(code: str, name: str, site: str, tier: Tier, category: Category,
                   created: datetime = _OLD) -> Person:  # fmt: skip
            return Person(
                id=id_at(created), code=code, name=name, site_id=site, tier=tier,
                category=category, birth_date=D("1950-05-05"), address=f"{name}家",
                phone="1390000" + code.replace("-", "").replace("A", "1").replace("B", "2"),
            )  # fmt: skip

        people = {
            "A-1": person("A-1", "张三", a, Tier.KEY, Category.LIXIU),
            "A-2": person("A-2", "李四", a, Tier.ROUTINE, Category.RESIDENT),
            "A-3": person("A-3", "王五", a, Tier.PERIODIC, Category.RETIRED),
            "A-4": person("A-4", "赵六", b, Tier.ROUTINE, Category.WIDOW),
            "A-5": person("A-5", "孔十一", a, Tier.ROUTINE, Category.RESIDENT),
            "B-1": person("B-1", "钱七", b, Tier.KEY, Category.RETIRED),
            "B-2": person("B-2", "孙八", b, Tier.ROUTINE, Category.RETIRED),
            "B-3": person("B-3", "周九", b, Tier.ROUTINE, Category.RESIDENT,
                          created=datetime(2026, 11, 2, 1, 0)),
            "B-4": person("B-4", "吴十", b, Tier.ROUTINE, Category.RETIRED),
            "B-5": person("B-5", "郑一", b, Tier.ROUTINE, Category.RETIRED),
        }  # fmt: skip
        s.add_all(people.values())
        s.flush()
        ids.update({k: v.id for k, v in people.items()})

    v = VisitReason
    qr, code = Confirmation.QR, Confirmation.CODE
    # 幸福安置点
    _visit(store, ids["A-1"], at("2026-03-01"), v.ROUTINE)
    _visit(store, ids["A-1"], at("2026-09-20"), v.ROUTINE, confirmation=qr)
    ids["A-1 festival"] = _visit(
        store, ids["A-1"], at("2026-10-10", "09:00:00"), v.FESTIVAL,
        confirmation=qr, money_fen=50050, goods="月饼两盒",
    )  # fmt: skip
    _visit(
        store, ids["A-1"], at("2026-11-20", "14:00:00"), v.ROUTINE,
        confirmation=code, follow_up="送轮椅", follow_up_due=D("2026-11-30"),
    )  # fmt: skip
    ids["A-1 last second"] = _visit(
        store, ids["A-1"], at("2026-12-31", "23:59:59"), v.ROUTINE, confirmation=qr, money_fen=12000
    )
    ids["A-1 next quarter"] = _visit(
        store, ids["A-1"], at("2027-01-01", "00:00:00"), v.ROUTINE, money_fen=9999
    )
    _visit(store, ids["A-2"], at("2025-10-05"), v.ROUTINE)
    _visit(store, ids["A-3"], at("2026-08-01"), v.ROUTINE)
    record_status_event(store, ids["A-3"], EventKind.DECEASED, D("2026-11-10"))
    _visit(store, ids["A-3"], at("2026-11-14"), v.CONDOLENCE, money_fen=100000)
    # A-4 lived at 石桥村 until 11-05
    _visit(store, ids["A-4"], at("2025-12-01"), v.ROUTINE)
    _visit(store, ids["A-4"], at("2026-10-08"), v.ROUTINE, confirmation=qr, money_fen=20000)
    record_consultation(
        store,
        ConsultationInput(site_id=b, held_on=D("2026-10-09"), topic=ConsultTopic.LEGAL,
                          person_id=ids["A-4"], question="赡养纠纷"),
    )  # fmt: skip
    with store.write() as s:
        moved = s.get(Person, ids["A-4"])
        assert moved is not None
        moved.site_id = a
        moved.address = "幸福安置点 3 栋"
        s.add(moved)
    _visit(store, ids["A-4"], at("2026-11-25"), v.NEEDS, goods="米面油")
    # 石桥村
    _visit(store, ids["B-1"], at("2026-09-01"), v.ROUTINE)
    voided = _visit(store, ids["B-1"], at("2026-10-16"), v.FESTIVAL, money_fen=80000)
    record_status_event(store, ids["B-1"], EventKind.HOSPITALISED, D("2026-10-20"))
    corrected = _visit(store, ids["B-1"], at("2026-10-25"), v.HOSPITAL, confirmation=qr,
                       money_fen=30000)  # fmt: skip
    record_status_event(store, ids["B-1"], EventKind.DISCHARGED, D("2026-10-28"))
    _tombstone(store, Visit, voided)
    with store.write() as s:
        row = s.get(Visit, corrected)
        assert row is not None
        row.money_fen = 25050
        s.add(row)
    _visit(store, ids["B-2"], at("2026-05-01"), v.ROUTINE)
    _visit(store, ids["B-2"], at("2026-10-12"), v.FESTIVAL, confirmation=qr, money_fen=20000)
    record_status_event(store, ids["B-2"], EventKind.MOVED, D("2026-11-15"), new_value="县城")
    _visit(store, ids["B-4"], at("2026-06-01"), v.ROUTINE)
    record_status_event(store, ids["B-4"], EventKind.DECEASED, D("2026-09-25"))
    _visit(store, ids["B-4"], at("2026-09-28"), v.CONDOLENCE, money_fen=50000)
    _visit(store, ids["B-5"], at("2026-10-05"), v.ROUTINE, money_fen=10000)
    _tombstone(store, Person, ids["B-5"])

    # walk-in consultations
    for site, day, topic in (
        (b, "2026-12-31", ConsultTopic.ANTI_FRAUD),
        (a, "2026-09-30", ConsultTopic.HEALTH),
        (a, "2027-01-01", ConsultTopic.POLICY),
        (b, "2026-11-11", ConsultTopic.LEGAL),
    ):
        made = record_consultation(
            store,
            ConsultationInput(site_id=site, held_on=D(day), topic=topic,
                              walkin_name="过路群众", question="问题"),
        )  # fmt: skip
        if day == "2026-11-11":
            ids["voided consultation"] = made.id
    _tombstone(store, Consultation, ids["voided consultation"])

    # volunteer teams
    with store.write() as s:
        teams = {
            "T1": VolunteerTeam(id=id_at(_OLD), name="爱晚志愿者", site_id=a),
            "T2": VolunteerTeam(id=id_at(_OLD), name="银发护林队", site_id=b),
            "T3": VolunteerTeam(id=id_at(_OLD), name="已撤销队", site_id=b, deleted=True),
        }
        s.add_all(teams.values())
        s.flush()
        members = {
            f"m{i}": TeamMember(team_id=teams[team].id, site_id=teams[team].site_id, name=name)
            for i, team, name in ((1, "T1", "甲"), (2, "T1", "乙"), (3, "T1", "丙"),
                                  (4, "T2", "丁"))
        }  # fmt: skip
        s.add_all(members.values())
        s.flush()
        ids.update({k: t.id for k, t in teams.items()})
        ids.update({k: m.id for k, m in members.items()})
    for team, site, kind, day, minutes, who, reached in (
        ("T1", a, ActivityKind.TALK, "2026-10-18", 90, ("m1", "m2"), 45),
        ("T1", a, ActivityKind.PATROL, "2026-12-31", 120, ("m1", "m2", "m3"), 0),
        ("T1", a, ActivityKind.TALK, "2026-09-30", 60, ("m1",), 30),
        ("T2", b, ActivityKind.PATROL, "2026-11-11", 60, ("m4",), 12),
        ("T2", b, ActivityKind.TRAINING, "2026-11-12", 60, ("m4",), 50),
    ):
        made_activity = record_activity(
            store,
            ActivityInput(team_id=ids[team], site_id=site, kind=kind, held_on=D(day),
                          duration_minutes=minutes, attendee_ids=tuple(ids[m] for m in who),
                          people_reached=reached),
        )  # fmt: skip
        if kind is ActivityKind.TRAINING:
            ids["voided activity"] = made_activity.id
    _tombstone(store, ServiceActivity, ids["voided activity"])
    return county


def _tombstone(store: Store, model: type[SQLModel], row_id: str) -> None:
    """Void a record the way the store keeps deletions: ``deleted=True``."""
    with store.write() as s:
        row = s.get(model, row_id)
        assert row is not None
        row.deleted = True
        s.add(row)


class SiteRow(Protocol):
    """A row of a report table that may name a site."""

    @property
    def site(self) -> SiteRef | None: ...


def site_of(row: SiteRow) -> SiteRef:
    """The site of a per-site row of a table (only the totals row has none)."""
    assert row.site is not None, "a per-site row names its site"
    return row.site


def team_of(row: ActivitiesRow) -> TeamRef:
    """The team of a per-team row of the activities table (only the totals row has none)."""
    assert row.team is not None, "a per-team row names its team"
    return row.team


class Watching:
    """Mixed into a report source: remembers whom its last report replayed."""

    replayed: set[str]

    def kept(self, quarter: Quarter, key: str, sites: SiteScope) -> KeptFigures:
        """The source's kept figures, the persons to replay remembered."""
        found: KeptFigures = super().kept(quarter, key, sites)  # type: ignore[misc]
        self.replayed = {s.person_id for s in found.stale}
        return found
