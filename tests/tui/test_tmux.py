"""The real app in a real terminal: start ``fieldkit`` inside tmux and read the screen."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fieldkit.store import Store

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None,
    reason="tmux is not installed (apt-get install -y tmux) so the app cannot be run in a "
    "real terminal here",
)


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Run tmux commands on a private server (its own socket); kills it afterwards."""
    socket = f"fieldkit-test-{uuid.uuid4().hex[:8]}"

    def run(*args: str) -> str:
        out = subprocess.run(
            ["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=20
        )
        return out.stdout

    yield run
    run("kill-server")


def _wait_for(capture: Callable[[], str], text: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = capture()
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} did not appear on the screen:\n{screen}")


def test_real_app_in_tmux(store: Store, tmux: Callable[..., str], tmp_path: Path) -> None:
    path = store.path
    store.close()
    env = {
        "FIELDKIT_HOME": str(tmp_path / "home"),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    command = " ".join(
        [
            "env",
            *(f"{k}={shlex.quote(v)}" for k, v in env.items()),
            shlex.quote(sys.executable),
            "-m",
            "fieldkit",
            "--db",
            shlex.quote(str(path)),
        ]
    )
    tmux("new-session", "-d", "-s", "app", "-x", "100", "-y", "30", command)

    def capture() -> str:
        return tmux("capture-pane", "-p", "-t", "app")

    screen = _wait_for(capture, "阿依古丽")
    assert "花名册" in screen  # Chinese by default
    _wait_for(capture, "待同步：17")  # the outbox count arrives from its own worker
    tmux("send-keys", "-t", "app", "zsf")
    screen = _wait_for(capture, "第 1-1 条")
    assert "张三丰" in screen
    assert "阿依古丽" not in screen
    tmux("send-keys", "-t", "app", "Enter")  # the one person found: Enter opens the file
    screen = _wait_for(capture, "联系社区医生")  # the follow-up owed, on the file
    assert "个人档案" in screen
    tmux("send-keys", "-t", "app", "C-q")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "app" in tmux("list-sessions", "-F", "#S"):
        time.sleep(0.2)
    assert "app" not in tmux("list-sessions", "-F", "#S")
