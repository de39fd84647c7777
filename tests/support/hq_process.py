"""Real HQ for the tests: ``fieldkit serve`` processes, HQ databases, the ``fieldkit`` CLI.

HQ databases are a SQLite file or a fresh PostgreSQL schema (from
``FIELDKIT_TEST_DATABASE_URL``; its variants skip with the reason when it is unset,
and fail when it is set but unreachable). A server writes its output to a log file,
never to a pipe nobody drains (a server logging many broken requests would block).
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from fieldkit.cli.main import main

__all__ = ["PG_ENV", "Hq", "database_urls", "free_port", "run_cli"]

PG_ENV = "FIELDKIT_TEST_DATABASE_URL"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


@contextmanager
def database_urls(backend: str, tmp: Path) -> Iterator[str]:
    """A fresh HQ database: a SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'hq.db'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set: PostgreSQL variants skipped")
    schema = f"fk_test_{secrets.token_hex(4)}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


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
