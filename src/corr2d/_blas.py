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
    threads, in whichever Python threads the calls run; restores it when
    the last such call ends (thread-safe).

    threadpoolctl's limiter does not do this by itself: its restore sets
    every library it knows, OpenMP's per-thread count included (the count
    recorded in one thread was set in another), and a process-wide OpenBLAS
    (pthreads) takes limits from one "controlling" Python thread only,
    silently ignoring the rest. So only the BLAS libraries are touched
    (``select(user_api="blas")``), each set directly:
    - a process-wide pool (OpenBLAS on pthreads, MKL, BLIS): set to 1 when
      the first call enters, restored when the last one leaves, whichever
      threads those are (the controlling thread cleared around each set);
    - a per-thread pool (OpenBLAS on OpenMP): set in the calling thread
      and restored by the same thread as it leaves.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._shared: list | None = None   # process-wide BLAS controllers
        self._per_thread: list = []        # per-thread (OpenMP) ones
        self._shared_original: list = []  # their limits before the first call
        self._local = threading.local()    # per thread: stack of saved limits
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._after_fork_in_child)

    def _after_fork_in_child(self) -> None:
        # A fork while another thread held the lock would leave the child's
        # held for ever. The calls of the other threads never end in the
        # child; the forking thread's own do (their `with` blocks run on),
        # so they alone stay counted, and the last to end restores BLAS.
        # Forked during other threads' calls only, the child's BLAS is at 1
        # and no call of the child would give it back (a forked child runs
        # corr2d on one thread, so never limits BLAS again): restored here.
        own = len(self._stack())
        forked_in_others_call = own == 0 and self._count > 0
        self._lock = threading.Lock()
        self._count = own
        if forked_in_others_call:
            for lib, n in zip(self._shared, self._shared_original):
                _set_process_wide(lib, n)

    def _controllers(self) -> None:
        if self._shared is not None:
            return
        # A run-time dependency, imported on first use: building the
        # controller inspects every loaded library, so SciPy's BLAS (which
        # the C core binds lazily, on its first matrix product) is loaded first.
        import importlib

        from threadpoolctl import ThreadpoolController

        importlib.import_module("scipy.linalg.cython_blas")
        blas = ThreadpoolController().select(user_api="blas").lib_controllers
        self._per_thread = [lib for lib in blas if _per_thread_pool(lib)]
        self._shared = [lib for lib in blas if not _per_thread_pool(lib)]

    def __enter__(self) -> None:
        with self._lock:
            self._controllers()
            if self._count == 0:
                self._shared_original = [lib.num_threads for lib in self._shared]
                for lib in self._shared:
                    _set_process_wide(lib, 1)
            self._count += 1
        saved = [(lib, lib.num_threads) for lib in self._per_thread]
        for lib, _ in saved:
            lib.set_num_threads(1)
        self._stack().append(saved)

    def __exit__(self, *exc: Any) -> None:
        for lib, n in self._stack().pop():
            lib.set_num_threads(n)
        with self._lock:
            self._count -= 1
            if self._count == 0:
                for lib, n in zip(self._shared, self._shared_original):
                    _set_process_wide(lib, n)

    def libraries(self) -> list:
        """threadpoolctl's handles of the BLAS libraries it limits (none
        before the first call)."""
        return list(self._shared or []) + list(self._per_thread)

    def _stack(self) -> list:
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack


def _per_thread_pool(lib: Any) -> bool:
    """OpenBLAS built on OpenMP keeps a pool, and a limit, per thread."""
    return lib.internal_api == "openblas" and getattr(lib, "threading_layer", "") == "openmp"


def _set_process_wide(lib: Any, n: int) -> None:
    """Set a process-wide pool's limit from this thread. threadpoolctl (3.8+)
    lets one "controlling" Python thread set OpenBLAS and ignores the rest;
    the control is cleared before the set and after it, so that neither
    corr2d's threads nor the user's are locked out."""
    clear = getattr(type(lib), "clear_controlling_thread", None)
    if clear is not None:
        clear(force=True)
    lib.set_num_threads(n)
    if clear is not None:
        clear(force=True)


#: The one limiter of the process (its controller is built once).
ONE_THREAD_BLAS = OneThreadBlas()
