"""Corrections and voids travel like any change, with their amendment rows, through a real HQ.

Real laptops (fieldkit stores) sync with fieldkit's HQ over HTTP on SQLite and on
PostgreSQL: a correction and a void reach HQ (its records, its report projection and
its quarterly report) and another laptop field for field; a volunteer's laptop never
receives the money of a correction; HQ refuses a change to a stored amendment.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from fieldkit.domain.models import Person, RecordAmendment, Site, Visit
from fieldkit.domain.vocab import SiteKind, VisitReason
from fieldkit.hq.projection import tables as projection
from fieldkit.hq.report_source import hq_source
from fieldkit.reports import build_report
from fieldkit.reports.quarter import Quarter
from fieldkit.services import Services
from fieldkit.store import Store
from fieldkit.syncing import sync_now
from tests.hq.hq_kit import laptop, ok
from tests.support.hq_records import hq_record
from tests.support.server_thread import ServerThread
from tests.support.stored_ids import as_text


def table(store: Store, name: str) -> dict[str, dict[str, Any]]:
    """Every row of a table by id, every column, read straight from the laptop's file."""
    conn = sqlite3.connect(store.path)
    conn.row_factory = sqlite3.Row
    try:
        rows = [
            dict(zip(r.keys(), as_text([tuple(r)])[0], strict=True))
            for r in conn.execute(f"SELECT * FROM {name}")
        ]
        return {r["id"]: r for r in rows}
    finally:
        conn.close()


def test_a_correction_and_a_void_reach_hq_and_every_laptop(
    hq_any: ServerThread, tmp_path: Path
) -> None:
    admin = laptop(hq_any, tmp_path, "admin", "admin", None)
    with admin.write() as s:
        site = Site(name="幸福安置点", kind=SiteKind.RELOCATION, county="甘洛县")
        s.add(site)
        s.flush()
        person = Person(code="AM-1", name="王五", site_id=site.id, birth_date=date(1940, 1, 1))
        s.add(person)
        s.flush()
        kept = Visit(
            person_id=person.id,
            site_id=site.id,
            visited_at=datetime(2026, 11, 2, 9),
            money_fen=20000,
            visitors="周敏",
        )
        gone = Visit(
            person_id=person.id,
            site_id=site.id,
            visited_at=datetime(2026, 11, 3, 9),
            money_fen=30000,
            visitors="周敏",
        )
        s.add_all([kept, gone])
    site_id, kept_id, gone_id = site.id, kept.id, gone.id
    ok(admin)
    writer = laptop(hq_any, tmp_path, "writer", "staff", [site_id])
    other = laptop(hq_any, tmp_path, "other", "staff", [site_id])
    helper = laptop(hq_any, tmp_path, "helper", "volunteer", [site_id])
    for store in (writer, other, helper):
        ok(store)

    amend = Services(writer).amend
    fixed = amend.correct(
        "visit", kept_id, {"money_fen": 2000, "reason": VisitReason.AID}, "金额与类别更正"
    )
    voided = amend.void("visit", gone_id, "重复录入")
    ok(writer)
    ok(other)
    ok(helper)

    # the other staff laptop holds exactly what the writer holds
    assert table(other, "visit") == table(writer, "visit")
    assert table(other, "record_amendment") == table(writer, "record_amendment")
    trail = table(writer, "record_amendment")
    assert set(trail) == {fixed.id, voided.id}
    assert trail[fixed.id]["hidden_changes"] == '{"money_fen": [20000, 2000]}'
    assert trail[fixed.id]["changes"] == '{"reason": ["routine", "aid"]}'
    assert trail[fixed.id]["by_user"] == writer.meta("user_name")
    assert trail[fixed.id]["device"] == writer.meta("device_id")
    assert trail[voided.id]["reason"] == "重复录入"
    assert table(other, "visit")[gone_id]["deleted"] == 1

    # HQ keeps the records and the trail
    at_hq = hq_record(hq_any.engine, "visit", kept_id)
    assert at_hq is not None
    assert at_hq.data["money_fen"] == 2000
    assert at_hq.data["reason"] == "aid"
    gone_at_hq = hq_record(hq_any.engine, "visit", gone_id)
    assert gone_at_hq is not None
    assert gone_at_hq.deleted
    trail_at_hq = hq_record(hq_any.engine, "record_amendment", fixed.id)
    assert trail_at_hq is not None
    assert trail_at_hq.scope == site_id
    wire = {k: v for k, v in trail[fixed.id].items() if k != "id"}
    wire["at"] = datetime.fromisoformat(wire["at"]).isoformat()
    wire["deleted"] = bool(wire["deleted"])
    assert trail_at_hq.data == wire

    # HQ's report projection and quarterly report use the corrected record only
    v = projection.visit.c
    with hq_any.engine.connect() as conn:
        projected = conn.execute(select(v.id, v.reason, v.money_fen)).all()
    assert [tuple(r) for r in projected] == [(kept_id, "aid", 2000)]
    url = hq_any.engine.url.render_as_string(hide_password=False)
    with hq_source(url) as source:
        report = build_report(source, Quarter(2026, 4), made_on=date(2026, 12, 1))
    assert report.visits.total.visits == 1
    assert report.visits.total.by_reason[VisitReason.AID] == 1
    assert report.money.total.fen == 2000

    # the volunteer's laptop gets the trail without the money's old and new values
    seen = table(helper, "record_amendment")
    assert seen[fixed.id]["hidden_changes"] == "{}"
    assert seen[fixed.id]["changes"] == '{"reason": ["routine", "aid"]}'
    assert {r["money_fen"] for r in table(helper, "visit").values()} == {0}
    view = Services(helper).files.record("visit", kept_id)
    assert view is not None
    (first,) = view.amendments
    assert first.changes == {"reason": ("routine", "aid")}

    # a volunteer's own correction (no money) reaches the staff laptops
    note = Services(helper).amend.correct("visit", kept_id, {"notes": "补记: 送米一袋"}, "补记")
    ok(helper)
    ok(writer)
    assert table(writer, "record_amendment")[note.id] == table(helper, "record_amendment")[note.id]
    assert table(writer, "visit")[kept_id]["notes"] == "补记: 送米一袋"


def test_hq_refuses_a_change_to_a_stored_amendment(hq_any: ServerThread, tmp_path: Path) -> None:
    admin = laptop(hq_any, tmp_path, "admin", "admin", None)
    with admin.write() as s:
        site = Site(name="东风村", kind=SiteKind.VILLAGE)
        s.add(site)
        s.flush()
        person = Person(code="AM-2", name="李四", site_id=site.id)
        s.add(person)
        s.flush()
        visit = Visit(person_id=person.id, site_id=site.id, visited_at=datetime(2026, 11, 2, 9))
        s.add(visit)
    ok(admin)
    fixed = Services(admin).amend.correct("visit", visit.id, {"notes": "更正"}, "原因")
    ok(admin)
    with admin.write() as s:  # rewriting history on the laptop
        row = s.get(RecordAmendment, fixed.id)
        assert row is not None
        row.reason = "改过的原因"
    report = sync_now(admin)
    assert report.rejected == 1
    (why,) = report.rejected_reasons
    assert f"record_amendment {fixed.id} is append-only" in why
    assert "reason" in why
    stored = hq_record(hq_any.engine, "record_amendment", fixed.id)
    assert stored is not None
    assert stored.data["reason"] == "原因"
    (kept,) = Services(admin).outbox.status().rejected
    assert kept.row_id == fixed.id
    assert "append-only" in kept.reason
