"""Fixtures of the record tests: the field app's small store (see ``tests/tui``)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tui"))

from tui_fixtures import store, template_db

__all__ = ["store", "template_db"]
