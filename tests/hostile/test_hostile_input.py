"""Hostile requests get a 4xx with a message, and HQ writes nothing.

Against a real ``fieldkit serve`` on SQLite and PostgreSQL: NUL in a row id or
table name, numbers past 64 bits (``seq = 2^63``, a pull cursor, ``conflicts?after=1e25``),
cursors with NUL or non-ASCII digits, bodies that are not what they claim, over-long
ids and clocks. Every one is answered 4xx with a ``detail`` naming the problem, and
every HQ table is row for row what it was. Values that do not fit a field (NUL
in text, an integer past 64 bits, an over-long or control-character scope key) are
rejected per change, naming the field, and no record is written.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from sync.hlc import Timestamp, format_ts
from tests.hostile.hostile_kit import Hq, Laptop, add_site, hq_engine, hq_tables, versioned
from tests.support.hq_records import hq_record

Call = Callable[["Target"], httpx.Response]


class Target:
    """An admin laptop's token and device at ``hq``, and a valid change to twist."""

    def __init__(self, hq: Hq, tmp: Path) -> None:
        self.hq = hq
        self.laptop = Laptop(hq, tmp, "admin")
        self.site = add_site(self.laptop.store, "敌意村")
        self.laptop.sync()
        self.epoch = self.get("/v1/pull").json()["epoch"]

    def headers(self, **extra: str) -> dict[str, str]:
        return {**versioned(self.laptop.token), **extra}

    def get(self, path: str, **params: Any) -> httpx.Response:
        return httpx.get(f"{self.hq.url}{path}", params=params, headers=self.headers())

    def post(self, path: str, body: bytes | str, **extra: str) -> httpx.Response:
        content = body.encode() if isinstance(body, str) else body
        headers = self.headers(**{"Content-Type": "application/json", **extra})
        return httpx.post(f"{self.hq.url}{path}", content=content, headers=headers)

    def change(self, **fields: Any) -> dict[str, Any]:
        """A well-formed change of a site's name, with ``fields`` replaced."""
        now = format_ts(Timestamp(int(time.time() * 1000), 0, self.laptop.device_id))
        change = {
            "seq": 10_000,
            "tbl": "site",
            "id": self.site,
            "data": {"name": "改名"},
            "hlc": now,
            "seen_rev": 0,
        }
        return {**change, **fields}

    def push(self, **fields: Any) -> httpx.Response:
        return self.post("/v1/push", json.dumps({"changes": [self.change(**fields)]}))

    def enroll(self, **fields: Any) -> httpx.Response:
        body = {"code": "AAAA-BBBB-CCCC", "device_id": "attacker-0001", **fields}
        return httpx.post(f"{self.hq.url}/v1/enroll", json=body, headers=versioned())


@pytest.fixture(scope="module")
def target(hq: Hq, tmp_path_factory: pytest.TempPathFactory) -> Target:
    return Target(hq, tmp_path_factory.mktemp("target"))


@pytest.fixture(scope="module")
def engine(hq: Hq) -> Iterator[Engine]:
    db = hq_engine(hq)
    yield db
    db.dispose()


INT64 = 2**63


def _bad_cursor(form: str) -> tuple[Call, int, str]:
    """A pull with the cursor ``form`` (``{epoch}``: HQ's own), refused as no cursor."""
    return (
        lambda x: x.get("/v1/pull", cursor=form.format(epoch=x.epoch)),
        400,
        "not a pull cursor",
    )


HOSTILE: dict[str, tuple[Call, int, str]] = {
    "NUL in a row id": (lambda x: x.push(id="p\x00wn"), 422, "changes.0.id"),
    "NUL in a table name": (lambda x: x.push(tbl="si\x00te"), 422, "changes.0.tbl"),
    "a table name of 65 characters": (lambda x: x.push(tbl="t" * 65), 422, "changes.0.tbl"),
    "a row id of 65 characters": (lambda x: x.push(id="i" * 65), 422, "changes.0.id"),
    "a control character in a row id": (lambda x: x.push(id="a\nb"), 422, "changes.0.id"),
    "seq = 2^63": (lambda x: x.push(seq=INT64), 422, "changes.0.seq"),
    "seq = 2^64": (lambda x: x.push(seq=2**64), 422, "changes.0.seq"),
    "seq = 10^30": (lambda x: x.push(seq=10**30), 422, "changes.0.seq"),
    "seen_rev = 2^63": (lambda x: x.push(seen_rev=INT64), 422, "changes.0.seen_rev"),
    "a clock of 10,000 characters": (lambda x: x.push(hlc="1" * 10_000), 422, "changes.0.hlc"),
    "a body that is not JSON": (lambda x: x.post("/v1/push", "{not json"), 422, "bad request"),
    "a JSON array body": (lambda x: x.post("/v1/push", "[1, 2]"), 422, "bad request"),
    "JSON nested 100,000 deep": (
        lambda x: x.post("/v1/push", '{"changes":' + "[" * 100_000 + "]" * 100_000 + "}"),
        422,
        "bad request",
    ),
    "gzip that is not gzip": (
        lambda x: x.post("/v1/push", b"\x1f\x8bnot really", **{"Content-Encoding": "gzip"}),
        400,
        "not valid gzip",
    ),
    "gzip cut short": (
        lambda x: x.post(
            "/v1/push", gzip.compress(b'{"changes": []}')[:-9], **{"Content-Encoding": "gzip"}
        ),
        400,
        "cut short",
    ),
    "a pull cursor above int64": _bad_cursor("{epoch}:18446744073709551616:1:site:x"),
    "a pull cursor with NUL": _bad_cursor("{epoch}:0:1:si\x00te:x"),
    "a pull cursor with NUL in the id": _bad_cursor("{epoch}:0:1:site:\x00"),
    "a pull cursor with Arabic-Indic digits": _bad_cursor("{epoch}:١٢:1:site:x"),
    "a pull cursor with NUL in the epoch": _bad_cursor("ep\x00och:0:1::"),
    "a pull limit of 10^30": (lambda x: x.get("/v1/pull", limit=10**30), 422, "query.limit"),
    "a pull limit of 0": (lambda x: x.get("/v1/pull", limit=0), 422, "query.limit"),
    "conflicts?after=1e25": (lambda x: x.get("/v1/conflicts", after="1e25"), 422, "query.after"),
    "conflicts?after=2^63": (lambda x: x.get("/v1/conflicts", after=INT64), 422, "query.after"),
    "conflicts?after=-1": (lambda x: x.get("/v1/conflicts", after=-1), 422, "query.after"),
    "conflicts?after=NUL": (lambda x: x.get("/v1/conflicts", after="\x00"), 422, "query.after"),
    "an enrollment device id with NUL": (
        lambda x: x.enroll(device_id="dev\x00ice-0001"),
        422,
        "device_id",
    ),
    "an enrollment device name with NUL": (
        lambda x: x.enroll(device_name="my\x00laptop"),
        422,
        "device_name",
    ),
    "an enrollment code with NUL": (lambda x: x.enroll(code="AAAA\x00BBBB"), 422, "code"),
    "an enrollment device id of 2 characters": (
        lambda x: x.enroll(device_id="hq"),
        422,
        "device_id",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_request_is_a_4xx_with_a_message_and_writes_nothing(
    target: Target, engine: Engine, case: str
) -> None:
    call, status, words = HOSTILE[case]
    before = hq_tables(engine)
    reply = call(target)
    assert reply.status_code == status, (case, reply.status_code, reply.text[:300])
    detail = reply.json()["detail"]
    assert isinstance(detail, str), (case, detail)
    assert words in detail, (case, detail)
    assert hq_tables(engine) == before, case


def test_values_that_do_not_fit_are_rejected_naming_the_field(target: Target, hq: Hq) -> None:
    laptop = target.laptop
    now = int(time.time() * 1000)
    changes = [
        {
            "seq": 20_000,
            "tbl": "site",
            "id": "site-nul-value",
            "data": {"name": "东\x00山", "county": "", "kind": "village", "address": ""},
        },
        {
            "seq": 20_001,
            "tbl": "person",
            "id": "person-big-int",
            "data": {"site_id": target.site, "code": "H-1", "name": "大数", "card_issue": INT64},
        },
        {
            "seq": 20_002,
            "tbl": "person",
            "id": "person-long-site",
            "data": {"site_id": "s" * 65, "code": "H-2", "name": "长"},
        },
        {
            "seq": 20_003,
            "tbl": "visit",
            "id": "visit-ctrl-person",
            "data": {"site_id": target.site, "person_id": "p\x01", "visited_at": "2026-06-01"},
        },
    ]
    for at, change in enumerate(changes):
        change.update(hlc=format_ts(Timestamp(now, at, laptop.device_id)), seen_rev=0)
    reply = target.post("/v1/push", json.dumps({"changes": changes}))
    assert reply.status_code == 200, reply.text
    verdicts = reply.json()["verdicts"]
    assert [v["status"] for v in verdicts] == ["rejected"] * 4
    assert verdicts[0]["reason"] == "site.name contains a NUL character"
    assert verdicts[1]["reason"] == "person.card_issue does not fit in 64 bits"
    assert verdicts[2]["reason"].startswith("person.site_id must be an id")
    assert verdicts[3]["reason"].startswith("visit.person_id must be an id")
    engine = hq_engine(hq)
    try:
        for change in changes:
            assert hq_record(engine, str(change["tbl"]), str(change["id"])) is None
    finally:
        engine.dispose()
