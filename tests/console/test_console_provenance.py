"""What the console tells of devices and entries, against a real ``fieldkit serve`` on
SQLite and PostgreSQL with laptops that really sync: the changes each laptop reported
waiting at its last sync (Devices), which device and user recorded an entry and when
it reached HQ (a person's file), and the Overview's due figures after a push (the
persons it concerns computed again) equal to the laptops' engine's."""

from __future__ import annotations

import html
import json
import re
import sqlite3
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select

from fieldkit.console.figures import DUE_STATES, OVERVIEW_KINDS
from fieldkit.domain.careplan import TaskKind
from fieldkit.domain.models import Person, Visit
from fieldkit.domain.vocab import VisitReason
from fieldkit.store import Store
from fieldkit.store.due_list import due_list
from fieldkit.sync_schema import sync_schema
from fieldkit.syncing import SyncProgress, sync_now
from sync.client import SyncClient
from sync.server import tables as t
from tests.console.console_kit import County, console_client, sync
from tests.support.hq_process import Hq, run_cli

pytestmark = pytest.mark.slow


def _waiting_on_laptop(db: Path) -> int:
    """The laptop's outbox entries still waiting to be sent, read from its file."""
    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()
    finally:
        conn.close()
    return int(row[0])


def _row(page: str, attribute: str, key: str) -> str:
    """The table row of ``page`` whose ``attribute`` is ``key``, as text."""
    found = re.search(rf'<tr {attribute}="{re.escape(key)}"[^>]*>(.*?)</tr>', page, re.DOTALL)
    assert found is not None, key
    return found.group(1)


def _waiting_shown(client: httpx.Client, hq: Hq, device_id: str) -> tuple[str, str]:
    """The Devices page's "changes waiting" of the device: its value and its text."""
    page = client.get(f"{hq.url}/console/devices?lang=en")
    assert page.status_code == 200
    row = _row(page.text, "data-device", device_id)
    cell = re.search(r'<td class="pending" data-pending="([^"]*)">(.*?)</td>', row, re.DOTALL)
    assert cell is not None
    text = re.sub(r"<[^>]+>", "", cell.group(2))
    return cell.group(1), html.unescape(text).strip()


def _due_figures(client: httpx.Client, hq: Hq, site: str) -> dict[str, str]:
    """The Overview's due figures of ``site``: not visited within the interval, and
    each must-visit kind."""
    page = client.get(f"{hq.url}/console/")
    assert page.status_code == 200
    row = _row(page.text, "data-site", site)
    cells = dict(re.findall(r'data-figure="([a-z_]+)"><a [^>]*>([^<]*)</a>', row))
    return {k: cells[k] for k in ("tier", *(kind.value for kind in OVERVIEW_KINDS))}


def _laptop_due(db: Path, site: str) -> dict[str, str]:
    """The same figures from the laptop's own due list (a laptop holding every site)."""
    store = Store(db)
    laptop = due_list(store, on=date.today())
    store.close()
    due = Counter(
        task.kind for task in laptop.tasks if task.site_id == site and task.state in DUE_STATES
    )
    return {k: str(due[TaskKind(k)]) for k in ("tier", *(kind.value for kind in OVERVIEW_KINDS))}


def _note(db: Path, person_id: str, notes: str) -> None:
    store = Store(db)
    with store.write() as s:
        found = s.get(Person, person_id)
        assert found is not None
        found.notes = notes
    store.close()


def test_devices_show_the_changes_each_laptop_reported_waiting_at_its_last_sync(
    hq: Hq, county: County, tmp_path: Path
) -> None:
    west = Store(county.west_db)
    device_id = west.meta("device_id") or ""
    _note(county.west_db, county.persons["周冲突"], "同步前写的备注")
    # a change made on the laptop while the sync runs, once its push is done: it
    # waits for the next sync, and the pull reports it
    made_meanwhile: list[str] = []

    def meanwhile(progress: SyncProgress) -> None:
        if progress.phase == "push" and not made_meanwhile:
            _note(county.west_db, county.persons["赵住院"], "同步时写的备注")
            made_meanwhile.append(progress.phase)

    report = sync_now(west, on_progress=meanwhile)
    west.close()
    assert report.ok, report.error
    assert made_meanwhile == ["push"]
    assert report.pushed == 1
    assert _waiting_on_laptop(county.west_db) == 1
    client, _csrf = console_client(hq)
    value, text = _waiting_shown(client, hq, device_id)
    assert value == "1"
    assert text.startswith("1 (")

    # the next sync (the command) sends it: nothing waits any more
    sync(county.west_db)
    assert _waiting_on_laptop(county.west_db) == 0
    assert _waiting_shown(client, hq, device_id)[0] == "0"

    # a client that does not report (an older one): "unknown", never a number
    fresh = tmp_path / "older.db"
    hq.admin("add-user", "老版本", "--role", "staff", "--sites", "西岭村")
    assert "enrolled as 老版本" in run_cli(
        "--db", str(fresh), "enroll", hq.url, hq.enroll_code("老版本")
    )
    older = Store(fresh)
    older_id, token = older.meta("device_id") or "", older.meta("device_token") or ""
    older.close()
    with SyncClient(hq.url, token, schema_version=sync_schema().version) as api:
        page = api.pull(None)
        while page.more:
            page = api.pull(page.cursor)
    assert _waiting_shown(client, hq, older_id) == ("", "unknown (the device does not report it)")
    # the other laptops keep what they reported at their own last sync
    assert _waiting_shown(client, hq, device_id)[0] == "0"
    client.close()


def test_a_persons_file_shows_who_recorded_each_entry_and_when_it_reached_hq(
    hq: Hq, county: County
) -> None:
    # 赵住院, in hospital for ten days, is owed the hospital visit
    person_id = county.persons["赵住院"]
    client, _csrf = console_client(hq)
    before_push = _due_figures(client, hq, county.west)
    sync(county.admin_db)
    assert before_push == _laptop_due(county.admin_db, county.west)
    assert before_push["hospital"] == "1"
    west = Store(county.west_db)
    device_id = west.meta("device_id") or ""
    with west.write() as s:
        visit = Visit(
            person_id=person_id,
            site_id=county.west,
            reason=VisitReason.HOSPITAL,
            visited_at=datetime.now().replace(microsecond=0),
            visitors="李强",
            services="问需敲门",
        )
        s.add(visit)
        s.flush()
        visit_id = visit.id
    west.close()
    before = datetime.now(UTC)
    sync(county.west_db)
    after = datetime.now(UTC)

    # what HQ holds: the visit's clock names the device and the revision of the push,
    # and the revision when it arrived
    engine = create_engine(hq.database_url)
    with engine.connect() as conn:
        clocks = json.loads(
            conn.execute(
                select(t.record.c.clocks).where(
                    t.record.c.tbl == "visit", t.record.c.id == visit_id
                )
            ).scalar_one()
        )
        device_name = conn.execute(
            select(t.device.c.name).where(t.device.c.id == device_id)
        ).scalar_one()
        _hlc, rev, writer = clocks["*"]
        arrived = conn.execute(select(t.revision.c.at).where(t.revision.c.rev == rev)).scalar_one()
    engine.dispose()
    arrived = arrived if arrived.tzinfo else arrived.replace(tzinfo=UTC)
    assert writer == device_id
    assert before <= arrived <= after

    page = client.get(f"{hq.url}/console/persons/{person_id}?lang=en")
    assert page.status_code == 200
    row = html.unescape(re.sub(r"<[^>]+>", "", _row(page.text, "data-entry", visit_id)))
    local = arrived.astimezone().strftime("%Y-%m-%d %H:%M")
    assert f"李强 · {device_name} · " in row
    assert f"HQ revision {rev} · reached HQ {local}" in row

    # the visit settled the hospital visit: the Overview (the persons the push
    # concerns computed again) says what the laptops' engine says over everything
    after_push = _due_figures(client, hq, county.west)
    client.close()
    sync(county.admin_db)
    assert after_push == _laptop_due(county.admin_db, county.west)
    assert after_push["hospital"] == "0"
