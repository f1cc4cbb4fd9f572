"""The GPU path, run on the CPU: corr2d's CuPy branch with a stand-in CuPy
whose RawModule executes src/corr2d/cuda/correlate2d.cu in a thread-per-CUDA-
thread emulator (tests/gpu_support). Checks the CUDA source's indexing,
tiling, halo, boundary rule and launch configurations, and the Python glue,
against the CPU path. Needs a C++20 compiler, not a GPU."""
import itertools

import numpy as np
import pytest

import corr2d
from corr2d.cuda import correlate as gpu
from gpu_support import checks, fake_cupy

pytestmark = pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")


@pytest.fixture
def cp(cupy_emulated):
    return cupy_emulated


CASES = [
    (shapes, mode, boundary, func)
    for shapes, mode, boundary, func in itertools.product(
        checks.SHAPES, checks.MODES, checks.BOUNDARIES, sorted(checks.FUNCS))
    if mode != "valid" or checks.valid_shapes_ok(*shapes)
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_modes_boundaries_shapes_match_cpu(cp, case):
    (xshape, kshape), mode, boundary, func = CASES[case]
    dtype = checks.GPU_DTYPES[case % len(checks.GPU_DTYPES)]  # every dtype, in rotation
    rng = np.random.default_rng(case)
    x = checks.small_values(rng, xshape, dtype)
    k = checks.small_values(rng, kshape, dtype)
    fill = 0 if np.dtype(dtype).kind == "u" and case % 2 else 3
    checks.check_against_cpu(cp, x, k, mode, boundary, fill, func)


@pytest.mark.parametrize("dtype", checks.GPU_DTYPES, ids=lambda d: np.dtype(d).name)
def test_every_dtype(cp, dtype):
    rng = np.random.default_rng(1)
    x = checks.small_values(rng, (19, 41), dtype)
    k = checks.small_values(rng, (4, 5), dtype)
    for mode, boundary in [("full", "fill"), ("same", "symm"), ("valid", "wrap")]:
        checks.check_against_cpu(cp, x, k, mode, boundary, 2, "correlate2d")


@pytest.mark.parametrize("dtype", [np.int8, np.uint16, np.int32, np.uint64])
def test_integer_overflow_wraps_like_cpu(cp, dtype):
    info = np.iinfo(dtype)
    rng = np.random.default_rng(3)
    x = rng.integers(info.min, info.max, (13, 17), dtype=dtype, endpoint=True)
    k = rng.integers(info.min, info.max, (4, 3), dtype=dtype, endpoint=True)
    for mode, func in itertools.product(checks.MODES, checks.FUNCS):
        checks.check_against_cpu(cp, x, k, mode, "symm", 7, func)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
def test_random_floats_within_rounding(cp, dtype):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((23, 45)).astype(dtype)
    k = rng.standard_normal((5, 6)).astype(dtype)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(x.shape).astype(dtype)
        k = k + 1j * rng.standard_normal(k.shape).astype(dtype)
    for mode, boundary in [("full", "fill"), ("same", "wrap"), ("valid", "symm")]:
        checks.check_against_cpu(cp, x, k, mode, boundary, 0.5, "correlate2d", exact=False)


@pytest.mark.parametrize("blocks", [((32, 2),), ()], ids=["small-tile", "global-kernel"])
def test_fallback_launch_configurations(cp, monkeypatch, blocks):
    """The smaller tile and the global-memory kernel give the same results."""
    monkeypatch.setattr(gpu, "TILED_BLOCKS", blocks)
    rng = np.random.default_rng(5)
    x = checks.small_values(rng, (21, 40), np.float64)
    for kshape in [(3, 3), (4, 7), (25, 45)]:
        k = checks.small_values(rng, kshape, np.float64)
        for mode, boundary, func in itertools.product(["full", "same"], checks.BOUNDARIES, checks.FUNCS):
            checks.check_against_cpu(cp, x, k, mode, boundary, 1, func)
    kernels = gpu.compiled_kernels(np.dtype(np.float64))
    used = kernels[0] if blocks else kernels[1]
    assert used.launches and all(block == (blocks[0] if blocks else gpu.GLOBAL_BLOCK)
                                 for _, block, _ in used.launches)


def test_large_kernel_falls_back_to_global_memory(cp):
    use_tiled, *_ = gpu.launch_config(40, 40, 16)
    assert not use_tiled
    rng = np.random.default_rng(6)
    x = checks.small_values(rng, (9, 11), np.complex128)
    k = checks.small_values(rng, (40, 40), np.complex128)
    checks.check_against_cpu(cp, x, k, "same", "symm", 0, "convolve2d")
    assert gpu.compiled_kernels(np.dtype(np.complex128))[1].launches


def test_grid_stride_over_row_tiles(cp, monkeypatch):
    """More row tiles than the grid's y dimension: blocks loop over them."""
    monkeypatch.setattr(gpu, "MAX_GRID_Y", 2)
    rng = np.random.default_rng(7)
    x = checks.small_values(rng, (150, 35), np.float32)
    k = checks.small_values(rng, (5, 3), np.float32)
    checks.check_against_cpu(cp, x, k, "full", "wrap", 0, "correlate2d")
    monkeypatch.setattr(gpu, "TILED_BLOCKS", ())
    checks.check_against_cpu(cp, x, k, "same", "symm", 0, "convolve2d")


def test_valid_swap_flips_like_cpu(cp):
    rng = np.random.default_rng(8)
    small = checks.small_values(rng, (2, 3), np.complex128)
    big = checks.small_values(rng, (4, 5), np.complex128)
    for boundary, func in itertools.product(checks.BOUNDARIES, checks.FUNCS):
        checks.check_against_cpu(cp, small, big, "valid", boundary, 0, func)


@pytest.mark.parametrize("fillvalue", [1.5, -1, [1], np.float32(3.5), np.int8(-2), 2 + 1j, np.array(3)],
                         ids=repr)
@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float32, np.complex128])
def test_fillvalue_conversions_like_cpu(cp, fillvalue, dtype):
    x = np.arange(12).reshape(3, 4).astype(dtype)
    k = np.ones((2, 3), dtype)
    for func in checks.FUNCS.values():
        try:
            expected = func(x, k, fillvalue=fillvalue)
        except ValueError as exc:
            with pytest.raises(ValueError, match="fillvalue"):
                func(cp.asarray(x), cp.asarray(k), fillvalue=fillvalue)
            assert "fillvalue" in str(exc)
        else:
            np.testing.assert_array_equal(func(cp.asarray(x), cp.asarray(k), fillvalue=fillvalue).get(), expected)


def test_noncontiguous_and_mixed_dtype_inputs(cp):
    rng = np.random.default_rng(9)
    base = checks.small_values(rng, (30, 40), np.float64)
    k = checks.small_values(rng, (3, 4), np.float32)
    gbase = cp.asarray(base)
    for view in [np.s_[::2, ::3], np.s_[::-1, ::-1], np.s_[:, 5:17], np.s_[:1, :], np.s_[:, :1]]:
        for mode in ["full", "same"]:
            got = corr2d.correlate2d(gbase[view], cp.asarray(k), mode, "symm")
            np.testing.assert_array_equal(got.get(), corr2d.correlate2d(base[view], k, mode, "symm"))
    got = corr2d.correlate2d(cp.asarray(base.T), cp.asarray(k.astype(np.int8)), "same", "wrap")
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got.get(), corr2d.correlate2d(base.T, k.astype(np.int8), "same", "wrap"))


def test_out_in_place_strided_and_aliased(cp):
    rng = np.random.default_rng(10)
    x = checks.small_values(rng, (12, 20), np.float32)
    k = checks.small_values(rng, (3, 5), np.float32)
    expected = corr2d.correlate2d(x, k, "same")
    gx, gk = cp.asarray(x), cp.asarray(k)
    out = cp.zeros((12, 20), np.float32)
    assert corr2d.correlate2d(gx, gk, "same", out=out) is out
    np.testing.assert_array_equal(out.get(), expected)
    wide = cp.zeros((12, 40), np.float32)
    strided = wide[:, ::2]  # columns not contiguous: written through a temporary
    assert corr2d.correlate2d(gx, gk, "same", out=strided) is strided
    np.testing.assert_array_equal(strided.get(), expected)
    padded = cp.zeros((12, 25), np.float32)[:, 2:22]  # row stride 25: written in place
    corr2d.correlate2d(gx, gk, "same", out=padded)
    np.testing.assert_array_equal(padded.get(), expected)
    corr2d.correlate2d(gx, gk, "same", out=gx)  # out is in1
    np.testing.assert_array_equal(gx.get(), expected)
    small, big = cp.asarray(x[:2, :3]), gx
    swapped = cp.zeros((11, 18), np.float32)
    corr2d.correlate2d(small, big, "valid", out=swapped)
    np.testing.assert_array_equal(swapped.get(), corr2d.correlate2d(x[:2, :3], gx.get(), "valid"))


def test_errors_match_cpu(cp):
    x, k = np.ones((4, 5)), np.ones((2, 2))
    gx, gk = cp.asarray(x), cp.asarray(k)
    calls = [
        dict(in1=np.ones(3), in2=k), dict(in1=x, in2=k, mode="nope"), dict(in1=x, in2=k, boundary="zero"),
        dict(in1=x, in2=np.ones((5, 4)), mode="valid"), dict(in1=np.ones((0, 3)), in2=k),
        dict(in1=x.astype(np.float16), in2=k.astype(np.float16)), dict(in1=x.astype(bool), in2=k.astype(bool)),
        dict(in1=x, in2=k, threads=0), dict(in1=x, in2=k, threads=1.5), dict(in1=x, in2=k, fillvalue=[1, 2]),
    ]
    for call in calls:
        with pytest.raises(Exception) as cpu_error:
            corr2d.correlate2d(**call)
        gpu_call = dict(call, in1=cp.asarray(call["in1"]), in2=cp.asarray(call["in2"]))
        with pytest.raises(type(cpu_error.value)) as gpu_error:
            corr2d.correlate2d(**gpu_call)
        assert str(gpu_error.value) == str(cpu_error.value)
    with pytest.raises(TypeError, match="in2 is a numpy.ndarray"):
        corr2d.correlate2d(gx, k)
    with pytest.raises(TypeError, match="out is a numpy.ndarray"):
        corr2d.correlate2d(gx, gk, out=np.empty((5, 6)))
    with pytest.raises(TypeError, match="in1 is a list"):
        corr2d.convolve2d([[1.0]], gk)
    with pytest.raises(ValueError, match="out has shape"):
        corr2d.correlate2d(gx, gk, out=cp.empty((4, 5)))
    with pytest.raises(ValueError, match="out has dtype"):
        corr2d.correlate2d(gx, gk, out=cp.empty((5, 6), np.float32))


def test_kernels_compiled_once_per_dtype(cp):
    rng = np.random.default_rng(11)
    x = checks.small_values(rng, (8, 8), np.float32)
    for _ in range(3):
        corr2d.correlate2d(cp.asarray(x), cp.asarray(x[:3, :3]))
    corr2d.correlate2d(cp.asarray(x.astype(np.int32)), cp.asarray(x[:3, :3].astype(np.int32)))
    assert sorted(key[:2] for key in gpu._modules) == [("f", 4), ("u", 4)]
    assert len(gpu.compiled_kernels(np.dtype(np.float32))[0].launches) == 3


@pytest.mark.parametrize("dtype", checks.FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_subnormals_kept_like_cpu(cupy_both, dtype):
    """CuPy compiles with -ftz=true; the kernels must keep subnormals anyway
    (on a device; the emulator's host arithmetic keeps them regardless)."""
    cp = cupy_both
    rng = np.random.default_rng(11)
    x = checks.subnormal_values(rng, (23, 37), dtype)
    k = checks.small_values(rng, (3, 4), dtype)
    for mode, boundary, func in itertools.product(checks.MODES, checks.BOUNDARIES, checks.FUNCS):
        got = checks.check_against_cpu(cp, x, k, mode, boundary, 0, func)
        assert np.count_nonzero(got.get()) > got.size // 2


def _launch_args(cp, out_rows=8, image_stride=8):
    """Arguments of correlate2d_tiled<float> for an 8x8 image of ones, a 3x3
    kernel of ones and an 8x8 'same' output, claiming `out_rows` rows of the
    output and `image_stride` elements between the image's rows."""
    i64, i32 = np.int64, np.int32
    x = cp.asarray(np.ones((8, 8), np.float32))
    k = cp.asarray(np.ones((3, 3), np.float32))
    out = cp.empty((8, 8), np.float32)
    return out, (x, i64(8), i64(8), i64(image_stride), k, i32(3), i32(3), np.float32(0), out,
                 i64(out_rows), i64(8), i64(8), i64(1), i64(1), i32(0))


def test_stand_in_catches_writes_outside_an_array(cp):
    """The memory checks of the stand-in can fail: a launch told that `out`
    has 9 rows writes into its guard band."""
    tiled, _ = gpu.compiled_kernels(np.dtype(np.float32))
    _, block, _, smem = gpu.launch_config(3, 3, 4)
    out, args = _launch_args(cp)
    tiled((1, 1), block, args, shared_mem=smem)
    np.testing.assert_array_equal(out.get(), corr2d.correlate2d(np.ones((8, 8)), np.ones((3, 3)), "same"))
    _, args = _launch_args(cp, out_rows=9)
    with pytest.raises(fake_cupy.OutOfBoundsWrite, match="outside an array"):
        tiled((1, 1), block, args, shared_mem=smem)


def test_stand_in_shows_reads_outside_an_array(cp):
    """A launch that reads a row past the image reads the guard band's NaN."""
    tiled, _ = gpu.compiled_kernels(np.dtype(np.float32))
    _, block, _, smem = gpu.launch_config(3, 3, 4)
    out, args = _launch_args(cp, image_stride=9)  # the last rows run off the image
    tiled((1, 1), block, args, shared_mem=smem)
    assert np.isnan(out.get()[-2:]).any() and not np.isnan(out.get()[:5]).any()


def test_stand_in_catches_shared_memory_overruns(cp):
    """A block given less dynamic shared memory than its tile needs writes
    past it, which the emulator reports."""
    tiled, _ = gpu.compiled_kernels(np.dtype(np.float32))
    _, block, _, smem = gpu.launch_config(3, 3, 4)
    _, args = _launch_args(cp)
    with pytest.raises(fake_cupy.OutOfBoundsWrite, match="shared memory"):
        tiled((1, 1), block, args, shared_mem=smem - 64)


def test_calls_plan_and_run_on_the_inputs_device(cp):
    # Arrays on GPU 1 with GPU 0 current: the casts, buffers and launches
    # of the planning were made on the current device (a mixed-dtype
    # correlate2d's result came back on GPU 0, kernels read across GPUs).
    from corr2d import filters, ndimage

    rng = np.random.default_rng(7)
    # Small integers and quarters: every sum exact, so any order of sums agrees.
    x8, k = rng.integers(-5, 5, (20, 17)).astype(np.int8), rng.integers(-4, 5, (4, 3)) / 4
    with cp.cuda.Device(1):
        gx8, gk = cp.asarray(x8), cp.asarray(k.astype(np.float32))
        gx = cp.asarray(x8.astype(float))
    assert cp.cuda.Device().id == 0 and gx8.device.id == 1
    k32 = k.astype(np.float32)
    calls = [
        (lambda: corr2d.correlate2d(gx8, gk, "same"), corr2d.correlate2d(x8, k32, "same")),
        (lambda: corr2d.convolve2d(gx8, gk, "valid"), corr2d.convolve2d(x8, k32, "valid")),
        (lambda: ndimage.correlate(gx8, gk), ndimage.correlate(x8, k.astype(np.float32))),
        (lambda: ndimage.correlate(gx, gk, output=np.float32, mode="wrap"),
         ndimage.correlate(x8.astype(float), k.astype(np.float32), output=np.float32, mode="wrap")),
        (lambda: filters.sobel(gx8), filters.sobel(x8)),
    ]
    for call, want in calls:
        got = call()
        assert got.device.id == 1
        np.testing.assert_array_equal(got.get(), want)
