"""A table written at headquarters only: a laptop's change to it is rejected.

fieldkit's ``card_key`` (the county's public keys that verify service cards) is
written by ``fieldkit admin card-key`` at HQ. A tampered laptop pushing a key
row of its own (a real ``fieldkit serve``, SQLite and PostgreSQL) gets a
rejected verdict saying so, and no device ever receives the row.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

from fieldkit.cards.keys import KeyRing, new_signing_key
from fieldkit.store.wire import to_wire
from tests.hostile.hostile_kit import COUNTY, Hq, Laptop, hq_engine
from tests.support.hq_records import hq_record


def test_a_laptops_card_key_is_rejected_and_never_reaches_hq(hq: Hq, tmp_path: Path) -> None:
    rogue = Laptop(hq, tmp_path, "admin")
    fake = new_signing_key(COUNTY, KeyRing(), datetime(2026, 11, 1, 8, 0)).public
    row = {
        "key_id": 1,
        "county": COUNTY,
        "public_key": fake.encoded,
        "created_at": to_wire(fake.created_at),
        "deleted": False,
    }
    (verdict,) = rogue.push_raw(hq.url, ("card_key", "rogue-card-key", row))
    assert verdict["status"] == "rejected"
    assert (
        verdict["reason"] == "only headquarters writes card_key rows; this change was not applied"
    )
    engine = hq_engine(hq)
    try:
        assert hq_record(engine, "card_key", "rogue-card-key") is None
    finally:
        engine.dispose()
    other = Laptop(hq, tmp_path, "volunteer", [str(uuid.uuid4())])
    pulled = other.get(hq.url, "/v1/pull").json()["records"]
    assert fake.encoded not in {r["data"].get("public_key") for r in pulled}
