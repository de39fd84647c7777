"""Conflicts on the person file, through a real HQ and two laptops: made, pulled, shown,
settled by an administrator, and the value picked reaches the other laptop."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldkit.services import Services
from fieldkit.store import Store
from fieldkit.tui.conflict_dialog import ConflictDialog
from fieldkit.tui.person import PersonScreen
from tests.support.hq_process import Hq
from tests.tui.tui_helpers import build_store, make_app, screen_lines, settle

pytestmark = pytest.mark.slow


def _synced(services: Services) -> None:
    outcome = services.sync.run()
    assert outcome.ok, outcome.report.error


def _address(services: Services, person_id: str) -> str:
    pf = services.files.get(person_id)
    assert pf is not None
    return pf.person.address


async def test_a_conflict_is_shown_settled_and_synced_to_the_other_laptop(
    hq: Hq, tmp_path: Path
) -> None:
    hq.admin("add-user", "总管", "--role", "admin")
    admin_store = build_store(tmp_path / "admin.db")
    admin = Services(admin_store)
    admin.sync.enroll(hq.url, hq.enroll_code("总管"))
    _synced(admin)
    hq.admin("add-user", "周敏", "--role", "staff", "--sites", "幸福安置点")
    staff_store = Store(tmp_path / "staff.db")
    staff = Services(staff_store)
    staff.sync.enroll(hq.url, hq.enroll_code("周敏"))
    _synced(staff)
    pid = admin.roster.find_by_code("GL-0001")
    assert pid is not None
    assert staff.roster.find_by_code("GL-0001") == pid

    # both laptops offline change the same field; the staff laptop's edit is the later one
    admin.record.edit_person(pid, {"address": "幸福小区3栋2单元101"})
    staff.record.edit_person(pid, {"address": "幸福小区3栋2单元102"})
    _synced(admin)
    outcome = staff.sync.run()
    assert outcome.ok
    assert outcome.report.conflicts == 1
    _synced(admin)  # pulls the winner and the conflict marker
    assert _address(admin, pid) == _address(staff, pid) == "幸福小区3栋2单元102"

    # the staff laptop sees the conflict, but only an administrator settles it
    app = make_app(staff_store, lang="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_person(pid)
        await settle(pilot)
        text = "\n".join(screen_lines(app))
        assert (
            "Conflict on Address: kept 幸福小区3栋2单元102 · set aside 幸福小区3栋2单元101" in text
        )
        assert "An administrator settles conflicts." in text
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        assert any("Only an administrator" in str(n.message) for n in app._notifications)

    # the administrator picks the value that was set aside
    app = make_app(admin_store, lang="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_person(pid)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PersonScreen)
        text = "\n".join(screen_lines(app))
        assert (
            "Conflict on Address: kept 幸福小区3栋2单元102 · set aside 幸福小区3栋2单元101" in text
        )
        assert "Press K to pick the right value." in text
        assert "k Settle conflict" in text  # offered in the key bar while a conflict is open
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, ConflictDialog)
        await pilot.press("2")
        await settle(pilot)
        assert app.screen is screen
        assert screen.conflicts == []
        text = "\n".join(screen_lines(app))
        assert "Conflict on" not in text
        assert "Settle conflict" not in text
        assert "幸福小区3栋2单元101" in text
        assert any("reaches headquarters" in str(n.message) for n in app._notifications)
    assert _address(admin, pid) == "幸福小区3栋2单元101"
    assert admin.outbox.status().pending_by_table == {"person": 1}

    _synced(admin)  # the value picked goes to HQ like any edit ...
    _synced(staff)  # ... and on to the other laptop
    assert _address(staff, pid) == _address(admin, pid) == "幸福小区3栋2单元101"
    assert admin.conflicts.open_on(pid) == []  # settled here stays settled after a sync
    for services in (admin, staff):
        services.close()
