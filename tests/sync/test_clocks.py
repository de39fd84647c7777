"""Clocks are parsed strictly and compared as numbers, at HQ as in the library.

A clock written with other digits than ASCII (Arabic-Indic, full-width) or with
``_`` inside a number passed ``str.isdecimal`` and ``int`` before, and sorted as
text above every real clock, so no later edit of that field could win. Through
a real HQ: such a change is rejected, and a later real edit wins.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from sqlalchemy import update

from sync.client import run_sync
from sync.hlc import HLC, NEVER, Timestamp, format_ts, parse_ts, stored_ts
from sync.protocol import Change
from sync.server import tables as t
from tests.support.hq_records import hq_record
from tests.sync.toy import ServerThread, enroll_toy

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@pytest.mark.parametrize(
    "text",
    [
        "1795997955924-00000-dev".translate(ARABIC_INDIC),
        "1795997955924".translate(ARABIC_INDIC) + "-00000-dev",
        "1795997955924-00000".translate(FULL_WIDTH) + "-dev",
        "1795_99795592-00000-dev",
        "1795997955924-0_000-dev",
        "+795997955924-00000-dev",
        " 795997955924-00000-dev",
        "179599795592-00000-dev",  # 12 digits
        "1795997955924-0000-dev",  # 4 digits
        "1795997955924-00000-",  # no node
        "1795997955924-00000-dév",  # a node outside the device id alphabet
        "1795997955924-00000-dev\x00",
        "17959979559240000000dev",
    ],
)
def test_anything_but_the_exact_form_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not an HLC timestamp"):
        parse_ts(text)
    assert stored_ts(text) == NEVER


def test_clocks_compare_as_numbers_then_node() -> None:
    a = parse_ts("0000000009999-00001-zzz")
    b = parse_ts("0000000010000-00000-aaa")
    assert a < b
    assert parse_ts("0000000010000-00002-aaa") > parse_ts("0000000010000-00001-zzz")
    assert parse_ts("0000000010000-00001-b") > parse_ts("0000000010000-00001-a")
    assert parse_ts(format_ts(Timestamp(1_795_997_955_924, 7, "dev-1"))) == (
        1_795_997_955_924,
        7,
        "dev-1",
    )


def test_a_clock_that_held_a_malformed_one_goes_on_from_the_wall_clock() -> None:
    clock = HLC(node="dev-a", last="1795_99795592-00000-dev-a")
    stamp = clock.now(wall_ms=1_000)
    assert parse_ts(stamp) == (1_000, 0, "dev-a")
    clock.observe("0000000002000-00004-dev-b", wall_ms=1_000)
    assert parse_ts(clock.now(wall_ms=1_000)) == (2_000, 5, "dev-a")


def hq_note(srv: ServerThread, note: str) -> dict[str, object]:
    rec = hq_record(srv.engine, "note", note)
    assert rec is not None
    return rec.data


@pytest.mark.parametrize("form", ["arabic-indic", "underscore"])
def test_a_forged_clock_is_rejected_and_a_later_real_edit_wins(
    toy_hq: ServerThread, form: str
) -> None:
    group, note = f"g-{uuid.uuid4().hex[:8]}", f"n-{uuid.uuid4().hex[:8]}"
    dev, client = enroll_toy(toy_hq, "member", [group])
    dev.write("group", group, name="东山", deleted=False)
    dev.write("note", note, group_id=group, title="real", body="", secret="", n=1, deleted=False)
    run_sync(client, dev)
    wall = f"{now_ms():013d}"
    forged_wall = (
        wall.translate(ARABIC_INDIC) if form == "arabic-indic" else f"9{wall[1:4]}_{wall[5:]}"
    )
    forged = Change(
        seq=3,
        tbl="note",
        id=note,
        data={"title": "forged"},
        hlc=f"{forged_wall}-00000-{dev.device_id}",
        seen_rev=0,
    )
    verdict = client.push([forged]).verdicts[0]
    assert (verdict.status, verdict.reason[:15]) == ("rejected", "malformed clock")
    assert hq_note(toy_hq, note)["title"] == "real"
    dev.outbox.append({**forged.model_dump(), "state": "rejected", "reason": verdict.reason})

    dev.write("note", note, title="corrected")
    result = run_sync(client, dev)
    assert (result.applied, result.rejected) == (1, 0)
    assert hq_note(toy_hq, note)["title"] == "corrected"
    assert dev.rows[("note", note)]["title"] == "corrected"


def test_a_malformed_clock_stored_before_strict_parsing_loses_to_a_real_edit(
    toy_hq: ServerThread,
) -> None:
    group, note = f"g-{uuid.uuid4().hex[:8]}", f"n-{uuid.uuid4().hex[:8]}"
    dev, client = enroll_toy(toy_hq, "member", [group])
    dev.write("note", note, group_id=group, title="old", body="", secret="", n=1, deleted=False)
    run_sync(client, dev)
    poisoned = {"*": ["1795997955924".translate(ARABIC_INDIC) + "-00000-x", 1, "x"]}
    with toy_hq.engine.begin() as conn:
        conn.execute(
            update(t.record)
            .where(t.record.c.tbl == "note", t.record.c.id == note)
            .values(clocks=json.dumps(poisoned))
        )
    dev.write("note", note, title="new")
    assert run_sync(client, dev).applied == 1
    assert hq_note(toy_hq, note)["title"] == "new"
