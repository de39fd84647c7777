"""Today as a route sheet, through the real app: walking order, reason, days late."""

from __future__ import annotations

from datetime import date, datetime

from textual.widgets import DataTable

from fieldkit.domain.models import Person, Site, Visit
from fieldkit.domain.vocab import Category, Sex, Status, Tier, VisitReason
from fieldkit.services import Services
from fieldkit.store import Store
from fieldkit.tui.today import TodayScreen
from tests.tui.tui_helpers import NOW, make_app, screen_lines, settle

ADDRESSES = ["东风村十组", "东风村三组51号", "东风村二组", "东风村三组6号", "东风村一组"]
WALK = ["东风村一组", "东风村二组", "东风村三组6号", "东风村三组51号", "东风村十组"]


def _add_site_with_persons(store: Store) -> dict[str, str]:
    """A new site whose key-tier persons were never visited; their ids by address."""
    out: dict[str, str] = {}
    with store.write() as s:
        site = Site(name="柳林村", county="甘洛县", kind="village")  # type: ignore[arg-type]
        s.add(site)
        s.flush()
        for n, address in enumerate(ADDRESSES):
            person = Person(
                code=f"GL-05{n:02d}",
                name=f"测试{'甲乙丙丁戊'[n]}",
                sex=Sex.MALE,
                birth_date=date(1940, 1, 1),
                category=Category.LIXIU,
                tier=Tier.KEY,
                site_id=site.id,
                address=address,
                phone="13700000000",
                status=Status.ACTIVE,
            )
            s.add(person)
            s.flush()
            out[address] = person.id
        # 一组 was last visited in the summer: its key-tier visit is weeks late
        s.add(
            Visit(
                person_id=out["东风村一组"],
                site_id=site.id,
                reason=VisitReason.ROUTINE,
                visited_at=datetime(2026, 7, 1, 9, 0),
                visitors="周敏",
                services="走访",
            )
        )
    return out


async def test_today_walks_the_site_in_natural_address_order(store: Store) -> None:
    ids = _add_site_with_persons(store)
    due = Services(store).due.listing(NOW.date())
    group = next(g for g in due.groups if g.site_name == "柳林村")
    late = {t.person_id: (NOW.date() - t.due).days for t in group.tasks}
    app = make_app(store, lang="zh", start_mode="today")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        keys = [str(k.value) for k in screen.query_one("#today-list", DataTable).rows]
        in_site = [k.split(":")[0] for k in keys if k.split(":")[0] in set(ids.values())]
        assert list(dict.fromkeys(in_site)) == [ids[a] for a in WALK]
        text = "\n".join(screen_lines(app))
        first = ids[WALK[0]]
        assert late[first] > 0
        line = next(ln for ln in text.splitlines() if "测试戊" in ln)
        assert f"{late[first]}天" in line  # days late, at 80 columns
        assert "重点" in line  # the reason (key tier), abbreviated
