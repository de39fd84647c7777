"""Pages are fetched ahead in another thread, but parsed and applied in the caller's,
one after the other, in order; the rows end as with one page at a time.

Real HTTP against the toy HQ on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from sync.client import SyncClient, pull_all, run_sync
from sync.protocol import PullPage
from sync.replica import PageApplied
from tests.sync.toy import TOY, ServerThread, ToyReplica, code_for, enroll_toy, new_user


@dataclass
class RecordingToy(ToyReplica):
    """A toy replica that records in which thread each page was applied."""

    applied_in: list[str] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)

    def apply_page(self, page: PullPage) -> PageApplied:
        self.applied_in.append(threading.current_thread().name)
        self.applied.append(page.cursor)
        return super().apply_page(page)


class RecordingClient(SyncClient):
    """A client that records in which thread each page was fetched."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fetched_in: list[str] = []

    def pull_body(
        self, cursor: str | None, limit: int | None = None, pending: int | None = None
    ) -> bytes:
        self.fetched_in.append(threading.current_thread().name)
        return super().pull_body(cursor, limit, pending)


def test_pages_are_fetched_ahead_in_another_thread_and_applied_in_order_in_the_callers(
    toy_hq: ServerThread,
) -> None:
    group = f"g-{uuid.uuid4().hex[:10]}"
    writer, cw = enroll_toy(toy_hq, "member", [group])
    writer.write("group", group, name="北坡", deleted=False)
    for i in range(9):
        writer.write("note", f"n-{group}-{i}", group_id=group, title=f"第{i}条", body="",
                     secret="", n=i, deleted=False)  # fmt: skip
    run_sync(cw, writer)
    plain, cp = enroll_toy(toy_hq, "member", [group])
    for _ in range(20):  # one page at a time, no thread
        page = cp.pull(plain.cursor(), 3)
        plain.apply_page(page)
        if not page.more:
            break
    recording = RecordingToy(device_id=f"dev-rec-{uuid.uuid4().hex[:8]}")
    with SyncClient(toy_hq.url, schema_version=TOY.version) as anon:
        code = code_for(toy_hq, new_user(toy_hq, "member", [group]))
        token = anon.enroll(code, device_id=recording.device_id).token
    cr = RecordingClient(toy_hq.url, token, schema_version=TOY.version)
    result = pull_all(cr, recording, page_limit=3)
    assert result.pages == len(recording.applied) == len(cr.fetched_in) >= 4
    me = threading.current_thread().name
    assert recording.applied_in == [me] * result.pages
    assert cr.fetched_in[0] == me
    assert all(name.startswith("sync-pull") for name in cr.fetched_in[1:])
    assert recording.applied == sorted(set(recording.applied), key=recording.applied.index)
    assert recording.rows == plain.rows
    assert len([k for k in recording.rows if k[0] == "note"]) == 9
