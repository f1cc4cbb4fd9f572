"""Holding BLAS at one thread while corr2d's own threads work. A leaf module.

BLAS's thread pool and OpenMP's, taking turns on the same cores, each spin
while the other works (measured up to 5x slower); threadpoolctl, a run-time
dependency, sets the limit for the duration of a call.
"""
from __future__ import annotations

import os
import threading
from typing import Any


class OneThreadBlas:
    """Limits BLAS to one thread while any call runs images on OpenMP
    threads; restores it when the last such call ends (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._controller = None
        self._limiter = None
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._after_fork_in_child)

    def _after_fork_in_child(self) -> None:
        # A fork while another thread held the lock would leave the child's
        # held for ever, and that thread's call (counted) never ends there.
        self._lock = threading.Lock()
        self._count = 0

    def __enter__(self) -> None:
        with self._lock:
            if self._count == 0:
                if self._controller is None:
                    # A run-time dependency, imported on first use: building
                    # the controller inspects every loaded library, so
                    # SciPy's BLAS (which the C core binds lazily, on its
                    # first matrix product) is loaded first.
                    import importlib

                    from threadpoolctl import ThreadpoolController

                    importlib.import_module("scipy.linalg.cython_blas")

                    self._controller = ThreadpoolController()
                self._limiter = self._controller.limit(limits=1, user_api="blas")
            self._count += 1

    def __exit__(self, *exc: Any) -> None:
        with self._lock:
            self._count -= 1
            if self._count == 0:
                self._limiter.restore_original_limits()
                self._limiter = None


#: The one limiter of the process (its controller is built once).
ONE_THREAD_BLAS = OneThreadBlas()
