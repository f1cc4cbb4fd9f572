"""corr2d.ndimage.correlate/convolve against scipy.ndimage: modes, origins,
dtypes, output dtypes and arrays, axes (stacks), aliasing, methods, errors."""
import numpy as np
import pytest
import scipy.ndimage as ndi
from hypothesis import given, settings
from hypothesis import strategies as st

import corr2d
from corr2d import ndimage as cn

MODES = ["reflect", "constant", "nearest", "mirror", "wrap",
         "grid-mirror", "grid-constant", "grid-wrap"]
FUNCS = ["correlate", "convolve"]


NUMPY_PAD = {"reflect": "symmetric", "grid-mirror": "symmetric", "mirror": "reflect",
             "nearest": "edge", "wrap": "wrap", "grid-wrap": "wrap", "constant": "constant",
             "grid-constant": "constant"}


def pad_reference(func, x, w, mode="reflect", cval=0.0, origin=0):
    """ndimage's correlate/convolve of a 2-D `x` by its definition: numpy.pad
    by the mode, then every window's sum (complex128 arithmetic)."""
    w = np.asarray(w)
    o = np.broadcast_to(origin, (2,)).astype(int)
    if func == "convolve":
        w = w[::-1, ::-1]
        o = -o - (1 - np.array(w.shape) % 2)
    elif np.iscomplexobj(w):
        w = w.conj()
    (kh, kw), (top, left) = w.shape, np.array(w.shape) // 2 + o
    extra = {"constant_values": cval} if NUMPY_PAD[mode] == "constant" else {}
    padded = np.pad(x.astype(np.complex128), ((top, kh - 1 - top), (left, kw - 1 - left)),
                    mode=NUMPY_PAD[mode], **extra)
    out = np.einsum("ijkl,kl->ij", np.lib.stride_tricks.sliding_window_view(padded, w.shape), w)
    return out if np.iscomplexobj(x) or np.iscomplexobj(w) else out.real


def oracle(func, x, w, **kwargs):
    """scipy.ndimage's answer, where it follows its own definition: for
    weights larger than the image along an axis, its extension is
    inconsistent (a (2, 2) image of two equal rows can get two different
    rows with a non-zero origin), and the definition (pad_reference) is the
    oracle there."""
    if all(k <= n for k, n in zip(np.shape(w), np.shape(x))):
        return getattr(ndi, func)(x, w, **kwargs)
    return pad_reference(func, x, w, **kwargs)


def _scale_bound(x, w, mode, cval, origin, func, axes=None):
    """The window sums of |x| |w| (with the mode's values) in float64: the
    scale of each output's rounding error."""
    a, b = np.abs(x).astype(np.float64), np.abs(w).astype(np.float64)
    if axes is None:
        return oracle(func, a, b, mode=mode, cval=abs(cval), origin=origin)
    return getattr(ndi, func)(a, b, mode=mode, cval=abs(cval), origin=origin, axes=axes)


def test_ndimage_disagrees_with_its_definition_for_kernels_larger_than_the_image():
    """Why `oracle` leaves ndimage there: two equal rows, two answers."""
    x = np.array([[17.0, 12.0], [17.0, 12.0]])
    w = np.array([[0, -1, -0.75, -2, -1.75, -2, -1.5, 1.25, 0.75],
                  [1.75, 0, 0.5, 2, 1, 0.5, 0.25, 0.25, 1.75]])
    theirs = ndi.correlate(x, w, mode="reflect", origin=(0, 4))
    ours = cn.correlate(x, w, mode="reflect", origin=(0, 4))
    assert not np.array_equal(theirs[0], theirs[1])
    np.testing.assert_array_equal(ours[0], ours[1])
    np.testing.assert_allclose(ours, pad_reference("correlate", x, w, "reflect", 0.0, (0, 4)))


@st.composite
def calls(draw, max_side=14):
    h, w = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    kh, kw = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    origin = (draw(st.integers(-(kh // 2), (kh - 1) // 2)),
              draw(st.integers(-(kw // 2), (kw - 1) // 2)))
    if draw(st.booleans()) and kh == kw:
        origin = origin[0]  # one int for both axes
    mode = draw(st.sampled_from(MODES))
    cval = draw(st.sampled_from([0.0, 1.5, -3.25]))
    func = draw(st.sampled_from(FUNCS))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng, (h, w), (kh, kw), origin, mode, cval, func


@settings(max_examples=250, deadline=None)
@given(calls(), st.sampled_from(["float32", "float64"]))
def test_floats_match_ndimage_within_rounding(call, dtype):
    rng, shape, kshape, origin, mode, cval, func = call
    x = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal(kshape)
    got = getattr(cn, func)(x, w, mode=mode, cval=cval, origin=origin)
    want = oracle(func, x.astype(np.float64), w, mode=mode, cval=cval, origin=origin)
    assert got.dtype == np.dtype(dtype)
    eps = np.finfo(dtype).eps
    # Each sum of kh*kw products rounds at most kh*kw times, then once to the output.
    bound = (w.size + 1) * eps * _scale_bound(x, w, mode, cval, origin, func)
    assert np.all(np.abs(got - want) <= bound), (np.abs(got - want) / bound).max()


@settings(max_examples=150, deadline=None)
@given(calls(), st.sampled_from(["uint8", "int8", "int16", "uint16", "int32", "int64", "bool"]),
       st.sampled_from([None, "same", "float32", "float64", "int16", "int32", "uint8"]))
def test_integer_inputs_and_outputs_equal_ndimage(call, dtype, out_dtype):
    """Integer data and quarter-integer weights: every sum is exact in
    float64 and float32, so truncation toward zero must match exactly."""
    rng, shape, kshape, origin, mode, cval, func = call
    info = np.iinfo(dtype) if dtype != "bool" else None
    lo, hi = (0, 2) if info is None else (max(info.min, -20), min(info.max, 20))
    x = rng.integers(lo, hi, shape).astype(dtype)
    w = rng.integers(-8, 9, kshape) / 4.0
    cval = float(np.trunc(cval))
    output = np.dtype(dtype if out_dtype == "same" else out_dtype) if out_dtype else None
    got = getattr(cn, func)(x, w, output=output, mode=mode, cval=cval, origin=origin)
    want = getattr(ndi, func)(x, w, output=output, mode=mode, cval=cval, origin=origin)
    assert got.dtype == want.dtype
    exact = oracle(func, x.astype(np.float64), w, mode=mode, cval=cval, origin=origin)
    if not all(k <= n for k, n in zip(kshape, shape)):  # ndimage's own extension is off here
        want = exact.astype(got.dtype) if got.dtype.kind == "f" else np.trunc(exact)
        want = (want != 0) if got.dtype.kind == "b" else want
    if got.dtype.kind in "iub":
        # Out of the output type's range ndimage's C cast is undefined: compare in range.
        rng_info = np.iinfo(got.dtype) if got.dtype.kind != "b" else None
        inside = (np.ones(exact.shape, bool) if rng_info is None
                  else (exact > rng_info.min - 1) & (exact < rng_info.max + 1))
        np.testing.assert_array_equal(got[inside], want[inside].astype(got.dtype))
    else:
        np.testing.assert_array_equal(got, want)


@settings(max_examples=200, deadline=None)
@given(calls(), st.sampled_from(["uint8", "int16", "float32", "float64"]),
       st.sampled_from(["uint8", "int16", "int32", "int64"]),
       st.sampled_from(["normal", "mean", "tiny"]))
def test_integer_outputs_truncate_ndimage_s_own_sums(call, dtype, out_dtype, weights):
    """Any float weights (a 3x3 mean's 1/9 among them): a sum within a
    rounding of an integer truncates to ndimage's integer only when it is
    rounded as ndimage's (the direct loops' fused, regrouped sums put a
    uint8 mean one below ndimage on 3.5% of its pixels). Weights within
    DBL_EPSILON of 0 are left out, as ndimage leaves them."""
    rng, shape, kshape, origin, mode, cval, func = call
    if not all(k <= n for k, n in zip(kshape, shape)):
        return  # ndimage's own extension is off there (see `oracle`)
    x = rng.uniform(0, 255, shape)
    x = x.astype(dtype) if dtype.startswith("float") else np.round(x).astype(dtype)
    if weights == "mean":
        w = np.full(kshape, 1.0 / (kshape[0] * kshape[1]))
    else:
        w = rng.standard_normal(kshape)
        if weights == "tiny":
            w[rng.random(kshape) < 0.3] = rng.choice([1e-17, -2.2e-16, np.finfo(float).eps])
    got = getattr(cn, func)(x, w, output=np.dtype(out_dtype), mode=mode, cval=cval,
                            origin=origin)
    want = getattr(ndi, func)(x, w, output=np.dtype(out_dtype), mode=mode, cval=cval,
                              origin=origin)
    sums = getattr(ndi, func)(x, w, output=np.float64, mode=mode, cval=cval, origin=origin)
    info = np.iinfo(out_dtype)  # out of range ndimage's C cast is undefined
    inside = (sums > info.min - 1) & (sums < info.max + 1)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got[inside], want[inside])


def test_interpolate_gives_ndimage_s_integers_where_nothing_is_missing():
    """nan_policy='interpolate' with nothing to leave out equals
    'propagate': into an integer output, ndimage's own sums (it truncated
    normalized sums: 3.5% of a uint8 mean's pixels one below)."""
    x = np.random.default_rng(0).integers(0, 256, (200, 200)).astype(np.uint8)
    w = np.full((3, 3), 1 / 9)
    want = ndi.correlate(x, w)
    for mask in (None, np.zeros(x.shape, bool)):
        np.testing.assert_array_equal(cn.correlate(x, w, nan_policy="interpolate", mask=mask),
                                      want)
    np.testing.assert_array_equal(
        cn.correlate(x.astype(np.float32), w, output=np.uint8, nan_policy="interpolate"), want)
    # One masked sample: the outputs far from it are still ndimage's (the
    # bands without a missing sample ran the direct loops).
    mask = np.zeros(x.shape, bool)
    mask[0, 0] = True
    got = cn.correlate(x, w, nan_policy="interpolate", mask=mask)
    np.testing.assert_array_equal(got[100:, 100:], want[100:, 100:])


@settings(max_examples=120, deadline=None)
@given(calls(), st.sampled_from(["complex64", "complex128", "float64"]),
       st.sampled_from(["float64", "complex128"]))
def test_complex_matches_ndimage(call, dtype, wdtype):
    rng, shape, kshape, origin, mode, cval, func = call
    x = rng.standard_normal(shape) + (1j * rng.standard_normal(shape) if dtype[0] == "c" else 0)
    x = x.astype(dtype)
    w = rng.standard_normal(kshape) + (1j * rng.standard_normal(kshape) if wdtype[0] == "c" else 0)
    if np.iscomplexobj(x):
        cval = complex(cval, -cval / 2)
    got = getattr(cn, func)(x, w, mode=mode, cval=cval, origin=origin)
    want = oracle(func, x.astype(np.complex128) if dtype[0] == "c" else x, w, mode=mode,
                  cval=cval, origin=origin)
    complex_result = np.iscomplexobj(x) or np.iscomplexobj(w)
    assert got.dtype == (np.promote_types(x.dtype, np.complex64) if complex_result else x.dtype)
    eps = np.finfo(got.dtype).eps
    bound = 2 * (w.size + 1) * eps * _scale_bound(x, w, mode, abs(cval), origin, func)
    assert np.all(np.abs(got - want) <= bound)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(MODES), st.sampled_from(FUNCS),
       st.sampled_from([(0, 1), (1, 2), (2, 0), (-1, -3), (3, 1)]))
def test_axes_filter_each_plane_as_ndimage(seed, mode, func, axes):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, 9, 7, 4))
    w = rng.standard_normal((3, 2))
    got = getattr(cn, func)(x, w, mode=mode, cval=0.5, origin=(0, -1), axes=axes)
    want = getattr(ndi, func)(x, w, mode=mode, cval=0.5, origin=(0, -1), axes=axes)
    bound = (w.size + 1) * np.finfo(np.float64).eps * _scale_bound(
        x, w, mode, 0.5, (0, -1), func, axes=axes)
    assert np.all(np.abs(got - want) <= bound)


@pytest.mark.parametrize("func", FUNCS)
def test_origin_follows_the_order_of_axes_on_2d_input(func):
    """ndimage ignores the order of `axes` for a 2-D input (origin[0] stays
    with axis 0, against its own docs); corr2d keeps origin[i] with axes[i]."""
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((9, 8)), rng.standard_normal((4, 5))
    got = getattr(cn, func)(x, w, origin=(-2, 1), axes=(1, 0))
    np.testing.assert_allclose(got, getattr(ndi, func)(x, w, origin=(1, -2)), rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(got, getattr(cn, func)(x, w, origin=(1, -2)), rtol=0, atol=0)


def test_large_stack_uses_threads_and_is_bit_identical():
    """Many small planes run one per thread; the result does not depend on
    the thread count, and equals ndimage's."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((40, 64, 64)).astype(np.float32)
    w = rng.standard_normal((5, 5)).astype(np.float32)
    one = cn.correlate(x, w, axes=(1, 2), threads=1)
    for threads in (2, 3):
        np.testing.assert_array_equal(cn.correlate(x, w, axes=(1, 2), threads=threads), one)
    want = ndi.correlate(x.astype(np.float64), w.astype(np.float64), axes=(1, 2))
    assert np.abs(one - want).max() <= 26 * np.finfo(np.float32).eps * _scale_bound(
        x, w, "reflect", 0.0, 0, "correlate", axes=(1, 2)).max()


@pytest.mark.parametrize("method", ["fft", "separable", "auto"])
@pytest.mark.parametrize("mode", MODES)
def test_methods_agree_with_ndimage(method, mode):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 60, 50))
    g = np.exp(-np.linspace(-2, 2, 21) ** 2)
    w = np.outer(g, g[:15]) if method == "separable" else rng.standard_normal((21, 15))
    got = cn.convolve(x, w, mode=mode, cval=2.0, origin=(-3, 2), axes=(1, 2), method=method)
    want = ndi.convolve(x, w, mode=mode, cval=2.0, origin=(-3, 2), axes=(1, 2))
    scale = max(np.abs(x).max(), 2.0) * np.abs(w).sum()  # max|x| (cval too) * sum|w|
    # The FFT bound of corr2d.correlate2d, with a generous transform size.
    assert np.abs(got - want).max() <= 2 * np.finfo(float).eps * np.log2(256 * 256) * scale


@pytest.mark.parametrize("kernel", ["random", "rank1"])
def test_integer_images_and_outputs_get_the_exact_truncated_sums(kernel):
    """Large kernels, where 'auto' would take the FFT or the separable
    passes for float data: an integer image's sums are exact integers (as
    ndimage's, in float64), and their rounding would truncate 4031 to 4030."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 10, (300, 300)).astype(np.int32)
    if kernel == "random":
        w = rng.integers(0, 3, (31, 31)).astype(np.int32)
    else:
        u = rng.integers(1, 4, 41)
        w = np.outer(u, u).astype(np.int32)
    assert corr2d.choose_method(x.astype(float), w.astype(float), "same") != "direct"
    for func in FUNCS:
        want = getattr(ndi, func)(x, w)
        np.testing.assert_array_equal(getattr(cn, func)(x, w), want)
        # A float image whose sums are integers, into an integer output.
        np.testing.assert_array_equal(getattr(cn, func)(x.astype(float), w, output=np.int32),
                                      want)
        for method in ("fft", "separable"):
            with pytest.raises(ValueError, match="exact sums"):
                getattr(cn, func)(x, w, method=method)


def test_integer_images_with_float_weights_into_float_outputs_take_any_method():
    """Their sums round whatever the method: a uint8 image's Gaussian into
    float64 ran direct, 14x slower than the same data as float64."""
    from corr2d.filters import gaussian_kernel1d

    g = gaussian_kernel1d(8.0, 20)
    k = np.outer(g, g)
    x = np.random.default_rng(2).integers(0, 256, (256, 256)).astype(np.uint8)
    want = cn.correlate(x.astype(np.float64), k)
    assert corr2d.choose_method(x.astype(np.float64), k, "same", "symm") != "direct"
    np.testing.assert_array_equal(cn.correlate(x, k, output=np.float64), want)
    separable = cn.correlate(x, k, output=np.float64, method="separable")
    # The separable bound: a few max(kh, kw) eps max|k| sum|x| over a window.
    bound = 4 * 41 * np.finfo(float).eps * np.abs(k).max() * 255 * k.size
    np.testing.assert_allclose(separable, want, rtol=0, atol=bound)


@pytest.mark.parametrize("mode", MODES)
def test_kernels_larger_than_the_image(mode):
    rng = np.random.default_rng(11)
    x, w = rng.standard_normal((3, 2)), rng.standard_normal((9, 8))
    for func in FUNCS:
        got = getattr(cn, func)(x, w, mode=mode, cval=1.25)
        want = pad_reference(func, x, w, mode, 1.25)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_output_array_is_filled_and_returned():
    x = np.arange(30.0).reshape(5, 6)
    w = np.array([[1.0, -2.0], [0.5, 3.0]])
    out = np.empty((5, 6), np.float32)
    result = cn.correlate(x, w, output=out, mode="nearest")
    assert result is out
    np.testing.assert_allclose(out, ndi.correlate(x, w, mode="nearest"), rtol=1e-6)


@pytest.mark.parametrize("func", FUNCS)
def test_output_may_be_the_input(func):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 20, 30))
    w = rng.standard_normal((4, 3))
    want = getattr(ndi, func)(x, w, mode="wrap", axes=(1, 2))
    y = x.copy()
    assert getattr(cn, func)(y, w, output=y, mode="wrap", axes=(1, 2)) is y
    np.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-12)
    # An output that overlaps the input with another layout.
    z = x[0].copy()
    getattr(cn, func)(z, w, output=z.T.T, mode="wrap")
    np.testing.assert_allclose(z, getattr(ndi, func)(x[0], w, mode="wrap"), rtol=1e-12,
                               atol=1e-12)


@pytest.mark.parametrize("nan_policy", ["propagate", "interpolate"])
@pytest.mark.parametrize("method", ["direct", "auto", "fft"])
@pytest.mark.parametrize("func", FUNCS)
def test_output_may_be_the_weights(func, method, nan_policy):
    # ndimage copies an output that overlaps an operand; the weights are one.
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    want = getattr(ndi, func)(x, w)
    w2 = w.copy()
    getattr(cn, func)(x, w2, output=w2, method=method, nan_policy=nan_policy)
    np.testing.assert_allclose(w2, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("origin", [np.array(1), range(-1, 1), (np.int8(0), 1)])
def test_origin_may_be_a_0d_array_or_any_sequence(origin):
    x = np.random.default_rng(7).standard_normal((6, 7))
    w = np.random.default_rng(8).standard_normal((3, 3))
    np.testing.assert_allclose(cn.correlate(x, w, origin=origin),
                               ndi.correlate(x, w, origin=origin), rtol=1e-12, atol=1e-12)


def test_non_native_and_strided_arrays():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((40, 60)).astype(">f8")[::2, ::3]
    w = rng.standard_normal((3, 5)).astype(">f4")
    out = np.empty(x.shape, ">f8")
    cn.correlate(x, w, output=out, mode="mirror")
    np.testing.assert_allclose(out, ndi.correlate(x, w, mode="mirror"), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", [">f8", ">f4", ">i4", ">c16"])
def test_a_new_result_is_native_as_ndimage_s(dtype):
    x = np.arange(20).reshape(4, 5).astype(dtype)
    w = np.ones((3, 3))
    got, want = cn.correlate(x, w), ndi.correlate(x, w)
    assert got.dtype == want.dtype and got.dtype.isnative
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert corr2d.filters.sobel(x.real if dtype != ">c16" else x.real.astype(">f8")).dtype.isnative


def test_float16_and_longdouble_are_computed_wider_or_as_is():
    x = np.arange(12.0).reshape(3, 4)
    w = np.array([[0.5, 0.25], [1.0, -1.0]])
    h = cn.correlate(x.astype(np.float16), w)
    assert h.dtype == np.float16
    np.testing.assert_allclose(h, ndi.correlate(x, w), rtol=1e-3)
    ld = cn.correlate(x.astype(np.longdouble), w)
    assert ld.dtype == np.longdouble
    np.testing.assert_allclose(ld.astype(float), ndi.correlate(x, w), rtol=1e-15)


def test_non_native_float32_and_complex64_are_computed_as_float32():
    """The compute dtype does not depend on the byte order: '>f4' sums in
    float32 as '<f4' does, bit for bit."""
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((30, 40)), rng.standard_normal((5, 5))
    for dtype in (np.float32, np.complex64):
        native = x.astype(dtype)
        swapped = native.astype(native.dtype.newbyteorder(">"))
        np.testing.assert_array_equal(cn.correlate(swapped, w.astype(dtype)),
                                      cn.correlate(native, w.astype(dtype)))


def test_an_output_sharing_the_mask_s_memory_is_written_after_the_mask_is_read():
    """nan_policy='interpolate' reads the mask band by band while it writes
    the output: an output on the mask's memory (the caller's own buffer,
    as ndimage allows for the input) gives the same result."""
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((10, 300)), rng.standard_normal((5, 5))
    for dtype in (bool, np.int8):
        mask = rng.random((10, 300)) < 0.3
        expected = cn.correlate(x, w, nan_policy="interpolate", mask=mask,
                                output=np.empty((10, 300), dtype))
        output = mask if dtype is bool else mask.view(np.int8)
        got = cn.correlate(x, w, nan_policy="interpolate", mask=mask, output=output)
        assert got is output
        np.testing.assert_array_equal(got, expected)


def test_empty_input_gives_empty_output():
    out = cn.correlate(np.ones((0, 4)), np.ones((2, 2)))
    assert out.shape == (0, 4) and out.dtype == np.float64


def test_zero_weights_are_kept_so_nan_spreads():
    """The documented difference: ndimage drops zero weights from the
    footprint, corr2d multiplies them (0 * NaN is NaN)."""
    x = np.ones((5, 5)); x[2, 2] = np.nan
    w = np.array([[1.0, 0.0, 1.0]])
    ours = cn.correlate(x, w)
    assert np.isnan(ours[2, 2]) and not np.isnan(ndi.correlate(x, w)[2, 2])


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(weights=np.ones(3)), ValueError, "weights must be 2-D"),
    (dict(weights=np.ones((0, 3))), ValueError, "weights are empty"),
    (dict(input=np.ones((2, 3, 4))), ValueError, "axes=(-2, -1)"),
    (dict(input=np.ones(5)), ValueError, "at least 2 dimensions"),
    (dict(axes=(0, 0)), ValueError, "two different axes"),
    (dict(axes=(0, 2)), ValueError, "out of range"),
    (dict(axes=(0,)), ValueError, "two ints"),
    (dict(axes=(0, 1.0)), TypeError, "axes"),
    (dict(mode="edge"), ValueError, "mode must be one of"),
    (dict(mode=["reflect", "wrap"]), ValueError, "one mode for both axes"),
    (dict(origin=2), ValueError, "origin 2 is out of range"),
    (dict(origin=(0, 0, 0)), ValueError, "origin"),
    (dict(origin=0.5), TypeError, "origin"),
    (dict(cval=1j), ValueError, "cval is complex"),
    (dict(cval="a"), TypeError, "cval"),
    (dict(output=np.ones((3, 3))), ValueError, "output has shape"),
    (dict(output="U3"), TypeError, "numeric dtype"),
    (dict(output=[1, 2]), TypeError, "output"),
    (dict(output=np.float64(0.0)), TypeError, "output must be an array or a dtype"),
    (dict(weights=np.ones((2, 2), complex), output="float64"), ValueError, "complex dtype"),
    (dict(weights=np.ones((2, 2), complex), output=np.ones((4, 5))), ValueError,
     "complex dtype"),
    (dict(input=np.array([["a"]])), TypeError, "input must be a numeric array"),
    (dict(input=None), TypeError, "input must be an array"),
    (dict(threads=0), ValueError, "threads"),
    (dict(method="best"), ValueError, "method"),
])
def test_errors_name_the_argument(kwargs, error, words):
    args = dict(input=np.ones((4, 5)), weights=np.ones((3, 3)))
    args.update(kwargs)
    with pytest.raises(error, match="correlate: ") as info:
        cn.correlate(**args)
    assert words in str(info.value)


def test_real_output_dtype_is_promoted_for_complex_results_with_a_warning():
    x, w = np.ones((3, 3)), np.ones((2, 2), complex)
    with pytest.warns(UserWarning, match="promoting"):
        got = cn.correlate(x, w, output=np.float32)
    with pytest.warns(UserWarning, match="promoting"):
        want = ndi.correlate(x, w, output=np.float32)
    assert got.dtype == want.dtype == np.complex64
    np.testing.assert_allclose(got, want)


def test_read_only_output_is_refused():
    out = np.empty((4, 4)); out.flags.writeable = False
    with pytest.raises(ValueError, match="convolve: output is read-only"):
        cn.convolve(np.ones((4, 4)), np.ones((2, 2)), output=out)


def test_public_names():
    assert corr2d.ndimage.correlate is cn.correlate
    assert "ndimage" in corr2d.__all__
