"""Money at HQ keeps the laptop's limits: never negative, never above MAX_FEN.

The limits are data fieldkit declares in its sync schema (from the models'
own ``ge``/``le``); HQ (a real ``fieldkit serve``, SQLite and PostgreSQL)
rejects a visit with money out of range, naming the field and the bound, both
from a laptop's push and from a write at HQ itself; the largest allowed amount
is stored exactly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldkit.domain.money import MAX_FEN
from fieldkit.sync_schema import sync_schema
from sync.schema import FieldLimit
from sync.server.db import write_begin
from sync.server.hq_writes import HqEdit, HqWriteRefused, write_at_hq
from tests.hostile.hostile_kit import Hq, Laptop, add_person, add_site, add_visit, hq_engine
from tests.support.hq_records import hq_record


def test_the_schema_declares_the_money_limits() -> None:
    visit = sync_schema().table("visit")
    assert visit is not None
    assert visit.limits["money_fen"] == FieldLimit(0, MAX_FEN)


def test_money_out_of_range_is_rejected_naming_the_field(hq: Hq, tmp_path: Path) -> None:
    staff_site = Laptop(hq, tmp_path, "admin")
    site = add_site(staff_site.store, "钱庄")
    person = add_person(staff_site.store, site, "MN-1")
    amounts = {-1: "at least 0", MAX_FEN + 1: f"at most {MAX_FEN}", 2**63 - 1: f"at most {MAX_FEN}"}
    visits = {
        amount: add_visit(staff_site.store, person, site, money_fen=amount) for amount in amounts
    }
    most = add_visit(staff_site.store, person, site, money_fen=MAX_FEN)
    staff_site.sync()
    reasons = staff_site.rejected()
    engine = hq_engine(hq)
    try:
        for amount, words in amounts.items():
            assert reasons[visits[amount]] == f"visit.money_fen must be {words}, not {amount}"
            assert hq_record(engine, "visit", visits[amount]) is None
        stored = hq_record(engine, "visit", most)
        assert stored is not None
        assert stored.data["money_fen"] == MAX_FEN
        refused = r"visit\.money_fen must be at least 0, not -5"
        edit = HqEdit("visit", most, {"money_fen": -5})
        with pytest.raises(HqWriteRefused, match=refused), write_begin(engine) as conn:
            write_at_hq(conn, sync_schema(), [edit], user="hq")
        stored = hq_record(engine, "visit", most)
        assert stored is not None
        assert stored.data["money_fen"] == MAX_FEN
    finally:
        engine.dispose()
