"""The search keys a bulk load's end writes (``search_index.rebuild``, one reading per
distinct name) are exactly those the triggers on ``person`` write one row at a time."""

from __future__ import annotations

from pathlib import Path

from fieldkit.domain.ids import decode_id, decode_ids, encode_id
from fieldkit.domain.search_keys import name_keys
from fieldkit.sampledata import generate_store
from fieldkit.store import Store, search_index

# shared names, heteronym surnames (曾 单 解), a compound one (单于), Latin, digits
NAMES = ["曾建建", "单于明", "单田芳", "解放", "曾", "解解", "张三丰 Tom", "单", "曾2号", "曾建建"]


def _keys(store: Store) -> list[tuple[str, str, str]]:
    """Every search key as (key, sort, person id)."""
    with store._write_engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT k.key, k.sort, p.id FROM person_search_key k"
            " JOIN person p ON p.rowid = k.person ORDER BY 1, 2, 3"
        ).all()
    return [(str(k), str(s), decode_id(i)) for k, s, i in rows]


def test_rebuilt_search_keys_equal_those_the_triggers_write(tmp_path: Path) -> None:
    store = generate_store(tmp_path / "county.db", persons=300, visits=0)
    try:
        with store._write_engine.begin() as conn:
            ids = decode_ids(
                conn.exec_driver_sql("SELECT id FROM person ORDER BY rowid LIMIT 40").scalars()
            )
            for i, pid in enumerate(ids):  # the update trigger writes their keys
                name = NAMES[i % len(NAMES)]
                full, initials = name_keys(name)
                conn.exec_driver_sql(
                    "UPDATE person SET name = ?, code = ?, search_full = ?,"
                    " search_initials = ? WHERE id = ?",
                    (name, f"ZX-{i:04d}-{i % 3}", full, initials, encode_id(pid)),
                )
            conn.exec_driver_sql(
                "UPDATE person SET deleted = 1 WHERE id = ?", (encode_id(ids[-1]),)
            )
        written = _keys(store)
        assert ("zengjianjian", "zengjianjian", ids[0]) not in written  # the primary reading
        assert ("cengjianjian", "zengjianjian", ids[0]) in written
        assert ("0000", "zengjianjian", ids[0]) in written
        assert not any(pid == ids[-1] for _, _, pid in written)
        with store._write_engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM person_search_key")
            search_index.rebuild(conn)
        assert _keys(store) == written
    finally:
        store.close()
