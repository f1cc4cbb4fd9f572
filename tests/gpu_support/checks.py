"""Cross-checks of the GPU path against the CPU path (the reference), shared
by the device tests and the emulated tests. `cp` is CuPy or the stand-in of
fake_cupy.py."""
from __future__ import annotations

import numpy as np

import corr2d

MODES = ["full", "same", "valid"]
BOUNDARIES = ["fill", "wrap", "symm"]
FUNCS = {"correlate2d": corr2d.correlate2d, "convolve2d": corr2d.convolve2d}
FLOAT_DTYPES = [np.float32, np.float64, np.complex64, np.complex128]
INT_DTYPES = [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64]
GPU_DTYPES = FLOAT_DTYPES + INT_DTYPES
# (image shape, kernel shape): odd, even, 1-wide, and kernels larger than the image.
SHAPES = [
    ((1, 1), (1, 1)), ((5, 7), (3, 3)), ((5, 7), (2, 4)), ((4, 3), (6, 5)), ((3, 3), (9, 12)),
    ((37, 70), (3, 3)), ((37, 70), (4, 6)), ((37, 70), (1, 9)), ((33, 65), (9, 12)),
    ((70, 37), (11, 11)),
]


def valid_shapes_ok(s1, s2):
    return all(a >= b for a, b in zip(s1, s2)) or all(b >= a for a, b in zip(s1, s2))


def small_values(rng, shape, dtype):
    """Small integers: every sum is exact in every dtype, whatever the order
    of summation, so GPU and CPU must agree bit for bit."""
    dtype = np.dtype(dtype)
    lo = 0 if dtype.kind == "u" else -4
    values = rng.integers(lo, 5, shape)
    if dtype.kind == "c":
        values = values + 1j * rng.integers(-4, 5, shape)
    return values.astype(dtype)


def subnormal_values(rng, shape, dtype):
    """Small integers times 2**-140 (float32, complex64) or 2**-1060
    (float64, complex128): subnormal numbers whose products with small
    integers, and the sums of those, are exact; flushing subnormals to zero
    (nvcc/NVRTC's -ftz=true) would change every result."""
    dtype = np.dtype(dtype)
    scale = 2.0 ** (-140 if dtype in (np.float32, np.complex64) else -1060)
    values = small_values(rng, shape, dtype).astype(np.complex128 if dtype.kind == "c" else np.float64)
    subnormal = (values * scale).astype(dtype)
    assert np.all(np.abs(subnormal.view(subnormal.real.dtype)) < np.finfo(dtype).tiny)
    return subnormal


def to_host(cp, a):
    assert type(a).__module__ == "cupy", f"expected a CuPy array, got {type(a)}"
    return a.get()


def check_against_cpu(cp, x, k, mode, boundary, fillvalue, func, *, exact=True):
    """The GPU result of `func` equals the CPU result: same dtype, shape and
    values (bit for bit when `exact`, else within float rounding)."""
    expected = FUNCS[func](x, k, mode, boundary, fillvalue)
    got = FUNCS[func](cp.asarray(x), cp.asarray(k), mode, boundary, fillvalue)
    host = to_host(cp, got)
    assert host.dtype == expected.dtype, (host.dtype, expected.dtype)
    assert host.shape == expected.shape
    if exact:
        np.testing.assert_array_equal(host, expected, err_msg=f"{func} {mode} {boundary}")
    else:
        eps = np.finfo(expected.dtype).eps
        magnitude = np.abs(FUNCS[func](np.abs(x).astype(np.float64), np.abs(k).astype(np.float64),
                                       mode, boundary, abs(fillvalue)))
        bound = 2 * (k.size + 1) * eps * magnitude + np.finfo(expected.dtype).tiny
        assert np.all(np.abs(host - expected) <= bound), f"{func} {mode} {boundary}"
    return got
