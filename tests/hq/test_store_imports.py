"""The laptop store speaks to sync through types alone: it never loads the HTTP client."""

from __future__ import annotations

import subprocess
import sys


def test_the_store_and_its_replica_load_without_httpx() -> None:
    probe = (
        "import sys, fieldkit.store, fieldkit.store.replica, fieldkit.store.engine; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('httpx', 'fastapi')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
