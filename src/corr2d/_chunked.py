"""Element-wise NumPy work in cache-sized chunks, spread over the threads.

A chain of NumPy operations on whole images reads and writes each image
from memory once per operation; run on chunks of a few hundred KiB it
stays in cache, and NumPy's ufuncs release the GIL, so the chunks also run
in parallel. Used by the NaN-aware correlation (corr2d._normalized).
"""
from __future__ import annotations

from typing import Any, Callable

from . import _ccore
from ._arrays import any_cupy_array
from ._jobs import run_jobs

#: Elements per chunk: four float64 arrays of it fit a core's L2 cache.
CHUNK = 1 << 15


def map_chunks(func: Callable[..., Any], arrays: tuple, threads: int = 0) -> list:
    """``func(*chunks)`` over aligned flat chunks of `arrays` (all of one
    shape), on up to `threads` threads (0: OpenMP's default, by the core's
    thread policy); returns the results in chunk order. Arrays that are
    not all C-contiguous NumPy arrays (CuPy's, strided views) are passed
    whole, in one call."""
    if any_cupy_array(*arrays) or not all(a.flags.c_contiguous for a in arrays):
        return [func(*arrays)]
    flat = [a.reshape(-1) for a in arrays]
    n = flat[0].size
    chunks = -(-n // CHUNK)
    results: list = [None] * chunks
    threads = min(_ccore.plan_threads(threads, 4.0 * n), chunks)

    def run(part: int) -> None:
        # One contiguous run of chunks a thread: a job per chunk would cost
        # more in the pool's bookkeeping than the chunk's work.
        for index in range(part * chunks // threads, (part + 1) * chunks // threads):
            lo = index * CHUNK
            results[index] = func(*(a[lo:lo + CHUNK] for a in flat))

    run_jobs(run, range(threads), threads)
    return results
