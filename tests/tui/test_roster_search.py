"""Roster search over the trigram index ``person_fts`` (migration 0004).

The index must give exactly what a plain pass over the table gives, and follow
every way a person row is written: local saves, renames, tombstones, rows applied
from a pull (upserts and exits), the sample-data loader and the migration's backfill.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from fieldkit.domain.models import Person, Site
from fieldkit.domain.vocab import Category, Sex, Status, Tier
from fieldkit.sampledata import generate_store
from fieldkit.store import Store
from fieldkit.store import roster as roster_module
from fieldkit.store.records import update_person
from fieldkit.store.replica import StoreReplica
from fieldkit.store.roster import RosterFilter, find_by_code, search_roster
from sync.protocol import PulledRecord, PullPage
from tests.tui.tui_helpers import rows

QUERIES = [
    "张", "三丰", "张三丰", "幸", "幸福", "幸福小区", "小区3栋", "村", "东风村二组", "社区1",
    "英", "阿依古丽", "古丽", "13", "138", "0000", "00000006", "13800000007", "9", "99",
    "GL-0", "GL-000", "张z", '"', "区\"",
]  # fmt: skip


def _reference(store: Store, text: str) -> list[str]:
    """What the search means, as one pass over every live person in Python."""
    t = text.strip()
    with store.read() as s:
        people = [
            (p.search_full, p.id, p.code, p.name, p.address, p.phone)
            for p in s.exec(select(Person)).all()
            if not p.deleted
        ]
    if t.isdigit():
        digits = ["".join(ch for ch in p[2] if ch.isdigit()) for p in people]
        hits = [
            p for p, d in zip(people, digits, strict=True)
            if p[2].startswith(t.upper()) or t in p[5] or d.startswith(t)
        ]  # fmt: skip
    elif any(not ch.isascii() for ch in t):
        hits = [p for p in people if t in p[3] or t in p[4]]
    else:
        hits = [p for p in people if p[2].startswith(t.upper())]
        return [p[1] for p in sorted(hits, key=lambda p: (p[2], p[1]))]  # codes: by code
    return [p[1] for p in sorted(hits)]


def _found(store: Store, text: str, limit: int = 3) -> list[str]:
    """Every page of the search, ``limit`` at a time."""
    out: list[str] = []
    offset = 0
    while True:
        page = search_roster(store, RosterFilter(text=text), offset=offset, limit=limit)
        out.extend(r.id for r in page.rows)
        if not page.more:
            return out
        offset += limit


def _fts_rows(store: Store) -> set[tuple[str, str, str]]:
    """The index's content, unpadded, as (name, address, phone): each value put back
    together from its trigrams in order (the index is contentless, migration 0014;
    a value of no trigram is empty)."""
    trigrams: dict[tuple[object, object], dict[int, str]] = {}
    for doc, col, at, term in rows(store, "SELECT doc, col, offset, term FROM person_fts_terms"):
        trigrams.setdefault((doc, col), {})[int(str(at))] = str(term)
    values: dict[object, dict[object, str]] = {}
    for (doc, col), terms in trigrams.items():
        text = terms[0] + "".join(terms[i][-1] for i in range(1, len(terms)))
        values.setdefault(doc, {})[col] = text.removesuffix("\x1f\x1f")
    return {(v.get("name", ""), v.get("address", ""), v.get("phone", "")) for v in values.values()}


def _live(store: Store) -> set[tuple[str, str, str]]:
    found = rows(store, "SELECT name, address, phone FROM person WHERE deleted = 0")
    return {(str(a), str(b), str(c)) for a, b, c in found}


def _add(store: Store, code: str, name: str, address: str, phone: str) -> str:
    with store.write() as s:
        site_id = s.exec(select(Site)).first().id  # type: ignore[union-attr]
        person = Person(
            code=code,
            name=name,
            sex=Sex.FEMALE,
            birth_date=date(1950, 1, 1),
            category=Category.RESIDENT,
            tier=Tier.ROUTINE,
            site_id=site_id,
            address=address,
            phone=phone,
            status=Status.ACTIVE,
        )
        s.add(person)
        s.flush()
        return person.id


@pytest.mark.parametrize("window", [roster_module.WINDOW, 2])
def test_search_gives_what_a_table_pass_gives(
    store: Store, window: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a small window makes 1-2 character searches read the term index
    monkeypatch.setattr(roster_module, "WINDOW", window)
    _add(store, "GL-0100", "张秀兰", "东风村二组7号", "13912345678")
    for text in QUERIES:
        assert _found(store, text) == _reference(store, text), text


def test_index_follows_inserts_renames_and_tombstones(store: Store) -> None:
    assert _fts_rows(store) == _live(store)
    pid = _add(store, "GL-0200", "欧阳娜", "红旗巷9号", "13711112222")
    assert _found(store, "红旗巷") == [pid]
    assert _found(store, "红") == [pid]
    assert _found(store, "1111") == [pid]
    update_person(store, pid, {"name": "欧阳娟", "address": "白塔路2号"})
    with store.write() as s:  # a phone change (the status form records it as an event too)
        person = s.get(Person, pid)
        assert person is not None
        person.phone = "13733334444"
    assert _found(store, "欧阳娜") == []
    assert _found(store, "娜") == []
    assert _found(store, "欧阳娟") == [pid]
    assert _found(store, "白塔") == [pid]
    assert _found(store, "1111") == []
    assert _found(store, "3333") == [pid]
    assert _fts_rows(store) == _live(store)
    with store.write() as s:
        person = s.get(Person, pid)
        assert person is not None
        person.deleted = True
    assert _found(store, "欧阳娟") == []
    assert _found(store, "白") == []
    assert _fts_rows(store) == _live(store)


def test_index_follows_rows_applied_from_a_pull(store: Store) -> None:
    replica = StoreReplica(store)
    donor = find_by_code(store, "GL-0001")
    with store.read() as s:
        model = s.get(Person, donor)
        assert model is not None
        data = model.model_dump(mode="json", exclude={"search_full", "search_initials"})
    new_id = "0190f000-0000-7000-8000-00000000abcd"

    def page(*records: PulledRecord, n: int) -> PullPage:
        return PullPage(
            epoch="e1", cursor=f"c{n}", more=False, seen_rev=n, role="admin", scope=None,
            records=list(records),
        )  # fmt: skip

    put = {**data, "id": new_id, "code": "GL-0300", "name": "马兰花", "address": "柳林村3组"}
    replica.apply_page(page(PulledRecord(tbl="person", id=new_id, rev=1, data=put), n=1))
    assert _found(store, "兰花") == [new_id]
    assert _found(store, "柳林村") == [new_id]
    # the same values again (a re-pull): the index is left as it is
    replica.apply_page(page(PulledRecord(tbl="person", id=new_id, rev=1, data=put), n=1))
    assert _found(store, "柳林村") == [new_id]
    assert _fts_rows(store) == _live(store)
    moved = {**put, "address": "杏园路8号", "phone": "13655556666"}
    replica.apply_page(page(PulledRecord(tbl="person", id=new_id, rev=2, data=moved), n=2))
    assert _found(store, "柳林村") == []
    assert _found(store, "杏园") == [new_id]
    assert _found(store, "5555") == [new_id]
    gone = {**moved, "deleted": True}
    replica.apply_page(page(PulledRecord(tbl="person", id=new_id, rev=3, data=gone), n=3))
    assert _found(store, "杏园") == []
    assert _fts_rows(store) == _live(store)
    # a row leaving the device's scope is deleted for real
    replica.apply_page(page(PulledRecord(tbl="person", id=donor or "", rev=4, op="exit"), n=4))
    assert _found(store, "张三丰") == []
    assert _fts_rows(store) == _live(store)


def test_sample_data_loader_fills_the_index(tmp_path: Path) -> None:
    store = generate_store(tmp_path / "gen.db", persons=300, visits=500)
    try:
        assert len(_fts_rows(store)) == len(_live(store)) > 0
        assert _fts_rows(store) == _live(store)
    finally:
        store.close()


def test_migration_backfills_an_older_store(store: Store, tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from fieldkit.store.migrate import MIGRATIONS_DIR

    path = store.path
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with store.engine.begin() as conn:  # undo the migrations after 0004 first
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    store.close()
    con = sqlite3.connect(path)
    with con:  # take the store back to revision 0003
        for name in ("trg_person_fts_insert", "trg_person_fts_update", "trg_person_fts_delete"):
            con.execute(f"DROP TRIGGER {name}")
        con.execute("DROP TABLE person_fts_terms")
        con.execute("DROP TABLE person_fts")
        con.execute("UPDATE alembic_version SET version_num = '0003'")
    con.close()
    reopened = Store(path)
    try:
        assert _fts_rows(reopened) == _live(reopened)
        assert len(_live(reopened)) == 8
        assert _found(reopened, "幸福小区") == _reference(reopened, "幸福小区")
    finally:
        reopened.close()
