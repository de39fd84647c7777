"""The due list computed from a real SQLite store.

Its SQL prefilter must never drop a task: a randomly filled store is checked on
many days against the engine fed with every person's full history loaded naively.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.pool import QueuePool
from sqlmodel import select

from fieldkit.domain.careplan import (
    DayRules,
    FollowUp,
    PersonFacts,
    Policy,
    Task,
    TaskKind,
    TaskState,
    all_tasks,
    default_policy,
    parse_policy,
)
from fieldkit.domain.ids import IdTexts, decode_id, decode_ids, encode_id
from fieldkit.domain.models import Person, PersonEvent, Site, Visit
from fieldkit.domain.vocab import (
    Category,
    EventKind,
    SiteKind,
    Status,
    Tier,
    VisitReason,
)
from fieldkit.store import Store
from fieldkit.store.due_list import (
    DueListing,
    due_list,
    due_list_head,
    due_listing,
    person_ids,
)
from fieldkit.store.due_sql import FIRST, REST, WHOLE, DueQuery, Part
from fieldkit.store.store import StoreSession
from tests.careplan.summary_helpers import assert_in_step

D = date.fromisoformat


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0))


# --- a small hand-made store ---------------------------------------------------------


def _two_sites(s: StoreSession) -> tuple[Site, Site]:
    """A relocation site and a village, stored."""
    a = Site(name="幸福安置点", kind=SiteKind.RELOCATION)
    b = Site(name="石桥村", kind=SiteKind.VILLAGE)
    s.add_all([a, b])
    s.flush()
    return a, b


@pytest.fixture
def small(tmp_path: Path) -> Iterator[tuple[Store, dict[str, str]]]:
    store = Store(tmp_path / "laptop.db")
    ids: dict[str, str] = {}
    with store.write() as s:
        a, b = _two_sites(s)
        people = {
            "key": Person(code="A-1", name="张三丰", site_id=a.id, tier=Tier.KEY),
            "sick": Person(code="A-2", name="李四", site_id=a.id, tier=Tier.ROUTINE),
            "gone": Person(code="B-1", name="王五", site_id=b.id, status=Status.DECEASED),
            "fine": Person(code="B-2", name="赵六", site_id=b.id, tier=Tier.ROUTINE),
            "removed": Person(code="B-3", name="钱七", site_id=b.id, deleted=True),
        }
        s.add_all(people.values())
        s.flush()
        ids.update({k: p.id for k, p in people.items()})
        ids.update(site_a=a.id, site_b=b.id)
        s.add_all(
            [
                # key tier: last live visit 41 days before 2026-04-11 (a later one is deleted)
                Visit(person_id=ids["key"], site_id=a.id, visited_at=_at(D("2026-03-01"))),
                Visit(
                    person_id=ids["key"],
                    site_id=a.id,
                    visited_at=_at(D("2026-04-01")),
                    deleted=True,
                ),
                # routine, visited this year, with a follow-up owed by 2026-04-12
                Visit(
                    person_id=ids["sick"],
                    site_id=a.id,
                    visited_at=_at(D("2026-04-02")),
                    follow_up="送轮椅",
                    follow_up_due=D("2026-04-12"),
                ),
                PersonEvent(
                    person_id=ids["sick"],
                    site_id=a.id,
                    kind=EventKind.HOSPITALISED,
                    happened_on=D("2026-04-09"),
                ),
                PersonEvent(
                    person_id=ids["gone"],
                    site_id=b.id,
                    kind=EventKind.DECEASED,
                    happened_on=D("2026-04-08"),
                ),
                Visit(person_id=ids["fine"], site_id=b.id, visited_at=_at(D("2026-03-20"))),
                # a visit after the list's day does not count yet
                Visit(person_id=ids["fine"], site_id=b.id, visited_at=_at(D("2026-05-01"))),
            ]
        )
    yield store, ids
    store.close()


def test_due_list_of_a_small_store(small: tuple[Store, dict[str, str]]) -> None:
    store, ids = small
    dl = due_list(store, on=D("2026-04-11"))
    got = {(t.person_name, t.kind, t.state) for t in dl.tasks}
    assert got == {
        ("张三丰", TaskKind.TIER, TaskState.OVERDUE),
        ("李四", TaskKind.HOSPITAL, TaskState.DUE_THIS_WEEK),
        ("李四", TaskKind.FOLLOW_UP, TaskState.DUE_THIS_WEEK),
        ("王五", TaskKind.CONDOLENCE, TaskState.DUE_THIS_WEEK),
    }
    assert dl.tasks[0].why_zh == "重点关注: 上次走访 41 天前"
    assert dl.counts[TaskState.OVERDUE] == 1
    assert dl.counts[TaskState.DUE_THIS_WEEK] == 3
    assert [g.site_name for g in dl.groups] == ["幸福安置点", "石桥村"]
    assert [t.person_name for t in dl.groups[0].tasks] == ["张三丰", "李四", "李四"]
    assert dl.group(ids["site_b"]) is not None
    assert dl.group(ids["site_b"]).counts[TaskState.DUE_THIS_WEEK] == 1  # type: ignore[union-attr]


def test_scope_and_visits_that_settle(small: tuple[Store, dict[str, str]]) -> None:
    store, ids = small
    only_b = due_list(store, on=D("2026-04-11"), site_ids=[ids["site_b"]])
    assert {t.person_name for t in only_b.tasks} == {"王五"}
    assert due_list(store, on=D("2026-04-11"), site_ids=[]).total == 0
    assert due_list(store, on=D("2026-04-11"), site_ids=["no-such-site"]).total == 0
    with store.write() as s:
        s.add(
            Visit(
                person_id=ids["sick"],
                site_id=ids["site_a"],
                visited_at=_at(D("2026-04-10")),
                reason=VisitReason.HOSPITAL,
            )
        )
        s.add(
            Visit(
                person_id=ids["gone"],
                site_id=ids["site_b"],
                visited_at=_at(D("2026-04-10")),
                reason=VisitReason.CONDOLENCE,
            )
        )
    dl = due_list(store, on=D("2026-04-11"))
    # the hospital visit settles the hospital task and, being later, the follow-up
    assert {(t.person_name, t.kind) for t in dl.tasks} == {("张三丰", TaskKind.TIER)}


def test_a_store_without_the_covering_index_still_lists(
    small: tuple[Store, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import fieldkit.store.due_list as module

    store, _ = small
    monkeypatch.setattr(module, "SCAN_LIMIT", 0)
    before = due_list(store, on=D("2026-04-11")).tasks
    with store.write() as s:
        s.connection().exec_driver_sql("DROP INDEX ix_person_due")
    assert due_list(store, on=D("2026-04-11")).tasks == before
    assert len(before) == 4


def test_policy_is_passed_through(small: tuple[Store, dict[str, str]]) -> None:
    store, _ = small
    lax = parse_policy("[tiers.key]\ninterval_days = 60\n")
    names = {t.person_name for t in due_list(store, on=D("2026-04-11"), policy=lax).tasks}
    assert "张三丰" not in names


# --- a random store, checked against the engine fed naively ---------------------------

SEED_PERSONS = 240


@pytest.fixture(scope="module")
def random_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    rnd = random.Random(20261121)
    store = Store(tmp_path_factory.mktemp("due") / "random.db")
    start = D("2025-01-01")
    with store.write() as s:
        sites = [
            Site(name=f"站点{i}", kind=SiteKind.RELOCATION if i == 0 else SiteKind.VILLAGE)
            for i in range(4)
        ]
        s.add_all(sites)
        s.flush()
        for n in range(SEED_PERSONS):
            site = rnd.choice(sites)
            born = rnd.choice(
                [
                    D("1946-02-28"),
                    D("1936-02-29"),
                    D("1948-02-29"),
                    D("1926-06-30"),
                    date(rnd.randint(1920, 1965), rnd.randint(1, 12), rnd.randint(1, 28)),
                    date(rnd.choice([1945, 1946, 1947, 1936, 1937, 1927]), rnd.randint(1, 12), 15),
                ]
            )
            person = Person(
                code=f"R-{n:04d}",
                name=f"人{n}",
                site_id=site.id,
                tier=rnd.choice(list(Tier)),
                category=rnd.choice(list(Category)),
                status=rnd.choices(list(Status), [20, 2, 1, 2])[0],
                birth_date=born if rnd.random() < 0.9 else None,
                deleted=rnd.random() < 0.02,
            )
            s.add(person)
            s.flush()
            for _ in range(rnd.choice([0, 1, 2, 4, 8, 12])):
                day = start + timedelta(days=rnd.randrange(3 * 365))
                has_fu = rnd.random() < 0.15
                s.add(
                    Visit(
                        person_id=person.id,
                        site_id=site.id,
                        reason=rnd.choice(list(VisitReason)),
                        visited_at=_at(day, rnd.randint(8, 17)),
                        follow_up="回访" if has_fu else "",
                        follow_up_due=day + timedelta(days=rnd.randint(1, 40))
                        if has_fu and rnd.random() < 0.7
                        else None,
                        deleted=rnd.random() < 0.05,
                    )
                )
            for _ in range(rnd.choice([0, 0, 0, 1, 2])):
                s.add(
                    PersonEvent(
                        person_id=person.id,
                        site_id=site.id,
                        kind=rnd.choice(list(EventKind)),
                        happened_on=start + timedelta(days=rnd.randrange(3 * 365)),
                        deleted=rnd.random() < 0.05,
                    )
                )
    yield store
    store.close()


def naive_facts(store: Store, on: date) -> list[PersonFacts]:
    """Every live person with the full history read row by row: the reference."""
    with store.read() as s:
        kinds = {site.id: site.kind for site in s.exec(select(Site))}
        out = []
        for p in s.exec(select(Person).where(Person.deleted == False)):  # noqa: E712
            visits = [
                v
                for v in s.exec(select(Visit).where(Visit.person_id == p.id))
                if not v.deleted and v.visited_at.date() <= on
            ]
            visits.sort(key=lambda v: v.visited_at)
            by_reason: dict[VisitReason, date] = {}
            for v in visits:
                by_reason[v.reason] = v.visited_at.date()
            events: dict[EventKind, date] = {}
            for e in s.exec(select(PersonEvent).where(PersonEvent.person_id == p.id)):
                if not e.deleted and e.happened_on <= on:
                    events[e.kind] = max(e.happened_on, events.get(e.kind, e.happened_on))
            last = visits[-1] if visits else None
            follow_ups: tuple[FollowUp, ...] = ()
            if last is not None and (last.follow_up or last.follow_up_due):
                follow_ups = (FollowUp(last.follow_up, last.visited_at.date(), last.follow_up_due),)
            out.append(
                PersonFacts(
                    person_id=p.id,
                    name=p.name,
                    site_id=p.site_id,
                    tier=p.tier,
                    category=p.category,
                    status=p.status,
                    birth_date=p.birth_date,
                    code=p.code,
                    address=p.address,
                    relocation_site=kinds[p.site_id] is SiteKind.RELOCATION,
                    last_visit=last.visited_at.date() if last else None,
                    last_by_reason=by_reason,
                    events=events,
                    follow_ups=follow_ups,
                )
            )
    return out


def _key(t: Task) -> tuple[object, ...]:
    return (t.person_id, t.kind, t.window_start, t.due, t.state, t.why_zh)


DAYS = [
    D(d)
    for d in [
        "2025-01-20", "2025-03-03", "2025-06-20", "2025-09-26", "2025-10-20", "2025-12-28",
        "2026-02-10", "2026-02-28", "2026-03-01", "2026-05-17", "2026-07-01", "2026-11-21",
        "2027-01-30", "2027-02-13", "2027-06-30", "2027-12-31", "2028-02-29", "2028-06-01",
    ]
]  # fmt: skip


@pytest.fixture(scope="module")
def reference(random_store: Store) -> dict[date, list[Task]]:
    policy = default_policy()
    return {on: all_tasks(naive_facts(random_store, on), on, policy) for on in DAYS}


@pytest.mark.parametrize("on", DAYS, ids=str)
def test_due_list_matches_the_engine_on_full_history(
    random_store: Store, reference: dict[date, list[Task]], on: date
) -> None:
    expected = sorted(map(_key, reference[on]))
    got = sorted(map(_key, due_list(random_store, on=on).tasks))
    assert got == expected
    assert got, "every checked day has some task"


def test_the_candidate_indexes_give_the_same_list(
    random_store: Store, reference: dict[date, list[Task]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large scopes are read through the summary's indexes instead of in full."""
    import fieldkit.store.due_list as module

    monkeypatch.setattr(module, "SCAN_LIMIT", 0)
    for on in DAYS:
        expected = sorted(map(_key, reference[on]))
        assert sorted(map(_key, due_list(random_store, on=on).tasks)) == expected, on
    with random_store.read() as s:
        site_ids = sorted(site.id for site in s.exec(select(Site)))
    for on in DAYS[::3]:
        scope = set(site_ids[1:3])
        expected = sorted(_key(t) for t in reference[on] if t.site_id in scope)
        assert sorted(map(_key, due_list(random_store, on=on, site_ids=scope).tasks)) == expected


def test_the_random_store_summary_is_in_step(random_store: Store) -> None:
    assert_in_step(random_store)


@settings(max_examples=40, deadline=None)
@given(
    pick=st.lists(st.integers(min_value=0, max_value=5), max_size=5),
    on=st.sampled_from(DAYS),
)
def test_the_list_never_contains_a_person_outside_the_scope(
    random_store: Store, reference: dict[date, list[Task]], pick: list[int], on: date
) -> None:
    with random_store.read() as s:
        site_ids = sorted(site.id for site in s.exec(select(Site)))
    scope = {site_ids[i] if i < len(site_ids) else f"missing-{i}" for i in pick}
    dl = due_list(random_store, on=on, site_ids=scope)
    with random_store.read() as s:
        in_scope = {p.id for p in s.exec(select(Person)) if p.site_id in scope}
    assert {t.person_id for t in dl.tasks} <= in_scope
    assert {g.site_id for g in dl.groups} <= scope
    expected = sorted(_key(t) for t in reference[on] if t.site_id in scope)
    assert sorted(map(_key, dl.tasks)) == expected
    assert sum(dl.counts.values()) == dl.total == sum(len(g.tasks) for g in dl.groups)


def test_the_random_store_exercises_every_rule(reference: dict[date, list[Task]]) -> None:
    seen = {t.kind for tasks in reference.values() for t in tasks}
    assert seen == set(TaskKind)
    # tasks are built without Task's own __new__: every one must still be complete
    fields = len(Task._fields)
    assert all(len(t) == fields for tasks in reference.values() for t in tasks)
    assert {t.state for tasks in reference.values() for t in tasks} == set(TaskState)


def test_county_policy_is_the_config_file_when_present(tmp_path: Path) -> None:
    from fieldkit.domain.careplan import PolicyError
    from fieldkit.paths import config_dir
    from fieldkit.store.due_list import county_policy

    assert county_policy() == default_policy()
    config_dir().mkdir(parents=True, exist_ok=True)
    (config_dir() / "policy.toml").write_text("[tiers.routine]\ninterval_days = 180\n", "utf-8")
    assert county_policy().tier_interval_days[Tier.ROUTINE] == 180
    other = tmp_path / "other.toml"
    other.write_text("[tiers.routine]\ninterval_days = 0\n", "utf-8")
    with pytest.raises(PolicyError, match=r"other\.toml: tiers\.routine\.interval_days: must be"):
        county_policy(other)


# --- a festival window: the festival visits listed for the whole scope in SQL ----------

SPRING = D("2027-01-30")  # Spring Festival 2027-02-06: visits from 2027-01-23, due 02-05


@pytest.fixture
def festive(tmp_path: Path) -> Iterator[tuple[Store, dict[str, str]]]:
    store = Store(tmp_path / "festive.db")
    ids: dict[str, str] = {}
    with store.write() as s:
        a, b = _two_sites(s)
        ids.update(site_a=a.id, site_b=b.id)
        people = {
            "owes": Person(code="F-1", name="张三", site_id=a.id, tier=Tier.KEY),
            "settled": Person(code="F-2", name="李四", site_id=a.id),
            "early": Person(code="F-3", name="王五", site_id=b.id, category=Category.WIDOW),
            "never": Person(code="F-4", name="赵六", site_id=b.id, tier=Tier.PERIODIC),
            "later": Person(code="F-5", name="钱七", site_id=b.id, category=Category.LIXIU),
            "moved": Person(code="F-6", name="孙八", site_id=a.id, status=Status.MOVED),
            "died": Person(code="F-7", name="周九", site_id=a.id),
            "marked": Person(code="F-8", name="吴十", site_id=b.id, status=Status.DECEASED),
            "removed": Person(code="F-9", name="郑一", site_id=b.id, deleted=True),
        }
        s.add_all(people.values())
        s.flush()
        ids.update({k: p.id for k, p in people.items()})

        def visit(who: str, day: str, reason: VisitReason = VisitReason.ROUTINE) -> Visit:
            site = people[who].site_id
            return Visit(person_id=ids[who], site_id=site, visited_at=_at(D(day)), reason=reason)

        s.add_all(
            [
                visit("owes", "2027-01-10"),
                visit("settled", "2027-01-25", VisitReason.FESTIVAL),  # in the window
                visit("early", "2027-01-20", VisitReason.FESTIVAL),  # before it opened
                visit("later", "2027-01-05"),
                visit("later", "2027-02-02", VisitReason.FESTIVAL),  # after the day
                visit("moved", "2026-06-01"),
                visit("died", "2027-01-02"),
                PersonEvent(
                    person_id=ids["died"],
                    site_id=a.id,
                    kind=EventKind.DECEASED,
                    happened_on=D("2027-01-28"),
                ),
            ]
        )
    yield store, ids
    store.close()


def _by_rules(store: Store, on: date, policy: Policy | None = None) -> list[tuple[object, ...]]:
    """The tasks of the rules applied directly to every person's full history."""
    return sorted(map(_key, all_tasks(naive_facts(store, on), on, policy or default_policy())))


@pytest.mark.parametrize("scan_limit", [20_000, 0], ids=["scan", "indexes"])
def test_a_festival_window_lists_who_owes_the_visit(
    festive: tuple[Store, dict[str, str]], monkeypatch: pytest.MonkeyPatch, scan_limit: int
) -> None:
    import fieldkit.store.due_list as module

    monkeypatch.setattr(module, "SCAN_LIMIT", scan_limit)
    store, ids = festive
    dl = due_list(store, on=SPRING)
    festival = {
        (t.person_id, t.window_start, t.due) for t in dl.tasks if t.kind is TaskKind.FESTIVAL
    }
    window = (D("2027-01-23"), D("2027-02-05"))
    # not the one visited in the window, the one who moved, the dead, the removed
    assert festival == {(ids[who], *window) for who in ("owes", "early", "never", "later")}
    assert [t.kind for t in dl.tasks if t.person_id == ids["died"]] == [TaskKind.CONDOLENCE]
    assert sorted(map(_key, dl.tasks)) == _by_rules(store, SPRING)
    owes = next(t for t in dl.tasks if t.person_id == ids["owes"] and t.kind is TaskKind.FESTIVAL)
    assert (owes.person_name, owes.person_code, owes.site_id) == ("张三", "F-1", ids["site_a"])
    assert owes.why_zh == "春节 (2027-02-06) 前走访"
    assert owes.state is TaskState.DUE_THIS_WEEK
    group = dl.group(ids["site_b"])
    assert group is not None
    assert {(t.person_name, t.kind) for t in group.tasks if t.kind is TaskKind.FESTIVAL} == {
        ("王五", TaskKind.FESTIVAL),
        ("赵六", TaskKind.FESTIVAL),
        ("钱七", TaskKind.FESTIVAL),
    }
    only_a = due_list(store, on=SPRING, site_ids=[ids["site_a"]])
    assert {t.person_id for t in only_a.tasks if t.kind is TaskKind.FESTIVAL} == {ids["owes"]}


def test_a_festival_window_under_a_county_policy(festive: tuple[Store, dict[str, str]]) -> None:
    store, ids = festive
    policy = parse_policy(
        '[festivals]\ntiers = ["key", "routine"]\ncategories = ["lixiu", "widow"]\n'
    )
    dl = due_list(store, on=SPRING, policy=policy)
    festival = {t.person_id for t in dl.tasks if t.kind is TaskKind.FESTIVAL}
    assert festival == {ids["early"], ids["later"]}  # a widow and a lixiu, both routine
    assert sorted(map(_key, dl.tasks)) == _by_rules(store, SPRING, policy)


def test_the_festival_statements_test_only_what_can_leave_someone_out(
    festive: tuple[Store, dict[str, str]],
) -> None:
    """A policy naming every tier and category tests neither on each row; of the
    persons with a recorded death, only those whose status does not leave them out
    already ("died": still active) are left out by id; the counts stay those of the
    rules."""
    store, ids = festive
    naming_all = parse_policy(
        "[festivals]\n"
        f"tiers = {[t.value for t in Tier]!r}\ncategories = {[c.value for c in Category]!r}\n"
    )
    some = parse_policy('[festivals]\ntiers = ["key", "routine"]\n')
    start = D("2027-01-23")
    with store.read() as s:
        conn = s.connection()
        for policy, tested in ((default_policy(), ""), (naming_all, ""), (some, "s.tier IN")):
            query = DueQuery(DayRules(SPRING, policy), None)
            dead = [ids["died"], ids["marked"], ids["moved"], ids["removed"]]
            unmarked = conn.exec_driver_sql(query.unmarked_dead(dead), query.params).scalars()
            assert decode_ids(unmarked) == [ids["died"]]
            sql = query.festival_count(start, [ids["died"]])
            assert ("s.tier IN" in sql) == bool(tested)
            assert "s.category IN" not in sql
            counted = conn.exec_driver_sql(sql, query.params).scalar_one()
            owed = [k for k in _by_rules(store, SPRING, policy) if k[1] is TaskKind.FESTIVAL]
            # "later" has a visit after the day: a candidate, not counted here
            current = [k[0] for k in owed if k[0] != ids["later"]]
            assert counted == len(current) == (3 if policy is not some else 2)
            assert "json_each" not in query.festival_count(start, [])
    with due_listing(store, on=SPRING) as listing:
        assert decode_ids(listing._listing.dead) == [ids["died"]]


def test_the_festival_statements_test_the_last_visit_only_when_a_summary_is_after_the_day(
    festive: tuple[Store, dict[str, str]],
) -> None:
    """On the festival day "later" has a visit after it (their summary is not current):
    the festival statements test each summary's last visit. After every visit no
    summary is newer than the day: they leave that test out, and the list is still
    the rules'."""
    store, ids = festive
    after_every_visit = D("2027-02-03")  # the last visit is "later"'s, on 2027-02-02
    for on, all_current in ((SPRING, False), (after_every_visit, True)):
        with due_listing(store, on=on) as listing:
            query = listing._listing.query
            assert query.all_current is all_current
            assert ("s.last_at" in query.festival_count(D("2027-01-23"), [])) is not all_current
            whole = listing.whole()
        assert sorted(map(_key, whole.tasks)) == _by_rules(store, on)
    festival = {t.person_id for t in whole.tasks if t.kind is TaskKind.FESTIVAL}
    assert festival == {ids[who] for who in ("owes", "early", "never")}  # "later" visited


def test_each_store_remembers_the_ids_of_its_own_persons(
    festive: tuple[Store, dict[str, str]], tmp_path: Path
) -> None:
    store, ids = festive
    other = Store(tmp_path / "other.db")
    try:
        listed = {t.person_id for t in due_list(store, on=SPRING).tasks}
        assert listed == {ids[w] for w in ("owes", "early", "never", "later", "died")}
        remembered = person_ids(store)
        assert remembered is person_ids(store)
        assert {p: remembered.known(encode_id(p)) for p in listed} == {p: p for p in listed}
        assert len(person_ids(other)) == 0
    finally:
        other.close()


def test_the_head_is_the_start_of_the_whole_list(festive: tuple[Store, dict[str, str]]) -> None:
    store, _ = festive
    whole = due_list(store, on=SPRING)
    for limit in range(whole.total + 2):
        assert due_list_head(store, on=SPRING, limit=limit) == list(whole.tasks[:limit])
    with due_listing(store, on=SPRING) as listing:
        assert listing.counts() == whole.counts


def test_head_counts_and_whole_read_one_snapshot(festive: tuple[Store, dict[str, str]]) -> None:
    store, ids = festive
    with due_listing(store, on=SPRING) as listing:
        head = listing.head(limit=3)
        with store.write() as s:  # the festival visit is made while the list is read
            s.add(
                Visit(
                    person_id=ids["owes"],
                    site_id=ids["site_a"],
                    visited_at=_at(D("2027-01-29")),
                    reason=VisitReason.FESTIVAL,
                )
            )
        counts = listing.counts()
        whole = listing.whole()
    assert head == list(whole.tasks[:3])
    assert counts == whole.counts
    owed = {t.person_id for t in whole.tasks if t.kind is TaskKind.FESTIVAL}
    assert ids["owes"] in owed
    now = {t.person_id for t in due_list(store, on=SPRING).tasks if t.kind is TaskKind.FESTIVAL}
    assert now == owed - {ids["owes"]}


@pytest.mark.parametrize("scan_limit", [20_000, 0], ids=["scan", "indexes"])
def test_the_head_of_the_random_store_on_every_day(
    random_store: Store, monkeypatch: pytest.MonkeyPatch, scan_limit: int
) -> None:
    import fieldkit.store.due_list as module

    monkeypatch.setattr(module, "SCAN_LIMIT", scan_limit)
    with random_store.read() as s:
        scope = sorted(site.id for site in s.exec(select(Site)))[1:3]
    for on in DAYS:
        for site_ids in (None, scope):
            whole = due_list(random_store, on=on, site_ids=site_ids)
            for limit in (1, 10, 50, whole.total):
                head = due_list_head(random_store, on=on, site_ids=site_ids, limit=limit)
                assert head == list(whole.tasks[:limit]), (on, limit)
            with due_listing(random_store, on=on, site_ids=site_ids) as listing:
                assert listing.counts() == whole.counts
            with due_listing(random_store, on=on, site_ids=site_ids) as listing:
                # a festival visit's persons counted with the first of them
                assert listing.head(10) == list(whole.tasks[:10])
                assert listing.counts() == whole.counts


def _candidate_ids(listing: DueListing, part: Part) -> set[str]:
    """The persons the listing's candidate statement reads in ``part``."""
    inner = listing._listing
    rows = inner.cursor.execute(inner.query.seek_sql(part), inner.query.params)
    return {decode_id(row[0]) for row in rows}


@pytest.mark.parametrize("on", DAYS, ids=str)
def test_the_first_part_and_the_rest_are_every_candidate(random_store: Store, on: date) -> None:
    """Split at any day, the candidates of the first part and of the rest are those
    of the whole statement, and every task due by that day is a first-part
    candidate's (the festival visits of persons with a current summary are listed
    apart)."""
    whole = due_list(random_store, on=on)
    year_end = date(on.year, 12, 31)
    splits = [on + timedelta(days=n) for n in (-900, -400, -120, -91, -30, -1, 0, 1, 14)]
    with due_listing(random_store, on=on) as listing:
        everyone = _candidate_ids(listing, WHOLE)
        for until in [*splits, year_end - timedelta(days=1), year_end]:
            listing._listing.query.split_at(until)
            first, rest = _candidate_ids(listing, FIRST), _candidate_ids(listing, REST)
            assert first | rest == everyone, until
            by_rules = [t for t in whole.tasks if t.kind is not TaskKind.FESTIVAL]
            owed = {t.person_id for t in by_rules if t.due <= until}
            assert owed <= first, until
    assert everyone


@pytest.mark.parametrize("on", DAYS, ids=str)
def test_the_first_screenful_reads_only_its_candidates(
    random_store: Store, monkeypatch: pytest.MonkeyPatch, on: date
) -> None:
    """Through the indexes, the head reads the candidates who may owe a task due by
    the day its tasks end (or all of them), and equals the start of the whole list,
    a longer head after it too; the counts and the whole list read after it from the
    same listing are those of a whole read."""
    import fieldkit.store.due_list as module

    monkeypatch.setattr(module, "SCAN_LIMIT", 0)
    whole = due_list(random_store, on=on)
    for limit in (1, 5, 20, 50):
        with due_listing(random_store, on=on) as listing:
            assert listing.head(limit) == list(whole.tasks[:limit]), limit
            first = listing._first  # None: too few tasks guessed, every candidate read
            assert first is None or set(decode_ids(first.persons)) <= _candidate_ids(listing, WHOLE)
            assert listing.head(limit + 3) == list(whole.tasks[: limit + 3])
            assert listing.counts() == whole.counts
            again = listing.whole()
            assert list(again.tasks) == list(whole.tasks)
            assert again.counts == whole.counts


def test_the_screenful_of_a_large_scope_reads_fewer_candidates(
    random_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fieldkit.store.due_list as module

    monkeypatch.setattr(module, "SCAN_LIMIT", 0)
    on = D("2028-06-01")  # after every visit of the store: every summary current
    with due_listing(random_store, on=on) as listing:
        listing.head(5)
        first = listing._first
        assert first is not None
        assert first.until < on
        assert 5 <= len(first.persons) < len(_candidate_ids(listing, WHOLE)) // 2


@pytest.mark.parametrize("guess", ["1900-01-01", "2999-12-31"])
def test_a_wrong_guess_of_where_the_screenful_ends_gives_the_same_head(
    random_store: Store, monkeypatch: pytest.MonkeyPatch, guess: str
) -> None:
    """A guess too early (too few tasks due by then: every candidate is read) or too
    late (every task is in the first part) gives the same head, counts and list."""
    import fieldkit.store.due_list as module

    monkeypatch.setattr(module, "SCAN_LIMIT", 0)
    monkeypatch.setattr(
        DueQuery, "earliest_dues", lambda self, first: f"SELECT '{guess}' FROM person"
    )
    for on in DAYS[::2]:
        whole = due_list(random_store, on=on)
        with due_listing(random_store, on=on) as listing:
            assert listing.head(20) == list(whole.tasks[:20]), on
            assert listing._first is not None
            assert listing._first.holds(20) == (guess > on.isoformat())
            assert listing.counts() == whole.counts
            assert list(listing.whole().tasks) == list(whole.tasks)


# --- the festival visits' persons, read lazily from the listing's snapshot -----------


def _eager(store: Store, on: date, site_id: str | None = None) -> list[Task]:
    """The reference: every task of the rules on every person's full history, sorted
    by urgency, made eagerly."""
    tasks = all_tasks(naive_facts(store, on), on, default_policy())
    return sorted((t for t in tasks if site_id in (None, t.site_id)), key=lambda t: t.sort_key)


@pytest.mark.parametrize("scan_limit", [20_000, 0], ids=["scan", "indexes"])
def test_the_lazy_festival_tasks_equal_an_eager_reference(
    festive: tuple[Store, dict[str, str]], monkeypatch: pytest.MonkeyPatch, scan_limit: int
) -> None:
    import fieldkit.store.due_list as module

    monkeypatch.setattr(module, "SCAN_LIMIT", scan_limit)
    store, ids = festive
    dl = due_list(store, on=SPRING)
    expected = _eager(store, SPRING)
    assert [t.kind for t in expected].count(TaskKind.FESTIVAL) == 4
    # the same tasks (persons, kinds, windows, states, reasons) in the same order
    assert list(dl.tasks) == expected
    assert [dl.tasks[i] for i in range(dl.total)] == expected
    assert dl.counts == {s: sum(t.state is s for t in expected) for s in TaskState}
    for site in ("site_a", "site_b"):
        group = dl.group(ids[site])
        assert group is not None
        mine = _eager(store, SPRING, ids[site])
        assert list(group.tasks) == mine
        assert group.counts == {s: sum(t.state is s for t in mine) for s in TaskState}


def test_the_lazy_festival_tasks_equal_the_reference_on_the_random_store(
    random_store: Store,
) -> None:
    """Every day of the random store that lists festival visits, whole scope and two
    sites: tasks, order, groups and counts as the eager reference has them."""
    with random_store.read() as s:
        scope = sorted(site.id for site in s.exec(select(Site)))[1:3]
    checked = 0
    for on in DAYS:
        reference = _eager(random_store, on)
        if not any(t.kind is TaskKind.FESTIVAL for t in reference):
            continue
        checked += 1
        dl = due_list(random_store, on=on)
        assert list(dl.tasks) == reference, on
        names = {g.site_id: g.site_name for g in dl.groups}
        assert [g.site_id for g in dl.groups] == sorted(
            {t.site_id for t in reference}, key=lambda sid: (names[sid], sid)
        )
        for group in dl.groups:
            assert list(group.tasks) == [t for t in reference if t.site_id == group.site_id]
        scoped = due_list(random_store, on=on, site_ids=scope)
        assert list(scoped.tasks) == [t for t in reference if t.site_id in scope], on
    assert checked >= 3


def test_festival_persons_read_after_a_write_come_from_the_listing_snapshot(
    festive: tuple[Store, dict[str, str]],
) -> None:
    store, ids = festive
    dl = due_list(store, on=SPRING)
    with store.write() as s:  # the festival visit is made before the list is read
        s.add(
            Visit(
                person_id=ids["owes"],
                site_id=ids["site_a"],
                visited_at=_at(D("2027-01-29")),
                reason=VisitReason.FESTIVAL,
            )
        )
    owed = [t.person_id for t in dl.tasks if t.kind is TaskKind.FESTIVAL]
    assert sorted(owed) == sorted(ids[who] for who in ("owes", "early", "never", "later"))
    now = due_list(store, on=SPRING)
    assert [t.person_id for t in now.tasks if t.kind is TaskKind.FESTIVAL] == [
        p for p in owed if p != ids["owes"]
    ]


def test_a_list_dropped_unread_gives_its_connection_back(
    festive: tuple[Store, dict[str, str]],
) -> None:
    store, ids = festive
    pool = store.engine.pool
    assert isinstance(pool, QueuePool)
    dl = due_list(store, on=SPRING)
    assert pool.checkedout() == 1  # held for the festival persons not yet read
    assert dl.total == len(_eager(store, SPRING))
    del dl
    assert pool.checkedout() == 0
    dl = due_list(store, on=SPRING)
    assert {t.person_id for t in dl.tasks if t.kind is TaskKind.FESTIVAL} >= {ids["owes"]}
    assert pool.checkedout() == 0  # read: given back


# --- the candidates' rows, facts and events in a festival window --------------------


def test_a_candidate_row_gives_every_fact_in_its_place() -> None:
    """A row of the candidate statement decoded by position gives each of the
    person's facts under its own name (the facts are made without their keyword
    constructor)."""
    from types import SimpleNamespace

    import fieldkit.store.due_list as module
    from fieldkit.store.due_sql import PERSON_KINDS

    row = (
        "p-1", "名字", "C-1", "site-r", "地址",
        PERSON_KINDS.index((Tier.PERIODIC, Category.WIDOW, Status.HOSPITALISED)),
        "1947-03-04", 0, "2026-12-01 09:30:00", "2027-01-05\x1f回访",
        "2026-11-02,,2026-10-03,",
    )  # fmt: skip
    events = {EventKind.HOSPITALISED: D("2026-11-01")}
    listing: Any = SimpleNamespace(
        events={"p-1": events}, relocation={"site-r"}, site_text={}, person_ids=IdTexts(10)
    )
    facts = module._facts_of_rows(listing)(row)
    assert facts._asdict() == {
        "person_id": "p-1",
        "name": "名字",
        "site_id": "site-r",
        "tier": Tier.PERIODIC,
        "category": Category.WIDOW,
        "status": Status.HOSPITALISED,
        "birth_date": D("1947-03-04"),
        "code": "C-1",
        "address": "地址",
        "relocation_site": True,
        "last_visit": D("2026-12-01"),
        "last_by_reason": {
            VisitReason.HOSPITAL: D("2026-11-02"),
            VisitReason.MISFORTUNE: D("2026-10-03"),
        },
        "events": events,
        "follow_ups": (FollowUp("回访", D("2026-12-01"), D("2027-01-05")),),
    }
    assert type(facts) is PersonFacts
    assert type(facts.follow_ups[0]) is FollowUp
    nobody: Any = SimpleNamespace(events={}, relocation=set(), site_text={}, person_ids=IdTexts(10))
    never = module._facts_of_rows(nobody)((*row[:6], None, 0, None, None, None))
    assert (never.birth_date, never.last_visit, never.follow_ups) == (None, None, ())
    assert (never.last_by_reason, never.events, never.relocation_site) == ({}, {}, False)


def test_candidate_rows_of_a_real_store_give_each_persons_facts(random_store: Store) -> None:
    """Every candidate row the store gives (read in full and through the indexes),
    decoded by position, holds the person's own facts as read from their full history:
    tier, category and status (one column), the latest visit, its follow-up (one
    column: due date and text), the latest visit per must-visit reason (one column)."""
    import fieldkit.store.due_list as module
    from fieldkit.store.due_sql import CANDIDATE_REASONS, STALE_AT

    seen: list[PersonFacts] = []
    for on in DAYS[::2]:
        naive = {f.person_id: f for f in naive_facts(random_store, on)}
        for seeks in (False, True):
            with due_listing(random_store, on=on) as listing:
                inner = listing._listing
                inner.seeks = seeks
                facts_of = module._facts_of_rows(inner)
                current = [row for row in module._candidate_rows(inner) if not row[STALE_AT]]
                assert current, on
                for row in current:
                    got, want = facts_of(row), naive[decode_id(row[0])]
                    assert got._replace(last_by_reason={}, events={}) == want._replace(
                        last_by_reason={}, events={}
                    ), (on, row)
                    assert got.last_by_reason == {
                        r: d for r, d in want.last_by_reason.items() if r in CANDIDATE_REASONS
                    }, (on, row)
                    seen.append(got)
    # every kind of value was read: each reason, follow-ups with and without a due date
    assert {r for f in seen for r in f.last_by_reason} == set(CANDIDATE_REASONS)
    assert {f.follow_ups[0].due is None for f in seen if f.follow_ups} == {True, False}
    assert len({(f.tier, f.category, f.status) for f in seen}) > 20


@pytest.fixture
def mourning(tmp_path: Path) -> Iterator[tuple[Store, dict[str, str]]]:
    """A festival window's store with the dead (marked or not, long ago or lately),
    the moved, the never visited, and tasks sharing due dates around where a first
    screenful ends."""
    store = Store(tmp_path / "mourning.db")
    ids: dict[str, str] = {}
    with store.write() as s:
        a, b = _two_sites(s)
        people = {
            # a death long before the day: of a person marked deceased (nothing), of
            # one still active (nothing either, the festival visit included), of one
            # who moved away since
            "old_marked": Person(code="M-1", name="甲", site_id=a.id, status=Status.DECEASED),
            "old_unmarked": Person(code="M-2", name="乙", site_id=b.id),
            "old_moved": Person(code="M-3", name="丙", site_id=b.id, status=Status.MOVED),
            # a recent death, marked: the condolence visit only
            "lately": Person(code="M-4", name="丁", site_id=a.id, status=Status.DECEASED),
            "moved": Person(code="M-5", name="戊", site_id=a.id, status=Status.MOVED),
            "never": Person(code="M-6", name="己", site_id=b.id, tier=Tier.KEY),
            "never_too": Person(code="M-7", name="庚", site_id=a.id, tier=Tier.ROUTINE),
            "hospital": Person(code="M-8", name="辛", site_id=b.id, status=Status.HOSPITALISED),
        }
        # key-tier persons visited on the same days: tier tasks sharing due dates
        for n in range(9):
            people[f"key{n}"] = Person(
                code=f"K-{n}", name=f"钥{n % 3}", site_id=(a, b)[n % 2].id, tier=Tier.KEY
            )
        s.add_all(people.values())
        s.flush()
        ids.update({k: p.id for k, p in people.items()})

        def visit(who: str, day: str, follow_up: str = "", due: date | None = None) -> Visit:
            person = people[who]
            return Visit(
                person_id=person.id,
                site_id=person.site_id,
                visited_at=_at(D(day)),
                follow_up=follow_up,
                follow_up_due=due,
            )

        def event(who: str, kind: EventKind, day: str) -> PersonEvent:
            person = people[who]
            return PersonEvent(
                person_id=person.id, site_id=person.site_id, kind=kind, happened_on=D(day)
            )

        s.add_all(
            [
                visit("old_marked", "2025-12-01"),
                visit("old_unmarked", "2025-12-01"),
                visit("old_moved", "2025-12-01"),
                visit("lately", "2026-12-20"),
                visit("moved", "2026-01-01"),
                visit("hospital", "2026-12-28", "复查", D("2027-01-30")),
                event("old_marked", EventKind.DECEASED, "2026-02-01"),
                event("old_unmarked", EventKind.DECEASED, "2026-02-01"),
                event("old_moved", EventKind.DECEASED, "2026-02-01"),
                event("lately", EventKind.DECEASED, "2027-01-27"),
                event("hospital", EventKind.HOSPITALISED, "2027-01-28"),
            ]
            + [
                visit(f"key{n}", ("2026-12-20", "2026-12-31", "2027-01-06")[n // 3])
                for n in range(9)
            ]
        )
    yield store, ids
    store.close()


@pytest.mark.parametrize("scan_limit", [20_000, 0], ids=["scan", "indexes"])
def test_the_dead_the_moved_and_the_never_visited_in_a_festival_window(
    mourning: tuple[Store, dict[str, str]], monkeypatch: pytest.MonkeyPatch, scan_limit: int
) -> None:
    """The whole list equals the rules over every person's full history, in order;
    older deaths are read only for persons not marked deceased, moved nor removed;
    every first screenful (its end falling inside a run of tasks due on the same
    day, or between days) is the start of the whole list, and the counts after it
    are the whole list's."""
    import fieldkit.store.due_list as module

    monkeypatch.setattr(module, "SCAN_LIMIT", scan_limit)
    store, ids = mourning
    whole = due_list(store, on=SPRING)
    assert list(whole.tasks) == _eager(store, SPRING)
    kinds: dict[str, list[TaskKind]] = {}
    for task in whole.tasks:
        kinds.setdefault(task.person_id, []).append(task.kind)
    for who in ("old_marked", "old_unmarked", "old_moved", "moved"):
        assert ids[who] not in kinds, who
    assert kinds[ids["lately"]] == [TaskKind.CONDOLENCE]
    assert sorted(kinds[ids["never"]]) == sorted([TaskKind.TIER, TaskKind.FESTIVAL])
    assert TaskKind.HOSPITAL in kinds[ids["hospital"]]
    with due_listing(store, on=SPRING) as listing:
        dead = set(decode_ids(listing._listing.recorded_dead))
        assert dead == {ids["old_unmarked"]}
        assert decode_ids(listing._listing.dead) == [ids["old_unmarked"]]
    for limit in range(1, whole.total + 2):
        assert due_list_head(store, on=SPRING, limit=limit) == list(whole.tasks[:limit]), limit
        with due_listing(store, on=SPRING) as listing:
            assert listing.head(limit) == list(whole.tasks[:limit]), limit
            assert listing.counts() == whole.counts, limit
            assert list(listing.whole().tasks) == list(whole.tasks), limit
