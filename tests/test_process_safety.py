"""Trust under fork and Ctrl-C: every public function works in a child
forked after any threaded call, and a long call answers SIGINT with
KeyboardInterrupt within half a second, leaving the process healthy."""
import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from process_support.calls import long_calls, small_calls

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
fork_only = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _run_module(module: str, *args: str, **popen) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=TESTS_DIR + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="2")
    return subprocess.Popen([sys.executable, "-m", f"process_support.{module}", *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **popen)


@fork_only
@pytest.mark.parametrize("parent", sorted(small_calls()))
def test_every_call_works_in_a_child_forked_after(parent):
    """The fork matrix: `parent` runs threaded, then each public call runs in
    a forked child (the children of a hanging OpenMP pool would block)."""
    proc = _run_module("fork_child", parent)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    results = dict(line.split() for line in out.splitlines())
    assert set(results) == set(small_calls()), out + err
    assert all(v == "ok" for v in results.values()), results


def _conv_in_child(seed):
    import corr2d

    rng = np.random.default_rng(seed)
    x = rng.random((4, 16, 64, 64), dtype=np.float32)
    w = rng.random((8, 16, 3, 3), dtype=np.float32)
    return float(corr2d.conv2d(x, w).sum())


@fork_only
def test_fork_pool_maps_conv2d_after_a_threaded_call():
    calls = small_calls()
    calls["conv2d_winograd"]()
    calls["conv2d"]()
    context = multiprocessing.get_context("fork")
    with context.Pool(2) as pool:
        result = pool.map_async(_conv_in_child, range(4))
        sums = result.get(timeout=120)
    assert sums == [_conv_in_child(s) for s in range(4)]


@fork_only
def test_a_child_forked_while_the_caches_were_locked_runs():
    """The kernel caches' locks (factorisations, FFT spectra), the BLAS
    limiter's and the Dask tasks' thread limiter's are held briefly by
    whichever thread uses them; a fork at that moment must not leave the
    child's locked: the child computes a separable and an FFT correlation
    and runs a function under the Dask tasks' limit. Here the parent holds
    every lock while it forks."""
    import corr2d
    from corr2d import _blas, _cpu_fft, _dask_threads, _methods

    rng = np.random.default_rng(0)
    image = rng.random((300, 300))
    g = np.exp(-np.linspace(-3, 3, 41) ** 2)
    separable, plain = np.outer(g, g), rng.random((41, 41))
    locks = (_methods._FACTORS_LOCK, _cpu_fft.SPECTRA._lock, _blas.ONE_THREAD_BLAS._lock,
             _dask_threads._CONTROLLER_LOCK)
    with contextlib.ExitStack() as held:
        for lock in locks:
            held.enter_context(lock)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                corr2d.correlate2d(image, separable, "same", method="separable")
                corr2d.correlate2d(image, plain, "same", method="fft")
                code = 0 if _dask_threads.with_threads(lambda: 7) == 7 else 1
            finally:
                os._exit(code)
    deadline = time.monotonic() + 60
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the child hung on a cache's lock")
        time.sleep(0.01)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
@pytest.mark.parametrize("name", sorted(long_calls()))
def test_sigint_interrupts_a_long_call_within_half_a_second(name):
    proc = _run_module("interrupted", name)
    ready = proc.stdout.readline().split()
    assert ready and ready[0] == "ready", proc.stderr.read()
    # Long enough for the call to be inside the C core's loops, short next to
    # the call itself (about a second or more, on a fast host too: the
    # match_template call of 0.5 s once finished before a 0.5 s wait ended).
    time.sleep(0.2)
    sent = time.time()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    lines = dict(line.split() for line in out.splitlines())
    assert "interrupted" in lines, f"the call was not interrupted: {out} {err}"
    latency = float(lines["interrupted"]) - sent
    assert latency < 0.5, f"KeyboardInterrupt {latency:.3f} s after SIGINT"
    assert lines.get("threads") == "ok", f"threads left in a false state: {out}"
    assert proc.returncode == 3, err  # 3: interrupted, then a correct second call
