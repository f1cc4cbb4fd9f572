"""corr2d.correlate2d/convolve2d against scipy.signal over modes, boundaries,
dtypes, shapes (kernels larger than the image included) and layouts."""
import itertools

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

import corr2d
from reference import correlate2d_reference

MODES = ["full", "same", "valid"]
BOUNDARIES = ["fill", "wrap", "symm"]
FUNCS = {
    "correlate2d": (corr2d.correlate2d, scipy.signal.correlate2d),
    "convolve2d": (corr2d.convolve2d, scipy.signal.convolve2d),
}
DTYPES = [
    np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64,
    np.float32, np.float64, np.longdouble, np.complex64, np.complex128, np.clongdouble,
]


def small_values(rng, shape, dtype):
    """Small integers: every sum is exact in every dtype, so results must be
    bit-identical to SciPy's whatever the order of summation."""
    dtype = np.dtype(dtype)
    lo = 0 if dtype.kind == "u" else -4
    values = rng.integers(lo, 5, shape)
    if dtype.kind == "c":
        values = values + 1j * rng.integers(-4, 5, shape)
    return values.astype(dtype)


def valid_shapes_ok(s1, s2):
    return all(a >= b for a, b in zip(s1, s2)) or all(b >= a for a, b in zip(s1, s2))


@settings(max_examples=300, deadline=None)
@given(
    h=st.integers(1, 9), w=st.integers(1, 9), kh=st.integers(1, 11), kw=st.integers(1, 11),
    mode=st.sampled_from(MODES), boundary=st.sampled_from(BOUNDARIES),
    func=st.sampled_from(sorted(FUNCS)), dtype=st.sampled_from(DTYPES),
    fillvalue=st.integers(-3, 3), seed=st.integers(0, 2**32 - 1),
)
def test_exact_agreement_with_scipy(h, w, kh, kw, mode, boundary, func, dtype, fillvalue, seed):
    if mode == "valid" and not valid_shapes_ok((h, w), (kh, kw)):
        return
    if np.dtype(dtype).kind == "u":
        fillvalue = abs(fillvalue)
    rng = np.random.default_rng(seed)
    x = small_values(rng, (h, w), dtype)
    k = small_values(rng, (kh, kw), dtype)
    ours, theirs = FUNCS[func]
    got = ours(x, k, mode, boundary, fillvalue)
    expected = theirs(x, k, mode, boundary, fillvalue)
    assert got.dtype == expected.dtype
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.int64, np.uint64])
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_integer_overflow_wraps_like_scipy(dtype, boundary):
    info = np.iinfo(dtype)
    rng = np.random.default_rng(3)
    x = rng.integers(info.min, info.max, (13, 17), dtype=dtype, endpoint=True)
    k = rng.integers(info.min, info.max, (4, 3), dtype=dtype, endpoint=True)
    for mode in MODES:
        for func, (ours, theirs) in FUNCS.items():
            np.testing.assert_array_equal(
                ours(x, k, mode, boundary, 7), theirs(x, k, mode, boundary, 7), err_msg=f"{func} {mode}"
            )


@settings(max_examples=150, deadline=None)
@given(
    h=st.integers(1, 40), w=st.integers(1, 70), kh=st.integers(1, 13), kw=st.integers(1, 13),
    mode=st.sampled_from(MODES), boundary=st.sampled_from(BOUNDARIES),
    func=st.sampled_from(sorted(FUNCS)), dtype=st.sampled_from([np.float32, np.float64, np.complex128]),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_floats_within_rounding_of_scipy(h, w, kh, kw, mode, boundary, func, dtype, seed):
    """Arbitrary floats: the difference from SciPy is bounded by the
    standard error bound of a dot product of length kh*kw (for both sides)."""
    if mode == "valid" and not valid_shapes_ok((h, w), (kh, kw)):
        return
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((h, w)).astype(dtype)
    k = rng.standard_normal((kh, kw)).astype(dtype)
    fill = 0.5
    ours, theirs = FUNCS[func]
    got = ours(x, k, mode, boundary, fill)
    expected = theirs(x, k, mode, boundary, fill)
    assert got.dtype == expected.dtype
    # Magnitude of the terms summed for each output: the same computation on |x|, |k|.
    magnitude = np.abs(theirs(np.abs(x).astype(np.float64), np.abs(k).astype(np.float64), mode, boundary, abs(fill)))
    eps = np.finfo(np.dtype(dtype)).eps
    bound = 2 * (kh * kw + 1) * eps * magnitude + np.finfo(np.dtype(dtype)).tiny
    assert np.all(np.abs(got - expected) <= bound)


@pytest.mark.parametrize("mode,boundary", list(itertools.product(MODES, BOUNDARIES)))
def test_large_image_all_simd_paths(mode, boundary):
    """Sizes where the vectorised interior (paired rows, and four rows at a
    time for kernels of 5 rows or more), its tails and OpenMP all run."""
    rng = np.random.default_rng(5)
    for dtype in (np.float32, np.float64):
        x = rng.integers(-8, 8, (150, 203)).astype(dtype)
        for kshape in [(3, 3), (5, 5), (4, 6), (11, 11), (1, 31), (7, 2), (16, 5)]:
            k = rng.integers(-8, 8, kshape).astype(dtype)
            for func, (ours, theirs) in FUNCS.items():
                np.testing.assert_array_equal(
                    ours(x, k, mode, boundary, 1.0, threads=2), theirs(x, k, mode, boundary, 1.0),
                    err_msg=f"{func} {kshape} {np.dtype(dtype).name}",
                )


@pytest.mark.parametrize("level", ["baseline", "avx2", "avx512"])
def test_every_simd_level_agrees(level):
    from corr2d import _ccore

    if not _ccore.force_simd_level(level):
        pytest.skip(f"this CPU cannot run {level}")
    try:
        rng = np.random.default_rng(6)
        for dtype in (np.float32, np.float64):
            x = rng.integers(-8, 8, (37, 101)).astype(dtype)
            for kshape in [(3, 3), (2, 7), (9, 4)]:
                k = rng.integers(-8, 8, kshape).astype(dtype)
                for mode, boundary in itertools.product(MODES, BOUNDARIES):
                    np.testing.assert_array_equal(
                        corr2d.correlate2d(x, k, mode, boundary, 2),
                        scipy.signal.correlate2d(x, k, mode, boundary, 2),
                    )
    finally:
        _ccore.force_simd_level(None)


def test_valid_mode_swaps_inputs_like_scipy():
    rng = np.random.default_rng(7)
    small = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
    big = rng.standard_normal((4, 5)) + 1j * rng.standard_normal((4, 5))
    for boundary in BOUNDARIES:
        for func, (ours, theirs) in FUNCS.items():
            got = ours(small, big, "valid", boundary)
            np.testing.assert_allclose(got, theirs(small, big, "valid", boundary), rtol=1e-13, atol=1e-13)
    # correlate2d flips the output of the swapped call and does not conjugate it.
    np.testing.assert_allclose(
        corr2d.correlate2d(small, big, "valid"),
        corr2d.correlate2d(big, small, "valid")[::-1, ::-1],
        rtol=1e-13,
    )


def test_kernel_larger_than_image_same_and_full_follow_the_extension():
    """scipy#12685: outside 'valid' mode in1 is always the extended image,
    even when in2 is larger; we follow SciPy's (documented) definition."""
    rng = np.random.default_rng(8)
    a = rng.integers(-5, 5, (4, 3)).astype(float)
    b = rng.integers(-5, 5, (4, 4)).astype(float)
    for mode in ("same", "full"):
        for boundary in BOUNDARIES:
            np.testing.assert_array_equal(
                corr2d.correlate2d(a, b, mode, boundary),
                correlate2d_reference(a, b, mode, boundary),
            )
            np.testing.assert_array_equal(
                corr2d.correlate2d(a, b, mode, boundary), scipy.signal.correlate2d(a, b, mode, boundary)
            )


@settings(max_examples=100, deadline=None)
@given(
    h=st.integers(1, 12), w=st.integers(1, 12), kh=st.integers(1, 6), kw=st.integers(1, 6),
    mode=st.sampled_from(MODES), boundary=st.sampled_from(BOUNDARIES), seed=st.integers(0, 2**32 - 1),
)
def test_convolution_is_correlation_with_flipped_kernel(h, w, kh, kw, mode, boundary, seed):
    if h < kh or w < kw:
        return
    rng = np.random.default_rng(seed)
    x = rng.integers(-5, 5, (h, w)).astype(np.complex128)
    k = (rng.integers(-5, 5, (kh, kw)) + 1j * rng.integers(-5, 5, (kh, kw))).astype(np.complex128)
    conv = corr2d.convolve2d(x, k, mode, boundary)
    corr = corr2d.correlate2d(x, k[::-1, ::-1].conj(), mode, boundary)
    if mode == "same" and (kh % 2 == 0 or kw % 2 == 0):
        # SciPy's one exception: even kernels centre differently in 'same'.
        full = corr2d.correlate2d(x, k[::-1, ::-1].conj(), "full", boundary)
        np.testing.assert_array_equal(conv, full[(kh - 1) // 2:(kh - 1) // 2 + h, (kw - 1) // 2:(kw - 1) // 2 + w])
    else:
        np.testing.assert_array_equal(conv, corr)


def test_complex_kernel_is_conjugated():
    np.testing.assert_array_equal(corr2d.correlate2d([[1]], [[2j]]), [[-2j]])
    np.testing.assert_array_equal(corr2d.convolve2d([[1]], [[2j]]), [[2j]])


@pytest.mark.parametrize("func", sorted(FUNCS))
def test_layouts_noncontiguous_byteswapped_and_lists(func):
    ours, theirs = FUNCS[func]
    rng = np.random.default_rng(9)
    base = rng.integers(-5, 5, (30, 40)).astype(np.float64)
    k = rng.integers(-5, 5, (3, 4)).astype(np.float64)
    variants = {
        "strided": base[::2, ::3],
        "fortran": np.asfortranarray(base),
        "negative": base[::-1, ::-1],
        "transposed": base.T,
        "byteswapped": base.astype(">f8"),
        "row": base[:1, :],
        "column": base[:, :1],
        "unaligned": np.frombuffer(b"\0" + base.tobytes(), dtype=np.float64, count=base.size, offset=1).reshape(base.shape),
    }
    for name, x in variants.items():
        for mode in MODES:
            kk = k if mode != "valid" or valid_shapes_ok(x.shape, k.shape) else k[:1, :1]
            np.testing.assert_array_equal(ours(x, kk, mode), theirs(x, kk, mode), err_msg=name)
            np.testing.assert_array_equal(ours(x, kk[::-1, ::2].astype(">f8"), mode), theirs(x, kk[::-1, ::2], mode), err_msg=name)
    np.testing.assert_array_equal(ours([[1, 2], [3, 4]], [[1, 0, 2]]), theirs([[1, 2], [3, 4]], [[1, 0, 2]]))


@pytest.mark.parametrize(
    "d1,d2",
    [(np.int8, np.float32), (np.int16, np.float32), (np.int32, np.float32), (np.uint64, np.int64),
     (np.float32, np.complex64), (np.bool_, np.int8), (np.uint8, np.int8), (np.float32, np.float64)],
)
def test_mixed_dtypes_promote_like_scipy(d1, d2):
    x = np.ones((4, 5), d1)
    k = np.ones((2, 2), d2)
    for ours, theirs in FUNCS.values():
        got, expected = ours(x, k), theirs(x, k)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)


FILLVALUES = [
    1.5, -1, 2**40, [1], [[2]], np.float32(3.5), np.int8(-2), np.int64(2**40), np.complex64(1 + 2j),
    np.array(1.5), np.array([3], np.int8), np.array(3, np.int64), True, 2 + 1j, float("nan"), [], [1, 2],
    np.array("1"), np.array(1, dtype=object),
]


@pytest.mark.parametrize("fillvalue", FILLVALUES, ids=repr)
@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float32, np.complex128])
@pytest.mark.filterwarnings("ignore")
def test_fillvalue_conversions_and_errors_like_scipy(fillvalue, dtype):
    x = np.arange(12).reshape(3, 4).astype(dtype)
    k = np.ones((2, 3), dtype)
    for ours, theirs in FUNCS.values():
        try:
            expected = theirs(x, k, fillvalue=fillvalue)
        except (ValueError, TypeError) as error:
            with pytest.raises(type(error), match="fillvalue"):
                ours(x, k, fillvalue=fillvalue)
        else:
            np.testing.assert_array_equal(ours(x, k, fillvalue=fillvalue), expected)


def test_fillvalue_ignored_for_other_boundaries():
    x = np.ones((3, 3))
    np.testing.assert_array_equal(
        corr2d.correlate2d(x, x, boundary="wrap", fillvalue=[1, 2]),
        scipy.signal.correlate2d(x, x, boundary="wrap", fillvalue=[1, 2]),
    )


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_huge_kernel_on_tiny_image_uses_tap_by_tap_edges(boundary):
    """A kernel so large that edge strips would exceed their memory cap
    (kh * (64 + kw - 1) > 2**18 elements) takes the fallback edge loop."""
    rng = np.random.default_rng(10)
    x = rng.integers(-3, 3, (3, 4)).astype(np.float64)
    k = rng.integers(-3, 3, (300, 900)).astype(np.float64)
    for func, (ours, theirs) in FUNCS.items():
        np.testing.assert_array_equal(ours(x, k, "same", boundary, 2), theirs(x, k, "same", boundary, 2), err_msg=func)
