"""Enrollment is throttled per client address: a few failed tries a minute, then 429.

A real ``fieldkit serve`` (SQLite and PostgreSQL) allowing 3 failed tries a
minute: successful enrollments are never counted; the fourth failure from one
address gets 429 with ``Retry-After`` and a message, before its body is even
read (a valid code is refused too until the minute is over); another address
still enrolls.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.hostile.hostile_kit import Hq, serve, user, versioned


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def strict_hq(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Hq]:
    with serve(
        request.param, tmp_path_factory.mktemp("throttle"), "--enroll-failures-per-minute", "3"
    ) as server:
        yield server


def _enroll(hq: Hq, code: str, device: str, source: str = "127.0.0.1") -> httpx.Response:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport) as client:
        return client.post(
            f"{hq.url}/v1/enroll",
            json={"code": code, "device_id": device},
            headers=versioned(),
        )


def test_failed_tries_are_throttled_per_address(strict_hq: Hq, tmp_path: Path) -> None:
    name = user(strict_hq, "admin")
    for at in range(5):  # successes are never counted
        assert _enroll(strict_hq, strict_hq.enroll_code(name), f"good-device-{at:04}").is_success
    for at in range(3):
        reply = _enroll(strict_hq, f"WRNG-CODE-{at:04}", f"guesser-{at:04}")
        assert reply.status_code == 403
    refused = _enroll(strict_hq, "WRNG-CODE-0004", "guesser-0004")
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 60
    assert (
        f"too many failed enrollment tries from this address: wait {wait} seconds"
        in (refused.json()["detail"])
    )
    good = strict_hq.enroll_code(name)
    assert _enroll(strict_hq, good, "good-device-late").status_code == 429
    body = httpx.post(  # refused before the body is read: not a 422 for this garbage
        f"{strict_hq.url}/v1/enroll", content=b"{garbage", headers=versioned()
    )
    assert body.status_code == 429
    # another address is not held back, and the code was not spent
    assert _enroll(strict_hq, good, "good-device-other", source="127.0.0.2").is_success
