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


async def test_the_last_problem_speaks_the_interface_language(store: Store) -> None:
    store.set_meta("server_url", "http://127.0.0.1:9")  # nothing listens there
    store.set_meta("device_token", "token-of-this-laptop")
    app = make_app(store, lang="zh")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        await pilot.press("s")
        for _ in range(50):
            await settle(pilot)
            if not screen.running:  # type: ignore[attr-defined]
                break
        summary = str(screen.query_one("#sync-summary").render()).splitlines()
        assert summary[-2:] == [
            "上次问题：无法连接局机关服务器 http://127.0.0.1:9；请检查网络后重试（数据没有丢失）",
            "  数据没有丢失，联网后请重试。",
        ]
        message = str(screen.query_one("#sync-message").render())
        assert message.startswith("同步失败：无法连接局机关服务器 http://127.0.0.1:9；")
    # the engine's own words stay for the logs; the problem is kept to be said again
    assert str(store.meta("last_sync_error")).startswith("cannot reach headquarters at ")
    app = make_app(store, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        text = "\n".join(screen_lines(app))
        assert (
            "Last problem: cannot reach headquarters at http://127.0.0.1:9; check the network "
            "and try again (nothing is lost)"
        ) in text
