"""An append-only table: a stored row is never changed, a replay of its values is no change."""

from __future__ import annotations

import pytest

from sync.schema import TableSpec
from sync.server.checks import Rejected
from sync.server.merge import check_unchanged
from sync.server.records import StoredRecord

LOG = TableSpec(
    "log",
    {"parent_id": str, "group_id": str, "text": str, "deleted": bool},
    scope_field="group_id",
    scope_parent=("parent_id", "parent"),
    append_only=True,
)


def _stored() -> StoredRecord:
    data = {"parent_id": "p1", "group_id": "g2", "text": "first", "deleted": False}
    return StoredRecord(scope="g2", data=data, clocks={}, deleted=False, new=False)


def test_a_change_to_a_stored_row_is_rejected_naming_the_fields() -> None:
    with pytest.raises(Rejected, match=r"log L1 is append-only.*\(deleted, text\)"):
        check_unchanged(LOG, _stored(), {"text": "rewritten", "deleted": True}, "L1")


def test_the_same_values_again_pass_even_under_the_scope_the_row_was_written_in() -> None:
    replay = {"parent_id": "p1", "group_id": "g1", "text": "first", "deleted": False}
    check_unchanged(LOG, _stored(), replay, "L1")
