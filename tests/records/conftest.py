"""Fixtures of the record tests: the field app's small store (see ``tests/tui``)."""

from __future__ import annotations

from tests.tui.tui_fixtures import store, template_db

__all__ = ["store", "template_db"]
