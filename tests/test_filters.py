"""corr2d.filters against scipy.ndimage, every filter x boundary mode x dtype."""
import doctest
from fractions import Fraction

import numpy as np
import pytest
from scipy import ndimage

import corr2d.filters as filters

# ndimage's names, with the grid-* aliases it makes of them for filters.
MODES = ["reflect", "constant", "nearest", "mirror", "wrap", "grid-mirror", "grid-constant", "grid-wrap"]
DTYPES = [np.float32, np.float64]
SCHARR_SMOOTH = [3.0, 10.0, 3.0]


def ndimage_scharr(x, axis, mode, cval):
    """Scharr as scipy.ndimage would compute it (it has no scharr)."""
    out = ndimage.correlate1d(x, [-1.0, 0.0, 1.0], axis % 2, mode=mode, cval=cval)
    return ndimage.correlate1d(out, SCHARR_SMOOTH, 1 - axis % 2, mode=mode, cval=cval)


# (our call, ndimage's call, sum of |weights| of the whole operator)
CASES = {
    "sobel0": (lambda x, m, c: filters.sobel(x, 0, m, c), lambda x, m, c: ndimage.sobel(x, 0, mode=m, cval=c), 8),
    "sobel1": (lambda x, m, c: filters.sobel(x, 1, m, c), lambda x, m, c: ndimage.sobel(x, 1, mode=m, cval=c), 8),
    "sobel-1": (lambda x, m, c: filters.sobel(x, -1, m, c), lambda x, m, c: ndimage.sobel(x, -1, mode=m, cval=c), 8),
    "prewitt0": (lambda x, m, c: filters.prewitt(x, 0, m, c), lambda x, m, c: ndimage.prewitt(x, 0, mode=m, cval=c), 6),
    "prewitt1": (lambda x, m, c: filters.prewitt(x, 1, m, c), lambda x, m, c: ndimage.prewitt(x, 1, mode=m, cval=c), 6),
    "scharr0": (lambda x, m, c: filters.scharr(x, 0, m, c), lambda x, m, c: ndimage_scharr(x, 0, m, c), 32),
    "scharr1": (lambda x, m, c: filters.scharr(x, 1, m, c), lambda x, m, c: ndimage_scharr(x, 1, m, c), 32),
    "laplace": (lambda x, m, c: filters.laplace(x, m, c), lambda x, m, c: ndimage.laplace(x, mode=m, cval=c), 8),
    "gaussian1.5": (
        lambda x, m, c: filters.gaussian(x, 1.5, m, c),
        lambda x, m, c: ndimage.gaussian_filter(x, 1.5, mode=m, cval=c),
        1,
    ),
    "gaussian(0.7,2.2)": (
        lambda x, m, c: filters.gaussian(x, (0.7, 2.2), m, c),
        lambda x, m, c: ndimage.gaussian_filter(x, (0.7, 2.2), mode=m, cval=c),
        1,
    ),
    "gaussian(0,1)": (
        lambda x, m, c: filters.gaussian(x, (0, 1.0), m, c),
        lambda x, m, c: ndimage.gaussian_filter(x, (0, 1.0), mode=m, cval=c),
        1,
    ),
    "difference0": (
        lambda x, m, c: filters.difference(x, 0, m, c),
        lambda x, m, c: ndimage.correlate1d(x, [1.0, -1.0], 0, mode=m, cval=c, origin=-1),
        2,
    ),
    "difference1": (
        lambda x, m, c: filters.difference(x, 1, m, c),
        lambda x, m, c: ndimage.correlate1d(x, [1.0, -1.0], 1, mode=m, cval=c, origin=-1),
        2,
    ),
}


def assert_matches(ours, ref, dtype, scale):
    """Equal up to a few roundings of the dtype, relative to the data's scale."""
    assert ours.dtype == dtype
    assert ours.shape == ref.shape
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(ours, ref, rtol=0, atol=16 * eps * scale)


MODES_CVALS = [(mode, 0.0) for mode in MODES] + [("constant", 1.5)]


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("mode,cval", MODES_CVALS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_matches_ndimage(case, mode, cval, dtype):
    ours_fn, ref_fn, weight = CASES[case]
    x = np.random.default_rng(7).uniform(-3, 3, (9, 11)).astype(dtype)
    ours = ours_fn(x, mode, cval)
    ref = ref_fn(x, mode, cval)
    assert_matches(ours, ref, dtype, weight * max(3.0, abs(cval)))


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (1, 5), (4, 1)])
def test_tiny_images_kernel_wider_than_image(case, mode, shape):
    ours_fn, ref_fn, weight = CASES[case]
    x = np.random.default_rng(1).uniform(-3, 3, shape)
    assert_matches(ours_fn(x, mode, 0.5), ref_fn(x, mode, 0.5), np.float64, weight * 3)


@pytest.mark.parametrize("mode", MODES)
def test_gaussian_large_sigma_on_small_image(mode):
    x = np.random.default_rng(2).uniform(0, 1, (5, 4))
    ours = filters.gaussian(x, 3.0, mode=mode, cval=0.25)
    ref = ndimage.gaussian_filter(x, 3.0, mode=mode, cval=0.25)
    assert_matches(ours, ref, np.float64, 1)


@pytest.mark.parametrize("dtype, sigma", [(np.float32, 20.0), (np.float64, 60.0)])
def test_gaussian_error_is_relative_to_each_output_s_window(dtype, sigma):
    # A bright sample far from a dim block: ndimage's error at an output is
    # relative to the samples its own window holds. 'auto' took the FFT for
    # large sigmas, whose error is relative to the image's largest sample:
    # 2e-2 (float32) where ndimage gives 0, 1e-11 in float64.
    x = np.zeros((300, 300), dtype)
    x[10, 10], x[200:, 200:] = 1e6, 1e-3
    got = filters.gaussian(x, sigma, mode="constant")
    ref = ndimage.gaussian_filter(x.astype(np.float64), sigma, mode="constant")
    local = ndimage.gaussian_filter(np.abs(x).astype(np.float64), sigma, mode="constant")
    taps = 2 * int(4 * sigma + 0.5) + 1
    # Two passes of `taps` products each (and the reference's own rounding).
    bound = (2 * taps + 8) * np.finfo(dtype).eps * local
    assert np.all(np.abs(got - ref) <= bound)
    assert np.all(got[ref == 0] == 0)


def test_gaussian_on_dask_keeps_the_error_of_memory():
    # The blocks run the method chosen for the whole image (never the FFT).
    da = pytest.importorskip("dask.array")
    x = np.zeros((600, 600), np.float32)
    x[10, 10], x[200:, 200:] = 1e6, 1e-3
    got = filters.gaussian(da.from_array(x, chunks=(256, 300)), 20.0, mode="constant").compute()
    ref = ndimage.gaussian_filter(x.astype(np.float64), 20.0, mode="constant")
    local = ndimage.gaussian_filter(np.abs(x).astype(np.float64), 20.0, mode="constant")
    assert np.all(np.abs(got - ref) <= (2 * 161 + 8) * np.finfo(np.float32).eps * local)


@pytest.mark.parametrize("mode", ["reflect", "constant", "wrap"])
def test_gaussian_wider_than_the_image_runs_its_1d_passes(mode, monkeypatch):
    # sigma 700 is a 5601^2 kernel: built whole, it took 2.8 s and 0.5 GiB.
    x = np.random.default_rng(2).uniform(0, 1, (4, 5))
    monkeypatch.setattr(filters, "_WHOLE_GAUSSIAN_TAPS", 100)
    ref = ndimage.gaussian_filter(x, 700.0, mode=mode, cval=0.25)
    assert_matches(filters.gaussian(x, 700.0, mode=mode, cval=0.25), ref, np.float64, 1)
    # Missing samples are weighed as by the whole kernel.
    x[1, 2] = np.nan
    passes = filters.gaussian(x, (6.0, 9.0), mode=mode, nan_policy="interpolate")
    monkeypatch.setattr(filters, "_WHOLE_GAUSSIAN_TAPS", 1 << 20)
    whole = filters.gaussian(x, (6.0, 9.0), mode=mode, nan_policy="interpolate")
    np.testing.assert_allclose(passes, whole, rtol=1e-13, atol=1e-13)
    assert not np.isnan(passes).any()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("value", [3.7, 0.1, 1 / 3, 77 / 255, -2.5])
def test_laplace_of_a_flat_image_in_its_own_cval_is_exactly_zero(dtype, value):
    # As ndimage's (its second differences cancel exactly); the stencil
    # summed the taps outside the image in another order (8.9e-16 on the
    # edge rows).
    x = np.full((6, 7), value, dtype)
    assert not ndimage.laplace(x, mode="constant", cval=float(x[0, 0])).any()
    assert not filters.laplace(x, mode="constant", cval=float(x[0, 0])).any()
    assert not filters.edges(x, "laplace", mode="constant", cval=float(x[0, 0])).any()


@pytest.mark.parametrize("mode", MODES + ["valid"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_laplace_infinities_and_nans_reach_what_ndimage_s_passes_reach(mode, dtype):
    # The stencil's zero corners made 0 x inf = NaN on the diagonals, which
    # ndimage's two 1-D second differences never read.
    x = np.random.default_rng(5).uniform(-1, 1, (9, 11)).astype(dtype)
    x[4, 5], x[0, 0], x[8, 3] = np.inf, np.nan, -np.inf
    ref = ndimage.laplace(x, mode=mode if mode != "valid" else "reflect")
    if mode == "valid":
        ref = ref[1:-1, 1:-1]
    for got, want in [(filters.laplace(x, mode=mode), ref),
                      (filters.edges(x, "laplace", mode=mode), np.abs(ref))]:
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_array_equal(got[np.isinf(want)], want[np.isinf(want)])
        finite = np.isfinite(want)
        # |x| <= 1 and 4 + 1 weights of size 1 and 4: the scale is 8.
        assert_matches(got[finite], want[finite], dtype, 8)


def test_zero_dimensional_arrays_are_numbers():
    x = np.random.default_rng(4).uniform(0, 1, (6, 7))
    np.testing.assert_array_equal(filters.gaussian(x, np.array(1.5), radius=np.array(2)),
                                  filters.gaussian(x, 1.5, radius=2))


@pytest.mark.parametrize("truncate,radius", [(2.0, None), (4.0, 1), (4.0, (0, 3))])
def test_gaussian_truncate_and_radius(truncate, radius):
    x = np.random.default_rng(3).uniform(0, 1, (8, 10))
    ours = filters.gaussian(x, (1.3, 0.8), truncate=truncate, radius=radius)
    ref = ndimage.gaussian_filter(x, (1.3, 0.8), truncate=truncate, radius=radius)
    assert_matches(ours, ref, np.float64, 1)


@pytest.mark.parametrize("case", list(CASES))
def test_valid_mode_is_the_interior(case):
    ours_fn, _, _ = CASES[case]
    x = np.random.default_rng(4).uniform(-1, 1, (20, 21))
    full = ours_fn(x, "reflect", 0.0)
    valid = ours_fn(x, "valid", 0.0)
    dh, dw = x.shape[0] - valid.shape[0], x.shape[1] - valid.shape[1]
    assert 0 < dh + dw and dh >= 0 and dw >= 0
    top, left = dh // 2, dw // 2
    if case.startswith("difference"):
        top, left = 0, 0  # the [1, -1] kernel extends only past the end
    np.testing.assert_allclose(valid, full[top : top + valid.shape[0], left : left + valid.shape[1]], atol=1e-12)


def test_difference_valid_is_the_chapters_edge_map():
    X = np.ones((6, 8))
    X[:, 2:6] = 0
    Y = np.zeros((6, 7))
    Y[:, 1], Y[:, 5] = 1, -1
    np.testing.assert_array_equal(filters.difference(X, mode="valid"), Y)
    np.testing.assert_array_equal(filters.difference(X.T, mode="valid"), np.zeros((8, 5)))


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int64, bool])
def test_integer_and_bool_images_compute_in_float64(dtype):
    x = np.random.default_rng(5).integers(0, 2 if dtype is bool else 200, (7, 6)).astype(dtype)
    out = filters.sobel(x)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, ndimage.sobel(x.astype(np.float64)))
    assert filters.gaussian(x, 1.0).dtype == np.float64


@pytest.mark.parametrize("name", ["sobel", "prewitt", "scharr"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_where_the_derivative_vanishes_the_filter_gives_exactly_zero(name, dtype):
    """As ndimage's two passes (the difference first): a flat region, and
    stripes along the derivative's axis, give exactly 0, not rounding (one
    3x3 pass gave 5.6e-17 along axis 0 on a flat 77/255, which an edge map
    scaled by its largest value turned white)."""
    rng = np.random.default_rng(4)
    for axis in (0, 1):
        for mode in MODES:
            for level, width in ((77 / 255, 50), (0.1, 5), (123.456, 50)):
                # 5 wide: fewer columns than a vector block of the passes
                images = [np.full((40, width), level, dtype)]
                stripes = rng.uniform(0, 1, width if axis == 0 else 40).astype(dtype)
                images.append(np.broadcast_to(stripes if axis == 0 else stripes[:, None],
                                              (40, width)).copy())
                for image in images:
                    ours, reference, weight = CASES[f"{name}{axis}"]
                    out = ours(image, mode, 0.0)
                    assert_matches(out, reference(image, mode, 0.0), dtype, weight * image.max())
                    # 'constant' steps down to 0 at the edges: the inside is flat
                    inner = out[1:-1, 1:-1] if "constant" in mode else out
                    assert not inner.any(), (axis, mode, level, np.abs(inner).max())
    flat = np.full((8, 9), 77 / 255, dtype)
    assert not filters.edges(flat, method=name).any()


@pytest.mark.parametrize("dtype", DTYPES)
def test_zero_sums_of_integer_differences_are_exact_zeros(dtype):
    """Where ndimage's two passes give exactly 0 on integer samples (their
    differences and weighted sums are exact), so does every filter: Scharr
    along axis 0 through separable factors with a row of 0.3s did not
    (8.9e-16 on a 3x3 image whose 3 d0 + 10 d1 + 3 d2 is 0)."""
    rng = np.random.default_rng(12)
    images = [np.array([[181, 161, 53], [23, 184, 156], [159, 170, 45]])]
    images += [rng.integers(0, 256, (3, 3)) for _ in range(3000)]
    for name in ("sobel", "prewitt", "scharr"):
        for axis in (0, 1):
            ours, reference, _ = CASES[f"{name}{axis}"]
            hits = 0
            for x in images:
                want = reference(x.astype(np.float64), "reflect", 0.0)
                got = ours(x.astype(dtype), "reflect", 0.0)
                hits += int((want == 0).sum())
                assert not got[want == 0].any(), (name, axis, x)
            assert hits > 0  # the search found zero sums to check


def test_float16_computes_in_float32():
    x = np.random.default_rng(6).uniform(0, 1, (5, 5)).astype(np.float16)
    out = filters.laplace(x)
    assert out.dtype == np.float32
    assert_matches(out, ndimage.laplace(x.astype(np.float32)), np.float32, 8)
    for name in ("sobel", "gaussian", "laplace"):  # big-endian float16 is float16 too
        args = (1.0,) if name == "gaussian" else ()
        swapped = getattr(filters, name)(x.astype(">f2"), *args)
        assert swapped.dtype == np.float32, name
        np.testing.assert_array_equal(swapped, getattr(filters, name)(x, *args))


@pytest.mark.parametrize("method", ["sobel", "prewitt", "scharr", "difference"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_edges_is_the_gradient_magnitude(method, dtype):
    x = np.random.default_rng(8).uniform(-1, 1, (10, 7)).astype(dtype)
    ref = np.hypot(CASES[method + "0"][1](x, "nearest", 0.0), CASES[method + "1"][1](x, "nearest", 0.0))
    out = filters.edges(x, method=method, mode="nearest")
    assert_matches(out, ref, dtype, 32)


def test_edges_laplace_is_its_absolute_value():
    x = np.random.default_rng(9).uniform(-1, 1, (6, 6))
    np.testing.assert_allclose(filters.edges(x, "laplace"), np.abs(ndimage.laplace(x)), atol=1e-14)


def test_edges_difference_valid_crops_both_gradients():
    x = np.random.default_rng(10).uniform(-1, 1, (6, 8))
    out = filters.edges(x, "difference", mode="valid")
    assert out.shape == (5, 7)
    rows = x[:-1, :-1] - x[1:, :-1]
    cols = x[:-1, :-1] - x[:-1, 1:]
    np.testing.assert_allclose(out, np.hypot(rows, cols), atol=1e-14)


def test_edges_of_band_image():
    X = np.ones((6, 8))
    X[:, 2:6] = 0
    np.testing.assert_array_equal(filters.edges(X)[3], [0, 4, 4, 0, 0, 4, 4, 0])
    np.testing.assert_array_equal(filters.edges(X.T), filters.edges(X).T)


def test_inputs_are_not_modified_and_list_input_works():
    x = np.arange(20.0).reshape(4, 5)
    before = x.copy()
    filters.gaussian(x, 0)  # no axis filtered: a copy
    out = filters.gaussian(x, 0)
    out[0, 0] = 99
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(filters.sobel(x.tolist()), ndimage.sobel(x))


@pytest.mark.parametrize(
    "call,exc,words",
    [
        (lambda x: filters.sobel(x, mode="symm"), ValueError, "mode"),
        (lambda x: filters.sobel(x, mode=None), ValueError, "mode"),
        (lambda x: filters.prewitt(x, axis=2), ValueError, "axis"),
        (lambda x: filters.scharr(x, axis=1.0), TypeError, "axis"),
        (lambda x: filters.sobel(x, cval="1"), TypeError, "cval"),
        (lambda x: filters.sobel(x + 1j), TypeError, "image"),
        (lambda x: filters.sobel(x[None]), ValueError, "2-D"),
        (lambda x: filters.sobel(x[:0]), ValueError, "empty"),
        (lambda x: filters.laplace("image.png"), TypeError, "image"),
        (lambda x: filters.sobel(x[:2], mode="valid"), ValueError, "valid"),
        (lambda x: filters.gaussian(x, -1.0), ValueError, "sigma"),
        (lambda x: filters.gaussian(x, float("nan")), ValueError, "sigma"),
        (lambda x: filters.gaussian(x, (1, 2, 3)), ValueError, "sigma"),
        (lambda x: filters.gaussian(x, "1"), TypeError, "sigma"),
        (lambda x: filters.gaussian(x, 1.0, truncate=0), ValueError, "truncate"),
        (lambda x: filters.gaussian(x, 1.0, radius=-1), ValueError, "radius"),
        (lambda x: filters.gaussian(x, 1.0, radius=1.5), TypeError, "radius"),
        (lambda x: filters.edges(x, method="canny"), ValueError, "method"),
        (lambda x: filters.gaussian(x, 1.0, truncate=np.inf), ValueError, "truncate"),
        (lambda x: filters.gaussian(x, 1e300), ValueError, "sigma=1e.300 with truncate"),
        (lambda x: filters.gaussian(x, 1.0, radius=2**31), ValueError, "radius"),
        (lambda x: filters.gaussian_kernel1d(1.0, 2.5), TypeError, "radius"),
        (lambda x: filters.gaussian_kernel1d(1.0, -1), ValueError, "radius"),
        (lambda x: filters.gaussian_kernel1d(0.0, 2), ValueError, "sigma"),
        (lambda x: filters.gaussian_kernel1d(np.nan, 2), ValueError, "sigma"),
        (lambda x: filters.gaussian_kernel1d("1", 2), TypeError, "sigma"),
    ],
)
def test_bad_arguments_name_the_argument(call, exc, words):
    with pytest.raises(exc, match=words):
        call(np.ones((5, 5)))


def test_gaussian_takes_any_real_sigma():
    # A Fraction failed in np.isfinite.
    x = np.random.default_rng(3).uniform(0, 1, (9, 8))
    np.testing.assert_array_equal(filters.gaussian(x, Fraction(3, 2)), filters.gaussian(x, 1.5))


def test_docstring_examples_run():
    failures, tests = doctest.testmod(filters)
    assert tests > 0 and failures == 0
