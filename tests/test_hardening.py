"""Odd inputs and thread counts: unaligned arrays, zero-size kernels,
results that do not depend on the number of threads, and no 32-bit size
arithmetic in the C core."""
import pathlib
import re

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st
from threadpoolctl import threadpool_limits

import corr2d
from corr2d.nn import Conv2D
from test_conv2d import winograd_error_bound

ROOT = pathlib.Path(__file__).resolve().parents[1]


def unaligned(a: np.ndarray) -> np.ndarray:
    """A C-contiguous copy of `a` at an odd byte offset (not aligned)."""
    buf = np.empty(a.nbytes + 1, np.uint8)
    out = np.frombuffer(buf[1:].data, dtype=a.dtype).reshape(a.shape)
    out[...] = a
    assert out.flags.c_contiguous and not out.flags.aligned
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unaligned_arrays_are_copied_not_refused(dtype):
    rng = np.random.default_rng(0)
    x = rng.random((2, 4, 9, 9)).astype(dtype)
    w = rng.random((6, 4, 3, 3)).astype(dtype)
    b = rng.random(6).astype(dtype)
    y = corr2d.conv2d(x, w, b, padding=1)
    gy = rng.random(y.shape).astype(dtype)
    np.testing.assert_array_equal(corr2d.conv2d(unaligned(x), unaligned(w), unaligned(b),
                                                padding=1), y)
    np.testing.assert_array_equal(corr2d.conv2d_input(x.shape, unaligned(w), unaligned(gy),
                                                      padding=1),
                                  corr2d.conv2d_input(x.shape, w, gy, padding=1))
    np.testing.assert_array_equal(corr2d.conv2d_weight(unaligned(x), w.shape, unaligned(gy),
                                                       padding=1),
                                  corr2d.conv2d_weight(x, w.shape, gy, padding=1))
    np.testing.assert_array_equal(corr2d.conv_transpose2d(unaligned(gy), unaligned(w)),
                                  corr2d.conv_transpose2d(gy, w))
    layer = Conv2D(4, 6, 3, padding=1, dtype=dtype, rng=0)
    np.testing.assert_array_equal(layer(unaligned(x)), layer(x))
    image, kernel = x[0, 0].copy(), w[0, 0].copy()
    np.testing.assert_array_equal(corr2d.correlate2d(unaligned(image), unaligned(kernel)),
                                  corr2d.correlate2d(image, kernel))
    np.testing.assert_allclose(corr2d.correlate2d(image, kernel),
                               scipy.signal.correlate2d(image, kernel), rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("method", ["direct", "fft", "separable", "auto"])
def test_unaligned_kernels_run_with_every_method(dtype, method):
    """An unaligned kernel (as a Dask worker can unpickle one) is copied for
    every method, correlation and convolution, and for ndimage's
    interpolating path (the FFT method and that path once refused it with
    an internal error)."""
    from corr2d import ndimage

    rng = np.random.default_rng(1)
    image = rng.standard_normal((40, 37)).astype(dtype)
    kernel = np.outer(rng.standard_normal(7), rng.standard_normal(6)).astype(dtype)
    for func in ("correlate2d", "convolve2d"):  # the copy changes no bit
        got = getattr(corr2d, func)(image, unaligned(kernel), "same", "symm", method=method)
        np.testing.assert_array_equal(
            got, getattr(corr2d, func)(image, kernel, "same", "symm", method=method))
        want = getattr(scipy.signal, func)(image.astype(np.float64), kernel.astype(np.float64),
                                          "same", "symm")
        scale = np.abs(image).max() * np.abs(kernel).sum()
        assert np.abs(got - want).max() <= 64 * np.finfo(dtype).eps * scale, func
    with_nan = image.copy()
    with_nan[5, 6] = np.nan
    for policy in ("propagate", "interpolate"):
        np.testing.assert_array_equal(
            ndimage.correlate(with_nan, unaligned(kernel), nan_policy=policy, method=method),
            ndimage.correlate(with_nan, kernel, nan_policy=policy, method=method))


@pytest.mark.parametrize("kernel", [(0, 3), (3, 0), (0, 0)])
def test_zero_size_kernel_dimensions_are_refused(kernel):
    x = np.ones((1, 2, 5, 5))
    w = np.ones((3, 2) + kernel)
    gy = np.ones((1, 3, 5, 5))
    with pytest.raises(ValueError, match=r"conv2d: weight has a zero-size kernel"):
        corr2d.conv2d(x, w)
    with pytest.raises(ValueError, match=r"conv2d_input: weight has a zero-size kernel"):
        corr2d.conv2d_input(x.shape, w, gy)
    with pytest.raises(ValueError, match=r"conv2d_weight: weight_size .* zero-size kernel"):
        corr2d.conv2d_weight(x, w.shape, gy)
    with pytest.raises(ValueError, match=r"conv_transpose2d: weight has a zero-size kernel"):
        corr2d.conv_transpose2d(np.ones((1, 3, 5, 5)), np.ones((3, 2) + kernel))


@settings(max_examples=40, deadline=None)
@given(h=st.integers(1, 300), w=st.integers(1, 300), kh=st.integers(1, 12),
       kw=st.integers(1, 12), dtype=st.sampled_from([np.float32, np.float64, np.complex64]),
       boundary=st.sampled_from(["fill", "wrap", "symm"]),
       mode=st.sampled_from(["full", "same"]), seed=st.integers(0, 2**16))
def test_correlate2d_is_bit_identical_across_thread_counts(h, w, kh, kw, dtype, boundary, mode,
                                                           seed):
    rng = np.random.default_rng(seed)
    image = rng.standard_normal((h, w)).astype(dtype)
    kernel = rng.standard_normal((kh, kw)).astype(dtype)
    one = corr2d.correlate2d(image, kernel, mode, boundary, threads=1)
    for threads in (2, 3, 7):
        np.testing.assert_array_equal(
            corr2d.correlate2d(image, kernel, mode, boundary, threads=threads), one)


@pytest.mark.parametrize("method", ["fft", "auto"])
@pytest.mark.parametrize("dtype, shape, kshape", [
    ("float32", (513, 511), (41, 41)),   # 576 x 128 tiles for 1 thread, 128^2 for 2, once
    ("float64", (300, 300), (101, 101)),
    ("complex64", (1201, 539), (12, 4)),  # 'auto' took fft on 1 thread, direct on 2, once
])
def test_fft_and_auto_are_bit_identical_across_thread_counts(method, dtype, shape, kshape):
    # The tile shape and the choice followed the call's thread count.
    rng = np.random.default_rng(4)
    image = rng.standard_normal(shape).astype(dtype)
    kernel = rng.standard_normal(kshape).astype(dtype)
    one = corr2d.correlate2d(image, kernel, "same", method=method, threads=1)
    for threads in (2, 3):
        np.testing.assert_array_equal(
            corr2d.correlate2d(image, kernel, "same", method=method, threads=threads), one)
    template = image.real[100:120, 200:225].astype(np.float64)
    x = image.real[:400, :380].astype(np.float64)
    np.testing.assert_array_equal(corr2d.match_template(x, template, threads=1),
                                  corr2d.match_template(x, template, threads=2))


def test_large_correlation_is_bit_identical_across_thread_counts():
    """Large enough that the threaded calls really run on several threads."""
    rng = np.random.default_rng(1)
    image = rng.standard_normal((1500, 1300)).astype(np.float32)
    kernel = rng.standard_normal((7, 9)).astype(np.float32)
    one = corr2d.correlate2d(image, kernel, "same", "symm", threads=1)
    for threads in (2, 4):
        np.testing.assert_array_equal(
            corr2d.correlate2d(image, kernel, "same", "symm", threads=threads), one)


def _conv_calls(rng):
    """name -> (call, its float64 twin (None for the loops), and for
    Winograd its per-output rounding bound (else None))."""
    x = rng.random((8, 32, 40, 40), dtype=np.float32)
    w3 = rng.random((32, 32, 3, 3), dtype=np.float32)
    w5 = rng.random((16, 32, 5, 5), dtype=np.float32)
    wd = rng.random((32, 1, 3, 3), dtype=np.float32)
    w1 = np.ascontiguousarray(w3[:, :, :1, :1])
    gy = rng.random((8, 16, 36, 36), dtype=np.float32)
    f64 = {id(a): a.astype(np.float64) for a in (x, w3, w5, w1, gy)}

    def both(fn, *arrays, **kw):
        return (lambda: fn(*arrays, **kw),
                lambda: fn(*(f64.get(id(a), a) for a in arrays), **kw))

    return {
        "winograd": both(corr2d.conv2d, x, w3, padding=1)
        + (winograd_error_bound(x, w3, 1, 1, 40, 40, 1, np.float32),),
        "im2col": both(corr2d.conv2d, x, w5) + (None,),
        "1x1": both(corr2d.conv2d, x, w1) + (None,),
        "conv2d_input": both(corr2d.conv2d_input, x.shape, w5, gy) + (None,),
        "conv_transpose2d": both(corr2d.conv_transpose2d, gy, w5) + (None,),
        "depthwise": (lambda: corr2d.conv2d(x, wd, groups=32), None, None),
    }


@pytest.mark.parametrize("limit", [{}, {"user_api": "openmp"}])
def test_conv_loops_are_bit_identical_across_thread_counts_and_blas_paths_within_bound(limit):
    """The depthwise loops give the same bits on any thread count. The
    paths through BLAS (im2col, 1x1, Winograd) may not: BLAS blocks its
    sums by its thread count and the matrix shapes, and the chunks follow
    the thread count (OMP_NUM_THREADS=1 against 2 differed by 1.5e-5 on a
    Winograd layer). Both counts stay within the sum's rounding bound,
    (K + 11) eps max|exact| (K terms a sum), and Winograd within its
    per-output bound (test_conv2d.winograd_error_bound)."""
    calls = _conv_calls(np.random.default_rng(2))
    threaded = {name: c[0]() for name, c in calls.items()}
    with threadpool_limits(1, **limit):
        for name, (call, call64, winograd_bound) in calls.items():
            serial = call()
            if call64 is None:
                np.testing.assert_array_equal(serial, threaded[name], err_msg=name)
                continue
            exact = call64()
            if winograd_bound is not None:
                bound = winograd_bound
            else:
                terms = {"im2col": 32 * 25, "1x1": 32, "conv2d_input": 16 * 25,
                         "conv_transpose2d": 16 * 25}[name]
                bound = (terms + 11) * np.finfo(np.float32).eps * np.abs(exact).max()
            for got in (serial, threaded[name]):
                assert (np.abs(got - exact) <= bound).all(), name


def test_conv2d_weight_differs_across_thread_counts_only_by_the_final_sum():
    """One partial sum per thread: the difference is bounded by
    threads * eps times the sum of the absolute values of the terms."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((8, 32, 40, 40), dtype=np.float32)
    gy = rng.standard_normal((8, 16, 36, 36), dtype=np.float32)
    threaded = corr2d.conv2d_weight(x, (16, 32, 5, 5), gy)
    with threadpool_limits(1):
        serial = corr2d.conv2d_weight(x, (16, 32, 5, 5), gy)
    magnitude = corr2d.conv2d_weight(np.abs(x).astype(np.float64), (16, 32, 5, 5),
                                     np.abs(gy).astype(np.float64))
    bound = 2 * corr2d._ccore.max_threads() * np.finfo(np.float32).eps * magnitude
    assert np.all(np.abs(threaded.astype(np.float64) - serial) <= bound)


def test_the_core_makes_no_32_bit_size_products():
    """Casting a product of sizes to int wraps past 2**31 (a depthwise batch
    of 16 x 2**27 channels once gave an unwritten output). The C core keeps
    sizes and indices in ptrdiff_t; no (int) cast of a product remains."""
    narrowing = re.compile(r"\(int\)\s*\([^;]*\*")
    sources = list((ROOT / "ccore" / "src").glob("*.c")) + list((ROOT / "ccore" / "src").glob("*.h"))
    assert sources
    offenders = [f"{p.name}: {line.strip()}" for p in sources
                 for line in p.read_text().splitlines() if narrowing.search(line)]
    assert not offenders, offenders


def test_ordered_sums_refuses_what_it_cannot_read_safely():
    """The binding of ndimage's sums checks every read against the block: a
    row stride of 0 divided by zero (SIGFPE), a huge offset wrapped the
    bounds check and read before the block, a byte-swapped block was read
    as native doubles."""
    from corr2d import _ccore

    def call(block, offsets, weights=None, out=None):
        offsets = np.asarray(offsets, np.intp)
        weights = np.ones(len(offsets)) if weights is None else weights
        return _ccore.ordered_sums(block, offsets, weights, np.empty((2, 3)) if out is None
                                   else out)

    block = np.arange(20.0).reshape(4, 5)
    np.testing.assert_array_equal(call(block, [0, 6], np.array([1.0, 2.0])),
                                  block[:2, :3] + 2 * block[1:3, 1:4])
    big = np.iinfo(np.intp).max
    bad = [
        (np.broadcast_to(np.arange(5.0), (3, 5)), [0, 1]),  # rows 0 apart
        (block, [big - big % 5]),                            # wraps past the end
        (block, [-1]), (block, [14]), (block, [3]),          # before, after, across rows
        (block.astype(">f8"), [0]),                          # byte-swapped
        (np.empty((4, 2)), [0]),                             # narrower than the output
    ]
    for args in bad:
        with pytest.raises(ValueError, match="internal error"):
            call(*args)
    with pytest.raises(ValueError, match="internal error"):
        call(block, [0], out=np.empty((2, 3), ">f8"))
