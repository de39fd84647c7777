"""Every reading of a name finds the person (曾 zeng and ceng), and a code's digits do.

The extra keys live in the local table ``person_search_key`` (migration 0007),
kept by triggers on every person write: local saves, renames, tombstones, rows
applied from a pull; the migration rebuilds it and the primary readings.
"""

from __future__ import annotations

import sqlite3
from datetime import date

from sqlmodel import select

from fieldkit.domain.models import Person, Site
from fieldkit.domain.vocab import Category, Sex, Status, Tier
from fieldkit.store import Store
from fieldkit.store.records import update_person
from fieldkit.store.replica import StoreReplica
from fieldkit.store.roster import RosterFilter, find_by_code, search_roster
from sync.protocol import PulledRecord, PullPage
from tests.tui.tui_helpers import rows


def _found(store: Store, text: str) -> list[str]:
    out: list[str] = []
    offset = 0
    while True:
        page = search_roster(store, RosterFilter(text=text), offset=offset, limit=2)
        out.extend(r.id for r in page.rows)
        if not page.more:
            return out
        offset += 2


def _quick(store: Store, text: str) -> list[str]:
    return [r.id for r in search_roster(store, RosterFilter(text=text), quick=True).rows]


def _page(record: PulledRecord, n: int) -> PullPage:
    """A pulled page of one record."""
    return PullPage(
        epoch="e1", cursor=f"c{n}", more=False, seen_rev=n, role="admin", scope=None,
        records=[record],
    )  # fmt: skip


def _add(store: Store, code: str, name: str) -> str:
    with store.write() as s:
        site_id = s.exec(select(Site)).first().id  # type: ignore[union-attr]
        person = Person(
            code=code,
            name=name,
            sex=Sex.MALE,
            birth_date=date(1948, 3, 1),
            category=Category.RETIRED,
            tier=Tier.ROUTINE,
            site_id=site_id,
            address="柳林村3组",
            phone="13611110000",
            status=Status.ACTIVE,
        )
        s.add(person)
        s.flush()
        return person.id


def test_every_reading_of_the_surname_and_the_code_digits_find_the_person(store: Store) -> None:
    zeng = _add(store, "GL-0142", "曾建建")
    shan = _add(store, "GL-0143", "单田芳")
    xie = _add(store, "GL-0144", "解小东")
    for text in ("zjj", "zengjianjian", "cjj", "cengjianjian", "ZJJ", "ceng", "zeng"):
        assert _found(store, text) == [zeng], text
        assert _quick(store, text) == [zeng], text
    assert _found(store, "shantianfang") == [shan]
    assert _found(store, "dtf") == [shan]
    assert _found(store, "xiexiaodong") == [xie]
    assert _found(store, "jxd") == [xie]
    assert _found(store, "0142") == [zeng]
    assert _quick(store, "0142") == [zeng]
    assert _found(store, "014") == [shan, xie, zeng]  # the digits, in pinyin order
    # the primary reading orders the roster: 曾 sorts as zeng (before zhang)
    assert rows(store, "SELECT search_full FROM person WHERE id = ?", zeng) == [("zengjianjian",)]
    # "z" finds 曾建建 among the z names in pinyin order, "c" finds him too
    z_names = [r.name for r in search_roster(store, RosterFilter(text="z")).rows]
    assert z_names == ["曾建建", "张三丰", "张志明", "赵丽华"]
    c_names = [r.name for r in search_roster(store, RosterFilter(text="c")).rows]
    assert c_names == ["陈淑芬", "曾建建"]


def test_keys_follow_renames_tombstones_and_pulls(store: Store) -> None:
    pid = _add(store, "GL-0142", "曾建建")
    update_person(store, pid, {"name": "王建建"})
    assert _found(store, "cjj") == []
    assert _found(store, "wjj") == [pid]
    update_person(store, pid, {"name": "曾建建"})
    assert _found(store, "cjj") == [pid]
    with store.write() as s:
        person = s.get(Person, pid)
        assert person is not None
        person.deleted = True
    assert _found(store, "cjj") == []
    assert _found(store, "0142") == []
    assert rows(store, "SELECT count(*) FROM person_search_key k JOIN person p"
                " ON p.rowid = k.person WHERE p.deleted = 1") == [(0,)]  # fmt: skip

    replica = StoreReplica(store)
    donor = find_by_code(store, "GL-0001")
    with store.read() as s:
        model = s.get(Person, donor)
        assert model is not None
        data = model.model_dump(mode="json", exclude={"search_full", "search_initials"})
    new_id = "0190f000-0000-7000-8000-00000000beef"
    put = {**data, "id": new_id, "code": "GL-0777", "name": "解小东"}
    replica.apply_page(_page(PulledRecord(tbl="person", id=new_id, rev=1, data=put), n=1))
    assert _found(store, "jxd") == [new_id]
    assert _found(store, "xxd") == [new_id]
    assert _found(store, "0777") == [new_id]
    replica.apply_page(_page(PulledRecord(tbl="person", id=new_id, rev=2, op="exit"), n=2))
    assert _found(store, "jxd") == []
    assert _found(store, "0777") == []


def test_migration_rebuilds_keys_and_primary_readings(store: Store) -> None:
    from alembic import command
    from alembic.config import Config

    from fieldkit.store.migrate import MIGRATIONS_DIR

    zeng = _add(store, "GL-0142", "曾建建")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
    path = store.path
    store.close()
    con = sqlite3.connect(path)
    with con:  # as an older version wrote it: 曾 read as ceng
        con.execute("UPDATE person SET search_full = 'cengjianjian', search_initials = 'cjj'")
    con.close()
    reopened = Store(path)
    try:
        assert rows(reopened, "SELECT search_full, search_initials FROM person WHERE id = ?",
                    zeng) == [("zengjianjian", "zjj")]  # fmt: skip
        for text in ("zjj", "cjj", "zengjianjian", "cengjianjian", "0142"):
            assert _found(reopened, text) == [zeng], text
        names = [r.name for r in search_roster(reopened, RosterFilter(text="zh")).rows]
        # every person's primary reading was written again
        assert names == ["张三丰", "张志明", "赵丽华"]
    finally:
        reopened.close()
