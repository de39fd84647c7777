"""``fieldkit admin enroll NAME`` shows the code as a QR when its output is a terminal.

Run as a real process with its output on a pseudo-terminal, the command prints
the code, then the QR (so a team leader can photograph it); ``--no-qr`` leaves
it out, and so does output to a pipe or a file (scripts read the first line).
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.support.hq_process import run_cli

_QR_BLOCKS = ("█", "▀", "▄")


def _on_a_terminal(*args: str) -> str:
    """What ``fieldkit ARGS`` writes to a terminal."""
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "fieldkit", *args], stdout=child, stderr=child, close_fds=True
    )
    os.close(child)
    out = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closed: the process is done writing
            break
        if not chunk:
            break
        out += chunk
    os.close(main)
    assert proc.wait(timeout=60) == 0, out.decode(errors="replace")
    return out.decode("utf-8", errors="replace")


def test_the_enrollment_code_is_a_qr_on_a_terminal_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    run_cli("admin", "add-user", "组长", "--role", "admin", "--database-url", url)
    shown = _on_a_terminal("admin", "enroll", "组长", "--database-url", url)
    code = shown.splitlines()[0].strip()
    assert len(code) == 14
    assert code.count("-") == 2
    assert sum(shown.count(block) for block in _QR_BLOCKS) > 100
    plain = _on_a_terminal("admin", "enroll", "组长", "--no-qr", "--database-url", url)
    assert not any(block in plain for block in _QR_BLOCKS)
    piped = run_cli("admin", "enroll", "组长", "--database-url", url, process=True)
    assert not any(block in piped for block in _QR_BLOCKS)
    assert len(piped.splitlines()[0].strip()) == 14
