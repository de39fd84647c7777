"""The console in a real browser (Playwright + Debian's chromium) against a real
``fieldkit serve`` on SQLite and PostgreSQL, with laptops that really sync.

Screenshots of every page are kept in ``test-artifacts/console/`` (git-ignored).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import create_engine, select

from fieldkit.console.figures import DUE_STATES, OVERVIEW_KINDS, Quarter
from fieldkit.domain.careplan import TaskKind
from fieldkit.domain.models import Person
from fieldkit.store import Store
from fieldkit.store.due_list import due_list
from sync.server import tables as t
from tests.console.console_kit import ADMIN, PASSWORD, County, hq_figures, sync
from tests.support.hq_process import Hq, run_cli
from tests.support.stored_ids import stored

pytestmark = pytest.mark.slow


def _sign_in(page: Any, hq: Hq, shots: Path | None = None) -> None:
    page.goto(f"{hq.url}/console/")
    assert "/console/login" in page.url
    if shots is not None:
        _shot(page, shots, _backend(hq), "login")
    page.fill("#name", ADMIN)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(f"{hq.url}/console/")


def _shot(page: Any, shots: Path, backend: str, name: str) -> None:
    page.screenshot(path=str(shots / f"{backend}-{name}.png"), full_page=True)


def _figure(page: Any, site: str, figure: str) -> str:
    return str(page.inner_text(f'#overview tr[data-site="{site}"] td[data-figure="{figure}"]'))


def _backend(hq: Hq) -> str:
    return "postgres" if hq.database_url.startswith("postgresql") else "sqlite"


def test_overview_figures_match_the_database_and_lead_to_their_lists(
    hq: Hq, county: County, browser_page: Any, screenshots: Path, tmp_path: Path
) -> None:
    page, backend = browser_page, _backend(hq)
    _sign_in(page, hq, screenshots)
    _shot(page, screenshots, backend, "overview")
    today = date.today()
    quarter = Quarter.of(today)
    expected = hq_figures(hq.database_url, quarter.start, quarter.end)
    for site in (county.east, county.west):
        assert _figure(page, site, "persons") == str(expected[site]["persons"])
        assert _figure(page, site, "visits") == str(expected[site]["visits"])
        fen = expected[site]["money"]
        assert _figure(page, site, "money") == f"{fen // 100}.{fen % 100:02d}"
    # the hand-made county: east serves 王从未, 李四十, 张今天 and =SUM(1,2); west 赵住院
    # and 周冲突 (钱去世 died, 孙迁出 moved away); money this quarter 200.00 and 150.50
    assert _figure(page, county.east, "persons") == "4"
    assert _figure(page, county.west, "persons") == "2"
    assert _figure(page, county.east, "money") == "200.00"
    assert _figure(page, county.west, "money") == "150.50"
    # due figures: the same engine as the laptops, so the admin laptop (which holds
    # everything) lists the same tasks on the same day
    store = Store(county.admin_db)
    laptop = due_list(store, on=today)
    store.close()
    due = Counter((task.site_id, task.kind) for task in laptop.tasks if task.state in DUE_STATES)
    for site in (county.east, county.west):
        assert _figure(page, site, "tier") == str(due[(site, TaskKind.TIER)])
        for kind in OVERVIEW_KINDS:
            assert _figure(page, site, kind.value) == str(due[(site, kind)])
    assert _figure(page, county.west, "hospital") == "1"
    assert "<script" not in page.content().split("<figure", 1)[1]

    # a figure leads to its list: east's persons not visited within their interval
    page.click(f'#overview tr[data-site="{county.east}"] td[data-figure="tier"] a')
    page.wait_for_url("**/console/overdue?**")
    listed = set(
        page.eval_on_selector_all(
            "#overdue tbody tr[data-person]", "rows => rows.map(r => r.dataset.person)"
        )
    )
    never, forty = county.persons["王从未"], county.persons["李四十"]
    assert {never, forty} <= listed
    assert county.persons["张今天"] not in listed
    assert listed == {
        task.person_id
        for task in laptop.tasks
        if task.site_id == county.east and task.kind == TaskKind.TIER and task.state in DUE_STATES
    }
    _shot(page, screenshots, backend, "overdue")

    # the export: the same rows, and a name typed as a formula stays text
    with page.expect_download() as got:
        page.click("#export")
    saved = tmp_path / "overdue.xlsx"
    got.value.save_as(saved)
    sheet = load_workbook(saved).active
    assert sheet is not None
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    names = {row[2] for row in rows}
    assert {"王从未", "李四十", "'=SUM(1,2)"} <= names
    formula = next(row for row in rows if row[2] == "'=SUM(1,2)")
    assert formula[8] == "'@home"
    cells = [cell for row in sheet.iter_rows(min_row=3) for cell in row]
    assert all(c.data_type != "f" for c in cells)

    # the person's file, with who recorded it and when it reached HQ
    page.goto(f"{hq.url}/console/persons/{county.persons['赵住院']}")
    text = page.inner_text("main")
    assert "赵住院" in text
    assert "组织科" in text
    assert page.inner_text("#timeline").count("组织科") >= 2  # the visit and the event
    _shot(page, screenshots, backend, "person")
    for name in ("persons", "visits", "devices", "conflicts", "rejected", "reports", "audit"):
        page.goto(f"{hq.url}/console/{name}")
        _shot(page, screenshots, backend, name)
    audit = page.inner_text("#audit")
    assert "export" in audit
    assert "login" in audit
    # English is one click away
    page.goto(f"{hq.url}/console/?lang=en")
    assert "Overview" in page.inner_text("header")
    _shot(page, screenshots, backend, "overview-en")
    page.goto(f"{hq.url}/console/?lang=zh")
    assert "总览" in page.inner_text("header")


def _laptop_phone(db: Path, person_id: str) -> str:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT phone FROM person WHERE id = ?", stored(person_id)).fetchone()
    finally:
        conn.close()
    return str(row[0])


def test_resolving_a_conflict_reaches_the_laptops(
    hq: Hq, county: County, browser_page: Any, screenshots: Path
) -> None:
    page, backend = browser_page, _backend(hq)
    pid = county.conflict_person
    # HQ kept the later edit (the west laptop's); the east laptop now holds it too
    sync(county.east_db)
    assert _laptop_phone(county.west_db, pid) == "13922222222"
    assert _laptop_phone(county.east_db, pid) == "13922222222"
    _sign_in(page, hq)
    page.goto(f"{hq.url}/console/conflicts")
    row = page.locator("#conflicts tbody tr[data-conflict]")
    assert row.count() == 1
    assert "13922222222" in row.locator('[data-side="winner"]').inner_text()
    assert "13911111111" in row.locator('[data-side="loser"]').inner_text()
    assert "周冲突" in row.inner_text()
    _shot(page, screenshots, backend, "conflicts-open")
    row.locator('button[data-keep="loser"]').click()
    page.wait_for_load_state()
    assert "冲突已处理" in page.inner_text("main")
    assert page.locator("#conflicts tbody tr[data-conflict]").count() == 0
    # the admin's choice is a normal synced change: both laptops receive it
    for db in (county.west_db, county.east_db):
        sync(db)
        assert _laptop_phone(db, pid) == "13911111111"
    engine = create_engine(hq.database_url)
    with engine.connect() as conn:
        resolved = conn.execute(select(t.conflict.c.resolved_by)).scalars().all()
    engine.dispose()
    assert resolved == [ADMIN]
    page.goto(f"{hq.url}/console/persons/{pid}")
    phone = page.inner_text('#file tr[data-field="phone"]')
    assert "13911111111" in phone
    assert "局机关" in phone


def test_revoking_a_device_refuses_its_next_sync_and_a_new_code_enrolls(
    hq: Hq, county: County, browser_page: Any, screenshots: Path, tmp_path: Path
) -> None:
    page, backend = browser_page, _backend(hq)
    east = Store(county.east_db)
    device_id = east.meta("device_id") or ""
    with east.write() as s:
        found = s.get(Person, county.persons["周冲突"])
        assert found is not None
        found.notes = "撤销后写的备注"
    east.close()
    _sign_in(page, hq)
    page.goto(f"{hq.url}/console/devices")
    page.locator(f'tr[data-device="{device_id}"] button.danger').click()
    page.wait_for_load_state()
    assert "已停用" in page.inner_text(f'tr[data-device="{device_id}"] td.state')
    refused = sync(county.east_db, check=False)
    assert "exit=0" not in refused
    assert "revoked" in refused or "401" in refused or "enroll" in refused
    engine = create_engine(hq.database_url)
    with engine.connect() as conn:
        raw = conn.execute(
            select(t.record.c.data).where(t.record.c.id == county.persons["周冲突"])
        ).scalar_one()
    engine.dispose()
    assert "撤销后写的备注" not in raw
    # a new enrollment code for the same user, shown as a QR code, enrolls a laptop
    page.select_option("#code-user", "王芳")
    page.click("#code-form button")
    page.wait_for_load_state()
    code = page.inner_text("#code").strip()
    # the QR code on the page, as the browser draws it, reads back as the code
    zxingcpp = pytest.importorskip("zxingcpp")
    drawn = Image.open(BytesIO(page.locator(".qr svg").screenshot()))
    assert [found.text for found in zxingcpp.read_barcodes(drawn)] == [code]
    _shot(page, screenshots, backend, "enrollment-code")
    fresh = tmp_path / "fresh.db"
    assert "enrolled as 王芳" in run_cli("--db", str(fresh), "enroll", hq.url, code)
    sync(fresh)
    audit = page.goto(f"{hq.url}/console/audit")
    assert audit is not None
    text = page.inner_text("#audit")
    assert "revoke" in text
    assert device_id in text
    assert "enrollment code" in text
