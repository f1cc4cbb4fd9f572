"""The GPU path on a real CUDA device, with the CPU path as the reference:
every mode x boundary x dtype x shape (kernels larger than the image and even
kernels included), random floats within rounding, out=, the 'valid' swap,
large images through every launch configuration, and agreement with
cupyx.scipy.signal.correlate2d. Skipped with "no CUDA device" elsewhere."""
import itertools
import zlib

import numpy as np
import pytest

import corr2d
from corr2d.cuda import correlate as gpu
from gpu_support import checks

pytestmark = [pytest.mark.gpu, pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")]


@pytest.fixture
def cp(cupy_on_device):
    return cupy_on_device


@pytest.mark.parametrize("dtype", checks.GPU_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shapes", checks.SHAPES, ids=str)
@pytest.mark.parametrize("mode,boundary", list(itertools.product(checks.MODES, checks.BOUNDARIES)))
def test_exact_agreement_with_cpu(cp, dtype, shapes, mode, boundary):
    if mode == "valid" and not checks.valid_shapes_ok(*shapes):
        return
    rng = np.random.default_rng(zlib.crc32(repr((np.dtype(dtype).name, shapes, mode, boundary)).encode()))
    x = checks.small_values(rng, shapes[0], dtype)
    k = checks.small_values(rng, shapes[1], dtype)
    for func in checks.FUNCS:
        checks.check_against_cpu(cp, x, k, mode, boundary, 3, func)
        checks.check_against_cpu(cp, k, x, mode, boundary, 1, func)  # the other way round


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.int64, np.uint64])
def test_integer_overflow_wraps_like_cpu(cp, dtype):
    info = np.iinfo(dtype)
    rng = np.random.default_rng(3)
    x = rng.integers(info.min, info.max, (53, 71), dtype=dtype, endpoint=True)
    k = rng.integers(info.min, info.max, (4, 3), dtype=dtype, endpoint=True)
    for mode, boundary, func in itertools.product(checks.MODES, checks.BOUNDARIES, checks.FUNCS):
        checks.check_against_cpu(cp, x, k, mode, boundary, 7, func)


@pytest.mark.parametrize("dtype", checks.FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("kshape", [(3, 3), (4, 6), (11, 11), (31, 31), (40, 3)])
def test_random_floats_within_rounding(cp, dtype, kshape):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((301, 517))
    k = rng.standard_normal(kshape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(x.shape)
        k = k + 1j * rng.standard_normal(kshape)
    x, k = x.astype(dtype), k.astype(dtype)
    for mode, boundary, func in itertools.product(checks.MODES, checks.BOUNDARIES, checks.FUNCS):
        checks.check_against_cpu(cp, x, k, mode, boundary, 0.5, func, exact=False)


@pytest.mark.parametrize("blocks", [gpu.TILED_BLOCKS, ((32, 2),), ()], ids=["tiled", "small-tile", "global"])
def test_every_launch_configuration_on_a_large_image(cp, monkeypatch, blocks):
    monkeypatch.setattr(gpu, "TILED_BLOCKS", blocks)
    rng = np.random.default_rng(5)
    x = checks.small_values(rng, (1031, 2053), np.float32)
    for kshape in [(3, 3), (2, 8), (17, 5)]:
        k = checks.small_values(rng, kshape, np.float32)
        for mode, boundary in itertools.product(checks.MODES, checks.BOUNDARIES):
            checks.check_against_cpu(cp, x, k, mode, boundary, 1, "correlate2d")


def test_grid_stride_over_row_tiles(cp, monkeypatch):
    monkeypatch.setattr(gpu, "MAX_GRID_Y", 3)
    rng = np.random.default_rng(6)
    x = checks.small_values(rng, (700, 90), np.float64)
    k = checks.small_values(rng, (5, 4), np.float64)
    checks.check_against_cpu(cp, x, k, "full", "symm", 0, "convolve2d")


def test_out_and_swap(cp):
    rng = np.random.default_rng(7)
    x = checks.small_values(rng, (64, 80), np.complex64)
    k = checks.small_values(rng, (5, 6), np.complex64)
    gx, gk = cp.asarray(x), cp.asarray(k)
    out = cp.empty((64, 80), np.complex64)
    assert corr2d.correlate2d(gx, gk, "same", "wrap", out=out) is out
    np.testing.assert_array_equal(out.get(), corr2d.correlate2d(x, k, "same", "wrap"))
    strided = cp.empty((64, 160), np.complex64)[:, ::2]
    corr2d.convolve2d(gx, gk, "same", out=strided)
    np.testing.assert_array_equal(strided.get(), corr2d.convolve2d(x, k, "same"))
    np.testing.assert_array_equal(corr2d.correlate2d(gk, gx, "valid").get(), corr2d.correlate2d(k, x, "valid"))
    with pytest.raises(TypeError, match="in2 is a numpy.ndarray"):
        corr2d.correlate2d(gx, k)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
def test_agrees_with_cupyx_scipy_signal(cp, dtype):
    cusignal = pytest.importorskip("cupyx.scipy.signal")
    rng = np.random.default_rng(8)
    x = cp.asarray(rng.standard_normal((97, 131)).astype(dtype))
    for kshape in [(3, 3), (4, 7), (15, 15)]:
        k = cp.asarray(rng.standard_normal(kshape).astype(dtype))
        for mode, boundary in itertools.product(checks.MODES, checks.BOUNDARIES):
            for ours, theirs in [(corr2d.correlate2d, cusignal.correlate2d),
                                 (corr2d.convolve2d, cusignal.convolve2d)]:
                got = ours(x, k, mode, boundary, 0.25)
                expected = theirs(x, k, mode, boundary, 0.25)
                assert got.dtype == expected.dtype and got.shape == expected.shape
                tol = 1e-4 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-11
                cp.testing.assert_allclose(got, expected, rtol=tol, atol=tol * kshape[0] * kshape[1])


def test_result_stays_on_the_device_and_the_stream(cp):
    x = cp.ones((10, 10), np.float32)
    stream = cp.cuda.Stream(non_blocking=True)
    with stream:
        y = corr2d.correlate2d(x, cp.ones((3, 3), np.float32), "same")
    stream.synchronize()
    assert isinstance(y, cp.ndarray)
    assert float(y[5, 5]) == 9.0
