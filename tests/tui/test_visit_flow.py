"""The core flow: find a person by pinyin, open the file, record a visit through the form."""

from __future__ import annotations

import json

from fieldkit.store import Store
from fieldkit.tui.person import PersonScreen
from fieldkit.tui.roster import RosterScreen
from fieldkit.tui.visit_form import VisitForm
from tests.support.stored_ids import query
from tests.tui.tui_helpers import make_app, settle


def _rows(store: Store, sql: str, *args: object) -> list[tuple[object, ...]]:
    return query(store.path, sql, *args)


async def test_find_by_pinyin_and_record_visit(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RosterScreen)
        await pilot.press(*"zsf")
        await settle(pilot)
        table = app.screen.query_one("#roster")
        assert table.row_count == 1  # type: ignore[attr-defined]
        await pilot.press("enter")  # the single match opens its file
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        await pilot.press("v")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, VisitForm)
        form.query_one("#visitors").value = "周敏, 李强"  # type: ignore[attr-defined]
        form.query_one("#services").value = "送米面油"  # type: ignore[attr-defined]
        form.query_one("#money").value = "300.50"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)

    visits = _rows(
        store,
        "SELECT v.id, v.money_fen, v.visitors, v.services, v.visited_at FROM visit v "
        "JOIN person p ON p.id = v.person_id WHERE p.code = 'GL-0001' AND v.services != '送月饼'",
    )
    assert len(visits) == 1
    visit_id, fen, visitors, services, visited_at = visits[0]
    assert (fen, visitors, services) == (30050, "周敏, 李强", "送米面油")
    assert str(visited_at).startswith("2026-11-21 10:30")
    outbox = _rows(
        store, "SELECT data, state FROM outbox WHERE tbl = 'visit' AND row_id = ?", visit_id
    )
    assert len(outbox) == 1
    data, state = outbox[0]
    assert state == "pending"
    assert json.loads(str(data))["money_fen"] == 30050


async def test_english_interface(store: Store) -> None:
    app = make_app(store, lang="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "Pending sync" in str(app.screen.query_one("SyncStatus").render())


async def test_chinese_is_default(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        line = str(app.screen.query_one("SyncStatus").render())
        assert "待同步" in line
        assert "2026-11-20" in line
