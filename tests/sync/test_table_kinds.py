"""What a table declares, the engine enforces, whatever the application (toy schema).

Real HTTP against the toy HQ on SQLite and PostgreSQL:

- a table for every device (``notice``) reaches devices of every group and role,
  and one written at HQ only rejects a device's change, saying so;
- a field's limits (``note.n`` between 0 and 1000) reject a change naming the
  field and the bound;
- a role that may not read a field may not write it: a guest's note with a secret
  is rejected naming the field, its blank passes.
"""

from __future__ import annotations

import uuid

from sync.client import run_sync
from sync.schema import EVERY_DEVICE
from sync.server.db import write_begin
from sync.server.hq_writes import HqEdit, write_at_hq
from tests.support.hq_records import hq_record
from tests.sync.toy import TOY, ServerThread, enroll_toy


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_a_notice_reaches_every_device_and_only_hq_writes_one(toy_hq: ServerThread) -> None:
    notice = uid("notice")
    with write_begin(toy_hq.engine) as conn:
        write_at_hq(
            conn, TOY, [HqEdit("notice", notice, {"text": "停水通知", "deleted": False})], user="hq"
        )
    stored = hq_record(toy_hq.engine, "notice", notice)
    assert stored is not None
    assert stored.scope == EVERY_DEVICE
    member, cm = enroll_toy(toy_hq, "member", [uid("g")])
    guest, cg = enroll_toy(toy_hq, "guest", [uid("g")])
    for dev, client in ((member, cm), (guest, cg)):
        run_sync(client, dev)
        assert dev.rows[("notice", notice)] == {"text": "停水通知", "deleted": False}
    own = uid("notice")
    member.write("notice", own, text="我的通知", deleted=False)
    result = run_sync(cm, member)
    assert result.rejected == 1
    assert member.outbox[-1]["reason"] == (
        "only headquarters writes notice rows; this change was not applied"
    )
    assert hq_record(toy_hq.engine, "notice", own) is None


def test_limits_and_hidden_fields_reject_a_change_naming_the_field(toy_hq: ServerThread) -> None:
    g = uid("g")
    member, cm = enroll_toy(toy_hq, "member", [g])
    member.write("group", g, name="北坡", deleted=False)
    too_big, fine = uid("n"), uid("n")
    member.write("note", too_big, group_id=g, title="t", body="", secret="", n=1001, deleted=False)
    member.write("note", fine, group_id=g, title="t", body="", secret="", n=1000, deleted=False)
    run_sync(cm, member)
    assert member.outbox[1]["reason"] == "note.n must be at most 1000, not 1001"
    assert hq_record(toy_hq.engine, "note", too_big) is None
    assert hq_record(toy_hq.engine, "note", fine) is not None

    guest, cg = enroll_toy(toy_hq, "guest", [g])
    told, blank = uid("n"), uid("n")
    guest.write(
        "note", told, group_id=g, title="t", body="", secret="我知道", n=None, deleted=False
    )
    guest.write("note", blank, group_id=g, title="t", body="", secret="", n=None, deleted=False)
    guest.write("note", fine, secret="改掉")
    run_sync(cg, guest)
    reasons = [e["reason"] for e in guest.outbox]
    assert reasons[0].startswith("note.secret: ")
    assert "may not write it" in reasons[0]
    assert reasons[1] == ""
    assert reasons[2].startswith("note.secret: ")
    assert hq_record(toy_hq.engine, "note", told) is None
    stored = hq_record(toy_hq.engine, "note", blank)
    assert stored is not None
    assert stored.data["secret"] == ""
