"""Shared pieces of the field app's tests: a small deterministic store, the fixed clock."""

from __future__ import annotations

import asyncio
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.screen import Screen

from fieldkit.domain.models import Person, Site, StaffMember, TeamMember, Visit, VolunteerTeam
from fieldkit.domain.vocab import Category, Sex, SiteKind, Status, Tier, VisitReason
from fieldkit.paths import config_dir
from fieldkit.services import Services
from fieldkit.services.keeper_process import KeeperProcess
from fieldkit.store import Store
from fieldkit.tui.app import FieldkitApp

__all__ = [
    "NOW",
    "PEOPLE",
    "TODAY",
    "build_store",
    "make_app",
    "open_visit_form",
    "rows",
    "screen_lines",
    "settle",
    "started_keeper",
]

TODAY = date(2026, 11, 21)
NOW = datetime(2026, 11, 21, 10, 30, 0)

PEOPLE = [
    # code | name | sex | category | tier | site index | address | phone | lives alone | hardship
    "GL-0001|张三丰|male|lixiu|key|0|幸福小区3栋2单元|13800000001|1|0",
    "GL-0002|李秀英|female|widow|key|0|幸福小区5栋1单元|13800000002|1|1",
    "GL-0003|王建国|male|retired|periodic|0|幸福小区3栋4单元|13800000003|0|0",
    "GL-0004|赵丽华|female|retired|routine|1|东风村二组|13800000004|0|0",
    "GL-0005|张志明|male|retired|routine|1|东风村五组|13800000005|0|1",
    "GL-0006|刘德福|male|lixiu|periodic|2|新桥社区8号|13800000006|1|0",
    "GL-0007|陈淑芬|female|resident|routine|2|新桥社区12号|13800000007|0|0",
    "GL-0008|阿依古丽|female|resident|routine|0|幸福小区9栋|13800000008|0|0",
]


def build_store(path: Path) -> Store:
    """A store with three sites, eight persons, a staff member, a team and some visits."""
    store = Store(path)
    with store.write() as s:
        sites = [
            Site(name="幸福安置点", county="甘洛县", kind=SiteKind.RELOCATION),
            Site(name="东风村", county="甘洛县", kind=SiteKind.VILLAGE),
            Site(name="新桥社区", county="甘洛县", kind=SiteKind.COMMUNITY),
        ]
        s.add_all(sites)
        s.flush()
        staff = StaffMember(name="周敏", site_id=sites[0].id, phone="13900000000")
        s.add(staff)
        s.flush()
        persons: list[Person] = []
        for line in PEOPLE:
            code, name, sex, cat, tier, si, addr, phone, alone, hard = line.split("|")
            persons.append(
                Person(
                    code=code,
                    name=name,
                    sex=Sex(sex),
                    birth_date=date(1940 + len(persons), 3, 1 + len(persons)),
                    category=Category(cat),
                    tier=Tier(tier),
                    site_id=sites[int(si)].id,
                    address=addr,
                    phone=phone,
                    lives_alone=alone == "1",
                    hardship=hard == "1",
                    former_unit="县粮食局",
                    contact_id=staff.id,
                    status=Status.ACTIVE,
                )
            )
        s.add_all(persons)
        s.flush()
        s.add(
            Visit(
                person_id=persons[0].id,
                site_id=persons[0].site_id,
                reason=VisitReason.FESTIVAL,
                visited_at=datetime(2026, 9, 28, 9, 0),
                visitors="周敏",
                needs="医疗",
                services="送月饼",
                money_fen=50000,
                follow_up="联系社区医生",
                follow_up_due=date(2026, 10, 15),
            )
        )
        s.add(
            Visit(
                person_id=persons[3].id,
                site_id=persons[3].site_id,
                reason=VisitReason.ROUTINE,
                visited_at=datetime(2026, 6, 2, 15, 0),
                visitors="周敏",
            )
        )
        team = VolunteerTeam(name="银发宣讲队", focus="宣讲", site_id=sites[0].id, leader="刘德福")
        s.add(team)
        s.flush()
        s.add_all(
            [
                TeamMember(
                    team_id=team.id, site_id=sites[0].id, name="刘德福", person_id=persons[5].id
                ),
                TeamMember(team_id=team.id, site_id=sites[0].id, name="孙建华"),
            ]
        )
    store.set_meta("last_sync_at", "2026-11-20T08:00:00+00:00")
    return store


def make_app(store: Store, lang: str = "zh", **kwargs: object) -> FieldkitApp:
    """The app on ``store``'s services with the fixed test clock and a lenient scanner gap."""
    kwargs.setdefault("scan_gap", 0.5)
    kwargs.setdefault("keep_reports", False)  # the report keeper's own tests turn it on
    return FieldkitApp(Services(store), lang=lang, clock=lambda: NOW, **kwargs)  # type: ignore[arg-type]


async def started_keeper(pilot: Pilot[int], deadline_s: float = 120.0) -> KeeperProcess:
    """The app's report keeper once it was started (it starts once the store is open),
    waited for until its first child ended."""
    app = pilot.app
    assert isinstance(app, FieldkitApp)
    deadline = time.monotonic() + deadline_s
    while app.report_keeper is None:
        assert time.monotonic() < deadline, "the app started no report keeper"
        await pilot.pause()
    keeper = app.report_keeper
    assert await asyncio.to_thread(keeper.wait_idle, deadline_s)
    return keeper


async def settle(pilot: Pilot[int]) -> None:
    """Let workers finish and their messages be handled."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def screen_lines(app: FieldkitApp) -> list[str]:
    """What the terminal shows now, one string per row (wide characters once each)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def rows(store: Store, sql: str, *args: object) -> list[tuple[object, ...]]:
    """Query the store's SQLite file directly (what is really on disk; ids as text)."""
    from tests.support.stored_ids import query

    return query(store.path, sql, *args)


async def open_visit_form(app: FieldkitApp, pilot: Pilot[int], person_id: str) -> Screen[Any]:
    """Open the person's file, then the visit form from it (V); returns the form."""
    await settle(pilot)
    app.open_person(person_id)
    await settle(pilot)
    await pilot.press("v")
    await settle(pilot)
    return app.screen


def fill_who_and_what(form: Screen[Any]) -> None:
    """Fill who went and what was done on a visit form (a visit needs both)."""
    from textual.widgets import Input

    if not form.query_one("#visitors", Input).value:
        form.query_one("#visitors", Input).value = "周敏"
    if not form.query_one("#services", Input).value:
        form.query_one("#services", Input).value = "走访慰问"


def write_county_policy(text: str) -> None:
    """Write the county's ``policy.toml`` (TOML ``text``) in the test's config dir."""
    config_dir().mkdir(parents=True, exist_ok=True)
    (config_dir() / "policy.toml").write_text(text, encoding="utf-8")
