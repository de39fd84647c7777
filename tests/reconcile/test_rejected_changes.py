"""A change HQ rejects: ``fieldkit sync`` names the person and fails; the Sync screen retries it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import create_engine

from fieldkit.domain.models import Person, Site
from fieldkit.domain.vocab import SiteKind
from fieldkit.services import Services
from fieldkit.store import Store
from fieldkit.tui.app import FieldkitApp
from tests.support.hq_process import Hq, run_cli
from tests.support.hq_records import hq_record


def _rejected_person(hq: Hq, db: Path) -> tuple[Store, str]:
    """An admin laptop, synced, holding a person HQ never got whose edit HQ rejects."""
    hq.enroll_admin_laptop(db)
    store = Store(db)
    with store.write() as s:
        site = Site(name="东山安置点", county="甘洛县", kind=SiteKind.RELOCATION)
        s.add(site)
    run_cli("--db", str(db), "sync")
    # Written without an outbox entry (as a bad restore would), then edited.
    with store.write(remote=True) as s:
        person = Person(code="DS-0007", name="王秀英", site_id=site.id, birth_date=date(1938, 5, 1))
        s.add(person)
    with store.write() as s:
        found = s.get(Person, person.id)
        assert found is not None
        found.phone = "13900000007"
    return store, person.id


def test_sync_exits_non_zero_naming_the_person_and_what_to_do(hq: Hq, tmp_path: Path) -> None:
    db = tmp_path / "laptop.db"
    _rejected_person(hq, db)

    out = run_cli("--db", str(db), "sync", check=False)

    assert out.rstrip().endswith("exit=1"), out
    assert "1 rejected" in out
    assert "王秀英 (DS-0007): headquarters rejected this change: new person row" in out
    assert "has no site_id" in out
    assert "retry it on the Sync screen (key T)" in out

    zh = run_cli("--lang", "zh", "--db", str(db), "sync", check=False)
    assert zh.rstrip().endswith("exit=1"), zh
    assert "王秀英 (DS-0007)" in zh
    assert "headquarters rejected" not in zh


async def test_sync_screen_retries_a_rejected_change(hq: Hq, tmp_path: Path) -> None:
    db = tmp_path / "laptop.db"
    store, person_id = _rejected_person(hq, db)
    run_cli("--db", str(db), "sync", check=False)
    app = FieldkitApp(Services(store), lang="en")
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        await pilot.press("f5")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("#sync-problems")
        assert table.row_count == 1  # type: ignore[attr-defined]
        assert table.get_row_at(0)[3] == "王秀英 (DS-0007)"  # type: ignore[attr-defined]
        table.focus()
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert table.row_count == 0  # type: ignore[attr-defined]
        await pilot.press("s")
        for _ in range(200):
            await app.workers.wait_for_complete()
            await pilot.pause()
            if not screen.running:  # type: ignore[attr-defined]
                break
        message = str(screen.query_one("#sync-message").render())
        assert "Sync finished." in message, message
        assert "rejected" not in message, message
    engine = create_engine(hq.database_url)
    try:
        held = hq_record(engine, "person", person_id)
    finally:
        engine.dispose()
    assert held is not None
    assert (held.data["name"], held.data["code"], held.data["phone"]) == (
        "王秀英",
        "DS-0007",
        "13900000007",
    )
