"""Pausing the cyclic garbage collector around batch work (pushes on both sides)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]

_gc_lock = threading.Lock()
_gc_holders = 0
_gc_was_enabled = True


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch of changes is built or merged.

    A batch makes tens of thousands of small containers that live until it is
    done; the collector would walk them again and again (it nearly doubled the
    merge time on HQ). Nothing here makes reference cycles that must go at once.
    Reentrant across threads: the collector runs again when the last holder ends
    (unless it was off before the first one began).
    """
    global _gc_holders, _gc_was_enabled
    with _gc_lock:
        _gc_holders += 1
        if _gc_holders == 1:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holders -= 1
            if _gc_holders == 0 and _gc_was_enabled:
                gc.enable()
