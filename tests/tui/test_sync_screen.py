"""The Sync screen against a real ``fieldkit serve`` process: progress, then nothing pending."""

from __future__ import annotations

from fieldkit.store import Store
from fieldkit.syncing import enroll
from tests.support.hq_process import Hq  # the e2e tests' real server process
from tests.tui.tui_helpers import make_app, rows, screen_lines, settle


async def test_sync_from_the_app_sends_everything(store: Store, hq: Hq) -> None:
    hq.admin("add-user", "周敏", "--role", "admin")
    enroll(store, hq.url, hq.enroll_code("周敏"))
    app = make_app(store, lang="en")
    progress: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        await pilot.press("s")
        for _ in range(100):
            await pilot.pause(0.05)
            progress.append(screen.query_one("#sync-progress").progress)  # type: ignore[attr-defined]
            if not screen.running:  # type: ignore[attr-defined]
                break
        await settle(pilot)
        message = str(screen.query_one("#sync-message").render())
        assert "Sync finished." in message, message
        text = "\n".join(screen_lines(app))
        assert "Changes waiting to be sent: 0" in text
        assert "Pending sync: 0" in text
        assert "not enrolled" not in text
    assert progress[-1] == 100
    assert rows(store, "SELECT count(*) FROM outbox WHERE state = 'pending'") == [(0,)]
    assert store.meta("last_sync_at")
