"""The fast paths of a push give the same results as the plain ones.

HQ reads well-formed bodies without pydantic and inserts new records with COPY
(PostgreSQL). These tests check that odd but valid input still goes through the
careful path and that text needing escapes survives COPY.
"""

from __future__ import annotations

import gc
import uuid

import pytest

from sync.gcpause import gc_paused
from sync.replica import PushBatch
from sync.server.writer import NewRecords
from tests.support.hq_records import hq_record
from tests.sync.toy import TOY, ServerThread, enroll_toy


def gid() -> str:
    return f"g-{uuid.uuid4().hex[:10]}"


def stored(srv: ServerThread, tbl: str, row_id: str) -> dict[str, object]:
    rec = hq_record(srv.engine, tbl, row_id)
    assert rec is not None
    return rec.data


def test_text_that_needs_escaping_survives_the_insert(toy_hq: ServerThread) -> None:
    g = "{0}\\" + gid()  # braces and a backslash in a scope key
    dev, client = enroll_toy(toy_hq, "member", [g])
    dev.write("group", g, name="东山\\站", deleted=False)
    body = 'tab\there\nnew line\r\\N \\. "quoted" \\\\ end'
    note = f"n-\\{uuid.uuid4().hex[:8]}"  # a backslash; ids hold no control characters
    dev.write("note", note, group_id=g, title="t", body=body, secret="", n=None, deleted=False)
    reply = client.push(dev.pending(10))
    assert [v.status for v in reply.verdicts] == ["applied", "applied"]
    assert stored(toy_hq, "group", g)["name"] == "东山\\站"
    assert stored(toy_hq, "note", note)["body"] == body
    page = client.pull(None)
    assert {r.id for r in page.records} == {g, note}


def test_values_pydantic_coerces_still_go_through(toy_hq: ServerThread) -> None:
    g = gid()
    dev, client = enroll_toy(toy_hq, "member", [g])
    dev.write("group", g, name="西山", deleted=False)
    change = dev.pending(1)[0].model_dump()
    change["seq"] = "1"  # a numeric string: not the fast path, accepted by the model
    reply = client._http.post("/v1/push", json={"changes": [change]})
    assert reply.status_code == 200, reply.text
    assert reply.json()["verdicts"] == [{"seq": 1, "status": "applied", "reason": ""}]
    bad = client._http.post("/v1/push", json={"changes": [{**change, "seen_rev": -1}]})
    assert bad.status_code == 422
    assert "changes.0.seen_rev" in bad.json()["detail"]


def test_rejections_come_back_with_their_reasons_in_order(toy_hq: ServerThread) -> None:
    g = gid()
    dev, client = enroll_toy(toy_hq, "member", [g])
    dev.write("group", g, name="南山", deleted=False)
    dev.write("note", "n-" + uuid.uuid4().hex[:8], group_id=g, title=3, deleted=False)
    dev.write("note", "n-" + uuid.uuid4().hex[:8], group_id="elsewhere", title="x")
    dev.write("note", "n-" + uuid.uuid4().hex[:8], group_id=g, title='say "hi"', deleted=False)
    reply = client.push(dev.pending(10))
    assert [(v.seq, v.status) for v in reply.verdicts] == [
        (1, "applied"),
        (2, "rejected"),
        (3, "rejected"),
        (4, "applied"),
    ]
    assert "note.title must be str" in reply.verdicts[1].reason
    assert "elsewhere is outside" in reply.verdicts[2].reason


def test_gc_pause_nests_and_keeps_a_collector_that_was_off() -> None:
    assert gc.isenabled()
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_toy_schema_is_the_one_served(toy_hq: ServerThread) -> None:
    assert toy_hq.app.state.schema is TOY


def test_new_records_streamed_in_chunks_all_land_with_their_last_values(
    toy_hq: ServerThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(NewRecords, "CHUNK", 7)
    g = gid()
    dev, client = enroll_toy(toy_hq, "member", [g])
    dev.write("group", g, name="北山", deleted=False)
    notes = [f"n-{uuid.uuid4().hex[:10]}" for _ in range(40)]
    for i, n in enumerate(notes):
        dev.write("note", n, group_id=g, title=f"t{i}", body="", secret="", n=i, deleted=False)
    dev.write("note", notes[3], title="changed in the same batch")
    reply = client.push(dev.pending(50))
    assert {v.status for v in reply.verdicts} == {"applied"}
    assert stored(toy_hq, "note", notes[3])["title"] == "changed in the same batch"
    for i in (0, 6, 7, 39):
        assert stored(toy_hq, "note", notes[i]) == {
            "group_id": g,
            "title": f"t{i}",
            "body": "",
            "secret": "",
            "n": i,
            "deleted": False,
        }
    assert len(client.pull(None).records) == 41


def test_gc_still_runs_while_batches_keep_overlapping(monkeypatch: pytest.MonkeyPatch) -> None:
    import sync.gcpause as pause

    monkeypatch.setattr(pause, "COLLECT_EVERY_S", 0.0)
    runs: list[int] = []
    gc.callbacks.append(lambda phase, info: runs.append(1) if phase == "start" else None)
    try:
        with gc_paused():
            with gc_paused():
                pass  # ends while the outer one holds: a collection runs anyway
            assert runs
            assert not gc.isenabled()
    finally:
        gc.callbacks.pop()
    assert gc.isenabled()


def test_an_empty_batch_is_no_batch() -> None:
    assert PushBatch.of([]) is None
