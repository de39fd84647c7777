"""Shared fixtures: every test gets its own FIELDKIT_HOME so nothing touches the user's files.

``tests/support`` (real HQ processes and databases) is put on ``sys.path``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldkit.i18n import set_language

# Helpers shared by several test folders (real HQ processes and databases).


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path_factory.mktemp("fieldkit-home")
    monkeypatch.setenv("FIELDKIT_HOME", str(home))
    monkeypatch.delenv("FIELDKIT_DB", raising=False)


@pytest.fixture(autouse=True)
def _default_language() -> None:
    """Each test starts in the app's default interface language (Chinese), whatever
    language an earlier test in the same process switched to (tests run in two worker
    processes, in an order that is not the file order)."""
    set_language("zh")


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """A path for a new laptop store file."""
    return tmp_path / "laptop.db"
