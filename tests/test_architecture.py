"""The layering rules of docs/ARCHITECTURE.md, checked with import-linter.

The contracts live in ``pyproject.toml``; these tests run ``lint-imports`` on the
real tree (every contract kept) and on copies of it with one forbidden import
added (the contract that forbids it is reported broken).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    here = Path(sys.executable).parent / "lint-imports"
    command = str(here) if here.exists() else shutil.which("lint-imports")
    assert command, "lint-imports is missing: install the test extra (pip install -e '.[test]')"
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [command, str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def test_import_contracts_hold() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    n = len(_contracts())
    assert f"Contracts: {n} kept, 0 broken." in result.stdout


def test_the_layers_contract_checks_indirect_imports_too() -> None:
    layers = [c for c in _contracts() if c["type"] == "layers"]
    assert len(layers) == 1
    assert layers[0]["exhaustive"] is True
    assert not any(c.get("allow_indirect_imports") for c in _contracts())


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packages and the contracts, copied once (each test copies this copy)."""
    base = tmp_path_factory.mktemp("tree")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "*.svg")
    for package in ("fieldkit", "sync"):
        shutil.copytree(ROOT / package, base / package, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", base / "pyproject.toml")
    return base


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        # the store importing the UI: a lower layer importing a higher one
        ("fieldkit/store/engine.py", "import fieldkit.tui.widgets", "fieldkit's layers"),
        # ... or doing it through a module of its own that imports the UI
        ("fieldkit/store/wire.py", "import fieldkit.services", "fieldkit's layers"),
        # an app going around the services to the store
        ("fieldkit/tui/help.py", "import fieldkit.store.roster", "only services and the tools"),
        # an app running SQL
        ("fieldkit/tui/help.py", "import sqlalchemy", "SQL stays in the store"),
        # the engine knowing the application
        ("sync/hlc.py", "import fieldkit.domain.ids", "sync is generic"),
        # Textual in the store, through a helper module
        ("fieldkit/paths.py", "import textual.app", "no Textual below the UI"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(
    tree_copy: Path, tmp_path: Path, module: str, line: str, contract: str
) -> None:
    root = tmp_path / "tree"
    shutil.copytree(tree_copy, root)
    target = root / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", "utf-8")
    result = _lint_imports(root)
    assert result.returncode == 1, result.stdout + result.stderr
    broken = [ln for ln in result.stdout.splitlines() if " BROKEN" in ln]
    assert any(ln.startswith(contract) for ln in broken), result.stdout
    imported = line.split()[1]
    if not imported.startswith(("fieldkit.", "sync.")):
        imported = imported.split(".")[0]  # other packages are reported by their top name
    assert f"-> {imported} " in result.stdout  # the report names the import that broke it
