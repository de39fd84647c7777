"""A deterministic generator of an invented county: sites, staff, persons, history.

:class:`CountyGenerator` makes rows (plain dicts keyed by column name, Python
values) for every synced table from a seed and a size. The same seed and size
always give the same rows, ids included: ids are UUIDv7 strings whose time part
is the record's own date and whose random part comes from the seeded generator.
All dates are relative to a fixed anchor date, never to today.

Persons, staff, teams and events are built up front (a few hundred bytes per
person); visits are streamed in batches so a million of them never sit in memory.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from lunardate import LunarDate

from fieldkit.domain.ids import encode_id
from fieldkit.sampledata import words

__all__ = ["ANCHOR", "DEFAULT_SEED", "VISIT_COLUMNS", "CountyGenerator", "PersonPlan", "Row"]

ANCHOR = date(2026, 11, 1)
"""The demo's "today": a year of history ends the day before it."""

DEFAULT_SEED = 2026

VISIT_COLUMNS = (
    "id", "person_id", "site_id", "reason", "visited_at", "visitors", "people_present",
    "confirmation", "needs", "services", "money_fen", "goods", "follow_up", "follow_up_due",
    "notes", "card_scanned_at", "card_issue", "recorded_by", "deleted",
)  # fmt: skip
"""The order of the values of :meth:`CountyGenerator.iter_visit_values`."""

Row = dict[str, Any]
T = TypeVar("T")

_EPOCH = date(1970, 1, 1)
_SURNAME_LIST = (*tuple(words.SURNAMES.replace("欧阳", "")), "欧阳")
_NOT_ALONE = tuple(f for f in words.FAMILY if "独居" not in f)
_REGION = "990101"  # not a real region code: invented ID numbers can never be real ones


@dataclass(slots=True)
class PersonPlan:
    """What the visit generator needs to know about one person."""

    id: str
    code: str
    site_id: str
    site_index: int
    category: str
    tier: str
    birth: date
    party_member: bool
    hardship: bool
    contact_name: str
    end: date
    events: list[tuple[str, date]] = field(default_factory=list)
    quota: int = 0


def _pick(rng: random.Random, seq: Sequence[T]) -> T:
    """``rng.choice`` for hot loops: one float draw instead of rejection sampling."""
    return seq[int(rng.random() * len(seq))]


def _uuid7(rng: random.Random, day: date, seconds: int = 0) -> str:
    ms = ((day - _EPOCH).days * 86_400 + seconds) * 1000 + rng.getrandbits(10)
    bits = rng.getrandbits(74)
    n = (ms << 80) | (0x7 << 76) | ((bits >> 62) << 64) | (0b10 << 62) | (bits & ((1 << 62) - 1))
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _id_number(rng: random.Random, birth: date, female: bool) -> str:
    seq = rng.randrange(0, 50) * 10 + rng.randrange(0, 5) * 2 + (0 if female else 1)
    body = f"{_REGION}{birth:%Y%m%d}{seq:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    return body + check


def _birthday_in(year: int, birth: date) -> date:
    try:
        return birth.replace(year=year)
    except ValueError:  # 29 February
        return date(year, 2, 28)


def _unit(unit: str) -> str:
    return words.COUNTY + (unit[1:] if unit.startswith("县") else unit)


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


class CountyGenerator:
    """Rows of an invented county of ``persons`` persons and ``visits`` visits.

    Build order: :meth:`sites`, :meth:`staff`, :meth:`persons`, :meth:`events`,
    :meth:`teams`, :meth:`members` are lists made on construction; visits come
    from :meth:`iter_visits`; :meth:`consultations` and :meth:`activities` are
    made on demand. Everything depends only on the arguments.
    """

    def __init__(
        self,
        *,
        persons: int = 300,
        visits: int = 2000,
        seed: int = DEFAULT_SEED,
        anchor: date = ANCHOR,
    ) -> None:
        if persons < 1 or visits < 0:
            raise ValueError("persons must be at least 1 and visits not negative")
        self.n_persons = persons
        self.n_visits = visits
        self.seed = seed
        self.anchor = anchor
        self.start = anchor - timedelta(days=365)
        self.end = anchor - timedelta(days=1)
        self.festivals = self._festivals()
        self.sites: list[Row] = []
        self.staff: list[Row] = []
        self.persons: list[Row] = []
        self.events: list[Row] = []
        self.teams: list[Row] = []
        self.members: list[Row] = []
        self.plans: list[PersonPlan] = []
        self._staff_by_site: list[list[Row]] = []
        self._build_sites()
        self._build_staff_and_persons()
        self._build_teams()
        self._assign_quotas()

    # -- helpers -------------------------------------------------------------------

    def _rng(self, stream: str) -> random.Random:
        return random.Random(f"fieldkit-sampledata/{self.seed}/{stream}")

    def _festivals(self) -> dict[str, date]:
        found: dict[str, date] = {}
        for year in (self.anchor.year - 1, self.anchor.year):
            candidates = {
                "spring": LunarDate(year, 1, 1).to_solar_date(),
                "july1": date(year, 7, 1),
                "national": date(year, 10, 1),
                "double_ninth": LunarDate(year, 9, 9).to_solar_date(),
            }
            for key, day in candidates.items():
                if self.start + timedelta(days=14) <= day <= self.end:
                    found[key] = day
        return found

    def _day_between(self, rng: random.Random, first: date, last: date) -> date:
        span = (last - first).days
        return first + timedelta(days=rng.randint(0, span)) if span > 0 else first

    def _name(self, rng: random.Random, female: bool, yi: bool = False) -> str:
        if yi:
            return rng.choice(words.YI_SURNAMES) + rng.choice(words.YI_GIVEN)
        surname = _SURNAME_LIST[int(len(_SURNAME_LIST) * rng.random() ** 1.6)]
        chars = words.FEMALE_CHARS if female else words.MALE_CHARS
        if rng.random() < 0.3:
            return surname + rng.choice(chars)
        return surname + rng.choice(chars) + rng.choice(chars)

    @staticmethod
    def _phone(rng: random.Random) -> str:
        return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"

    # -- sites ---------------------------------------------------------------------

    def _build_sites(self) -> None:
        rng = self._rng("sites")
        n_sites = max(4, self.n_persons // 400)
        names: set[str] = set()
        for i in range(n_sites):
            if i < len(words.FIRST_SITES):
                name, kind, address = words.FIRST_SITES[i]
            else:
                kind = rng.choices(("relocation", "community", "village"), (1, 2, 5))[0]
                suffix = {"relocation": "安置点", "community": "社区", "village": "村"}[kind]
                for _attempt in range(20):
                    stem = rng.choice(words.PLACE_HEADS) + rng.choice(words.PLACE_TAILS)
                    name = stem + suffix
                    if name not in names:
                        break
                else:
                    name = f"第{i + 1}{suffix}"
                address = f"{words.COUNTY}{stem}{'镇' if kind != 'village' else '乡'}{name}"
            names.add(name)
            self.sites.append(
                {
                    "id": _uuid7(rng, self.start - timedelta(days=400)),
                    "name": name,
                    "county": words.COUNTY,
                    "kind": kind,
                    "address": address,
                    "deleted": False,
                }
            )

    def _site_weights(self) -> list[float]:
        weights = []
        for i, site in enumerate(self.sites):
            if i < 4:
                weights.append((0.37, 0.33, 0.15, 0.15)[i])
            else:
                weights.append(
                    {"relocation": 0.4, "community": 0.33, "village": 0.15}[site["kind"]]
                )
        return weights

    def _address(self, rng: random.Random, site: Row) -> str:
        name = site["name"]
        if site["kind"] == "relocation":
            building, unit = rng.randint(1, 24), rng.randint(1, 3)
            return f"{name}{building}栋{unit}单元{rng.randint(1, 6)}0{rng.randint(1, 4)}"
        if site["kind"] == "community":
            road = rng.choice(("建设路", "人民路", "滨河路", "文化巷", "新华街", "东风路"))
            return f"{name}{road}{rng.randint(1, 180)}号"
        group = "一二三四五六七八"[rng.randrange(8)]
        return f"{name}{group}组{rng.randint(1, 60)}号"

    # -- staff and persons -----------------------------------------------------------

    def _build_staff_and_persons(self) -> None:
        rng = self._rng("persons")
        weights = self._site_weights()
        site_of = rng.choices(range(len(self.sites)), weights, k=self.n_persons)
        counts = [0] * len(self.sites)
        for s in site_of:
            counts[s] += 1
        staff_rng = self._rng("staff")
        for i, site in enumerate(self.sites):
            here: list[Row] = []
            for _ in range(max(2, counts[i] // 40)):
                female = staff_rng.random() < 0.5
                row = {
                    "id": _uuid7(staff_rng, self.start - timedelta(days=300)),
                    "name": self._name(staff_rng, female),
                    "role": "staff",
                    "phone": self._phone(staff_rng),
                    "site_id": site["id"],
                    "deleted": False,
                }
                here.append(row)
                self.staff.append(row)
            self._staff_by_site.append(here)
        width = max(4, len(str(self.n_persons)))
        for n, s in enumerate(site_of, start=1):
            self._make_person(rng, n, f"GL-{n:0{width}d}", s)

    def _category(self, rng: random.Random, site: Row) -> str:
        if site["kind"] == "relocation":
            return rng.choices(("resident", "retired", "widow", "lixiu"), (64, 26, 8, 2))[0]
        return rng.choices(("lixiu", "retired", "widow", "resident"), (3, 77, 14, 6))[0]

    def _birth(self, rng: random.Random, category: str) -> date:
        year = self.anchor.year
        if category == "lixiu":
            born = rng.randint(1921, 1931)
        elif category == "retired":
            born = year - round(rng.triangular(60, 95, 66))
        elif category == "widow":
            born = year - round(rng.triangular(62, 96, 78))
        else:
            born = year - round(rng.triangular(18, 92, 55))
        return date(born, 1, 1) + timedelta(days=rng.randrange(365))

    def _party_year(self, rng: random.Random, category: str, birth: date) -> int | None:
        """The year a party member joined; missing from a few old files."""
        if category == "lixiu":
            year = rng.randint(max(1938, birth.year + 15), 1949)
        else:
            first = birth.year + 18
            last = min(self.anchor.year - 1, birth.year + 45)
            year = rng.randint(first, max(first, last))
        if rng.random() < 0.04:
            return None  # the year is missing from the old file
        return year

    def _background(self, rng: random.Random, category: str, old: bool) -> tuple[str, str, str]:
        """(former unit, skills, health) of a person."""
        unit = ""
        if category in ("lixiu", "retired"):
            unit = _unit(rng.choice(words.UNITS)) if rng.random() < 0.97 else ""
        skills = ""
        if category in ("retired", "lixiu") and rng.random() < 0.28:
            skills = ",".join(sorted(rng.sample(words.SKILLS, rng.choice((1, 1, 2)))))
        health = rng.choice(words.HEALTH) if old or rng.random() < 0.3 else ""
        return unit, skills, health

    def _family(self, rng: random.Random, category: str, lives_alone: bool) -> str:
        """The family situation, as a bureau's file words it."""
        if lives_alone:
            family = rng.choice(("老伴已故，独居", "独居，女儿每周探望", "独居，子女在外地"))
        else:
            family = rng.choice(_NOT_ALONE)
        if category == "widow":
            husband_unit = _unit(rng.choice(words.UNITS))
            family = f"丈夫生前系{husband_unit}干部；{family}".rstrip("；")
        return family

    def _notes(
        self, rng: random.Random, category: str, yi: bool, hardship: bool, party_year: int | None
    ) -> list[str]:
        """The file's notes: 50-year medal, language, hardship."""
        notes: list[str] = []
        if party_year is not None and self.anchor.year - party_year >= 50:
            notes.append("已颁发“光荣在党50年”纪念章")
        if category == "resident" and yi:
            notes.append("彝族，需双语交流")
        if hardship:
            notes.append(rng.choice(("低保户", "因病致困", "残疾，行动不便", "无固定收入")))
        return notes

    def _life_events(
        self, rng: random.Random, category: str, old: bool
    ) -> tuple[str, date, list[tuple[str, date]]]:
        """(status at the end, last day in the county, status events) over the year."""
        status = "active"
        end = self.end
        events: list[tuple[str, date]] = []
        u = rng.random()
        deceased_p = 0.1 if category == "lixiu" else 0.022 if old else 0.004
        if u < deceased_p:
            status = "deceased"
            end = self._day_between(
                rng, self.start + timedelta(days=20), self.end - timedelta(days=3)
            )
            events.append(("deceased", end))
        elif u < deceased_p + 0.025 and old:
            status = "hospitalised"
            events.append(
                ("hospitalised", self._day_between(rng, self.end - timedelta(days=40), self.end))
            )
        elif u < deceased_p + 0.055:
            when = self._day_between(
                rng, self.start + timedelta(days=10), self.end - timedelta(days=60)
            )
            events.append(("hospitalised", when))
            events.append(("discharged", when + timedelta(days=rng.randint(5, 25))))
        elif u < deceased_p + 0.07:
            status = "moved"
            end = self._day_between(
                rng, self.start + timedelta(days=30), self.end - timedelta(days=5)
            )
            events.append(("moved", end))
        if rng.random() < 0.02:
            events.append(("misfortune", self._day_between(rng, self.start, end)))
        return status, end, events

    def _make_person(self, rng: random.Random, n: int, code: str, s: int) -> None:
        site = self.sites[s]
        category = self._category(rng, site)
        female = {
            "lixiu": rng.random() < 0.15,
            "retired": rng.random() < 0.42,
            "widow": True,
            "resident": rng.random() < 0.5,
        }[category]
        yi = category == "resident" and site["kind"] == "relocation" and rng.random() < 0.35
        name = self._name(rng, female, yi)
        birth = self._birth(rng, category)
        age = _age(birth, self.anchor)
        old = age >= 60
        lives_alone = old and rng.random() < (0.4 if category == "widow" else 0.16)
        hardship = rng.random() < {"widow": 0.25, "resident": 0.15}.get(category, 0.06)
        party_p = {"lixiu": 1.0, "retired": 0.65, "widow": 0.12, "resident": 0.06}[category]
        party_member = age >= 20 and rng.random() < party_p
        party_year = self._party_year(rng, category, birth) if party_member else None
        unit, skills, health = self._background(rng, category, old)
        family = self._family(rng, category, lives_alone)
        notes = self._notes(rng, category, yi, hardship, party_year)
        pid = _uuid7(rng, self.start - timedelta(days=200), n)
        status, end, events = self._life_events(rng, category, old)
        phone = self._phone(rng) if rng.random() < 0.88 else ""
        if phone and rng.random() < 0.03:
            events.append(("phone_changed", self._day_between(rng, self.start, end)))
        tier = _tier(category, hardship, status, lives_alone, age, bool(events))
        contact = rng.choice(self._staff_by_site[s])
        self.persons.append(
            {
                "id": pid,
                "code": code,
                "name": name,
                "sex": "female" if female else "male",
                "birth_date": birth,
                "category": category,
                "former_unit": unit,
                "site_id": site["id"],
                "address": self._address(rng, site),
                "phone": phone,
                "id_number": _id_number(rng, birth, female),
                "family": family,
                "health": health,
                "lives_alone": lives_alone,
                "hardship": hardship,
                "party_member": party_member,
                "party_year": party_year,
                "skills": skills,
                "notes": "；".join(notes),
                "status": status,
                "tier": tier,
                "contact_id": contact["id"],
                "plan_notes": rng.choice(words.PLAN_NOTES[tier]),
                "plan_review_date": self.anchor + timedelta(days=rng.randint(-45, 180)),
                "card_issue": 1,
                "deleted": False,
            }
        )
        for kind, when in sorted(events, key=lambda e: e[1]):
            self.events.append(
                {
                    "id": _uuid7(rng, when, 36_000),
                    "person_id": pid,
                    "site_id": site["id"],
                    "kind": kind,
                    "happened_on": when,
                    "note": self._event_note(rng, kind),
                    "recorded_by": "",
                    "deleted": False,
                }
            )
        self.plans.append(
            PersonPlan(
                id=pid,
                code=code,
                site_id=site["id"],
                site_index=s,
                category=category,
                tier=tier,
                birth=birth,
                party_member=party_member,
                hardship=hardship,
                contact_name=contact["name"],
                end=end,
                events=events,
            )
        )

    @staticmethod
    def _event_note(rng: random.Random, kind: str) -> str:
        notes = {
            "hospitalised": ("因肺部感染住县人民医院", "摔倒骨折住院", "心脏不适住院观察"),
            "discharged": ("病情好转出院，居家休养", "出院，需定期复查"),
            "moved": ("随子女迁往市区居住", "迁往外省子女处养老", "入住县养老服务中心"),
            "phone_changed": ("原号码停用，已更新新号码",),
            "deceased": ("因病医治无效去世，家属已告知", "在家中安详离世"),
            "misfortune": ("家中失火，部分财物受损", "儿子因车祸受伤住院", "老伴病故"),
        }[kind]
        return rng.choice(notes)

    # -- volunteer teams -----------------------------------------------------------

    def _build_teams(self) -> None:
        rng = self._rng("teams")
        n_teams = max(2, len(self.sites) // 10)
        by_site: dict[int, list[tuple[Row, PersonPlan]]] = {}
        for p, plan in zip(self.persons, self.plans, strict=True):
            if (
                p["category"] in ("retired", "lixiu")
                and p["status"] == "active"
                and _age(plan.birth, self.anchor) <= 82
            ):
                by_site.setdefault(plan.site_index, []).append((p, plan))
        for t in range(n_teams):
            name, focus = words.TEAMS[t % 2]
            if t < 2:
                s = 0 if t == 0 else min(3, len(self.sites) - 1)
            else:
                s = (t * 10 + rng.randrange(10)) % len(self.sites)
                name = self.sites[s]["name"] + name
            site = self.sites[s]
            team = {
                "id": _uuid7(rng, self.start - timedelta(days=250)),
                "name": name,
                "focus": focus,
                "site_id": site["id"],
                "leader": "",
                "deleted": False,
            }
            self.teams.append(team)
            candidates = list(by_site.get(s, []))
            candidates.sort(key=lambda c: (c[0]["skills"] == "", not c[0]["party_member"]))
            linked = candidates[: rng.randint(6, 8)]
            team_members: list[Row] = []
            for p, _plan in linked:
                team_members.append(
                    {
                        "id": _uuid7(rng, self.start - timedelta(days=240)),
                        "team_id": team["id"],
                        "site_id": site["id"],
                        "name": p["name"],
                        "person_id": p["id"],
                        "phone": p["phone"],
                        "skills": p["skills"],
                    }
                )
            for _ in range(rng.randint(4, 6)):
                team_members.append(
                    {
                        "id": _uuid7(rng, self.start - timedelta(days=240)),
                        "team_id": team["id"],
                        "site_id": site["id"],
                        "name": self._name(rng, rng.random() < 0.4),
                        "person_id": None,
                        "phone": self._phone(rng),
                        "skills": rng.choice(words.SKILLS),
                    }
                )
            for m in team_members:
                m["deleted"] = False
            team["leader"] = team_members[0]["name"]
            self.members.extend(team_members)

    # -- visits --------------------------------------------------------------------

    def _assign_quotas(self) -> None:
        rng = self._rng("quotas")
        weight = {"key": 3.0, "periodic": 2.0, "routine": 1.0}
        ws = []
        for plan in self.plans:
            w = weight[plan.tier]
            if plan.category == "resident" and not plan.hardship:
                w *= 0.35
            if plan.category == "lixiu":
                w *= 1.3
            w *= max(0.1, (plan.end - self.start).days / 365)
            ws.append(w)
        scale = self.n_visits / sum(ws)
        total = 0
        for plan, w in zip(self.plans, ws, strict=True):
            plan.quota = int(w * scale + rng.random())
            total += plan.quota
        while total != self.n_visits:
            plan = self.plans[rng.randrange(len(self.plans))]
            if total < self.n_visits:
                plan.quota += 1
                total += 1
            elif plan.quota > 0:
                plan.quota -= 1
                total -= 1

    def _schedule(self, rng: random.Random, plan: PersonPlan) -> list[tuple[str, date, str]]:
        """(reason, date, festival key or "") of one person's visits in the year."""
        last = plan.end
        must = self._event_visits(rng, plan)
        must += self._birthday_visits(plan)
        must += self._festival_visits(rng, _festival_keys(plan), last)
        must = must[: plan.quota]
        must += self._ordinary_visits(rng, plan, plan.quota - len(must))
        must.sort(key=lambda v: v[1])
        return must

    def _event_visits(self, rng: random.Random, plan: PersonPlan) -> list[tuple[str, date, str]]:
        """The visits a status event calls for: condolence, hospital, misfortune."""
        visits: list[tuple[str, date, str]] = []
        for kind, when in plan.events:
            if kind == "deceased":
                day = min(self.end, when + timedelta(days=rng.randint(1, 7)))
                visits.append(("condolence", day, ""))
            elif kind == "hospitalised":
                day = min(self.end, when + timedelta(days=rng.randint(1, 5)))
                visits.append(("hospital", day, ""))
            elif kind == "misfortune":
                day = min(plan.end, when + timedelta(days=rng.randint(1, 10)))
                visits.append(("misfortune", day, ""))
        return visits

    def _birthday_visits(self, plan: PersonPlan) -> list[tuple[str, date, str]]:
        """The milestone birthdays (80, 90, 100) in the year, while in the county."""
        visits: list[tuple[str, date, str]] = []
        for year in (self.start.year, self.end.year):
            for milestone in (80, 90, 100):
                if plan.birth.year + milestone == year:
                    day = _birthday_in(year, plan.birth)
                    if self.start <= day <= plan.end:
                        visits.append(("birthday", day, ""))
        return visits

    def _festival_visits(
        self, rng: random.Random, keys: list[str], last: date
    ) -> list[tuple[str, date, str]]:
        """A visit in the two weeks before each of the person's festivals."""
        visits: list[tuple[str, date, str]] = []
        for key in keys:
            festival = self.festivals.get(key)
            if festival is None:
                continue
            day = festival - timedelta(days=rng.randint(1, 14))
            if self.start <= day <= last:
                visits.append(("festival", day, key))
        return visits

    def _ordinary_visits(
        self, rng: random.Random, plan: PersonPlan, count: int
    ) -> list[tuple[str, date, str]]:
        """``count`` routine, needs or aid visits spread over the person's year."""
        if count <= 0:
            return []
        visits: list[tuple[str, date, str]] = []
        span = max(1, (plan.end - self.start).days)
        step = span / count
        for i in range(count):
            offset = int(step * i + rng.random() * step)
            day = self.start + timedelta(days=min(span, offset))
            u = rng.random()
            if plan.hardship and u < 0.4:
                reason = "aid"
            elif u < 0.62:
                reason = "routine"
            else:
                reason = "needs"
            visits.append((reason, day, ""))
        return visits

    def _money(self, rng: random.Random, reason: str, plan: PersonPlan, birth_age: int) -> int:
        yuan = 0
        if reason == "festival":
            if plan.category == "lixiu":
                yuan = rng.randrange(1000, 2001, 200)
            elif plan.hardship or plan.category == "widow":
                yuan = rng.randrange(500, 1001, 100)
            else:
                yuan = rng.randrange(200, 801, 100)
        elif reason == "hospital":
            yuan = rng.randrange(300, 1001, 100)
        elif reason == "birthday":
            yuan = {80: 500, 90: 1000, 100: 2000}.get(birth_age, 300)
        elif reason == "misfortune":
            yuan = rng.randrange(1000, 3001, 500)
        elif reason == "condolence":
            yuan = 3000 if plan.category == "lixiu" else rng.randrange(1000, 2001, 500)
        elif reason == "aid":
            yuan = rng.randrange(500, 2001, 100)
        elif plan.hardship and rng.random() < 0.1:
            yuan = 200
        return yuan * 100

    def _visit(
        self, rng: random.Random, plan: PersonPlan, reason: str, day: date, key: str
    ) -> tuple[Any, ...]:
        seconds = 8 * 3600 + 300 * int(rng.random() * 114)
        iso_day = day.isoformat()
        visited_at = f"{iso_day} {seconds // 3600:02d}:{seconds % 3600 // 60:02d}:00"
        colleagues = self._staff_by_site[plan.site_index]
        visitors = plan.contact_name
        if rng.random() < 0.45 and len(colleagues) > 1:
            other = colleagues[rng.randrange(len(colleagues))]["name"]
            if other != visitors:
                visitors = f"{visitors},{other}"
        if reason == "condolence":
            present, needs = "家属", ""
            services = _pick(
                rng, ("向家属转达组织慰问", "协助家属办理丧葬补助", "送去慰问金，看望家属")
            )
        elif reason == "hospital":
            present = _pick(rng, ("本人及家属", "本人", "家属陪护"))
            needs = _pick(rng, ("", "住院费用报销咨询", "需要护工"))
            services = _pick(
                rng, ("到医院探望，了解病情", "送去慰问金，鼓励安心治疗", "与主治医生沟通病情")
            )
        else:
            present = _pick(rng, ("本人", "本人", "本人及老伴", "本人及子女"))
            needs = _pick(rng, words.NEEDS) if rng.random() < 0.6 else ""
            services = _pick(rng, words.SERVICES)
            if reason == "festival":
                services = "送上节日慰问金和慰问品；" + _pick(rng, words.SERVICES)
        money = self._money(rng, reason, plan, day.year - plan.birth.year)
        goods = ""
        if reason == "festival":
            goods = _pick(rng, words.GOODS[key])
        elif rng.random() < 0.25:
            goods = _pick(rng, words.GOODS["other"])
        follow_up, follow_due = "", None
        if reason != "condolence" and rng.random() < 0.12:
            follow_up = _pick(rng, words.FOLLOW_UPS)
            follow_due = (day + timedelta(days=rng.randint(14, 45))).isoformat()
        u = rng.random()
        confirm = "qr" if u < 0.55 else "code" if u < 0.7 else "none"
        return (
            _uuid7(rng, day, seconds),
            plan.id,
            plan.site_id,
            reason,
            visited_at,
            visitors,
            present,
            confirm,
            needs,
            services,
            money,
            goods,
            follow_up,
            follow_due,
            _pick(rng, words.VISIT_NOTES),
            visited_at if confirm == "qr" else None,  # a scanned card: its time and issue
            1 if confirm == "qr" else None,
            "",
            0,
        )

    def iter_visit_values(
        self, batch: int = 50_000, *, stored_ids: bool = False
    ) -> Iterator[list[tuple[Any, ...]]]:
        """All visits as tuples in :data:`VISIT_COLUMNS` order, in SQLite's stored form.

        Dates and times are text as SQLAlchemy stores them, ``deleted`` is 0: the
        fast path for millions of rows. Ids are text, or with ``stored_ids`` in the
        laptop store's form (:func:`fieldkit.domain.ids.encode_id`: 16 bytes). Lists
        of at most ``batch`` tuples.
        """
        rng = self._rng("visits")
        rows: list[tuple[Any, ...]] = []
        for plan in self.plans:
            if plan.quota == 0:
                continue
            ids = (encode_id(plan.id), encode_id(plan.site_id)) if stored_ids else None
            for reason, day, key in self._schedule(rng, plan):
                row = self._visit(rng, plan, reason, day, key)
                if ids is not None:
                    row = (encode_id(row[0]), *ids, *row[3:])
                rows.append(row)
            if len(rows) >= batch:
                yield rows
                rows = []
        if rows:
            yield rows

    def iter_visits(self, batch: int = 50_000) -> Iterator[list[Row]]:
        """All visits as rows with Python values (datetime, date, bool), person by person."""
        for values in self.iter_visit_values(batch):
            rows = []
            for v in values:
                row = dict(zip(VISIT_COLUMNS, v, strict=True))
                row["visited_at"] = datetime.fromisoformat(row["visited_at"])
                if row["card_scanned_at"] is not None:
                    row["card_scanned_at"] = row["visited_at"]
                if row["follow_up_due"] is not None:
                    row["follow_up_due"] = date.fromisoformat(row["follow_up_due"])
                row["deleted"] = bool(row["deleted"])
                rows.append(row)
            yield rows

    # -- consultations and activities ----------------------------------------------

    def consultations(self, count: int | None = None) -> list[Row]:
        """Consultations of the year: persons on the roster and walk-ins (default persons/2)."""
        rng = self._rng("consultations")
        n = self.n_persons // 2 if count is None else count
        topics = tuple(words.CONSULT_TEXT)
        givers = [m for m in self.members if m["skills"]] or self.members
        rows: list[Row] = []
        for _ in range(n):
            topic = rng.choices(topics, (18, 20, 22, 18, 16, 6))[0]
            question, outcome, referral = rng.choice(words.CONSULT_TEXT[topic])
            day = self._day_between(rng, self.start, self.end)
            person_id = None
            walkin_name = walkin_village = ""
            if rng.random() < 0.6:
                plan = self.plans[rng.randrange(len(self.plans))]
                if plan.end < day:
                    day = self._day_between(rng, self.start, plan.end)
                person_id, site_id = plan.id, plan.site_id
            else:
                site_id = self.sites[0 if rng.random() < 0.6 else rng.randrange(len(self.sites))][
                    "id"
                ]
                walkin_name = self._name(rng, rng.random() < 0.5, rng.random() < 0.2)
                walkin_village = (
                    rng.choice(words.PLACE_HEADS) + rng.choice(words.PLACE_TAILS) + "村"
                )
            rows.append(
                {
                    "id": _uuid7(rng, day, rng.randrange(9 * 3600, 17 * 3600)),
                    "site_id": site_id,
                    "person_id": person_id,
                    "walkin_name": walkin_name,
                    "walkin_village": walkin_village,
                    "topic": topic,
                    "held_on": day,
                    "question": question,
                    "outcome": outcome,
                    "referral": referral,
                    "given_by": rng.choice(givers)["name"],
                    "recorded_by": "",
                    "deleted": False,
                }
            )
        return rows

    def activities(self, per_team: int = 36) -> list[Row]:
        """Service activities of every team over the year, attended by its members."""
        rng = self._rng("activities")
        kinds_of = (
            (("talk", 5), ("forum", 2), ("door_to_door", 3), ("mediation", 2), ("training", 1)),
            (("patrol", 6), ("door_to_door", 2), ("training", 2), ("talk", 1)),
        )
        reach = {
            "talk": (40, 300),
            "forum": (15, 40),
            "door_to_door": (30, 120),
            "patrol": (0, 30),
            "training": (20, 80),
            "mediation": (2, 10),
        }
        rows: list[Row] = []
        for t, team in enumerate(self.teams):
            members = [m for m in self.members if m["team_id"] == team["id"]]
            choices = kinds_of[t % 2]
            for i in range(per_team):
                # every kind appears: the first activities of a team cycle through its kinds
                kind = (
                    choices[i][0]
                    if i < len(choices)
                    else rng.choices([k for k, _ in choices], [w for _, w in choices])[0]
                )
                day = self._day_between(rng, self.start, self.end)
                attendees = rng.sample(members, rng.randint(3, min(8, len(members))))
                attendees.sort(key=lambda m: m["id"])
                low, high = reach[kind]
                duration = (
                    rng.choice((180, 240, 300))
                    if kind == "patrol"
                    else rng.choice((60, 90, 120, 150))
                )
                site_id = team["site_id"]
                if rng.random() < 0.25:
                    site_id = self.sites[rng.randrange(len(self.sites))]["id"]
                rows.append(
                    {
                        "id": _uuid7(rng, day, rng.randrange(8 * 3600, 16 * 3600)),
                        "team_id": team["id"],
                        "site_id": site_id,
                        "kind": kind,
                        "title": rng.choice(words.ACTIVITY_TITLES[kind]),
                        "held_on": day,
                        "duration_minutes": duration,
                        "attendee_ids": ",".join(m["id"] for m in attendees),
                        "attendee_count": len(attendees),
                        "people_reached": rng.randint(low, high),
                        "notes": "",
                        "recorded_by": "",
                        "deleted": False,
                    }
                )
        return rows


def _tier(
    category: str, hardship: bool, status: str, lives_alone: bool, age: int, has_events: bool
) -> str:
    """The care tier a bureau would give such a person."""
    if category == "lixiu" or hardship or status == "hospitalised" or (lives_alone and age >= 80):
        return "key"
    if age >= 78 or lives_alone or category == "widow" or has_events:
        if category == "resident" and not hardship and age < 80:
            return "routine"
        return "periodic"
    return "routine"


def _festival_keys(plan: PersonPlan) -> list[str]:
    """The festivals on which the person's tier and category call for a visit."""
    if plan.category == "lixiu" or plan.tier == "key":
        keys = ["spring", "double_ninth", "national", "july1"]
    elif plan.tier == "periodic":
        keys = ["spring", "double_ninth"]
    elif plan.category == "resident":
        keys = ["spring"] if plan.hardship else []
    else:
        keys = ["spring"]
    if plan.party_member and "july1" not in keys and plan.category != "resident":
        keys.append("july1")
    return keys
