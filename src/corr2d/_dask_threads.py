"""How many OpenMP threads a Dask task's C core calls run on, decided where
the task runs (corr2d._dask's blocks, corr2d._dask_conv's chunks).

dask's threaded scheduler runs a task on every core, so a task runs on one
thread: more would oversubscribe the cores. A dask.distributed worker in a
process of its own takes the ``OMP_NUM_THREADS`` its nanny set there (1 by
default, from ``distributed.nanny.pre-spawn-environ``), so that a machine
with more cores than the cluster's worker threads can give each task more.
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from ._fork_safe import ForkSafeLock

#: OpenMP threads per task under dask's threaded scheduler, which runs a
#: task on every core: more would oversubscribe them.
THREADS_PER_TASK = 1


def task_threads() -> int:
    """OpenMP threads for a task's C core calls when the call does not say,
    decided in the task. On a dask.distributed worker started by a nanny,
    in a process of its own: the ``OMP_NUM_THREADS`` the nanny set there (1
    by default; raise it to about the machine's cores over all its workers'
    threads), at most the cores over this worker's threads (the cap knows
    nothing of the other workers on the machine). Anywhere else (the
    threaded scheduler, which runs a task on every core; workers in the
    client's process): `THREADS_PER_TASK`."""
    distributed = sys.modules.get("distributed")
    setting = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if distributed is None or not setting.isdigit() or int(setting) < 1:
        return THREADS_PER_TASK
    try:
        worker = distributed.get_worker()
    except ValueError:  # not in a worker's task
        return THREADS_PER_TASK
    if getattr(worker, "nanny", None) is None:  # shares the client's process
        return THREADS_PER_TASK
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(int(setting), (cores or 1) // max(1, worker.state.nthreads)))


_CONTROLLER_LOCK = ForkSafeLock()
_CONTROLLER: list = []


@contextmanager
def thread_limit() -> Iterator[None]:
    """The calling thread's OpenMP pool limited to `task_threads` while the
    block runs (threadpoolctl: the limit is the calling thread's own).
    Calls that name their threads keep them."""
    threads = task_threads()
    with _CONTROLLER_LOCK:
        if not _CONTROLLER:
            from threadpoolctl import ThreadpoolController

            # OpenMP's libraries only: the limiter's restore sets every
            # library it holds, and a BLAS set from here would undo
            # _blas.ONE_THREAD_BLAS's limit of another task's call.
            _CONTROLLER.append(ThreadpoolController().select(user_api="openmp"))
    with _CONTROLLER[0].limit(limits=threads):
        yield


def with_threads(func: Callable, *blocks: Any) -> Any:
    """`func` on the blocks under the task's `thread_limit`."""
    with thread_limit():
        return func(*blocks)
