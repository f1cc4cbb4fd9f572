"""corr2d.ndimage on CuPy arrays, run on the CPU: the stand-in CuPy of
tests/gpu_support executes the CUDA source's boundary rules ('nearest' and
'mirror' included) in the emulator; results must equal the CPU path's."""
import numpy as np
import pytest

from corr2d import ndimage as cn
from gpu_support import checks

MODES = ["reflect", "constant", "nearest", "mirror", "wrap"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("func", ["correlate", "convolve"])
def test_modes_and_origins_match_cpu(cupy_emulated, mode, func):
    cp = cupy_emulated
    rng = np.random.default_rng(len(mode))
    for xshape, kshape in [((9, 13), (3, 4)), ((2, 3), (7, 6)), ((1, 5), (3, 3))]:
        x = checks.small_values(rng, xshape, np.float64)
        w = checks.small_values(rng, kshape, np.float64)
        origin = (-(kshape[0] // 2), (kshape[1] - 1) // 2)
        got = getattr(cn, func)(cp.asarray(x), cp.asarray(w), mode=mode, cval=2.5, origin=origin)
        want = getattr(cn, func)(x, w, mode=mode, cval=2.5, origin=origin)
        assert isinstance(got, cp.ndarray)
        np.testing.assert_array_equal(got.get(), want)


def test_stack_and_integer_output_match_cpu(cupy_emulated):
    cp = cupy_emulated
    rng = np.random.default_rng(3)
    x = rng.integers(0, 50, (3, 8, 10)).astype(np.uint8)
    w = rng.integers(-4, 5, (3, 3)) / 4.0
    got = cn.correlate(cp.asarray(x), cp.asarray(w), mode="mirror", axes=(1, 2))
    want = cn.correlate(x, w, mode="mirror", axes=(1, 2))
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got.get(), want)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int8, np.uint32, np.int64, np.uint64])
def test_negative_sums_into_unsigned_outputs_wrap_as_on_the_cpu(cupy_emulated, dtype):
    # The device's float-to-unsigned conversion saturates: a Laplacian's
    # -40 became 0 in a uint8 where NumPy's cast (and SciPy) give 216.
    cp = cupy_emulated
    x = np.zeros((4, 4), dtype)
    x[1, 1] = 10
    w = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], float)
    got = cn.correlate(cp.asarray(x), cp.asarray(w), mode="constant")
    want = cn.correlate(x, w, mode="constant")
    assert got.dtype == want.dtype == dtype
    np.testing.assert_array_equal(got.get(), want)


@pytest.mark.parametrize("output", [np.longdouble, np.clongdouble])
def test_long_double_output_is_refused_by_name(cupy_emulated, output):
    # It reached CuPy's own error, which names neither the function nor `output`.
    if np.dtype(np.longdouble).itemsize == 8:
        pytest.skip("long double is double here, which CUDA has")
    cp = cupy_emulated
    with pytest.raises(TypeError, match="correlate: output .* not available for CuPy"):
        cn.correlate(cp.asarray(np.ones((4, 4))), cp.asarray(np.ones((2, 2))), output=output)


def test_gpu_refuses_fft(cupy_emulated):
    cp = cupy_emulated
    with pytest.raises(ValueError, match="correlate: method='fft' is not available for CuPy"):
        cn.correlate(cp.asarray(np.ones((4, 4))), cp.asarray(np.ones((2, 2))), method="fft")


def test_an_output_scalar_is_refused_as_on_the_cpu(cupy_emulated):
    # It was taken for an array: "mixed NumPy/CuPy arrays" instead.
    cp = cupy_emulated
    with pytest.raises(TypeError, match="output must be an array or a dtype, got the NumPy scalar"):
        cn.correlate(cp.asarray(np.ones((4, 4))), cp.asarray(np.ones((2, 2))), np.float64(1))
