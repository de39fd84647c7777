"""Redeeming a spent enrollment code again: only its own device, only if the answer was lost."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from sync.roles import Roles, RoleSpec
from sync.server import tables as t
from sync.server.admin import (
    EnrollmentError,
    add_user,
    create_code,
    redeem_code,
    revoke_device,
)
from sync.server.auth import device_for_token, utcnow
from sync.server.db import make_engine, migrate, write_begin

ROLES = Roles((RoleSpec("registrar", everything=True),))


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated HQ database on a SQLite file with one user who sees everything."""
    db = make_engine(f"sqlite:///{tmp_path / 'hq.db'}")
    migrate(db)
    with write_begin(db) as conn:
        add_user(conn, ROLES, "报名员", "registrar", None)
    try:
        yield db
    finally:
        db.dispose()


def _code(engine: Engine, ttl: timedelta = timedelta(days=1)) -> str:
    with write_begin(engine) as conn:
        return create_code(conn, "报名员", ttl)[0]


def _redeem(engine: Engine, code: str, device: str) -> str:
    with write_begin(engine) as conn:
        return redeem_code(conn, ROLES, code, device).token


def _holder(engine: Engine, token: str) -> str | None:
    with engine.connect() as conn:
        dev = device_for_token(conn, ROLES, token)
    return None if dev is None else dev.id


def test_the_same_device_gets_a_fresh_token_that_replaces_the_lost_one(engine: Engine) -> None:
    code = _code(engine)
    lost = _redeem(engine, code, "dev-a")
    fresh = _redeem(engine, code, "dev-a")
    assert fresh != lost
    assert _holder(engine, fresh) == "dev-a"
    assert _holder(engine, lost) is None  # only one token of a device is valid
    with engine.connect() as conn:
        assert conn.execute(t.device.select()).all()[0].id == "dev-a"
        assert len(conn.execute(t.device.select()).all()) == 1


def test_another_device_presenting_a_spent_code_is_refused(engine: Engine) -> None:
    code = _code(engine)
    token = _redeem(engine, code, "dev-a")
    with pytest.raises(EnrollmentError, match="already used"):
        _redeem(engine, code, "dev-b")
    assert _holder(engine, token) == "dev-a"
    with engine.connect() as conn:
        assert [r.id for r in conn.execute(t.device.select())] == ["dev-a"]


def test_a_spent_code_is_refused_once_the_token_was_used(engine: Engine) -> None:
    code = _code(engine)
    token = _redeem(engine, code, "dev-a")
    with write_begin(engine) as conn:  # the laptop got its answer and synced
        conn.execute(update(t.device).values(last_pull_at=utcnow() + timedelta(seconds=1)))
    with pytest.raises(EnrollmentError, match="already used"):
        _redeem(engine, code, "dev-a")
    assert _holder(engine, token) == "dev-a"


def test_a_spent_code_does_not_undo_a_revocation(engine: Engine) -> None:
    code = _code(engine)
    _redeem(engine, code, "dev-a")
    with write_begin(engine) as conn:
        revoke_device(conn, "dev-a")
    with pytest.raises(EnrollmentError, match="already used"):
        _redeem(engine, code, "dev-a")


def test_an_expired_spent_code_is_refused_to_its_own_device(engine: Engine) -> None:
    code = _code(engine)
    _redeem(engine, code, "dev-a")
    with write_begin(engine) as conn:
        conn.execute(update(t.enrollment).values(expires_at=utcnow() - timedelta(minutes=1)))
    with pytest.raises(EnrollmentError, match="expired"):
        _redeem(engine, code, "dev-a")
