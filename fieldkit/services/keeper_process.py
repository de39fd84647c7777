"""Starting the laptop's report keeper (:mod:`fieldkit.services.keeping`) in child
processes, one at a time, for the field app. Only the standard library is imported
here: the app imports this without the report's modules (the child loads them)."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

__all__ = ["KeeperProcess"]

log = logging.getLogger("fieldkit.services.keeping")


class KeeperProcess:
    """Runs the step for the store at ``db_path`` in child processes, one at a time.

    :meth:`request` starts a child when none runs, else asks for one more run after it;
    :meth:`stop` ends the running child (its uncommitted rows are dropped by SQLite). A
    child that fails is logged with what it wrote to stderr; nothing is raised."""

    def __init__(self, db_path: Path | str, *, command: Sequence[str] | None = None) -> None:
        self.db_path = Path(db_path)
        self.command = list(command or [sys.executable, "-m", "fieldkit.services.keeping"])
        self._changed = threading.Condition()
        self._child: subprocess.Popen[bytes] | None = None
        self._pending = False
        self._stopped = False
        self.runs = 0
        """Children ended so far (failed or killed ones included)."""
        self.failures = 0
        """Children that ended with an error (or were killed)."""

    @property
    def child(self) -> subprocess.Popen[bytes] | None:
        """The child running now."""
        return self._child

    def request(self) -> None:
        """Ask for a run: a child now when none runs, else one more after it."""
        with self._changed:
            if self._stopped:
                return
            if self._child is not None:
                self._pending = True
                return
            self._start()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no child runs or is asked for; whether none does."""
        with self._changed:
            return self._changed.wait_for(
                lambda: self._child is None and not self._pending, timeout
            )

    def stop(self, timeout: float = 5.0) -> None:
        """Start no more children and end the one running (terminated, then killed)."""
        with self._changed:
            self._stopped, self._pending = True, False
            child = self._child
        if child is None:
            return
        child.terminate()
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()

    def _start(self) -> None:
        """Start a child and its watcher (under the lock)."""
        flags = 0
        if sys.platform == "win32":  # pragma: no cover - the lowered priority on Windows
            flags = subprocess.BELOW_NORMAL_PRIORITY_CLASS
        self._child = subprocess.Popen(
            [*self.command, str(self.db_path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            creationflags=flags,
        )
        threading.Thread(
            target=self._watch, args=(self._child,), name="fieldkit-report-keeper", daemon=True
        ).start()

    def _watch(self, child: subprocess.Popen[bytes]) -> None:
        """Wait for ``child`` to end, log a failure, start the run asked for meanwhile."""
        _out, err = child.communicate()
        with self._changed:
            self.runs += 1
            if child.returncode != 0:
                self.failures += 1
                if not self._stopped:
                    log.warning(
                        "report keeper: the child ended with %s: %s",
                        child.returncode,
                        err.decode(errors="replace").strip()[-2000:],
                    )
            self._child = None
            if self._pending and not self._stopped:
                self._pending = False
                try:
                    self._start()
                except OSError:
                    log.exception("report keeper: could not start the child")
            self._changed.notify_all()
