"""A device id belongs to one enrollment: nobody takes over a device at enrollment.

The attack (a real ``fieldkit serve``, SQLite and PostgreSQL): device ids are
seen by every device of a site (conflicts name them). An attacker with a fresh,
valid code of their own presents the victim's device id at ``/v1/enroll``. HQ
refuses it (409) and changes nothing: the victim's token, user and watermark
stand, the attacker's code is not spent, and the victim's later changes all
reach HQ, field by field. The device whose answer was lost may still redeem its
own code again before its first sync, and a revoked device comes back only with
a code HQ made for that very device, keeping its watermark.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlmodel import select as sql_select

from fieldkit.domain.models import Person, Visit
from fieldkit.store import Store
from fieldkit.syncing import enroll
from sync.server import tables as t
from sync.server.auth import hash_secret
from tests.hostile.hostile_kit import (
    Hq,
    Laptop,
    add_person,
    add_site,
    add_visit,
    hq_engine,
    user,
    versioned,
)
from tests.support.hq_records import hq_record


def _device(hq: Hq, device_id: str) -> dict[str, Any] | None:
    engine = hq_engine(hq)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(t.device).where(t.device.c.id == device_id)).first()
    finally:
        engine.dispose()
    return None if row is None else dict(row._mapping)


def _enroll_raw(hq: Hq, code: str, device_id: str) -> httpx.Response:
    body = {"code": code, "device_id": device_id, "device_name": "someone else's"}
    return httpx.post(f"{hq.url}/v1/enroll", json=body, headers=versioned())


def _hq_values(hq: Hq, tbl: str, row_id: str) -> dict[str, Any]:
    engine = hq_engine(hq)
    try:
        rec = hq_record(engine, tbl, row_id)
    finally:
        engine.dispose()
    assert rec is not None, f"{tbl} {row_id} is not at HQ"
    return rec.data


def _laptop_values(store: Store, model: Any, row_id: str) -> dict[str, Any]:
    from fieldkit.store.wire import to_wire

    with store.read() as s:
        row = s.exec(sql_select(model).where(model.id == row_id)).one()
        return {k: to_wire(v) for k, v in row.model_dump().items() if k in _fields(model)}


def _fields(model: Any) -> set[str]:
    from fieldkit.store.outbox import synced_columns

    return set(synced_columns(model))


def test_a_valid_code_with_a_known_device_id_is_refused_and_the_victims_changes_reach_hq(
    hq: Hq, tmp_path: Path
) -> None:
    admin = Laptop(hq, tmp_path, "admin")
    site = add_site(admin.store, "东山")
    person = add_person(admin.store, site, "TK-1")
    admin.sync()
    victim = Laptop(hq, tmp_path, "staff", [site])
    victim.sync()
    with victim.store.write() as s:
        row = s.get(Person, person)
        assert row is not None
        row.phone = "13800000001"
    victim.sync()
    held = _device(hq, victim.device_id)
    assert held is not None
    assert held["watermark"] >= 1

    attacker = user(hq, "volunteer", [site])
    code = hq.enroll_code(attacker)
    reply = _enroll_raw(hq, code, victim.device_id)
    assert reply.status_code == 409
    assert f"device id {victim.device_id} is already enrolled" in reply.json()["detail"]
    assert _device(hq, victim.device_id) == held  # token, user, watermark: untouched
    assert held["token_hash"] == hash_secret(victim.token)
    engine = hq_engine(hq)
    with engine.connect() as conn:
        spent = conn.execute(
            select(t.enrollment.c.used_at).where(t.enrollment.c.code_hash == hash_secret(code))
        ).scalar_one()
    engine.dispose()
    assert spent is None  # the attacker's code was not spent on it

    # the victim goes on: its later changes are applied, not answered "already at HQ"
    with victim.store.write() as s:
        row = s.get(Person, person)
        assert row is not None
        row.address = "东山路7号"
        row.notes = "血压偏高，每周回访"
    visit = add_visit(victim.store, person, site, needs="助浴", services="送药")
    from fieldkit.syncing import sync_now

    report = sync_now(victim.store)
    assert report.ok
    assert report.duplicates == 0
    assert report.pushed == 2
    assert _hq_values(hq, "person", person) == _laptop_values(victim.store, Person, person)
    assert _hq_values(hq, "visit", visit) == _laptop_values(victim.store, Visit, visit)
    assert _hq_values(hq, "person", person)["address"] == "东山路7号"


def test_the_same_device_redeems_its_own_code_again_until_its_first_sync(
    hq: Hq, tmp_path: Path
) -> None:
    name = user(hq, "admin")
    code = hq.enroll_code(name)
    lost = _enroll_raw(hq, code, "answer-lost-0001")
    assert lost.status_code == 200
    again = _enroll_raw(hq, code, "answer-lost-0001")
    assert again.status_code == 200
    assert again.json()["token"] != lost.json()["token"]
    assert httpx.get(f"{hq.url}/v1/me", headers=versioned(lost.json()["token"])).status_code == 401
    me = httpx.get(f"{hq.url}/v1/me", headers=versioned(again.json()["token"]))
    assert me.status_code == 200
    assert me.json()["watermark"] == 0
    # another device presenting the spent code is refused, and so is this one once it synced
    assert _enroll_raw(hq, code, "answer-lost-0002").status_code == 403
    httpx.get(f"{hq.url}/v1/pull", headers=versioned(again.json()["token"]))
    assert _enroll_raw(hq, code, "answer-lost-0001").status_code == 403


def test_a_revoked_device_comes_back_only_with_a_code_made_for_it(hq: Hq, tmp_path: Path) -> None:
    admin = Laptop(hq, tmp_path, "admin")
    site = add_site(admin.store, "西岭")
    person = add_person(admin.store, site, "TK-2")
    admin.sync()
    held = _device(hq, admin.device_id)
    assert held is not None
    hq.admin("revoke", admin.device_id)
    plain = hq.enroll_code(admin.user)
    refused = _enroll_raw(hq, plain, admin.device_id)
    assert refused.status_code == 409
    bound = hq.admin("enroll", admin.user, "--device", admin.device_id).splitlines()[0].strip()
    assert _enroll_raw(hq, bound, "not-that-device-01").status_code == 403
    enroll(admin.store, hq.url, bound)
    back = _device(hq, admin.device_id)
    assert back is not None
    assert back["revoked_at"] is None
    assert back["watermark"] == held["watermark"]  # the same change sequence carries on
    with admin.store.write() as s:
        row = s.get(Person, person)
        assert row is not None
        row.phone = "13900000009"
    admin.sync()
    assert _hq_values(hq, "person", person)["phone"] == "13900000009"
