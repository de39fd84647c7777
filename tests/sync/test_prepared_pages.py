"""A replica that prepares pages (``sync.replica.PreparesPages``): every page after the
first is prepared in the thread that fetched it, and the rows end as a plain replica's.

Real HTTP against the toy HQ on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

from sync.client import pull_all, run_sync
from sync.protocol import PullPage
from sync.replica import PageApplied, PreparesPages
from tests.sync.toy import ServerThread, ToyReplica, enroll_toy


@dataclass
class PreparingToy(ToyReplica):
    """A toy replica that records where each page was prepared."""

    prepared_in: list[str] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)

    def prepare_page(self, page: PullPage) -> object:
        self.prepared_in.append(threading.current_thread().name)
        return page.cursor

    def apply_prepared(self, page: PullPage, prepared: object) -> PageApplied:
        assert prepared == page.cursor  # what prepare_page made of this very page
        self.applied.append(page.cursor)
        return self.apply_page(page)


def test_pages_are_prepared_ahead_in_the_fetching_thread_and_applied_in_order(
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
    pull_all(cp, plain, page_limit=3)
    reader, cr = enroll_toy(toy_hq, "member", [group])
    preparing = PreparingToy(device_id=reader.device_id)
    assert isinstance(preparing, PreparesPages)
    result = pull_all(cr, preparing, page_limit=3)
    assert result.pages == len(preparing.applied) == len(preparing.prepared_in) >= 4
    assert preparing.prepared_in[0] == threading.current_thread().name
    assert all(name.startswith("sync-pull") for name in preparing.prepared_in[1:])
    assert preparing.rows == plain.rows
    assert len([k for k in preparing.rows if k[0] == "note"]) == 9
