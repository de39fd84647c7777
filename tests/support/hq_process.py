"""Real HQ for the tests: ``fieldkit serve`` processes and the ``fieldkit`` CLI.

HQ databases come from :mod:`databases` (a SQLite file or a fresh PostgreSQL
schema), or from :func:`migrated_database` where a test needs no first migration.
A server writes its output to a log file, never to a pipe nobody drains (a server
logging many broken requests would block).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from fieldkit.cli.main import main
from tests.support.databases import PG_ENV, database_urls, free_port

__all__ = ["PG_ENV", "Hq", "database_urls", "free_port", "migrated_database", "run_cli"]


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


_MIGRATED: list[Path] = []


def _migrated_sqlite_template() -> Path:
    """An HQ SQLite file migrated as ``fieldkit serve`` migrates one (the sync tables,
    the report projection, the console's), once per test process."""
    if not _MIGRATED:
        from fieldkit.cli.hq import open_engine

        folder = Path(tempfile.mkdtemp(prefix="fieldkit-hq-template-"))
        atexit.register(shutil.rmtree, folder, True)
        path = folder / "hq.db"
        open_engine(argparse.Namespace(database_url=f"sqlite:///{path}")).dispose()
        _MIGRATED.append(path)
    return _MIGRATED[0]


@contextlib.contextmanager
def migrated_database(backend: str, tmp: Path) -> Iterator[str]:
    """A fresh HQ database for tests that do not test its first migration: on SQLite a
    copy of a file migrated once (given its own epoch, as a first migration would), on
    PostgreSQL a new schema that ``fieldkit serve`` migrates (a schema cannot be copied).

    Migrating a new database takes about 2 s of CPU; copying a file, milliseconds.
    """
    if backend != "sqlite":
        with database_urls(backend, tmp) as url:
            yield url
        return
    from sqlalchemy import create_engine

    from sync.server.admin import new_epoch

    path = tmp / "hq.db"
    template = _migrated_sqlite_template()
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{template}{suffix}")
        if source.exists():
            shutil.copy(source, f"{path}{suffix}")
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            new_epoch(conn)
    finally:
        engine.dispose()
    yield url


class Hq:
    """A ``fieldkit serve`` process on 127.0.0.1 and its database."""

    def __init__(
        self,
        database_url: str,
        log_path: Path | None = None,
        workers: int = 1,
        extra: tuple[str, ...] = (),
        keep_reports: bool = False,
    ) -> None:
        """``keep_reports``: run the server's report keeper (off: the tests count whom a
        report replays, which the keeper would change as it goes)."""
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
                "--keep-reports" if keep_reports else "--no-keep-reports",
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
            time.sleep(0.05)

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

    def enroll_laptop(self, db: Path, user: str) -> None:
        """Enroll the laptop store at ``db`` as ``user`` through the CLI."""
        run_cli("--db", str(db), "enroll", self.url, self.enroll_code(user))

    def enroll_admin_laptop(self, db: Path) -> None:
        """Add the admin 局机关 (every site) and enroll the laptop store at ``db`` as them."""
        self.admin("add-user", "局机关", "--role", "admin")
        self.enroll_laptop(db, "局机关")

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
