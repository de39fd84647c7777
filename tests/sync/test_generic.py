"""The engine knows no application: no product name, no role names, no scope field.

Roles are what the application declares: a user whose stored role the
application no longer declares is refused with a 403 that says so.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import update

from sync import PROTOCOL_VERSION
from sync.protocol import HEADER_PROTOCOL, HEADER_SCHEMA
from sync.server import tables as t
from tests.sync.toy import TOY, ServerThread, enroll_toy

SYNC = Path(__file__).resolve().parents[2] / "sync"


def test_no_source_file_of_the_engine_names_an_application_or_its_roles() -> None:
    sources = sorted(SYNC.rglob("*.py"))
    assert len(sources) > 20
    for path in sources:
        text = path.read_text(encoding="utf-8").lower()
        for word in ("fieldkit", '"admin"', '"volunteer"', '"staff"', '"site_id"'):
            assert word not in text, f"{path.relative_to(SYNC.parent)} names {word}"


def test_a_user_whose_role_is_no_longer_declared_is_refused(toy_hq: ServerThread) -> None:
    dev, client = enroll_toy(toy_hq, "member", ["g-old-role"])
    with toy_hq.engine.begin() as conn:
        user_id = (
            conn.execute(t.device.select().where(t.device.c.id == dev.device_id)).one().user_id
        )
        conn.execute(update(t.user).where(t.user.c.id == user_id).values(role="retired-role"))
    reply = client._http.get("/v1/me")
    assert reply.status_code == 403
    assert "'retired-role' is not one headquarters serves" in reply.json()["detail"]


def test_the_openapi_document_carries_the_applications_title(toy_hq: ServerThread) -> None:
    doc = httpx.get(f"{toy_hq.url}/openapi.json").json()
    assert doc["info"]["title"] == "toy sync"
    assert doc["info"]["version"] == f"protocol {PROTOCOL_VERSION}, schema {TOY.version}"
    headers = {HEADER_PROTOCOL: str(PROTOCOL_VERSION), HEADER_SCHEMA: "toy-0"}
    refused = httpx.get(f"{toy_hq.url}/v1/me", headers=headers)
    assert refused.status_code == 426
    assert "please upgrade toyapp on this device" in refused.json()["detail"]
