"""Every figure of the county's 2026Q4 tables against the hand-worked answer.

The county and each person's story are in ``report_county``; the working for each
figure is in the comments here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TypeVar

from fieldkit.domain.careplan import TaskKind
from fieldkit.domain.vocab import ActivityKind, Category, ConsultTopic, Tier, VisitReason
from fieldkit.reports import QuarterlyReport
from fieldkit.reports.model import Outcomes
from tests.reports.report_county import County, SiteRow, site_of, team_of

R = VisitReason
RowT = TypeVar("RowT", bound=SiteRow)


def _by_site(rows: Sequence[RowT], county: County) -> dict[str, RowT]:
    names = {county["site_A"]: "A", county["site_B"]: "B", county["site_C"]: "C"}
    return {names[site_of(row).id]: row for row in rows}


def test_title_and_scope(q4: QuarterlyReport) -> None:
    assert q4.bureau == "古岚县老干部局"
    assert (q4.quarter.start, q4.quarter.end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert q4.site is None
    assert q4.made_on == date(2027, 1, 5)


def test_rows_are_the_live_sites_in_pinyin_order(q4: QuarterlyReport) -> None:
    # 河东社区 (hedong) < 石桥村 (shiqiao) < 幸福安置点 (xingfu); the removed 旧村 is left out
    for section in (q4.persons, q4.visits, q4.care_by_site, q4.money, q4.consultations):
        assert [site_of(r).name for r in section.rows] == ["河东社区", "石桥村", "幸福安置点"]


def test_persons_served(q4: QuarterlyReport, county: County) -> None:
    rows = _by_site(q4.persons.rows, county)
    a, b, c = rows["A"], rows["B"], rows["C"]
    # A: A-1 离休/key, A-2 resident/routine, A-3 retired/periodic (died 11-10),
    #    A-4 widow/routine (moved here from B on 11-05), A-5 resident/routine
    assert a.served == 5
    assert dict(a.by_category) == {
        Category.LIXIU: 1, Category.RETIRED: 1, Category.WIDOW: 1, Category.RESIDENT: 2,
    }  # fmt: skip
    assert dict(a.by_tier) == {Tier.KEY: 1, Tier.PERIODIC: 1, Tier.ROUTINE: 3}
    assert (a.new, a.moved, a.deceased) == (0, 0, 1)
    # B: B-1 retired/key, B-2 retired/routine (moved away 11-15), B-3 resident/routine
    #    (file created 11-02); B-4 died before the quarter, B-5's file was removed
    assert b.served == 3
    assert dict(b.by_category) == {
        Category.LIXIU: 0, Category.RETIRED: 2, Category.WIDOW: 0, Category.RESIDENT: 1,
    }  # fmt: skip
    assert dict(b.by_tier) == {Tier.KEY: 1, Tier.PERIODIC: 0, Tier.ROUTINE: 2}
    assert (b.new, b.moved, b.deceased) == (1, 1, 0)
    assert (c.served, c.new, c.moved, c.deceased) == (0, 0, 0, 0)
    total = q4.persons.total
    assert total.site is None
    assert (total.served, total.new, total.moved, total.deceased) == (8, 1, 1, 1)
    assert dict(total.by_tier) == {Tier.KEY: 2, Tier.PERIODIC: 1, Tier.ROUTINE: 5}


def test_visits(q4: QuarterlyReport, county: County) -> None:
    rows = _by_site(q4.visits.rows, county)
    a, b = rows["A"], rows["B"]
    # A: A-1 festival 10-10 (QR), routine 11-20 (code), routine 12-31 23:59:59 (QR);
    #    A-3 condolence 11-14; A-4 routine 10-08 (QR, made at B: counts where A-4 lives
    #    now) and needs 11-25. Not: A-1's 2027-01-01 00:00:00 visit, 09-20, 03-01.
    assert {r: n for r, n in a.by_reason.items() if n} == {
        R.FESTIVAL: 1, R.ROUTINE: 3, R.CONDOLENCE: 1, R.NEEDS: 1,
    }  # fmt: skip
    assert (a.visits, a.persons_visited, a.card_scanned) == (6, 3, 3)
    # B: B-1 hospital 10-25 (QR; the festival visit of 10-16 was voided), B-2 festival
    #    10-12 (QR), B-5 routine 10-05 (a live visit of a removed file still counts)
    assert {r: n for r, n in b.by_reason.items() if n} == {
        R.HOSPITAL: 1, R.FESTIVAL: 1, R.ROUTINE: 1,
    }  # fmt: skip
    assert (b.visits, b.persons_visited, b.card_scanned) == (3, 3, 2)
    assert rows["C"].visits == 0
    total = q4.visits.total
    assert (total.visits, total.persons_visited, total.card_scanned) == (9, 6, 5)
    assert total.by_reason[R.ROUTINE] == 4


def test_visit_in_the_last_second_counts_and_the_first_second_of_next_quarter_not(
    county: County, q4: QuarterlyReport
) -> None:
    from fieldkit.reports import StoreSource, build_report, parse_quarter

    q1 = build_report(StoreSource(county.store), parse_quarter("2027Q1"), made_on=date(2027, 4, 1))
    a4 = _by_site(q4.visits.rows, county)["A"]
    a1 = _by_site(q1.visits.rows, county)["A"]
    assert a4.by_reason[R.ROUTINE] == 3  # includes 2026-12-31 23:59:59
    assert a1.by_reason[R.ROUTINE] == 1  # 2027-01-01 00:00:00 only
    assert a1.visits == 1
    assert _by_site(q1.money.rows, county)["A"].fen == 9999


def test_money_exact_to_the_fen(q4: QuarterlyReport, county: County) -> None:
    rows = _by_site(q4.money.rows, county)
    a, b = rows["A"], rows["B"]
    # A: festival 500.50; routine 200.00 (A-4) + 120.00 (A-1 12-31); condolence 1000.00
    assert {r: f for r, f in a.fen_by_reason.items() if f} == {
        R.FESTIVAL: 50050, R.ROUTINE: 32000, R.CONDOLENCE: 100000,
    }  # fmt: skip
    assert a.fen == 182050
    assert (a.persons_given, a.goods_visits) == (3, 2)  # 月饼, 米面油
    # B: hospital 300.00 corrected to 250.50; festival 200.00; routine 100.00; the voided
    #    800.00 does not count
    assert {r: f for r, f in b.fen_by_reason.items() if f} == {
        R.HOSPITAL: 25050, R.FESTIVAL: 20000, R.ROUTINE: 10000,
    }  # fmt: skip
    assert b.fen == 55050
    assert (b.persons_given, b.goods_visits) == (3, 0)
    total = q4.money.total
    assert total.fen == 237100
    assert isinstance(total.fen, int)
    assert (total.persons_given, total.goods_visits) == (6, 2)


def test_care_plan_visits_per_site(q4: QuarterlyReport, county: County) -> None:
    rows = _by_site(q4.care_by_site.rows, county)
    # festival (10-10) on time; tier due 10-20 (after 09-20) settled 10-10 on time;
    #      tier due 11-09 settled 11-20 late; follow-up due 11-30 and tier due 12-20
    #      settled 12-31 23:59:59 late                        -> 2 on time, 3 late
    # tier due 2026-10-05 (2025-10-05 + 365), festival, yearly visit: missed  -> 3
    # tier due 10-30 and festival due 10-17 still open when he died (11-10):
    #      missed; condolence due 11-17 done 11-14 on time    -> 1 on time, 2 missed
    # festival missed; the tier visit due 12-01 and the yearly visit were done on
    #      10-08, before they were listed: not counted        -> 1 missed
    # never visited: tier visit (due 10-01), festival, yearly: missed  -> 3 missed
    assert rows["A"].outcomes == Outcomes(on_time=3, late=3, missed=9)
    # B-1: tier due 10-01 (after 09-01) and hospital due 10-23 settled 10-25: late;
    #      tier due 11-24 and festival (the 10-16 visit was voided): missed
    # B-2: festival on 10-12 on time; moved away 11-15 before anything else fell due
    # B-3: file created 11-02, never visited: tier visit due 11-02 missed; the festival
    #      fell due before the file existed: not counted
    # B-4: died 09-25; condolence due 10-02 (in the quarter) done 09-28: on time
    assert rows["B"].outcomes == Outcomes(on_time=2, late=2, missed=3)
    assert rows["C"].outcomes == Outcomes()
    assert q4.care_by_site.total.outcomes == Outcomes(on_time=5, late=5, missed=12)
    assert q4.care_by_site.total.outcomes.due == 22


def test_care_plan_visits_per_kind(q4: QuarterlyReport) -> None:
    kinds = {row.kind: row.outcomes for row in q4.care_by_kind.rows}
    assert list(kinds) == list(TaskKind)
    assert kinds == {
        TaskKind.CONDOLENCE: Outcomes(on_time=2),  # A-3, B-4
        TaskKind.HOSPITAL: Outcomes(late=1),  # B-1
        TaskKind.MISFORTUNE: Outcomes(),
        TaskKind.FOLLOW_UP: Outcomes(late=1),
        TaskKind.BIRTHDAY: Outcomes(),
        # on time A-1, B-2; missed, B-1
        TaskKind.FESTIVAL: Outcomes(on_time=2, missed=5),
        # A-1 10-20 on time, 11-09 and 12-20 late; B-1 10-01 late; missed,
        # A-5 (never visited), B-1 11-24, B-3 (never visited)
        TaskKind.TIER: Outcomes(on_time=1, late=3, missed=5),
        TaskKind.RELOCATION_YEARLY: Outcomes(missed=2),
    }
    assert q4.care_by_kind.total.outcomes == q4.care_by_site.total.outcomes


def test_relocation_residents_not_visited_in_twelve_months(
    q4: QuarterlyReport, county: County
) -> None:
    # 2026-01-01 .. 2026-12-31: A-2 was last visited 2025-10-05, A-5 never; A-3 died
    named = [(r.code, r.name, r.site.name, r.last_visit, r.person_id) for r in q4.unvisited]
    assert named == [
        ("A-2", "李四", "幸福安置点", date(2025, 10, 5), county["A-2"]),
        ("A-5", "孔十一", "幸福安置点", None, county["A-5"]),
    ]
    assert q4.unvisited[0].phone == "139000012"
    assert q4.unvisited[0].address == "李四家"


def test_consultations(q4: QuarterlyReport, county: County) -> None:
    rows = _by_site(q4.consultations.rows, county)
    # A-4's consultation (entered at 石桥村 on 10-09) counts where A-4 lives now; the
    # walk-in of 12-31 at 石桥村 counts; 09-30, 2027-01-01 and the voided one do not
    assert {t: n for t, n in rows["A"].by_topic.items() if n} == {ConsultTopic.LEGAL: 1}
    assert {t: n for t, n in rows["B"].by_topic.items() if n} == {ConsultTopic.ANTI_FRAUD: 1}
    assert q4.consultations.total.consultations == 2


def test_volunteer_activities_per_team(q4: QuarterlyReport, county: County) -> None:
    rows = {team_of(row).name: row for row in q4.activities.rows}
    assert list(rows) == [
        "银发护林队",
        "爱晚志愿者",
    ]  # 石桥村 before 幸福安置点; removed team left out
    t1, t2 = rows["爱晚志愿者"], rows["银发护林队"]
    assert team_of(t1).site.name == "幸福安置点"
    assert {k: n for k, n in t1.by_kind.items() if n} == {
        ActivityKind.TALK: 1, ActivityKind.PATROL: 1,
    }  # fmt: skip
    # 2 + 3 members; 45 + 0 reached; 90 x 2 + 120 x 3 = 540 minutes
    assert (t1.activities, t1.volunteer_times, t1.people_reached, t1.volunteer_minutes) == (
        2, 5, 45, 540,
    )  # fmt: skip
    assert (t2.activities, t2.volunteer_times, t2.people_reached, t2.volunteer_minutes) == (
        1, 1, 12, 60,
    )  # fmt: skip
    total = q4.activities.total
    assert (total.activities, total.volunteer_times, total.people_reached) == (3, 6, 57)
    assert total.volunteer_minutes == 600
