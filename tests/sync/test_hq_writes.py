"""Changes made at HQ itself go through the same merge as pushed ones and reach devices.

Through a real toy HQ: an HQ edit gets a revision and is pulled by the devices
in scope (and only them), wins over the value it replaces even when that value
came from a device whose clock runs ahead, records no conflict, moves children
with their parent, and a settled conflict's picked value reaches every device.
"""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import select

from sync.client import run_sync
from sync.hlc import Timestamp, format_ts, parse_ts
from sync.protocol import Change
from sync.server import tables as t
from sync.server.admin import AdminError, list_conflicts, settle_conflict
from sync.server.db import write_begin
from sync.server.hq_writes import HQ_NODE, HqEdit, HqWriteRefused, write_at_hq
from tests.support.hq_records import hq_record
from tests.sync.toy import TOY, ServerThread, enroll_toy


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_an_hq_edit_wins_over_a_device_clock_ahead_and_reaches_devices_in_scope(
    toy_hq: ServerThread,
) -> None:
    a, b = uid("g"), uid("g")
    fast, cf = enroll_toy(toy_hq, "member", [a])
    reader, cr = enroll_toy(toy_hq, "member", [a])
    outsider, co = enroll_toy(toy_hq, "member", [b])
    note = uid("n")
    # the device's clock runs four minutes ahead (inside the allowed drift)
    ahead = time.time_ns() // 1_000_000 + 4 * 60_000
    fast.clock.last = format_ts(Timestamp(ahead, 0, fast.device_id))
    fast.write("note", note, group_id=a, title="from the fast laptop", body="b", secret="s")
    run_sync(cf, fast)
    run_sync(cr, reader)
    run_sync(co, outsider)

    with write_begin(toy_hq.engine) as conn:
        rev = write_at_hq(conn, TOY, [HqEdit("note", note, {"title": "set at HQ"})], user="王主任")
    rec = hq_record(toy_hq.engine, "note", note)
    assert rec is not None
    data, clocks = rec.data, rec.clocks
    assert data == {"group_id": a, "title": "set at HQ", "body": "b", "secret": "s"}
    hq_clock, hq_rev, node = clocks["title"]
    assert (hq_rev, node) == (rev, HQ_NODE)
    assert parse_ts(hq_clock) > parse_ts(clocks["*"][0])

    assert run_sync(cr, reader).pulled == 1
    assert reader.rows[("note", note)]["title"] == "set at HQ"
    assert run_sync(cf, fast).pulled == 1
    assert fast.rows[("note", note)]["title"] == "set at HQ"
    assert run_sync(co, outsider).pulled == 0
    with toy_hq.engine.connect() as conn:
        assert [c for c in list_conflicts(conn) if c.row_id == note] == []


def test_an_hq_move_of_a_parent_carries_its_children_and_tells_the_old_scope(
    toy_hq: ServerThread,
) -> None:
    a, b = uid("g"), uid("g")
    boss, cb = enroll_toy(toy_hq, "overseer", None)
    old_side, co = enroll_toy(toy_hq, "member", [a])
    new_side, cn = enroll_toy(toy_hq, "member", [b])
    note, comment = uid("n"), uid("c")
    boss.write("note", note, group_id=a, title="t", body="", secret="", n=None, deleted=False)
    boss.write("comment", comment, note_id=note, group_id=a, text="c", deleted=False)
    run_sync(cb, boss)
    run_sync(co, old_side)
    assert {("note", note), ("comment", comment)} <= set(old_side.rows)

    with write_begin(toy_hq.engine) as conn:
        write_at_hq(conn, TOY, [HqEdit("note", note, {"group_id": b})], user="王主任")
    assert run_sync(co, old_side).removed == 2
    assert {("note", note), ("comment", comment)}.isdisjoint(old_side.rows)
    run_sync(cn, new_side)
    assert new_side.rows[("comment", comment)]["group_id"] == b


def test_a_bad_hq_edit_is_refused_and_writes_nothing(toy_hq: ServerThread) -> None:
    note = uid("n")
    cases = [
        (HqEdit("ledger", note, {"x": 1}), "does not sync a table named 'ledger'"),
        (HqEdit("note", note, {"title": 5}), "note.title must be str"),
        (HqEdit("note", note, {"title": "no group"}), "has no group_id"),
    ]
    for edit, why in cases:
        with pytest.raises(HqWriteRefused, match=why), write_begin(toy_hq.engine) as conn:
            write_at_hq(conn, TOY, [edit], user="王主任")
    with toy_hq.engine.connect() as conn:
        assert conn.execute(select(t.record.c.id).where(t.record.c.id == note)).first() is None


def test_settling_a_conflict_writes_the_picked_value_to_every_device(
    toy_hq: ServerThread,
) -> None:
    g, note = uid("g"), uid("n")
    a, ca = enroll_toy(toy_hq, "member", [g])
    b, cb = enroll_toy(toy_hq, "member", [g])
    a.write("note", note, group_id=g, title="t0", body="", secret="", n=None, deleted=False)
    run_sync(ca, a)
    run_sync(cb, b)
    a.write("note", note, title="from a")
    b.write("note", note, title="from b")
    run_sync(ca, a)
    assert run_sync(cb, b).conflicts == 1
    with toy_hq.engine.connect() as conn:
        (conflict,) = [c for c in list_conflicts(conn) if c.row_id == note]
    kept = conflict.loser_value
    with write_begin(toy_hq.engine) as conn:
        assert settle_conflict(conn, TOY, conflict.id, "王主任", "loser") == kept
    for dev, client in ((a, ca), (b, cb)):
        run_sync(client, dev)
        assert dev.rows[("note", note)]["title"] == kept
        assert dev.markers[conflict.id].resolved
    with (
        pytest.raises(AdminError, match="no open conflict") as err,
        write_begin(toy_hq.engine) as conn,
    ):
        settle_conflict(conn, TOY, conflict.id, "王主任", "winner")
    assert err.value.next_step == "list_conflicts"
    # a device edit made after seeing the settled value wins, with no new conflict
    a.write("note", note, title="after the settlement")
    result = run_sync(ca, a)
    assert (result.applied, result.conflicts) == (1, 0)


def test_a_pushed_clock_may_not_claim_to_be_hq(toy_hq: ServerThread) -> None:
    g = uid("g")
    _dev, client = enroll_toy(toy_hq, "member", [g])
    hlc = format_ts(Timestamp(time.time_ns() // 1_000_000, 0, HQ_NODE))
    change = Change(seq=1, tbl="group", id=g, data={"name": "x"}, hlc=hlc, seen_rev=0)
    assert client.push([change]).verdicts[0].reason == "the change's clock names another device"
