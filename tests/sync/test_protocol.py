"""The sync protocol over real HTTP with a toy schema: verdicts, clocks, scope, auth."""

from __future__ import annotations

import gzip
import json
import time
import uuid

import httpx
import pytest
from sqlalchemy import func, select

from sync import PROTOCOL_VERSION
from sync.client import SyncClient, SyncError, Unauthorized, UpgradeRequired, run_sync
from sync.hlc import Timestamp, format_ts
from sync.protocol import HEADER_PROTOCOL, HEADER_SCHEMA, Change
from sync.server import tables as t
from sync.server.admin import add_user, list_conflicts, new_epoch, revoke_device
from sync.server.db import write_begin
from tests.support.hq_records import hq_record
from tests.sync.toy import TOY, TOY_ROLES, ServerThread, ToyReplica, code_for, enroll_toy, new_user


def gid() -> str:
    return f"g-{uuid.uuid4().hex[:10]}"


def nid() -> str:
    return f"n-{uuid.uuid4().hex[:10]}"


def hq_data(srv: ServerThread, tbl: str, row_id: str) -> dict[str, object] | None:
    rec = hq_record(srv.engine, tbl, row_id)
    return None if rec is None else rec.data


def count(srv: ServerThread, table: t.Table) -> int:
    with srv.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_replayed_batch_is_duplicate_and_changes_nothing(toy_hq: ServerThread) -> None:
    g = gid()
    dev, client = enroll_toy(toy_hq, "member", [g])
    dev.write("group", g, name="东山", deleted=False)
    n = nid()
    dev.write("note", n, group_id=g, title="a", body="", secret="s", n=1, deleted=False)
    changes = dev.pending(10)
    first = client.push(changes)
    assert [v.status for v in first.verdicts] == ["applied", "applied"]
    rev = first.rev
    again = client.push(changes)
    assert [v.status for v in again.verdicts] == ["duplicate", "duplicate"]
    assert again.watermark == 2
    assert hq_data(toy_hq, "note", n) == {
        "group_id": g,
        "title": "a",
        "body": "",
        "secret": "s",
        "n": 1,
        "deleted": False,
    }
    page = client.pull(None)
    assert [r.rev for r in page.records if r.id == n] == [rev]


def test_rejected_change_never_blocks_the_next_and_replays_its_reason(
    toy_hq: ServerThread,
) -> None:
    mine, other = gid(), gid()
    dev, client = enroll_toy(toy_hq, "member", [mine])
    dev.write("note", nid(), group_id=other, title="x", body="", secret="", n=None, deleted=False)
    ok = nid()
    dev.write("note", ok, group_id=mine, title="y", body="", secret="", n=None, deleted=False)
    dev.write("note", nid(), group_id=mine, title=5)  # wrong type
    dev.write("ledger", nid(), x=1)  # unknown table
    result = run_sync(client, dev)
    assert result.rejected == 3
    assert result.applied == 1
    states = [e["state"] for e in dev.outbox]
    assert states == ["rejected", "synced", "rejected", "rejected"]
    assert "outside" in dev.outbox[0]["reason"]
    assert "title must be str" in dev.outbox[2]["reason"]
    assert "ledger" in dev.outbox[3]["reason"]
    assert hq_data(toy_hq, "note", ok) is not None
    replay = client.push([Change(**{k: dev.outbox[0][k] for k in Change.model_fields})])
    assert replay.verdicts[0].status == "rejected"
    assert replay.verdicts[0].reason == dev.outbox[0]["reason"]


def test_different_fields_both_survive_and_same_field_keeps_a_conflict(
    toy_hq: ServerThread,
) -> None:
    g = gid()
    a, ca = enroll_toy(toy_hq, "member", [g])
    b, cb = enroll_toy(toy_hq, "member", [g])
    n = nid()
    a.write("group", g, name="西岭", deleted=False)
    a.write("note", n, group_id=g, title="t0", body="b0", secret="", n=0, deleted=False)
    run_sync(ca, a)
    run_sync(cb, b)
    # both offline: a edits title, b edits body -> both kept
    a.write("note", n, title="t-a")
    b.write("note", n, body="b-b")
    run_sync(ca, a)
    result_b = run_sync(cb, b)
    assert result_b.conflicts == 0
    run_sync(ca, a)
    assert a.rows[("note", n)]["title"] == "t-a"
    assert a.rows[("note", n)]["body"] == "b-b"
    assert b.rows[("note", n)] == a.rows[("note", n)]
    # both offline again: the same field; b's edit is later, so b wins everywhere
    a.write("note", n, title="from-a")
    time.sleep(0.005)
    b.write("note", n, title="from-b")
    run_sync(ca, a)
    result_b = run_sync(cb, b)
    assert result_b.conflicts == 1
    run_sync(ca, a)
    assert a.rows[("note", n)]["title"] == b.rows[("note", n)]["title"] == "from-b"
    with toy_hq.engine.connect() as conn:
        mine = [c for c in list_conflicts(conn) if c.row_id == n]
    assert len(mine) == 1
    assert (mine[0].winner_value, mine[0].loser_value) == ("from-b", "from-a")
    assert any(c.row_id == n and c.loser_value == "from-a" for c in a.markers.values())
    # an edit made after seeing b's value is no conflict
    a.write("note", n, title="later")
    assert run_sync(ca, a).conflicts == 0


def test_clock_far_ahead_is_rejected_with_a_clear_reason(toy_hq: ServerThread) -> None:
    g = gid()
    dev, client = enroll_toy(toy_hq, "member", [g])
    year_2099 = format_ts(Timestamp(4_070_908_800_000, 0, dev.device_id))
    change = Change(seq=1, tbl="group", id=g, data={"name": "x"}, hlc=year_2099, seen_rev=0)
    verdict = client.push([change]).verdicts[0]
    assert verdict.status == "rejected"
    assert "ahead of headquarters" in verdict.reason
    assert "years" in verdict.reason
    assert hq_data(toy_hq, "group", g) is None
    forged = Change(
        seq=2,
        tbl="group",
        id=g,
        data={"name": "x"},
        hlc=format_ts(Timestamp(int(time.time() * 1000), 0, "someone-else")),
        seen_rev=0,
    )
    assert client.push([forged]).verdicts[0].status == "rejected"


def test_revoked_device_gets_401_and_writes_nothing(toy_hq: ServerThread) -> None:
    g = gid()
    dev, client = enroll_toy(toy_hq, "member", [g])
    dev.write("group", g, name="x", deleted=False)
    with write_begin(toy_hq.engine) as conn:
        revoke_device(conn, dev.device_id)
    before = count(toy_hq, t.record)
    with pytest.raises(Unauthorized, match="revoked"):
        run_sync(client, dev)
    assert count(toy_hq, t.record) == before
    assert dev.outbox[0]["state"] == "pending"


def test_requests_need_a_token_except_health(toy_hq: ServerThread) -> None:
    headers = {HEADER_PROTOCOL: str(PROTOCOL_VERSION), HEADER_SCHEMA: TOY.version}
    assert httpx.get(f"{toy_hq.url}/health").status_code == 200
    assert httpx.get(f"{toy_hq.url}/openapi.json").status_code == 200
    for path in ("/v1/pull", "/v1/me", "/v1/conflicts"):
        reply = httpx.get(f"{toy_hq.url}{path}", headers=headers)
        assert reply.status_code == 401, path
    bad = {**headers, "Authorization": "Bearer nope"}
    assert httpx.post(f"{toy_hq.url}/v1/push", headers=bad, json={"changes": []}).status_code == 401


def test_old_protocol_gets_an_upgrade_message_and_keeps_its_data(toy_hq: ServerThread) -> None:
    g = gid()
    dev, client = enroll_toy(toy_hq, "member", [g])
    dev.write("group", g, name="x", deleted=False)
    old = SyncClient(
        toy_hq.url,
        client._http.headers["Authorization"][7:],
        schema_version=TOY.version,
        protocol_version=PROTOCOL_VERSION - 1,
    )
    with pytest.raises(UpgradeRequired, match="please upgrade toyapp on this device"):
        run_sync(old, dev)
    assert dev.outbox[0]["state"] == "pending"
    assert hq_data(toy_hq, "group", g) is None
    stale = SyncClient(toy_hq.url, None, schema_version="toy-0")
    with pytest.raises(UpgradeRequired, match="schema"):
        stale.pull(None)


def test_gzip_both_ways_and_too_large_batches(toy_hq: ServerThread) -> None:
    g = gid()
    dev, client = enroll_toy(toy_hq, "member", [g])
    token = client._http.headers["Authorization"]
    headers = {
        HEADER_PROTOCOL: str(PROTOCOL_VERSION),
        HEADER_SCHEMA: TOY.version,
        "Authorization": token,
    }
    for i in range(120):
        dev.write(
            "note", nid(), group_id=g, title=f"t{i}" * 20, body="", secret="", n=i, deleted=False
        )
    body = json.dumps({"changes": [c.model_dump() for c in dev.pending(120)]}).encode()
    reply = httpx.post(
        f"{toy_hq.url}/v1/push",
        headers={**headers, "Content-Encoding": "gzip", "Content-Type": "application/json"},
        content=gzip.compress(body),
    )
    assert reply.status_code == 413
    assert "limit is 50" in reply.json()["detail"]
    assert count(toy_hq, t.record) >= 0  # nothing of this batch was written:
    with toy_hq.engine.connect() as conn:
        assert conn.execute(select(func.count()).where(t.record.c.scope == g)).scalar() == 0
    garbage = httpx.post(
        f"{toy_hq.url}/v1/push",
        headers={**headers, "Content-Encoding": "gzip"},
        content=b"not gzip",
    )
    assert garbage.status_code == 400
    # the client halves its batch on 413 and gets everything through
    result = run_sync(client, dev, batch=120)
    assert result.applied == 120
    pulled = httpx.get(f"{toy_hq.url}/v1/pull", headers={**headers, "Accept-Encoding": "gzip"})
    assert pulled.headers["content-encoding"] == "gzip"
    assert len(pulled.json()["records"]) == 120


def test_bad_body_is_a_clear_4xx_and_writes_nothing(toy_hq: ServerThread) -> None:
    g = gid()
    _dev, client = enroll_toy(toy_hq, "member", [g])
    before = count(toy_hq, t.record)
    reply = client._http.post("/v1/push", json={"changes": [{"seq": 0, "tbl": "note"}]})
    assert reply.status_code == 422
    assert "changes.0" in reply.json()["detail"]
    assert client._http.get("/v1/pull", params={"cursor": "garbage"}).status_code == 400
    assert count(toy_hq, t.record) == before


def test_paged_pull_resumes_after_a_cut(toy_hq: ServerThread) -> None:
    g = gid()
    writer, cw = enroll_toy(toy_hq, "member", [g])
    for i in range(25):
        writer.write(
            "note", nid(), group_id=g, title=str(i), body="", secret="", n=i, deleted=False
        )
    run_sync(cw, writer)
    reader, cr = enroll_toy(toy_hq, "member", [g])

    class Cut(Exception):
        pass

    applied = reader.apply_page

    def cut_after_two(page):
        if reader.meta.get("pages", 0) == 2:
            raise Cut
        return applied(page)

    reader.apply_page = cut_after_two  # type: ignore[method-assign]
    with pytest.raises(Cut):
        run_sync(cr, reader, page_limit=10)
    assert len(reader.rows) == 20
    reader.apply_page = applied  # type: ignore[method-assign]
    result = run_sync(cr, reader, page_limit=10)
    assert result.pulled == 5
    assert len(reader.rows) == 25


def test_a_row_leaving_a_scope_disappears_from_that_device(toy_hq: ServerThread) -> None:
    a, b = gid(), gid()
    admin, ca = enroll_toy(toy_hq, "overseer", None)
    only_a, c1 = enroll_toy(toy_hq, "member", [a])
    both, c2 = enroll_toy(toy_hq, "member", [a, b])
    n = nid()
    admin.write("note", n, group_id=a, title="moving", body="", secret="", n=None, deleted=False)
    run_sync(ca, admin)
    run_sync(c1, only_a)
    run_sync(c2, both)
    assert ("note", n) in only_a.rows
    assert ("note", n) in both.rows
    admin.write("note", n, group_id=b)
    run_sync(ca, admin)
    assert run_sync(c1, only_a).removed == 1
    assert ("note", n) not in only_a.rows
    run_sync(c2, both)
    assert both.rows[("note", n)]["group_id"] == b
    # a fresh device of group a never sees it
    fresh, c3 = enroll_toy(toy_hq, "member", [a])
    run_sync(c3, fresh)
    assert ("note", n) not in fresh.rows


def test_a_role_never_receives_the_fields_it_hides(toy_hq: ServerThread) -> None:
    g = gid()
    staff, cs = enroll_toy(toy_hq, "member", [g])
    n = nid()
    staff.write("note", n, group_id=g, title="t", body="", secret="身体状况", n=None, deleted=False)
    run_sync(cs, staff)
    vol, cv = enroll_toy(toy_hq, "guest", [g])
    run_sync(cv, vol)
    assert "secret" not in vol.rows[("note", n)]
    # a guest's edit of a hidden field of an existing row is ignored
    vol.write("note", n, secret="", title="t2")
    run_sync(cv, vol)
    assert hq_data(toy_hq, "note", n)["secret"] == "身体状况"  # type: ignore[index]
    assert hq_data(toy_hq, "note", n)["title"] == "t2"  # type: ignore[index]


def test_new_epoch_makes_devices_pull_again_without_duplicates(toy_hq: ServerThread) -> None:
    g = gid()
    dev, client = enroll_toy(toy_hq, "member", [g])
    for i in range(3):
        dev.write("note", nid(), group_id=g, title=str(i), body="", secret="", n=i, deleted=False)
    run_sync(client, dev)
    held = dict(dev.rows)
    with write_begin(toy_hq.engine) as conn:
        new_epoch(conn)
    page = client.pull(dev.cursor())
    assert page.reset
    result = run_sync(client, dev)
    assert result.pulled == 3
    assert dev.rows == held


def test_a_grown_scope_pulls_the_new_rows_and_a_shrunk_one_drops_rows(
    toy_hq: ServerThread,
) -> None:
    a, b = gid(), gid()
    admin, ca = enroll_toy(toy_hq, "overseer", None)
    na, nb = nid(), nid()
    admin.write("note", na, group_id=a, title="a", body="", secret="", n=None, deleted=False)
    admin.write("note", nb, group_id=b, title="b", body="", secret="", n=None, deleted=False)
    run_sync(ca, admin)
    user = new_user(toy_hq, "member", [a])
    dev = ToyReplica(device_id=f"dev-grow-{uuid.uuid4().hex[:6]}")
    with SyncClient(toy_hq.url, schema_version=TOY.version) as anon:
        token = anon.enroll(code_for(toy_hq, user), device_id=dev.device_id).token
    client = SyncClient(toy_hq.url, token, schema_version=TOY.version)
    run_sync(client, dev)
    assert set(dev.rows) == {("note", na)}
    with write_begin(toy_hq.engine) as conn:
        add_user(conn, TOY_ROLES, user, "member", [a, b])
    run_sync(client, dev)
    assert set(dev.rows) == {("note", na), ("note", nb)}
    with write_begin(toy_hq.engine) as conn:
        add_user(conn, TOY_ROLES, user, "member", [b])
    assert run_sync(client, dev).removed == 1
    assert set(dev.rows) == {("note", nb)}


def test_enrollment_codes_are_one_time_and_expire(toy_hq: ServerThread) -> None:
    user = new_user(toy_hq, "member", [gid()])
    code = code_for(toy_hq, user)
    with SyncClient(toy_hq.url, schema_version=TOY.version) as anon:
        reply = anon.enroll(code.lower().replace("-", " "), device_id="dev-once-1")
        assert len(reply.token) >= 43
        with pytest.raises(SyncError, match="already used"):
            anon.enroll(code, device_id="dev-once-2")
        with pytest.raises(SyncError, match="expired"):
            anon.enroll(code_for(toy_hq, user, hours=-1), device_id="dev-once-3")
        with pytest.raises(SyncError, match="unknown"):
            anon.enroll("AAAA-BBBB-CCCC", device_id="dev-once-4")
    with toy_hq.engine.connect() as conn:
        stored = conn.execute(select(t.device.c.token_hash).where(t.device.c.id == "dev-once-1"))
        assert stored.scalar_one() != reply.token
