"""The demo store: a new store holding the invented county shipped in ``sample_data/``."""

from __future__ import annotations

from pathlib import Path

from fieldkit.exporting import load_jsonl
from fieldkit.paths import sample_data_dir
from fieldkit.store import Store

__all__ = ["DEMO_FILE", "build_demo_store"]

DEMO_FILE = "demo.jsonl"
"""The demo county in the export format, inside :func:`fieldkit.paths.sample_data_dir`."""


def build_demo_store(path: Path) -> Store:
    """A new store at ``path`` filled from ``sample_data/demo.jsonl``.

    The demo rows are written without outbox entries, as a store restored from
    a backup would hold them; if the store is later enrolled, its first sync
    sends them to headquarters (:func:`fieldkit.store.reconcile.reconcile_store`).
    ``path`` must not exist yet.
    """
    target = Path(path)
    if target.exists():
        raise FileExistsError(f"{target} exists; the demo is built into a new file")
    store = Store(target)
    load_jsonl(store, sample_data_dir() / DEMO_FILE)
    return store
