"""corr2d holds BLAS at one thread while its own threads work, from any
Python thread, and gives every limit back: BLAS's when the last call ends,
and never touches a thread's OpenMP count (corr2d._blas)."""
import contextlib
import os
import threading

import numpy as np
import pytest
import threadpoolctl

import corr2d
from corr2d import _ccore
from corr2d._blas import ONE_THREAD_BLAS


def _blas_threads():
    return sorted({i["num_threads"] for i in threadpoolctl.threadpool_info()
                   if i["user_api"] == "blas"})


@pytest.fixture
def blas_at_two():
    corr2d.conv2d(np.ones((1, 2, 4, 4)), np.ones((2, 2, 1, 1)))  # loads SciPy's BLAS
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        if _blas_threads() != [2]:
            pytest.skip(f"BLAS cannot run 2 threads here: {_blas_threads()}")
        yield


def _in_thread(func):
    result = []
    thread = threading.Thread(target=lambda: result.append(func()))
    thread.start()
    thread.join()
    return result[0]


def test_the_limit_holds_in_every_thread(blas_at_two):
    def inside():
        with ONE_THREAD_BLAS:
            return _blas_threads()

    assert inside() == [1]
    # threadpoolctl 3.8 takes a process-wide OpenBLAS's limits from the first
    # thread that set one only: a worker's limit was silently dropped.
    assert _in_thread(inside) == [1]
    assert _blas_threads() == [2]


@contextlib.contextmanager
def _a_call_in_another_thread():
    """A corr2d call (the limiter held) running in another thread for the
    block's duration; yields the list that gets the BLAS threads that call
    saw as it ended."""
    entered, release, seen = threading.Event(), threading.Event(), []

    def hold():
        with ONE_THREAD_BLAS:
            entered.set()
            release.wait(10)
            seen.append(_blas_threads())

    thread = threading.Thread(target=hold)
    thread.start()
    entered.wait(10)
    try:
        yield seen
    finally:
        release.set()
        thread.join()


def test_overlapping_calls_in_two_threads_restore_blas(blas_at_two):
    with contextlib.ExitStack() as worker:
        with ONE_THREAD_BLAS:  # the main thread enters first and leaves first
            seen = worker.enter_context(_a_call_in_another_thread())
        assert _blas_threads() == [1]  # the worker's call still runs
    assert seen == [[1]]
    assert _blas_threads() == [2]  # was left at 1: the last call ended in a worker


def test_a_thread_s_openmp_count_is_left_alone():
    """The limiter's restore set every library, OpenMP's per-thread count
    included, to what the first thread to enter had: a thread running under
    ``threadpool_limits(1, 'openmp')`` lost its limit, or gave it to another."""
    before = _ccore.max_threads()
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def b():
        with threadpoolctl.threadpool_limits(1, user_api="openmp"):
            a_in.wait(10)
            with ONE_THREAD_BLAS:
                b_in.set()
                a_out.wait(10)
            seen["b"] = _ccore.max_threads()

    thread = threading.Thread(target=b)
    with ONE_THREAD_BLAS:  # enters first (records its count), leaves first
        thread.start()
        a_in.set()
        b_in.wait(10)
    a_out.set()
    thread.join()
    assert seen["b"] == 1
    assert _ccore.max_threads() == before


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_call_that_spans_a_fork_ends_in_the_child_too(blas_at_two):
    pid, left = None, False
    try:
        with ONE_THREAD_BLAS:
            pid = os.fork()
        left = True
    finally:
        if pid == 0:  # the child: its copy of the call has just ended
            os._exit(0 if left and _blas_threads() == [2] else 2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert _blas_threads() == [2]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_child_forked_during_another_thread_s_call_gets_blas_back(blas_at_two):
    with _a_call_in_another_thread():
        assert _blas_threads() == [1]
        pid = os.fork()
        if pid == 0:  # that call never ends here: BLAS is given back at once
            code = 2
            try:
                code = 0 if _blas_threads() == [2] else 3
                corr2d.conv2d(np.ones((4, 8, 40, 40)), np.ones((8, 8, 3, 3)))
                with ONE_THREAD_BLAS:
                    pass
                code = code or (0 if _blas_threads() == [2] else 4)
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    assert _blas_threads() == [2]
