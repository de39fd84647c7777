"""Fixtures of the finding tests: the field app's small store, copied per test."""

from tests.tui.tui_fixtures import store, template_db

__all__ = ["store", "template_db"]
