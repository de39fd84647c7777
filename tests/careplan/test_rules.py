"""Each must-visit rule at the edges of its window: the day before, on, and after."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from fieldkit.domain.careplan import (
    DayRules,
    FollowUp,
    PersonFacts,
    Policy,
    Task,
    TaskKind,
    TaskState,
    birthday_in,
    default_policy,
    parse_policy,
    person_tasks,
)
from fieldkit.domain.vocab import Category, EventKind, Status, Tier, VisitReason

OVERDUE, TODAY, WEEK, UPCOMING = (
    TaskState.OVERDUE,
    TaskState.DUE_TODAY,
    TaskState.DUE_THIS_WEEK,
    TaskState.UPCOMING,
)
D = date.fromisoformat
NOT_LISTED = None
# a quiet day (no festival window near) and a recent visit, so only the rule under test fires
QUIET = D("2026-04-20")


def facts(**kw: Any) -> PersonFacts:
    base: dict[str, Any] = {
        "person_id": "p1",
        "name": "张三丰",
        "site_id": "S1",
        "code": "GL-1",
        "last_visit": kw.get("last_visit", D("2026-04-01")),
    }
    base.update(kw)
    return PersonFacts(**base)


def of_kind(
    person: PersonFacts, on: date, kind: TaskKind, policy: Policy | None = None
) -> Task | None:
    found = [t for t in person_tasks(person, on, policy or default_policy()) if t.kind is kind]
    assert len(found) <= 1
    return found[0] if found else None


def state(person: PersonFacts, on: date, kind: TaskKind) -> TaskState | None:
    task = of_kind(person, on, kind)
    return task.state if task else None


# --- tier interval ---------------------------------------------------------------------

TIER_EDGES = [
    # tier, days since the last visit, expected state
    (Tier.KEY, 15, NOT_LISTED),  # due in 15 days: beyond the 14-day horizon
    (Tier.KEY, 16, UPCOMING),
    (Tier.KEY, 22, UPCOMING),  # the day before the window opens (30 - 7)
    (Tier.KEY, 23, WEEK),  # window opens: 7 days before the interval ends
    (Tier.KEY, 29, WEEK),
    (Tier.KEY, 30, TODAY),
    (Tier.KEY, 31, OVERDUE),
    (Tier.PERIODIC, 75, NOT_LISTED),
    (Tier.PERIODIC, 83, WEEK),
    (Tier.PERIODIC, 90, TODAY),
    (Tier.PERIODIC, 91, OVERDUE),
    (Tier.ROUTINE, 350, NOT_LISTED),
    (Tier.ROUTINE, 358, WEEK),
    (Tier.ROUTINE, 365, TODAY),
    (Tier.ROUTINE, 366, OVERDUE),
    (Tier.ROUTINE, 2000, OVERDUE),  # tier tasks never drop off
]


@pytest.mark.parametrize(("tier", "ago", "expected"), TIER_EDGES)
def test_tier_interval_edges(tier: Tier, ago: int, expected: TaskState | None) -> None:
    last = D("2026-03-01")
    person = facts(tier=tier, last_visit=last)
    on = last + timedelta(days=ago)
    assert state(person, on, TaskKind.TIER) == expected


def test_tier_task_explains_itself_and_any_visit_restarts_it() -> None:
    person = facts(tier=Tier.KEY, last_visit=D("2026-03-01"))
    task = of_kind(person, D("2026-04-11"), TaskKind.TIER)
    assert task is not None
    assert task.why_zh == "重点关注: 上次走访 41 天前"
    assert task.why("en") == "key attention: last visited 41 days ago"
    assert (task.window_start, task.due) == (D("2026-03-24"), D("2026-03-31"))
    # a hospital visit (any reason) restarts the interval
    later = person._replace(last_visit=D("2026-04-10"))
    assert of_kind(later, D("2026-04-11"), TaskKind.TIER) is None


def test_never_visited_is_due_today() -> None:
    task = of_kind(facts(tier=Tier.KEY, last_visit=None), QUIET, TaskKind.TIER)
    assert task is not None
    assert task.state is TODAY
    assert task.why_zh == "重点关注: 从未走访"


@pytest.mark.parametrize(
    ("last", "on", "due"),
    [
        ("2028-02-01", "2028-03-02", "2028-03-02"),  # leap year: 30 days after 1 Feb is 2 Mar
        ("2027-02-01", "2027-03-03", "2027-03-03"),  # common year: 3 Mar
        ("2028-02-29", "2028-03-30", "2028-03-30"),  # last visit on a leap day
    ],
)
def test_tier_due_dates_across_leap_days(last: str, on: str, due: str) -> None:
    task = of_kind(facts(tier=Tier.KEY, last_visit=D(last)), D(on), TaskKind.TIER)
    assert task is not None
    assert task.due == D(due)
    assert task.state is TODAY


# --- hospital and misfortune events ---------------------------------------------------

EVENT_EDGES = [
    # kind, days after the event, expected state
    (EventKind.HOSPITALISED, -1, NOT_LISTED),  # the event lies in the future
    (EventKind.HOSPITALISED, 0, WEEK),
    (EventKind.HOSPITALISED, 2, WEEK),
    (EventKind.HOSPITALISED, 3, TODAY),
    (EventKind.HOSPITALISED, 4, OVERDUE),
    (EventKind.HOSPITALISED, 3 + 90, OVERDUE),  # kept 90 days after due
    (EventKind.HOSPITALISED, 3 + 91, NOT_LISTED),
    (EventKind.MISFORTUNE, 0, WEEK),
    (EventKind.MISFORTUNE, 6, WEEK),
    (EventKind.MISFORTUNE, 7, TODAY),
    (EventKind.MISFORTUNE, 8, OVERDUE),
]
EVENT_TASK = {EventKind.HOSPITALISED: TaskKind.HOSPITAL, EventKind.MISFORTUNE: TaskKind.MISFORTUNE}


@pytest.mark.parametrize(("kind", "after", "expected"), EVENT_EDGES)
def test_event_windows(kind: EventKind, after: int, expected: TaskState | None) -> None:
    event = D("2026-04-10")
    person = facts(events={kind: event})
    on = event + timedelta(days=after)
    assert state(person, on, EVENT_TASK[kind]) == expected


@pytest.mark.parametrize(
    ("visit_reason", "visit_day", "settled"),
    [
        (VisitReason.HOSPITAL, "2026-04-10", True),  # the day of the event
        (VisitReason.HOSPITAL, "2026-04-14", True),  # late, but it still settles it
        (VisitReason.HOSPITAL, "2026-04-09", False),  # before the event
        (VisitReason.ROUTINE, "2026-04-11", False),  # another reason
    ],
)
def test_hospital_visit_settles(visit_reason: VisitReason, visit_day: str, settled: bool) -> None:
    person = facts(
        events={EventKind.HOSPITALISED: D("2026-04-10")},
        last_visit=D(visit_day),
        last_by_reason={visit_reason: D(visit_day)},
    )
    task = of_kind(person, D("2026-04-15"), TaskKind.HOSPITAL)
    assert (task is None) == settled
    if task:
        assert task.why_zh == "住院 (2026-04-10): 3 天内走访"
        assert task.reason is VisitReason.HOSPITAL


# --- milestone birthdays --------------------------------------------------------------

BIRTHDAY_EDGES = [
    # birth date, list day, expected state
    ("1946-03-10", "2026-03-02", NOT_LISTED),  # due 17 Mar is 15 days away
    ("1946-03-10", "2026-03-03", UPCOMING),  # window opens 7 days before the birthday
    ("1946-03-10", "2026-03-10", WEEK),  # the birthday itself
    ("1946-03-10", "2026-03-17", TODAY),  # last day: 7 days after
    ("1946-03-10", "2026-03-18", OVERDUE),
    ("1947-03-10", "2026-03-10", NOT_LISTED),  # 79
    ("1945-03-10", "2026-03-10", NOT_LISTED),  # 81
    ("1936-03-10", "2026-03-10", WEEK),  # 90
    ("1926-03-10", "2026-03-10", WEEK),  # 100
    ("1925-03-10", "2026-03-10", WEEK),  # 101: every birthday after 100
    ("1920-03-10", "2026-03-10", WEEK),  # 106
    ("1946-12-30", "2027-01-02", WEEK),  # 80th birthday window spans the new year
]


@pytest.mark.parametrize(("born", "on", "expected"), BIRTHDAY_EDGES)
def test_birthday_windows(born: str, on: str, expected: TaskState | None) -> None:
    person = facts(birth_date=D(born), last_visit=D(on) - timedelta(days=5))
    assert state(person, D(on), TaskKind.BIRTHDAY) == expected


@pytest.mark.parametrize(
    ("born", "year", "celebrated"),
    [
        ("1936-02-29", 2026, "2026-02-28"),  # 90 in a common year: 28 February
        ("1948-02-29", 2028, "2028-02-29"),  # 80 in a leap year: the day itself
        ("1928-02-29", 2028, "2028-02-29"),  # 100
        ("1928-02-29", 2029, "2029-02-28"),  # 101
        ("1946-03-01", 2026, "2026-03-01"),
    ],
)
def test_birthdays_on_29_february(born: str, year: int, celebrated: str) -> None:
    assert birthday_in(D(born), year) == D(celebrated)
    person = facts(birth_date=D(born), last_visit=D(celebrated) - timedelta(days=3))
    task = of_kind(person, D(celebrated), TaskKind.BIRTHDAY)
    assert task is not None
    assert task.due == D(celebrated) + timedelta(days=7)
    assert task.window_start == D(celebrated) - timedelta(days=7)
    assert f"({celebrated})" in task.why_zh


def test_birthday_visit_settles_only_inside_the_window() -> None:
    born = D("1946-03-10")
    inside = facts(birth_date=born, last_by_reason={VisitReason.BIRTHDAY: D("2026-03-03")})
    before = facts(birth_date=born, last_by_reason={VisitReason.BIRTHDAY: D("2026-03-02")})
    assert of_kind(inside, D("2026-03-12"), TaskKind.BIRTHDAY) is None
    task = of_kind(before, D("2026-03-12"), TaskKind.BIRTHDAY)
    assert task is not None
    assert task.why_zh == "80 岁生日 (2026-03-10)"


# --- death ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("after", "expected"),
    [(0, WEEK), (6, WEEK), (7, TODAY), (8, OVERDUE), (7 + 90, OVERDUE), (7 + 91, NOT_LISTED)],
)
def test_condolence_window(after: int, expected: TaskState | None) -> None:
    death = D("2026-04-10")
    person = facts(status=Status.DECEASED, events={EventKind.DECEASED: death})
    assert state(person, death + timedelta(days=after), TaskKind.CONDOLENCE) == expected


def test_a_person_who_dies_with_open_tasks_keeps_only_the_condolence_visit() -> None:
    on = D("2027-01-30")  # Spring Festival window, 80th birthday, overdue key tier, in hospital
    alive = facts(
        tier=Tier.KEY,
        last_visit=D("2026-10-01"),
        birth_date=D("1947-02-01"),
        events={EventKind.HOSPITALISED: D("2027-01-20")},
        follow_ups=(FollowUp("送药", D("2026-10-01"), D("2026-10-15")),),
    )
    kinds = {t.kind for t in person_tasks(alive, on, default_policy())}
    assert kinds == {
        TaskKind.TIER,
        TaskKind.BIRTHDAY,
        TaskKind.FESTIVAL,
        TaskKind.HOSPITAL,
        TaskKind.FOLLOW_UP,
    }
    dead = alive._replace(events={**alive.events, EventKind.DECEASED: D("2027-01-28")})
    tasks = person_tasks(dead, on, default_policy())
    assert [t.kind for t in tasks] == [TaskKind.CONDOLENCE]
    assert tasks[0].why_zh == "去世 (2027-01-28): 7 天内慰问家属"
    # status updated too, condolence visit made: nothing at all
    settled = dead._replace(
        status=Status.DECEASED, last_by_reason={VisitReason.CONDOLENCE: D("2027-01-29")}
    )
    assert person_tasks(settled, on, default_policy()) == []


def test_deceased_without_a_dated_event_and_moved_persons_get_nothing() -> None:
    on = D("2027-01-30")
    assert person_tasks(facts(status=Status.DECEASED, last_visit=None), on, default_policy()) == []
    assert person_tasks(facts(status=Status.MOVED, last_visit=None), on, default_policy()) == []


def test_a_death_after_the_day_is_not_known_yet() -> None:
    person = facts(tier=Tier.KEY, last_visit=None, events={EventKind.DECEASED: D("2026-05-01")})
    assert [t.kind for t in person_tasks(person, QUIET, default_policy())] == [TaskKind.TIER]


# --- festivals -------------------------------------------------------------------------

FESTIVAL_EDGES = [
    # list day, expected state of the Spring Festival 2027 task (festival on 6 Feb)
    ("2027-01-21", NOT_LISTED),  # due 5 Feb is 15 days away
    ("2027-01-22", UPCOMING),
    ("2027-01-23", UPCOMING),  # the window opens 14 days before
    ("2027-01-29", WEEK),
    ("2027-02-05", TODAY),  # the last day before the festival
    ("2027-02-06", OVERDUE),  # the festival itself: late
    ("2027-02-13", OVERDUE),  # kept 7 days after the festival
    ("2027-02-14", NOT_LISTED),
]


@pytest.mark.parametrize(("on", "expected"), FESTIVAL_EDGES)
def test_spring_festival_window(on: str, expected: TaskState | None) -> None:
    person = facts(last_visit=D(on) - timedelta(days=1))
    task = of_kind(person, D(on), TaskKind.FESTIVAL)
    assert (task.state if task else None) == expected
    if task:
        assert task.why_zh == "春节 (2027-02-06) 前走访"
        assert (task.window_start, task.due) == (D("2027-01-23"), D("2027-02-05"))


@pytest.mark.parametrize(
    ("festival_visit", "settled"), [("2027-01-23", True), ("2027-01-22", False), (None, False)]
)
def test_festival_visit_settles_from_the_window_start(
    festival_visit: str | None, settled: bool
) -> None:
    reasons = {VisitReason.FESTIVAL: D(festival_visit)} if festival_visit else {}
    person = facts(last_visit=D("2027-01-23"), last_by_reason=reasons)
    assert (of_kind(person, D("2027-01-30"), TaskKind.FESTIVAL) is None) == settled


@pytest.mark.parametrize(
    ("on", "festival"),
    [
        ("2026-06-20", "七一"),
        ("2026-09-25", "国庆节"),
        ("2026-10-12", "重阳节"),  # Double Ninth 2026 is 18 October
    ],
)
def test_other_festivals(on: str, festival: str) -> None:
    task = of_kind(facts(last_visit=D(on)), D(on), TaskKind.FESTIVAL)
    assert task is not None
    assert task.why_zh.startswith(festival)


def test_festival_visits_only_for_the_listed_tiers_and_categories() -> None:
    policy = parse_policy('[festivals]\ntiers = ["key"]\ncategories = ["lixiu", "widow"]\n')
    on = D("2027-01-30")
    for tier, category, expected in [
        (Tier.KEY, Category.LIXIU, True),
        (Tier.KEY, Category.RETIRED, False),
        (Tier.ROUTINE, Category.LIXIU, False),
    ]:
        person = facts(tier=tier, category=category, last_visit=on)
        assert (of_kind(person, on, TaskKind.FESTIVAL, policy) is not None) == expected


# --- relocation residents and follow-ups -----------------------------------------------


@pytest.mark.parametrize(
    ("on", "last", "expected"),
    [
        ("2026-10-31", "2025-12-20", NOT_LISTED),  # 61 days before the year ends
        ("2026-11-01", "2025-12-20", UPCOMING),
        ("2026-12-31", "2025-12-20", TODAY),
        ("2026-12-31", "2026-01-01", NOT_LISTED),  # visited this year
        ("2026-12-31", None, TODAY),
    ],
)
def test_relocation_residents_once_a_calendar_year(
    on: str, last: str | None, expected: TaskState | None
) -> None:
    person = facts(relocation_site=True, last_visit=D(last) if last else None)
    assert state(person, D(on), TaskKind.RELOCATION_YEARLY) == expected
    elsewhere = person._replace(relocation_site=False)
    assert state(elsewhere, D(on), TaskKind.RELOCATION_YEARLY) is None


@pytest.mark.parametrize(
    ("due", "on", "later_visit", "expected"),
    [
        ("2026-04-10", "2026-04-09", None, WEEK),
        ("2026-04-10", "2026-04-10", None, TODAY),
        ("2026-04-10", "2026-04-11", None, OVERDUE),
        ("2026-04-10", "2026-04-11", "2026-04-05", NOT_LISTED),  # a later visit settles it
        (None, "2026-04-15", None, TODAY),  # no due date: 14 days after the visit
        (None, "2026-04-16", None, OVERDUE),
    ],
)
def test_follow_ups_become_tasks(
    due: str | None, on: str, later_visit: str | None, expected: TaskState | None
) -> None:
    recorded = D("2026-04-01")
    person = facts(
        last_visit=D(later_visit) if later_visit else recorded,
        follow_ups=(FollowUp("帮助申请医保报销", recorded, D(due) if due else None),),
    )
    task = of_kind(person, D(on), TaskKind.FOLLOW_UP)
    assert (task.state if task else None) == expected
    if task:
        assert task.why_zh == "跟进: 帮助申请医保报销 (2026-04-01 走访时记录)"


def test_follow_ups_noted_on_shared_days_by_one_days_rules() -> None:
    """One day's rules over many persons (as a due list runs them): each follow-up's
    texts name its own note and the day it was noted, whichever persons were noted
    on the same day before it."""
    rules = DayRules(QUIET, default_policy())
    noted = [D("2026-04-01"), D("2026-04-02"), D("2026-04-01"), D("2026-04-02"), D("2026-04-01")]
    notes = ["送轮椅", "", "  回访维修情况 ", "跟进医保报销进度", ""]
    got = []
    for i, (day, note) in enumerate(zip(noted, notes, strict=True)):
        person = facts(person_id=f"p{i}", last_visit=day, follow_ups=(FollowUp(note, day, None),))
        (task,) = [t for t in rules.tasks(person) if t.kind is TaskKind.FOLLOW_UP]
        got.append((task.person_id, task.window_start, task.why_zh, task.why_en))
    assert got == [
        ("p0", D("2026-04-01"), "跟进: 送轮椅 (2026-04-01 走访时记录)",
         "follow-up: 送轮椅 (noted on 2026-04-01)"),
        ("p1", D("2026-04-02"), "跟进: 跟进事项 (2026-04-02 走访时记录)",
         "follow-up: owed (noted on 2026-04-02)"),
        ("p2", D("2026-04-01"), "跟进: 回访维修情况 (2026-04-01 走访时记录)",
         "follow-up: 回访维修情况 (noted on 2026-04-01)"),
        ("p3", D("2026-04-02"), "跟进: 跟进医保报销进度 (2026-04-02 走访时记录)",
         "follow-up: 跟进医保报销进度 (noted on 2026-04-02)"),
        ("p4", D("2026-04-01"), "跟进: 跟进事项 (2026-04-01 走访时记录)",
         "follow-up: owed (noted on 2026-04-01)"),
    ]  # fmt: skip


def test_county_policy_changes_the_numbers() -> None:
    policy = parse_policy("[tiers.key]\ninterval_days = 20\n[hospital]\nwithin_days = 1\n")
    person = facts(tier=Tier.KEY, last_visit=D("2026-04-01"))
    task = of_kind(person, D("2026-04-21"), TaskKind.TIER, policy)
    assert task is not None
    assert task.state is TODAY
    sick = facts(events={EventKind.HOSPITALISED: D("2026-04-10")})
    assert of_kind(sick, D("2026-04-12"), TaskKind.HOSPITAL, policy).state is OVERDUE  # type: ignore[union-attr]


def _birthdays_by_hand(birth: date, on: date, policy: Policy) -> list[tuple[date, date, int]]:
    """(window start, due, age) of every listed birthday visit, worked out for each of
    the day's year and the years either side, straight from the policy's words."""
    out = []
    for year in (on.year - 1, on.year, on.year + 1):
        age = year - birth.year
        every = policy.birthday_every_year_from
        if age not in policy.birthday_milestones and not (every and age >= every):
            continue
        bday = birthday_in(birth, year)
        due = bday + timedelta(days=policy.birthday_days_after)
        left = (due - on).days
        if left <= policy.upcoming_days and -left <= policy.keep_overdue_days:
            out.append((bday - timedelta(days=policy.birthday_days_before), due, age))
    return out


birthday_policies = pytest.mark.parametrize(
    "policy_text",
    [
        "",
        "[list]\nkeep_overdue_days = 400\n",
        "[list]\nupcoming_days = 200\nkeep_overdue_days = 0\n",
        "[list]\nupcoming_days = 0\nkeep_overdue_days = 0\n",
        "[birthday]\nevery_year_from = 0\ndays_before = 30\ndays_after = 30\n",
    ],
    ids=["shipped", "kept-long", "far-ahead", "only-today", "milestones-only"],
)


@birthday_policies
def test_birthdays_across_the_turn_of_the_year(policy_text: str) -> None:
    """Around a turn of the year (listing days from October to March, a leap day
    among them) every listed birthday is the one worked out by hand from the policy:
    the rule looks only at the years a listed birthday can fall in."""
    policy = parse_policy(policy_text)
    births = [D(b) for b in ("1946-12-30", "1947-01-02", "1936-02-29", "1948-02-29")]
    births += [date(y, m, 15) for y in (1925, 1927, 1928, 1937, 1938, 1947, 1948) for m in (1, 10)]
    for on in (D("2027-10-01") + timedelta(days=n) for n in range(0, 160, 3)):
        for birth in births:
            tasks = [
                t
                for t in person_tasks(facts(birth_date=birth, last_visit=on), on, policy)
                if t.kind is TaskKind.BIRTHDAY
            ]
            got = [(t.window_start, t.due, int(t.why_zh.split(" ")[0])) for t in tasks]
            assert got == _birthdays_by_hand(birth, on, policy), (birth, on)


@birthday_policies
def test_every_birthday_of_the_year_under_one_days_rules(policy_text: str) -> None:
    """One day's rules (as a due list runs them) over persons born on every day of a
    common and a leap year, and on 29 February of earlier leap years: every listed
    birthday is the one worked out by hand, on days across the year and around 28
    February and the turn of the year."""
    policy = parse_policy(policy_text)
    births = [D("1947-01-01") + timedelta(days=n) for n in range(365)]
    births += [D("1936-01-01") + timedelta(days=n) for n in range(366)]
    births += [D(b) for b in ("1924-02-29", "1928-02-29", "1932-02-29", "1948-02-29")]
    days = [D("2027-01-01") + timedelta(days=n) for n in range(0, 365, 11)]
    days += [D(d) for d in ("2027-02-27", "2027-02-28", "2027-03-01", "2028-02-28", "2028-02-29",
                            "2028-03-01", "2026-12-31", "2027-12-31")]  # fmt: skip
    listed = 0
    for on in days:
        rules = DayRules(on, policy)
        for birth in births:
            tasks = [
                t
                for t in rules.tasks(facts(birth_date=birth, last_visit=on))
                if t.kind is TaskKind.BIRTHDAY
            ]
            got = [(t.window_start, t.due, int(t.why_zh.split(" ")[0])) for t in tasks]
            assert got == _birthdays_by_hand(birth, on, policy), (birth, on)
            listed += len(got)
    assert listed
