"""Independent jobs over a per-call thread pool, stopped by Ctrl-C. A leaf module.

The jobs release the GIL in the C core or in ``scipy.fft``, so Python
threads run them in parallel. Each worker takes the next job from one
shared queue, so nothing is queued per job: on an exception in the
caller's thread (``KeyboardInterrupt`` while it waits) or in a job, the
workers stop after the job each is running, however many jobs remain.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, TypeVar

Job = TypeVar("Job")


def run_jobs(run: Callable[[Job], None], jobs: Iterable[Job], threads: int) -> None:
    """``run(job)`` for every job, on `threads` threads (in order, here, for one)."""
    jobs = list(jobs)
    if threads <= 1 or len(jobs) <= 1:
        for job in jobs:
            run(job)
        return
    stop = threading.Event()
    take = threading.Lock()
    pending = iter(jobs)

    def worker() -> None:
        while not stop.is_set():
            with take:
                job = next(pending, _DONE)
            if job is _DONE:
                return
            try:
                run(job)
            except BaseException:
                stop.set()
                raise

    with ThreadPoolExecutor(min(threads, len(jobs))) as pool:
        workers = [pool.submit(worker) for _ in range(min(threads, len(jobs)))]
        try:
            for future in workers:
                future.result()
        except BaseException:  # Ctrl-C included: each worker ends after its job
            stop.set()
            raise


_DONE = object()
