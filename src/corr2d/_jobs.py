"""Independent jobs over a per-call thread pool, stopped by Ctrl-C. A leaf module.

The jobs release the GIL in the C core or in ``scipy.fft``, so Python
threads run them in parallel. On an exception in the caller's thread
(``KeyboardInterrupt`` while it waits) or in a job, the jobs still queued
return at once instead of running.
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

    def guarded(job: Job) -> None:
        if not stop.is_set():
            run(job)

    with ThreadPoolExecutor(min(threads, len(jobs))) as pool:
        futures = [pool.submit(guarded, job) for job in jobs]
        try:
            for future in futures:
                future.result()
        except BaseException:  # Ctrl-C included: the queued jobs return at once
            stop.set()
            raise
