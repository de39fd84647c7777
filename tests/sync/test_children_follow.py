"""A child row goes wherever its scope parent goes (toy: comments follow their note).

Real HTTP against the toy HQ on SQLite and PostgreSQL: when a note moves to
another group, the old group's devices lose its comments too, the new group's
devices receive them, and a comment an offline device wrote under the old group
follows the note. A device that never held the note may not comment on it by
naming its own group: a child's scope is its parent's.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from sync.client import run_sync
from sync.roles import Roles, RoleSpec
from sync.schema import SyncSchema, TableSpec
from sync.server import create_app
from tests.support.hq_records import hq_record
from tests.sync.toy import TOY, TOY_INFO, TOY_ROLES, ServerThread, enroll_toy, toy_app


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def hq_scope(srv: ServerThread, tbl: str, row_id: str) -> tuple[str, str]:
    """The record's scope and the group_id in its data at HQ."""
    rec = hq_record(srv.engine, tbl, row_id)
    assert rec is not None
    return rec.scope, rec.data["group_id"]


def test_comments_follow_their_note_to_another_group(toy_hq: ServerThread) -> None:
    a, b = uid("g"), uid("g")
    boss, cb = enroll_toy(toy_hq, "overseer", None)
    boss.write("group", a, name="东", deleted=False)
    boss.write("group", b, name="西", deleted=False)
    note, c1, loose = uid("n"), uid("c"), uid("c")
    boss.write("note", note, group_id=a, title="t", body="", secret="", n=None, deleted=False)
    boss.write("comment", c1, note_id=note, group_id=a, text="first", deleted=False)
    other = uid("n")
    boss.write("note", other, group_id=a, title="stays", body="", secret="", n=None, deleted=False)
    boss.write("comment", loose, note_id=other, group_id=a, text="stays", deleted=False)
    run_sync(cb, boss)
    east, ce = enroll_toy(toy_hq, "member", [a])
    offline, co = enroll_toy(toy_hq, "member", [a])
    west, cw = enroll_toy(toy_hq, "member", [b])
    for dev, client in ((east, ce), (offline, co), (west, cw)):
        run_sync(client, dev)
    assert ("comment", c1) in east.rows
    assert ("comment", c1) not in west.rows

    late = uid("c")  # written under the old group before the device hears of the move
    offline.write("comment", late, note_id=note, group_id=a, text="late", deleted=False)
    boss.write("note", note, group_id=b)
    run_sync(cb, boss)
    for dev, client in ((offline, co), (east, ce), (west, cw)):
        run_sync(client, dev)

    assert hq_scope(toy_hq, "comment", c1) == (b, b)
    assert hq_scope(toy_hq, "comment", late) == (b, b)
    assert hq_scope(toy_hq, "comment", loose) == (a, a)
    for dev in (east, offline):
        assert {k for k in dev.rows if k[0] != "group"} == {("note", other), ("comment", loose)}
    assert west.rows[("comment", c1)] == {
        "note_id": note,
        "group_id": b,
        "text": "first",
        "deleted": False,
    }
    assert west.rows[("comment", late)]["group_id"] == b
    assert west.rows[("note", note)]["group_id"] == b


def test_a_comment_on_a_note_of_another_group_is_rejected(toy_hq: ServerThread) -> None:
    mine, theirs = uid("g"), uid("g")
    boss, cb = enroll_toy(toy_hq, "overseer", None)
    note = uid("n")
    boss.write("note", note, group_id=theirs, title="t", body="", secret="", n=None, deleted=False)
    run_sync(cb, boss)
    outsider, co = enroll_toy(toy_hq, "member", [mine])
    run_sync(co, outsider)
    sneaky = uid("c")  # its own group named, the note of another
    outsider.write("comment", sneaky, note_id=note, group_id=mine, text="x", deleted=False)
    assert run_sync(co, outsider).rejected == 1
    assert hq_record(toy_hq.engine, "comment", sneaky) is None
    reason = outsider.outbox[-1]["reason"]
    assert f"its note {note} is in {theirs}, outside" in reason


def test_a_scope_parent_must_be_a_field_of_an_earlier_table() -> None:
    parent = TableSpec("group", {"name": str}, scope_field=None)
    child = TableSpec("note", {"group_id": str, "site": str}, scope_field="site")
    with pytest.raises(ValueError, match="must be listed before it"):
        SyncSchema("v", (TableSpec(**{**child.__dict__, "scope_parent": ("group_id", "group")}),))
    with pytest.raises(ValueError, match="must be a synced field"):
        SyncSchema(
            "v", (parent, TableSpec(**{**child.__dict__, "scope_parent": ("nope", "group")}))
        )
    schema = SyncSchema(
        "v", (parent, TableSpec(**{**child.__dict__, "scope_parent": ("group_id", "group")}))
    )
    assert [c.name for c in schema.children("group")] == ["note"]


def test_roles_must_hide_fields_the_schema_syncs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    cases = (
        ({"ledger": frozenset({"x"})}, "unknown table"),
        ({"note": frozenset({"secret", "pin"})}, r"note\.\['pin'\]"),
    )
    for hidden, problem in cases:
        roles = Roles((RoleSpec("peek", hidden=hidden),))
        with pytest.raises(ValueError, match=problem):
            create_app(TOY, roles, url, info=TOY_INFO)
    with pytest.raises(ValueError, match="duplicate role"):
        Roles((RoleSpec("a"), RoleSpec("a")))
    assert TOY_ROLES.names == ("overseer", "member", "guest")


def test_an_older_hq_database_gets_the_parent_column_filled(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from sync.server.db import MIGRATIONS_DIR, make_engine, write_begin

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    with write_begin(engine) as conn:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "s0001")
        conn.execute(
            text(
                "INSERT INTO sync_record (tbl, id, scope, data, clocks, deleted, rev) VALUES "
                "('comment', 'c1', 'g1', :data, '{}', 0, 1)"
            ),
            {"data": json.dumps({"note_id": "n1", "group_id": "g1"})},
        )
    engine.dispose()
    app = toy_app(url)
    with app.state.engine.connect() as conn:
        assert conn.execute(text("SELECT parent FROM sync_record")).scalar_one() == "n1"
    app.state.engine.dispose()
