"""Real HQ for the tests: ``fieldkit serve`` processes and the ``fieldkit`` CLI.

HQ databases come from :mod:`databases` (a SQLite file or a fresh PostgreSQL
schema). A server writes its output to a log file, never to a pipe nobody drains
(a server logging many broken requests would block).
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from fieldkit.cli.main import main
from tests.support.databases import PG_ENV, database_urls, free_port

__all__ = ["PG_ENV", "Hq", "database_urls", "free_port", "run_cli"]


def run_cli(*args: str, process: bool = False, check: bool = True) -> str:
    """Run ``fieldkit ARGS``; returns stdout (raises with stderr on failure).

    With ``process`` it runs as a real process; otherwise the same entry point runs
    in this process (much faster; the server is always a real process).
    """
    if not process:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
        if check and code != 0:
            raise AssertionError(
                f"fieldkit {' '.join(args)} failed: {out.getvalue()}{err.getvalue()}"
            )
        return out.getvalue() if check else out.getvalue() + err.getvalue() + f"\nexit={code}"
    proc = subprocess.run(
        [sys.executable, "-m", "fieldkit", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"fieldkit {' '.join(args)} failed: {proc.stdout}\n{proc.stderr}")
    return proc.stdout if check else proc.stdout + proc.stderr + f"\nexit={proc.returncode}"


class Hq:
    """A ``fieldkit serve`` process on 127.0.0.1 and its database."""

    def __init__(
        self,
        database_url: str,
        log_path: Path | None = None,
        workers: int = 1,
        extra: tuple[str, ...] = (),
    ) -> None:
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        if log_path is None:
            handle, name = tempfile.mkstemp(prefix="fieldkit-serve-", suffix=".log")
            os.close(handle)
            log_path = Path(name)
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
                "--workers",
                str(workers),
                *extra,
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
