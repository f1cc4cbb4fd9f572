"""A lock that a process forked while it was held does not inherit held.

A fork copies a lock in the state some other thread left it: held, for
ever, in the child, whose copy of that thread never runs. corr2d's caches
and limiters are module-level singletons a child goes on using (a
``multiprocessing`` pool with the fork start method), so their locks come
from here. A leaf module.
"""
from __future__ import annotations

import os
import threading


class ForkSafeLock:
    """A ``threading.Lock`` (``with lock:``) that a forked child gets anew."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._renew)

    def _renew(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> ForkSafeLock:
        self._lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()
