"""Pausing the cyclic garbage collector around batch work (pushes on both sides)."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]

_gc_lock = threading.Lock()
_gc_holders = 0
_gc_was_enabled = True
_gc_last_run = time.monotonic()
COLLECT_EVERY_S = 10.0
"""While batches keep overlapping, the collector still runs this often (between batches)."""


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch of changes is built or merged.

    A batch makes tens of thousands of small containers that live until it is
    done; the collector would walk them again and again (it nearly doubled the
    merge time on HQ). Nothing here makes reference cycles that must go at once.
    Reentrant across threads: the collector runs again when the last holder ends
    (unless it was off before the first one began).
    """
    global _gc_holders, _gc_was_enabled, _gc_last_run
    with _gc_lock:
        _gc_holders += 1
        if _gc_holders == 1:
            _gc_was_enabled = gc.isenabled()
            _gc_last_run = time.monotonic()
            gc.disable()
    try:
        yield
    finally:
        collect = False
        with _gc_lock:
            _gc_holders -= 1
            if _gc_holders == 0:
                if _gc_was_enabled:
                    gc.enable()
            elif _gc_was_enabled and time.monotonic() - _gc_last_run > COLLECT_EVERY_S:
                _gc_last_run = time.monotonic()
                collect = True
        if collect:  # a busy server: batches always overlap, so collect now and then
            gc.collect()
