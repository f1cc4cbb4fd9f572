"""Dask arrays in, lazy Dask arrays out, equal to the NumPy path: on a real
dask.distributed LocalCluster (2 worker processes, one thread each)."""
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import corr2d
from corr2d import filters, ndimage

da = pytest.importorskip("dask.array", reason="Dask is an optional extra: pip install '.[dask]'")
distributed = pytest.importorskip("distributed", reason="pip install '.[dask]'")

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def client():
    """A LocalCluster of two single-threaded worker processes, the default
    scheduler while this module runs."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, memory_limit="2GiB")
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _chunks(draw, n):
    """A random chunking of an axis of length n into at most about five
    chunks (chunks of 1 included, and chunks smaller than the kernel)."""
    sizes, left = [], n
    while left:
        size = draw(st.integers(min(left, max(1, n // 5)), left))
        sizes.append(size)
        left -= size
    return tuple(sizes)


DTYPES = [np.float32, np.float64, np.complex128, np.int32, np.uint8]


def _random(rng, shape, dtype):
    if np.dtype(dtype).kind in "iu":
        return rng.integers(0, 9, shape).astype(dtype)
    a = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.standard_normal(shape)
    return a.astype(dtype)


def _bound(x, k, fill, dtype):
    """The in-memory path and the blocks may round differently (other row
    widths, other FFT tiles): twice the larger of the direct and the FFT
    methods' bounds (see correlate2d's Notes)."""
    eps = np.finfo(dtype).eps
    scale = max(np.abs(x).max(), abs(fill)) * np.abs(k).sum()
    taps = k.shape[0] * k.shape[1]
    transform = (x.shape[0] + 2 * k.shape[0]) * (x.shape[1] + 2 * k.shape[1])
    return 2 * eps * max(taps, 2 * math.log2(transform)) * scale


@SETTINGS
@given(data=st.data())
def test_correlate2d_and_convolve2d_match_the_numpy_path(client, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    h, w = data.draw(st.integers(1, 40)), data.draw(st.integers(1, 40))
    kh, kw = data.draw(st.integers(1, 12)), data.draw(st.integers(1, 12))
    dtype = data.draw(st.sampled_from(DTYPES))
    mode = data.draw(st.sampled_from(["full", "same", "valid"]))
    boundary = data.draw(st.sampled_from(["fill", "wrap", "symm"]))
    func = data.draw(st.sampled_from([corr2d.correlate2d, corr2d.convolve2d]))
    x, k = _random(rng, (h, w), dtype), _random(rng, (kh, kw), dtype)
    if mode == "valid" and not (h >= kh and w >= kw):
        kh, kw = min(kh, h), min(kw, w)
        k = k[:kh, :kw]
    fill = 3 if dtype is not np.uint8 else 7
    lazy = da.from_array(x, chunks=(_chunks(data.draw, h), _chunks(data.draw, w)))
    result = func(lazy, k, mode, boundary, fill)
    assert isinstance(result, da.Array)
    expected = func(x, k, mode, boundary, fill)
    assert result.shape == expected.shape and result.dtype == expected.dtype
    got = result.compute()
    if np.dtype(dtype).kind in "iu":
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got, expected, rtol=0, atol=_bound(x, k, fill, dtype))


def test_valid_mode_swap_with_a_dask_image_smaller_than_the_kernel(client):
    rng = np.random.default_rng(1)
    x, k = rng.standard_normal((3, 4)), rng.standard_normal((6, 7))
    result = corr2d.correlate2d(da.from_array(x, chunks=2), k, "valid")
    np.testing.assert_allclose(result.compute(), corr2d.correlate2d(x, k, "valid"), atol=1e-12)


def test_same_mode_keeps_the_input_chunks_and_float32(client):
    x = da.ones((64, 48), chunks=(16, 24), dtype=np.float32)
    result = corr2d.correlate2d(x, np.ones((3, 3), np.float32), "same")
    assert result.chunks == x.chunks and result.dtype == np.float32


ND_MODES = ["reflect", "constant", "nearest", "mirror", "wrap", "grid-wrap"]


@SETTINGS
@given(data=st.data())
def test_ndimage_matches_the_numpy_path(client, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    h, w = data.draw(st.integers(1, 30)), data.draw(st.integers(1, 30))
    kh, kw = data.draw(st.integers(1, 9)), data.draw(st.integers(1, 9))
    origin = (data.draw(st.integers(-(kh // 2), (kh - 1) // 2)),
              data.draw(st.integers(-(kw // 2), (kw - 1) // 2)))
    mode = data.draw(st.sampled_from(ND_MODES))
    func = data.draw(st.sampled_from([ndimage.correlate, ndimage.convolve]))
    dtype = data.draw(st.sampled_from([np.float32, np.float64, np.int16]))
    x, weights = _random(rng, (h, w), dtype), rng.standard_normal((kh, kw))
    lazy = da.from_array(x, chunks=(_chunks(data.draw, h), _chunks(data.draw, w)))
    result = func(lazy, weights, mode=mode, cval=1.5, origin=origin)
    expected = func(x, weights, mode=mode, cval=1.5, origin=origin)
    assert isinstance(result, da.Array) and result.dtype == expected.dtype
    got = result.compute()
    if np.dtype(dtype).kind in "iu":  # truncated casts: equal up to one near a cut
        assert np.abs(got.astype(np.int64) - expected).max() <= 1
    else:
        np.testing.assert_allclose(got, expected, rtol=0,
                                   atol=_bound(x, weights.astype(dtype), 1.5, dtype))


@pytest.mark.parametrize("mode", ["reflect", "constant", "nearest", "mirror", "wrap"])
@pytest.mark.parametrize("name", ["sobel", "prewitt", "scharr", "laplace", "difference",
                                  "edges", "gaussian"])
def test_filters_match_the_numpy_path(client, name, mode):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((45, 38)).astype(np.float32)
    lazy = da.from_array(x, chunks=(6, 11))  # chunks thinner than the Gaussian's halo (8)
    args = (2.0,) if name == "gaussian" else ()
    f = getattr(filters, name)
    expected = f(x, *args, mode=mode, cval=2.0)
    result = f(lazy, *args, mode=mode, cval=2.0)
    assert isinstance(result, da.Array) and result.dtype == np.float32
    np.testing.assert_allclose(result.compute(), expected, rtol=0, atol=1e-5)


def _ghost_block_functions(result) -> set:
    """The functions a lazy result's ghosted blocks run (each block task's
    partial's own function)."""
    from corr2d._dask_ghost import _Block, _FramedBlock

    tasks = (task[0] if isinstance(task, tuple) else getattr(task, "func", None)
             for task in dict(result.dask).values())
    return {task.func.func for task in tasks if isinstance(task, (_Block, _FramedBlock))}


def test_plain_correlations_run_as_correlate2d_blocks(client):
    """ndimage's correlations and the filters that are one plain correlation
    (a 2-D image or a stack, no mask, nan_policy='propagate') run
    correlate2d's blocks, 'valid' correlations of their regions, so a framed
    block's thin regions give only its frame; the others run on each block's
    region. Integer and bool images are cast as in memory."""
    from corr2d import _dask, _dask_threads

    rng = np.random.default_rng(4)
    lazy = da.from_array(rng.standard_normal((40, 36)), chunks=(12, 10))
    stack = da.from_array(rng.standard_normal((2, 40, 36)), chunks=(1, 12, 10))
    weights = rng.standard_normal((5, 4))
    for result in (filters.gaussian(lazy, 2.0), filters.gaussian(stack, 2.0, axes=(1, 2)),
                   ndimage.correlate(lazy, weights, mode="mirror", origin=(1, -1)),
                   ndimage.convolve(lazy, weights, output=np.float32),
                   ndimage.correlate(stack, weights, axes=(1, 2))):
        assert _ghost_block_functions(result) == {_dask._correlate_planes}
    for result in (filters.sobel(lazy, mode="constant", cval=1.0),  # two 1-D passes in memory
                   # the derivative filters' own passes (exact zeros, in any axis order)
                   filters.sobel(lazy, mode="wrap"),
                   # the stencil, or ndimage's 1-D passes where an output is not finite
                   filters.laplace(lazy, mode="constant", cval=0.5),
                   filters.gaussian(lazy, 2.0, nan_policy="interpolate"),
                   ndimage.correlate(lazy, weights, nan_policy="interpolate")):
        assert _ghost_block_functions(result) == {_dask_threads.with_threads}
    # Computed in float64, cast to the output's dtype as in memory.
    got = ndimage.convolve(lazy, weights, output=np.float32, mode="wrap")
    expected = ndimage.convolve(lazy.compute(), weights, output=np.float32, mode="wrap")
    assert got.dtype == expected.dtype == np.float32
    np.testing.assert_allclose(got.compute(), expected, rtol=1e-6, atol=1e-6)
    for x in (rng.integers(-50, 50, (40, 36)).astype(np.int16), rng.random((40, 36)) < 0.3):
        for name, args in (("gaussian", (1.5,)), ("prewitt", ())):
            expected = getattr(filters, name)(x, *args, mode="mirror")
            got = getattr(filters, name)(da.from_array(x, chunks=(12, 10)), *args, mode="mirror")
            assert got.dtype == expected.dtype == np.float64
            np.testing.assert_allclose(got.compute(), expected, rtol=0, atol=1e-12)


@SETTINGS
@given(layout=st.sampled_from([((3, 17, 15), {"axes": (1, 2)}, (2, 7, 6)),
                               ((17, 15, 3), {"axes": (0, 1)}, (5, 8, 2)),
                               ((17, 15, 3), {"axes": (1, 0)}, (9, 4, 3)),
                               ((2, 17, 15, 2), {"axes": (-1, -2)}, (1, 6, 15, 1))]),
       mode=st.sampled_from(["reflect", "mirror", "nearest", "wrap", "constant"]),
       dtype=st.sampled_from([np.float64, np.float32, np.int16]),
       convolve=st.booleans(), origin=st.sampled_from([0, (1, -1)]))
def test_plain_correlations_of_stacks_match_the_numpy_path(client, layout, mode, dtype, convolve,
                                                           origin):
    """A stack or a colour image, its image axes in either order, runs as
    correlate2d's blocks plane by plane and equals the in-memory call."""
    shape, axes, chunks = layout
    rng = np.random.default_rng(5)
    x = (rng.standard_normal(shape) * 20).astype(dtype)
    weights = rng.standard_normal((5, 4))
    call = ndimage.convolve if convolve else ndimage.correlate
    options = dict(mode=mode, cval=1.5, origin=origin, **axes)
    expected = call(x, weights, **options)
    got = call(da.from_array(x, chunks=chunks), weights, **options)
    assert got.dtype == expected.dtype
    # The blocks may sum in another order: taps x eps x sum |x||w| apart
    # at most (integer outputs: exactly equal).
    eps = np.finfo(expected.dtype if expected.dtype.kind == "f" else np.float64).eps
    scale = call(np.abs(x).astype(np.float64), np.abs(weights), **options).max()
    np.testing.assert_allclose(got.compute(), expected, rtol=0, atol=weights.size * eps * scale)


def test_filters_on_stacks_match_the_numpy_path(client):
    """The filters on a colour image (channel_axis) and a stack (axes)
    equal the in-memory call; the plain one (the Gaussian) runs
    correlate2d's blocks."""
    from corr2d import _dask

    rng = np.random.default_rng(6)
    colour = rng.standard_normal((30, 26, 3)).astype(np.float32)
    stack = rng.integers(0, 255, (3, 30, 26)).astype(np.uint8)
    for x, chunks, options in ((colour, (11, 9, 2), {"channel_axis": -1}),
                               (stack, (2, 13, 26), {"axes": (2, 1)})):
        for name, args in (("gaussian", (2.0,)), ("sobel", ()), ("laplace", ())):
            expected = getattr(filters, name)(x, *args, mode="reflect", **options)
            lazy = getattr(filters, name)(da.from_array(x, chunks=chunks), *args, mode="reflect",
                                          **options)
            if name == "gaussian":
                assert _ghost_block_functions(lazy) == {_dask._correlate_planes}
            assert lazy.dtype == expected.dtype
            tolerance = 1e-5 if expected.dtype == np.float32 else 1e-10
            np.testing.assert_allclose(lazy.compute(), expected, rtol=tolerance, atol=tolerance)


def test_laplace_infinities_reach_what_they_reach_in_memory(client):
    x = np.random.default_rng(8).standard_normal((30, 26))
    x[11, 9], x[20, 3] = np.inf, np.nan  # 11, 9: a corner of a 12 x 10 chunk's halo
    expected = filters.laplace(x, mode="wrap")
    got = filters.laplace(da.from_array(x, chunks=(12, 10)), mode="wrap").compute()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got[~np.isnan(got)], expected[~np.isnan(got)], rtol=1e-12,
                               atol=1e-12)


def test_filters_on_a_colour_stack_with_missing_samples(client):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 24, 20, 3))
    x[0, 5:9, 4:7, 1] = np.nan
    mask = rng.random(x.shape) < 0.05
    lazy = da.from_array(x, chunks=(1, 9, 11, 2))
    for kwargs in ({"axes": (1, 2), "nan_policy": "interpolate"},
                   {"axes": (1, 2), "nan_policy": "interpolate", "mask": mask},
                   {"axes": (1, 2), "nan_policy": "interpolate", "mask": da.from_array(mask)}):
        expected = filters.gaussian(x, 1.5, **{**kwargs, "mask": np.asarray(kwargs.get("mask"))
                                              if "mask" in kwargs else None})
        got = filters.gaussian(lazy, 1.5, **kwargs).compute()
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("layout", ["batched", "unbatched"])
def test_conv_functions_on_batch_chunks(client, layout):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((7, 4, 11, 10)).astype(np.float32)
    w = rng.standard_normal((6, 2, 3, 3)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    options = dict(stride=2, padding=1, groups=2)
    if layout == "unbatched":
        x = x[0]
    lazy = da.from_array(x, chunks=(3,) + x.shape[1:] if x.ndim == 4 else 2)
    y = corr2d.conv2d(x, w, b, **options)
    got = corr2d.conv2d(lazy, w, b, **options)
    assert isinstance(got, da.Array)
    np.testing.assert_array_equal(got.compute(), y)
    gy = rng.standard_normal(y.shape).astype(np.float32)
    lazy_gy = da.from_array(gy, chunks=(2,) + gy.shape[1:] if gy.ndim == 4 else -1)
    np.testing.assert_array_equal(corr2d.conv2d_input(x.shape, w, lazy_gy, **options).compute(),
                                  corr2d.conv2d_input(x.shape, w, gy, **options))
    # Partial sums per chunk, then summed: each of the two paths adds one
    # rounding of the terms' magnitude per partial sum (per thread, per chunk).
    expected = corr2d.conv2d_weight(x, w.shape, gy, **options)
    terms = corr2d.conv2d_weight(np.abs(x), w.shape, np.abs(gy), **options)
    got = corr2d.conv2d_weight(lazy, w.shape, lazy_gy, **options).compute()
    partial_sums = len(lazy.chunks[0]) + os.cpu_count()
    assert np.all(np.abs(got - expected) <= 2 * partial_sums * np.finfo(np.float32).eps * terms)
    wt = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    np.testing.assert_array_equal(
        corr2d.conv_transpose2d(lazy, wt, stride=2, padding=1, output_padding=1).compute(),
        corr2d.conv_transpose2d(x, wt, stride=2, padding=1, output_padding=1))


def test_zarr_round_trip(client, tmp_path):
    zarr = pytest.importorskip("zarr", reason="pip install '.[dask]'")
    rng = np.random.default_rng(5)
    x = rng.standard_normal((300, 260)).astype(np.float32)
    source = zarr.open(str(tmp_path / "in.zarr"), mode="w", shape=x.shape, chunks=(64, 64),
                       dtype=x.dtype)
    source[:] = x
    k = rng.standard_normal((31, 31)).astype(np.float32)
    result = corr2d.correlate2d(da.from_zarr(str(tmp_path / "in.zarr")), k, "same", "symm")
    result.to_zarr(str(tmp_path / "out.zarr"))
    back = zarr.open(str(tmp_path / "out.zarr"), mode="r")[:]
    expected = corr2d.correlate2d(x, k, "same", "symm")
    np.testing.assert_allclose(back, expected, rtol=0, atol=_bound(x, k, 0, np.float32))


def test_the_kernel_spectrum_is_computed_once_per_worker(client):
    """FFT blocks share the kernel's spectrum on each worker: one for each
    shape of FFT call a block makes (its chunk's interior, its top and bottom
    strips, its left and right strips), however many blocks the worker runs."""
    def counts():
        from corr2d._cpu_fft import SPECTRA

        return (SPECTRA.hits, SPECTRA.misses)

    before = client.run(counts)
    x = da.from_array(np.random.default_rng(6).standard_normal((1024, 1024)), chunks=128)
    k = np.random.default_rng(7).standard_normal((41, 41))
    corr2d.correlate2d(x, k, "same", "wrap", method="fft").compute()
    after = client.run(counts)
    misses = [after[w][1] - before[w][1] for w in after]
    calls = sum(after[w][0] + after[w][1] - before[w][0] - before[w][1] for w in after)
    assert calls >= 64  # every block asked the cache (at least once per tile shape)
    assert max(misses) <= 3, misses  # against 32 blocks a worker


def test_errors():
    x = da.ones((8, 8), chunks=4)
    with pytest.raises(TypeError, match="out= cannot be used with Dask arrays"):
        corr2d.correlate2d(x, np.ones((3, 3)), out=np.empty((10, 10)))
    with pytest.raises(TypeError, match="output= cannot be used"):
        ndimage.correlate(x, np.ones((3, 3)), output=np.empty((8, 8)))
    with pytest.raises(ValueError, match="mode='valid' is not available for Dask arrays"):
        filters.sobel(x, mode="valid")
    with pytest.raises(ValueError, match="mode must be"):  # the NumPy path's error, now
        filters.sobel(x, mode="bogus")
    with pytest.raises(ValueError, match="in1 must be a 2-D array"):
        corr2d.correlate2d(da.ones((2, 2, 2), chunks=1), np.ones((2, 2)))
    with pytest.raises(TypeError, match="mixed dtypes"):
        corr2d.conv2d(da.ones((2, 1, 4, 4), chunks=1, dtype=np.float32), np.ones((1, 1, 3, 3)))

    class ndarray:  # a stand-in whose type lives in module 'cupy'
        device = None

    ndarray.__module__ = "cupy"
    with pytest.raises(TypeError, match="in2 is a cupy.*, and Dask arrays are computed on the CPU"):
        corr2d.correlate2d(x, ndarray())


def test_dask_is_imported_only_for_dask_arrays():
    code = ("import sys, numpy as np, corr2d; from corr2d import filters, ndimage; "
            "corr2d.correlate2d(np.ones((4, 4)), np.ones((2, 2))); filters.sobel(np.ones((4, 4))); "
            "ndimage.correlate(np.ones((4, 4)), np.ones((2, 2))); "
            "corr2d.conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2))); "
            "assert 'dask' not in sys.modules and 'corr2d._dask' not in sys.modules, 'imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_an_empty_image_is_refused_with_its_own_shape():
    empty = da.zeros((0, 5), chunks=2)
    with pytest.raises(ValueError, match=r"gaussian: image is empty \(shape \(0, 5\)\)"):
        filters.gaussian(empty, 1.0)
    with pytest.raises(ValueError, match=r"in1 is empty \(shape \(5, 0\)\)"):
        corr2d.correlate2d(da.zeros((5, 0)), np.ones((3, 3)))


def test_ndimage_of_empty_planes_is_empty_as_in_memory():
    # The blocks' halos crashed on them (ZeroDivisionError, IndexError).
    for shape, axes in [((0, 5), None), ((2, 0, 6), (1, 2))]:
        for mode in ("reflect", "constant"):
            for nan_policy in ("propagate", "interpolate"):
                expected = ndimage.correlate(np.zeros(shape), np.ones((3, 3)), mode=mode,
                                             axes=axes, nan_policy=nan_policy)
                got = ndimage.correlate(da.zeros(shape), np.ones((3, 3)), mode=mode, axes=axes,
                                        nan_policy=nan_policy)
                assert got.shape == expected.shape and got.dtype == expected.dtype
                assert got.compute(scheduler="synchronous").shape == expected.shape


def test_chunks_of_length_zero_are_merged_away():
    # A valid chunking, which reached the core as an empty block ("internal error").
    x = np.random.default_rng(9).standard_normal((6, 7))
    d = da.from_array(x, chunks=((3, 0, 3), (2, 0, 5)))
    pairs = [(corr2d.correlate2d(d, np.ones((3, 3)), "same"), corr2d.correlate2d(x, np.ones((3, 3)), "same")),
             (ndimage.correlate(d, np.ones((3, 2))), ndimage.correlate(x, np.ones((3, 2)))),
             (filters.gaussian(d, 1.0), filters.gaussian(x, 1.0))]
    for got, expected in pairs:
        np.testing.assert_allclose(got.compute(scheduler="synchronous"), expected, rtol=1e-12,
                                   atol=1e-12)


def test_unknown_chunk_sizes_name_the_argument():
    x = da.from_array(np.random.default_rng(1).standard_normal((9, 8)), chunks=3)
    rows = x[x[:, 0] > -10]  # chunks of unknown (NaN) size
    for call, name in [(lambda: corr2d.correlate2d(rows, np.ones((3, 3)), "same"), "in1"),
                       (lambda: ndimage.correlate(rows, np.ones((3, 3))), "input"),
                       (lambda: filters.sobel(rows), "image")]:
        with pytest.raises(ValueError, match=rf"{name} has unknown chunk sizes.*"
                                             rf"{name}\.compute_chunk_sizes\(\)"):
            call()


@pytest.mark.parametrize("axes", [(2, 1), (-1, -2)])
def test_interpolated_stacks_with_decreasing_axes_match_memory(axes):
    # The halo was the weights' reach in the user's axis order, not ndimage's
    # increasing one: 3.7 off near every block edge.
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 6, 7))
    x[1, 2, 3] = np.nan
    k = rng.standard_normal((3, 4))
    expected = ndimage.correlate(x, k, axes=axes, nan_policy="interpolate")
    got = ndimage.correlate(da.from_array(x, chunks=(1, 3, 3)), k, axes=axes,
                            nan_policy="interpolate")
    np.testing.assert_allclose(got.compute(scheduler="synchronous"), expected, rtol=1e-12,
                               atol=1e-12)


def test_bad_threads_and_input_size_raise_when_called():
    x = da.from_array(np.ones((6, 6)), chunks=3)
    for threads, error in [(0, ValueError), (False, TypeError)]:
        with pytest.raises(error, match="threads"):
            ndimage.correlate(x, np.ones((3, 3)), threads=threads, nan_policy="interpolate")
    gy = da.from_array(np.ones((2, 6, 3, 3)), chunks=1)
    w = np.ones((6, 2, 3, 3))
    for size, error, words in [(None, TypeError, "sequence of ints, got None"),
                               ((2, 4, 5), ValueError, r"4 non-negative ints, got \(2, 4, 5\)")]:
        with pytest.raises(error, match=f"conv2d_input: input_size must be .*{words}"):
            corr2d.conv2d_input(size, w, gy, groups=2)


def test_reusing_the_kernel_buffer_after_the_call_changes_no_graph():
    """The graph keys hash the kernel when the call builds them, so the
    tasks must hold that kernel, not the caller's buffer: a caller who
    reuses it would change the result and, through the shared keys, the
    result of an equal call built with the old kernel."""
    import dask

    x = np.arange(36.0).reshape(6, 6)
    batch = np.arange(2 * 2 * 6 * 6, dtype=float).reshape(2, 2, 6, 6)
    calls = {
        "correlate2d": (lambda k, a: corr2d.correlate2d(a, k, "same"), x, da.from_array(x, chunks=3),
                        np.ones((3, 3))),
        "ndimage": (lambda k, a: ndimage.correlate(a, k), x, da.from_array(x, chunks=3),
                    np.ones((3, 3))),
        "conv2d": (lambda k, a: corr2d.conv2d(a, k), batch,
                   da.from_array(batch, chunks=(1, 2, 6, 6)), np.ones((1, 2, 3, 3))),
    }
    for name, (call, in_memory, lazy_input, kernel) in calls.items():
        lazy = call(kernel, lazy_input)
        expected = call(kernel.copy(), in_memory)
        kernel *= 2  # the caller reuses its buffer
        fresh = call(np.ones_like(kernel), lazy_input)  # the first call's kernel again
        got, got_fresh = dask.compute(lazy, fresh, scheduler="synchronous")
        np.testing.assert_array_equal(got, expected, err_msg=name)
        np.testing.assert_array_equal(got_fresh, expected, err_msg=name)


def test_an_in_memory_input_with_dask_weights_or_mask_runs_now():
    """Only the weights or the mask are Dask: the call runs as the NumPy
    path (lists accepted, its errors named) and the result is wrapped."""
    image = np.arange(25.0).reshape(5, 5)
    mask = np.zeros((5, 5), bool)
    mask[2, 3] = True
    weights = np.arange(9.0).reshape(3, 3)
    got = ndimage.correlate(image.tolist(), da.from_array(weights))
    assert isinstance(got, da.Array)
    np.testing.assert_array_equal(got.compute(scheduler="synchronous"),
                                  ndimage.correlate(image, weights))
    got = ndimage.correlate(image.tolist(), weights, nan_policy="interpolate",
                            mask=da.from_array(mask))
    np.testing.assert_array_equal(got.compute(scheduler="synchronous"),
                                  ndimage.correlate(image, weights, nan_policy="interpolate",
                                                    mask=mask))
    got = filters.gaussian(image.tolist(), 1.0, nan_policy="interpolate", mask=da.from_array(mask))
    np.testing.assert_array_equal(got.compute(scheduler="synchronous"),
                                  filters.gaussian(image, 1.0, nan_policy="interpolate", mask=mask))
    with pytest.raises(TypeError, match="input must be an array"):
        ndimage.correlate(None, da.from_array(weights))


def test_a_kernel_that_is_not_separable_is_refused_at_the_call():
    image = da.from_array(np.ones((8, 8)), chunks=4)
    kernel = np.random.default_rng(0).standard_normal((5, 5))
    with pytest.raises(ValueError, match="not separable"):
        corr2d.correlate2d(image, kernel, "same", method="separable")
    with pytest.raises(ValueError, match="not separable"):
        ndimage.correlate(image, kernel, method="separable")
    with pytest.raises(ValueError, match="longdouble"):
        corr2d.correlate2d(image.astype(np.longdouble), np.ones((3, 3), np.longdouble), "same",
                           method="separable")


def test_a_cupy_mask_with_a_dask_input_names_the_mask():
    class ndarray:  # a stand-in whose type lives in module 'cupy'
        shape, ndim, dtype = (4, 4), 2, np.dtype(bool)

    ndarray.__module__ = "cupy"
    image = da.from_array(np.ones((4, 4)), chunks=2)
    with pytest.raises(TypeError, match="mask is a cupy.*, and Dask arrays are computed on the CPU"):
        ndimage.correlate(image, np.ones((3, 3)), nan_policy="interpolate", mask=ndarray())


def test_derivative_filters_on_decreasing_axes_give_exact_zeros():
    """Where the derivative vanishes Sobel and Prewitt give exactly 0 on a
    Dask image too: with decreasing axes its plain blocks took the kernel
    transposed, whose one pass rounds (4.4e-16 where memory gave 0)."""
    rng = np.random.default_rng(0)
    x = np.broadcast_to(rng.random(37)[None, :], (30, 37)).copy()  # constant along axis 0
    for name in ("sobel", "prewitt", "scharr"):
        lazy = getattr(filters, name)(da.from_array(x, chunks=(10, 12)), axis=1, axes=(1, 0))
        got = lazy.compute(scheduler="synchronous")
        assert not got.any(), (name, np.abs(got).max())
        np.testing.assert_array_equal(got, getattr(filters, name)(x, axis=1, axes=(1, 0)))


def _task_threads_and_result(c, image, kernel):
    """(threads a task would run on, the Dask correlation computed) on
    client `c`."""
    from corr2d import _dask_threads

    threads = c.submit(_dask_threads.task_threads, pure=False).result()
    return threads, corr2d.correlate2d(image, kernel, "same", "symm").compute(scheduler=c)


def test_task_threads_follow_the_nanny_setting(client, monkeypatch):
    """A worker takes the OMP_NUM_THREADS its nanny set (1 by default), at
    most its cores per worker thread; outside a worker, and on workers in
    the client's process, one thread a task. The results are the same
    either way."""
    from corr2d import _dask_threads

    rng = np.random.default_rng(3)
    x = rng.random((300, 280))
    k = rng.random((31, 31))
    expected = corr2d.correlate2d(x, k, "same", "symm")
    image = da.from_array(x, chunks=(150, 140))
    assert _dask_threads.task_threads() == 1
    threads, got = _task_threads_and_result(client, image, k)  # the default setting
    assert threads == 1
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-10)

    # One more than the cores: the worker takes its setting, capped at them.
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None, memory_limit="2GiB",
                                  env={"OMP_NUM_THREADS": str(cores + 1)}) as cluster, \
            distributed.Client(cluster, set_as_default=False) as c:
        threads, got = _task_threads_and_result(c, image, k)
    assert threads == cores
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-10)

    monkeypatch.setenv("OMP_NUM_THREADS", str(cores + 1))  # seen by workers in this process too
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster, set_as_default=False) as c:
        threads, got = _task_threads_and_result(c, image, k)
    assert threads == 1
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-10)


def test_conv_chunks_run_on_the_tasks_threads(monkeypatch):
    """The conv functions take no threads=: each chunk runs under the task's
    OpenMP limit (THREADS_PER_TASK under the threaded scheduler, which runs
    a task on every core), not on OpenMP's default of every core. The
    limit is set to 3 here, which threadpoolctl applies on any machine."""
    import threading

    from corr2d import _ccore, _dask_conv, _dask_threads

    monkeypatch.setattr(_dask_threads, "THREADS_PER_TASK", 3)
    seen = []  # (in a task, OpenMP threads)

    def record():
        seen.append((threading.current_thread() is not threading.main_thread(),
                     _ccore.max_threads()))

    def conv(x, *args):
        record()
        return np.zeros((x.shape[0], 1, 2, 2))

    def weight_grad(x, weight_size, gy, *args):
        record()
        return np.zeros(weight_size)

    x = da.zeros((8, 1, 4, 4), chunks=(2, 1, 4, 4))
    gy = da.zeros((8, 1, 2, 2), chunks=(2, 1, 2, 2))
    _dask_conv.map_conv2d(conv, x, np.ones((1, 1, 3, 3)), None, 1, 0, 1, 1,
                          "zeros").compute(scheduler="threads")
    _dask_conv.map_conv2d_weight(weight_grad, x, (1, 1, 3, 3), gy, 1, 0, 1,
                                 1).compute(scheduler="threads")
    in_tasks = [threads for task, threads in seen if task]
    assert len(in_tasks) == 8 and set(in_tasks) == {3}, seen
