"""A ``fieldkit serve`` process whose output goes to a log file, not an undrained pipe.

Fault injection makes HQ log an error per broken request; a server writing to a
pipe nobody reads blocks once the pipe's 64 KiB buffer is full, so this variant of
``tests/e2e/hq_process.Hq`` writes to a file (``log_text`` reads it back).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
from hq_process import free_port, run_cli

__all__ = ["LoggedHq"]


class LoggedHq:
    """``fieldkit serve`` on 127.0.0.1 with its database and its log file."""

    def __init__(self, database_url: str, log_path: Path) -> None:
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = log_path.open("w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fieldkit",
                "serve",
                "--database-url",
                database_url,
                "--port",
                str(self.port),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"fieldkit serve exited: {self.log_text()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError("fieldkit serve did not answer within 60 s")
            time.sleep(0.1)

    def log_text(self) -> str:
        """What the server printed so far."""
        return self.log_path.read_text(errors="replace")

    def admin(self, *args: str, check: bool = True, process: bool = False) -> str:
        """``fieldkit admin ARGS --database-url ...``."""
        return run_cli(
            "admin", *args, "--database-url", self.database_url, check=check, process=process
        )

    def enroll_code(self, user: str) -> str:
        """A fresh one-time code for ``user``."""
        return self.admin("enroll", user).splitlines()[0].strip()

    def stop(self) -> None:
        """Terminate the server."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
