"""What the app does at start and on opening a file, for a quick first screen.

The first roster page does not wait for the start information (user, drafts) when
no default site is configured; a person's file is read once per opening (its card
line comes from the same read); the warm-up imports the file screen and freezes
what start made out of the garbage collector's full passes, after one search of
each kind (statements compiled before the first keystroke).
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import event

from fieldkit.services import RosterFilter, Services
from fieldkit.store import Store
from fieldkit.tui.app import FieldkitApp
from fieldkit.tui.person import PersonScreen
from fieldkit.tui.roster import RosterScreen
from tests.tui.tui_helpers import make_app, rows, settle

SIZE = (100, 30)


class _NoStartInfo(FieldkitApp):
    """The app whose start information never arrives (as if its worker were slow)."""

    def _load_start(self, wanted_site: str | None) -> None:  # type: ignore[override]
        return


async def test_the_first_page_does_not_wait_for_the_start_information(store: Store) -> None:
    app = make_app(store)
    app.__class__ = _NoStartInfo
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RosterScreen)
        assert not app.ready
        assert screen.page is not None
        codes = sorted(r.code for r in screen.page.rows)
        assert codes == [f"GL-000{i}" for i in range(1, 9)]
        assert screen.query_one("#roster").row_count == 8  # type: ignore[attr-defined]


async def test_opening_a_file_reads_it_once_and_shows_its_card_line(store: Store) -> None:
    pid = str(rows(store, "SELECT id FROM person WHERE code = 'GL-0002'")[0][0])
    timeline_reads: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM visit" in statement and "ORDER BY visit.visited_at DESC" in statement:
            timeline_reads.append(statement)

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        app = make_app(store)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.open_person(pid)
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, PersonScreen)
            assert screen.file is not None
            assert screen.file.person.code == "GL-0002"
            card = str(screen.query_one("#person-card").render())
            assert card == "服务卡第1张 · 最近扫码：从未"
            assert len(timeline_reads) == 1
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)


async def test_the_warm_up_imports_the_file_screen_and_freezes_the_start(store: Store) -> None:
    app = make_app(store)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            gc.unfreeze()
            app._warm_up()
            await settle(pilot)
            assert gc.get_freeze_count() > 0
            assert "fieldkit.tui.person" in sys.modules
            assert "fieldkit.services.cards" in sys.modules
    finally:
        gc.unfreeze()


def test_the_roster_warm_up_runs_each_kind_of_search_and_names_a_person(store: Store) -> None:
    services = Services(store)
    found = services.roster.warm_up()
    assert found == rows(store, "SELECT id FROM person WHERE code = 'GL-0001'")[0][0]  # 张三丰
    assert services.roster.search(RosterFilter(text="z")).rows[0].id == found


_HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "fieldkit.domain.models", "fieldkit.store.store",
          "fieldkit.domain.careplan", "pypinyin", "httpx", "qrcode", "openpyxl")  # fmt: skip
"""What fieldkit's start goes without until the first page is shown."""

_WARM = """
import sys
from fieldkit.services import Services
from fieldkit.store import Store
services = Services(Store(sys.argv[1]))
before = "pypinyin" in sys.modules
services.roster.warm_up()
print(before, "pypinyin" in sys.modules)
"""


def _fresh_process(script: str, store: Store) -> str:
    """What ``script`` prints, run on the store in a fresh ``python`` process
    (``__HEAVY__`` in it stands for :data:`_HEAVY`)."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run(
        [sys.executable, "-c", script.replace("__HEAVY__", repr(_HEAVY)), str(store.path)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    return done.stdout


def test_the_warm_up_loads_the_pinyin_dictionaries(store: Store) -> None:
    assert _fresh_process(_WARM, store).split() == ["False", "True"]


_CONSOLE_SCRIPT = """
import sys
import fieldkit.cli.main
print(sorted(m for m in __HEAVY__ if m in sys.modules))
"""


def test_the_console_script_imports_no_heavy_library_before_a_command_runs(store: Store) -> None:
    """``fieldkit`` itself (its commands' parsers) loads none of what the first page
    goes without; a command imports what it needs when it runs."""
    assert _fresh_process(_CONSOLE_SCRIPT, store).strip() == "[]"


async def test_what_start_made_is_frozen_when_the_start_information_arrives(store: Store) -> None:
    gc.unfreeze()
    app = make_app(store)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert app.ready
            assert gc.get_freeze_count() > 0
        assert gc.get_freeze_count() == 0  # the closed app froze nothing for good
    finally:
        gc.unfreeze()


_FIRST_PAGE = """
import asyncio, json, sys
from pathlib import Path

from fieldkit.services import RosterFilter, Services
from fieldkit.tui.app import FieldkitApp

HEAVY = __HEAVY__


def heavy():
    return sorted(m for m in HEAVY if m in sys.modules)


seen = {}


def watch(app):
    shown = app.first_page_shown

    def first_page_shown():
        if "first_page" not in seen:
            seen["first_page"] = heavy()
            seen["rows"] = app.screen.query_one("#roster").row_count
            seen["opened"] = app.services.opened
        shown()

    app.first_page_shown = first_page_shown


async def main():
    app = FieldkitApp(Services.open(Path(sys.argv[1])), lang="zh")
    watch(app)
    async with app.run_test(size=(100, 30)) as pilot:
        while "first_page" not in seen:
            await pilot.pause()
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
        seen["after"] = heavy()
        seen["opened_after"] = app.services.opened
        seen["pending"] = app.sync_info.pending
        seen["zsf"] = [r.code for r in app.services.roster.search(RosterFilter(text="zsf")).rows]


asyncio.run(main())
print(json.dumps(seen))
"""


def test_the_first_page_is_shown_before_the_sql_library_and_the_tables_are_loaded(
    store: Store,
) -> None:
    """In a fresh process, ``fieldkit``'s start (``Services.open``, then the app) shows
    the first roster page with none of the heavy libraries imported; then the store is
    opened in a worker and the sync line read."""
    seen = json.loads(_fresh_process(_FIRST_PAGE, store).strip().splitlines()[-1])
    assert seen["first_page"] == []
    assert seen["rows"] == 8
    assert seen["opened"] is False
    assert seen["after"] == [
        "fieldkit.domain.models",
        "fieldkit.store.store",
        "sqlalchemy",
        "sqlmodel",
    ]
    assert seen["opened_after"] is True
    pending = int(str(rows(store, "SELECT count(*) FROM outbox WHERE state = 'pending'")[0][0]))
    assert seen["pending"] == pending > 0  # the sync line was read once the store opened
    assert seen["zsf"] == ["GL-0001"]
