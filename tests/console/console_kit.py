"""What the console tests share: a county synced to a real HQ, a browser, HQ's figures.

The county is made on real laptop stores and reaches HQ through real syncs: an
admin laptop creates two sites and their persons (a key-attention person never
visited, one last visited 40 days ago, one visited today, one hospitalised ten
days ago and not yet visited for it, a deceased person, one who moved away) and
visits in this quarter with money handed over, and a visit (with money) and a
person it then deletes, which HQ keeps as tombstones the console must not count; two
staff laptops then edit the same person's phone without seeing each other's change,
which HQ records as a conflict.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select

from fieldkit.domain.models import Person, PersonEvent, Site, Visit
from fieldkit.domain.vocab import EventKind, SiteKind, Tier, VisitReason
from fieldkit.store import Store
from sync.server import tables as t
from tests.support.hq_process import Hq, run_cli

__all__ = [
    "ADMIN",
    "CHROMIUM",
    "CSRF",
    "PASSWORD",
    "County",
    "browser_page",
    "chromium",
    "console_client",
    "hq_figures",
    "login_form",
    "make_county",
    "set_password",
    "sync",
]

ADMIN = "局长"
PASSWORD = "console-pass-2026"
CHROMIUM = os.environ.get("FIELDKIT_CHROMIUM", "/usr/bin/chromium")
_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


CSRF = re.compile(r'name="csrf" value="([^"]+)"')
"""The CSRF token of a console form."""


def login_form(client: httpx.Client, hq: Hq) -> str:
    """The CSRF token of the console's sign-in form."""
    page = client.get(f"{hq.url}/console/login")
    assert page.status_code == 200
    found = CSRF.search(page.text)
    assert found is not None
    return found.group(1)


def console_client(hq: Hq, name: str = ADMIN, password: str = PASSWORD) -> tuple[httpx.Client, str]:
    """An HTTP client signed in to the console, and the CSRF token of its forms."""
    client = httpx.Client(follow_redirects=False, timeout=30)
    token = login_form(client, hq)
    reply = client.post(
        f"{hq.url}/console/login", data={"csrf": token, "name": name, "password": password}
    )
    assert reply.status_code == 303, reply.text
    overview = client.get(f"{hq.url}/console/")
    assert overview.status_code == 200
    found = CSRF.search(overview.text)
    assert found is not None
    return client, found.group(1)


def set_password(hq: Hq, name: str, password: str) -> str:
    """``fieldkit admin set-password NAME --password-stdin`` as a real process."""
    import subprocess
    import sys

    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "fieldkit",
            "admin",
            "set-password",
            name,
            "--password-stdin",
            "--database-url",
            hq.database_url,
        ],
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return proc.stdout + proc.stderr + f"\nexit={proc.returncode}"


def sync(db: Path, check: bool = True) -> str:
    """``fieldkit sync`` on a laptop store."""
    return run_cli("--db", str(db), "sync", check=check)


def _enroll(hq: Hq, db: Path, user: str) -> None:
    out = run_cli("--db", str(db), "enroll", hq.url, hq.enroll_code(user))
    assert f"enrolled as {user}" in out


@dataclass
class County:
    """The laptops and the ids of what they made."""

    admin_db: Path
    east_db: Path
    west_db: Path
    east: str
    west: str
    persons: dict[str, str] = field(default_factory=dict)
    conflict_person: str = ""


def make_county(hq: Hq, tmp: Path) -> County:
    """Enroll an admin laptop and two staff laptops, fill and sync them (see module doc)."""
    admin_db, east_db, west_db = (tmp / f"{n}.db" for n in ("admin", "east", "west"))
    hq.admin("add-user", "组织科", "--role", "admin")
    _enroll(hq, admin_db, "组织科")
    store = Store(admin_db)
    today = date.today()
    now = datetime.now().replace(microsecond=0)
    with store.write() as s:
        east_site = Site(name="东山安置点", county="甘洛县", kind=SiteKind.RELOCATION)
        west_site = Site(name="西岭村", county="甘洛县", kind=SiteKind.VILLAGE)
        s.add_all([east_site, west_site])
        s.flush()
        east, west = east_site.id, west_site.id

        def person(key: str, site: str, **values: Any) -> Person:
            p = Person(
                code=f"GL-{len(people) + 1:04d}",
                name=key,
                site_id=site,
                birth_date=date(1950, 6, 15),
                **values,
            )
            s.add(p)
            people[key] = p
            return p

        people: dict[str, Person] = {}
        person("王从未", east, tier=Tier.KEY)
        person("李四十", east, tier=Tier.KEY)
        person("张今天", east, tier="routine")
        person("赵住院", west, tier="routine", status="hospitalised")
        person("钱去世", west, tier="routine", status="deceased")
        person("孙迁出", west, tier="routine", status="moved")
        person("周冲突", west, tier="periodic", phone="13800000000")
        person("=SUM(1,2)", east, tier="routine", address="@home")
        person("吴删除", west, tier="key")
        s.flush()
        visits = [
            ("李四十", east, now - timedelta(days=40), 0),
            ("张今天", east, now, 20000),
            ("周冲突", west, now, 15050),
            ("赵住院", west, now - timedelta(days=200), 0),
            ("张今天", east, now - timedelta(hours=1), 99900),  # deleted below
        ]
        made = []
        for key, site, when, money in visits:
            visit = Visit(
                person_id=people[key].id,
                site_id=site,
                reason=VisitReason.ROUTINE,
                visited_at=when,
                visitors="王芳",
                money_fen=money,
            )
            s.add(visit)
            made.append(visit)
        s.add(
            PersonEvent(
                person_id=people["赵住院"].id,
                site_id=west,
                kind=EventKind.HOSPITALISED,
                happened_on=today - timedelta(days=10),
            )
        )
        s.flush()
        ids = {k: p.id for k, p in people.items()}
        voided = [made[-1].id]
    store.close()
    sync(admin_db)
    # deleted after HQ received them: tombstones at HQ
    store = Store(admin_db)
    with store.write() as s:
        for visit_id in voided:
            found_visit = s.get(Visit, visit_id)
            assert found_visit is not None
            found_visit.deleted = True
        found_person = s.get(Person, ids["吴删除"])
        assert found_person is not None
        found_person.deleted = True
    store.close()
    sync(admin_db)
    hq.admin("add-user", "王芳", "--role", "staff", "--sites", "西岭村")
    hq.admin("add-user", "李强", "--role", "staff", "--sites", "西岭村")
    _enroll(hq, east_db, "王芳")
    _enroll(hq, west_db, "李强")
    sync(east_db)
    sync(west_db)
    county = County(admin_db, east_db, west_db, east, west, ids, ids["周冲突"])
    # the same field changed on two laptops that have not seen each other's change
    for db, phone in ((east_db, "13911111111"), (west_db, "13922222222")):
        laptop = Store(db)
        with laptop.write() as s:
            found = s.get(Person, county.conflict_person)
            assert found is not None
            found.phone = phone
        laptop.close()
    sync(east_db)
    sync(west_db)
    return county


def hq_figures(database_url: str, start: date, end: date) -> dict[str, dict[str, int]]:
    """Per site, straight from HQ's records with json.loads: persons served, visits and
    money with ``start <= visited_at < end``."""
    engine = create_engine(database_url)
    out: dict[str, dict[str, int]] = {}
    r = t.record.c
    with engine.connect() as conn:
        rows = conn.execute(select(r.tbl, r.scope, r.data, r.deleted)).all()
    engine.dispose()
    for tbl, scope, raw, deleted in rows:
        if deleted:
            continue
        data = json.loads(raw)
        mine = out.setdefault(scope, {"persons": 0, "visits": 0, "money": 0})
        if tbl == "person" and data["status"] not in ("moved", "deceased"):
            mine["persons"] += 1
        if tbl == "visit" and start.isoformat() <= data["visited_at"][:10] < end.isoformat():
            mine["visits"] += 1
            mine["money"] += int(data["money_fen"])
    return out


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's chromium driven by Playwright, launched once per test module (skips when
    either is missing); each test gets its own context, see :func:`browser_page`."""
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        reason = f"chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("CI"):  # .ci/run installs it: in CI the browser tests must run
            pytest.fail(reason)
        pytest.skip(reason)
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    """A page in a new browser context (its own cookies, storage and downloads)."""
    context = chromium.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    try:
        yield context.new_page()
    finally:
        context.close()
