"""The laptop store sends its outbox JSON as stored: the wire batch is the model batch."""

from __future__ import annotations

import json
from pathlib import Path

from fieldkit.domain.models import Site
from fieldkit.domain.vocab import SiteKind
from fieldkit.store import Store
from fieldkit.store.replica import StoreReplica
from sync.protocol import PushRequest
from sync.replica import PushBatch, WireOutbox


def test_the_wire_batch_is_the_model_batch(tmp_path: Path) -> None:
    store = Store(tmp_path / "wire.db")
    with store.write() as s:
        for i in range(3):
            s.add(Site(name=f'第{i}站 "引号" \\ \t', kind=SiteKind.VILLAGE))
    replica = StoreReplica(store)
    assert isinstance(replica, WireOutbox)
    changes = replica.pending(2, after_seq=0)
    wire = replica.pending_wire(2, after_seq=0)
    assert wire is not None
    assert (wire.first_seq, wire.last_seq, wire.count) == (changes[0].seq, changes[1].seq, 2)
    assert PushRequest.model_validate_json(wire.body).changes == changes
    expected = PushBatch.of(changes)
    assert expected is not None
    assert json.loads(expected.body) == json.loads(wire.body)
    assert replica.pending_wire(10, after_seq=changes[-1].seq + 5) is None
