"""out=, threads, concurrent calls from Python threads, and fork safety."""
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.signal

import corr2d


def test_out_is_written_and_returned():
    rng = np.random.default_rng(0)
    x = rng.integers(-5, 5, (50, 60)).astype(np.float32)
    k = rng.integers(-5, 5, (3, 5)).astype(np.float32)
    for mode in ("full", "same", "valid"):
        expected = scipy.signal.correlate2d(x, k, mode)
        out = np.full(expected.shape, np.nan, np.float32)
        result = corr2d.correlate2d(x, k, mode, out=out)
        assert result is out
        np.testing.assert_array_equal(out, expected)


def test_out_with_awkward_layouts_and_aliasing():
    rng = np.random.default_rng(1)
    x = rng.integers(-5, 5, (20, 20)).astype(np.float64)
    k = rng.integers(-5, 5, (3, 3)).astype(np.float64)
    expected = scipy.signal.correlate2d(x, k, "same")
    for out in (np.empty((40, 40))[::2, ::2], np.empty((20, 20), ">f8"), np.asfortranarray(np.empty((20, 20)))):
        corr2d.correlate2d(x, k, "same", out=out)
        np.testing.assert_array_equal(out, expected)
    # out aliasing the input: the input must be read before it is overwritten.
    y = x.copy()
    corr2d.correlate2d(y, k, "same", out=y)
    np.testing.assert_array_equal(y, expected)


def test_out_for_swapped_valid_correlation():
    a = np.arange(6.0).reshape(2, 3)
    b = np.arange(20.0).reshape(4, 5)
    expected = scipy.signal.correlate2d(a, b, "valid")
    out = np.empty(expected.shape)
    corr2d.correlate2d(a, b, "valid", out=out)
    np.testing.assert_array_equal(out, expected)


def test_out_signed_integer():
    x = np.arange(-20, 20, dtype=np.int16).reshape(5, 8)
    out = np.empty((6, 9), np.int16)
    corr2d.correlate2d(x, np.array([[300, -7], [2, 1]], np.int16), out=out)
    np.testing.assert_array_equal(out, scipy.signal.correlate2d(x, np.array([[300, -7], [2, 1]], np.int16)))


@pytest.mark.parametrize("threads", [1, 2, 3, 8])
def test_thread_counts_agree(threads):
    rng = np.random.default_rng(2)
    x = rng.integers(-5, 5, (300, 257)).astype(np.float32)
    k = rng.integers(-5, 5, (7, 7)).astype(np.float32)
    np.testing.assert_array_equal(
        corr2d.correlate2d(x, k, "same", "symm", threads=threads), scipy.signal.correlate2d(x, k, "same", "symm")
    )


def test_threadpoolctl_limits_are_respected():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from corr2d import _ccore

    if not _ccore.openmp_enabled():
        pytest.skip("built without OpenMP")
    with threadpoolctl.threadpool_limits(limits=1, user_api="openmp"):
        assert _ccore.max_threads() == 1
        x = np.ones((100, 100))
        np.testing.assert_array_equal(corr2d.correlate2d(x, x[:3, :3], "same"), scipy.signal.correlate2d(x, x[:3, :3], "same"))


def test_concurrent_calls_from_python_threads():
    rng = np.random.default_rng(3)
    cases = []
    for i in range(16):
        x = rng.integers(-5, 5, (200 + i, 150)).astype(np.float64)
        k = rng.integers(-5, 5, (1 + i % 5, 2 + i % 4)).astype(np.float64)
        cases.append((x, k, scipy.signal.correlate2d(x, k, "same", "wrap")))
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda c: corr2d.correlate2d(c[0], c[1], "same", "wrap", threads=2), cases * 3))
    for (x, k, expected), got in zip(cases * 3, results):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_fork_after_threaded_call_does_not_hang():
    """GNU OpenMP can hang in a forked child that uses threads the parent
    had started; run the check in a subprocess with a timeout so a hang
    fails the test instead of the suite."""
    script = textwrap.dedent(
        """
        import os, sys, warnings
        import numpy as np
        import corr2d
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads
        x = np.random.default_rng(0).random((512, 512))
        k = np.ones((5, 5))
        expected = corr2d.correlate2d(x, k, "same", threads=2)
        pid = os.fork()
        if pid == 0:
            ok = np.allclose(corr2d.correlate2d(x, k, "same"), expected)
            ok &= np.allclose(corr2d.correlate2d(x, k, "same", threads=2), expected)
            os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        sys.exit(os.waitstatus_to_exitcode(status))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], timeout=60, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("seed", range(5))
def test_may_share_memory_agrees_with_numpy(seed):
    """The core's byte-range overlap check (used to decide whether `out`
    can be written in place) says what np.may_share_memory says."""
    from corr2d import _ccore

    rng = np.random.default_rng(seed)
    base = np.zeros((20, 30))
    other = np.zeros((5, 5))

    def random_view():
        r0, r1 = sorted(rng.integers(0, 21, 2))
        c0, c1 = sorted(rng.integers(0, 31, 2))
        view = base[r0:r1 + 1, c0:c1 + 1][:: rng.choice([1, 2, -1]), :: rng.choice([1, 3, -1])]
        return view.T if rng.random() < 0.3 else view

    for _ in range(300):
        a, b = random_view(), random_view()
        assert _ccore.may_share_memory(a, b) == np.may_share_memory(a, b), (a.shape, b.shape)
        assert not _ccore.may_share_memory(a, other)
