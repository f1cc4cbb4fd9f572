"""nan_policy='interpolate' and mask= (normalized convolution): the generic
corr2d._normalized.normalized_correlate against an exact brute-force
reference, the filters against that reference and against astropy's
convolve(nan_treatment='interpolate')."""
import doctest
import warnings
import zlib
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

import corr2d
import corr2d._normalized as normalized
import corr2d.filters as filters
from corr2d._normalized import normalized_correlate
from gpu_support import checks

NDIMAGE_MODES = ["constant", "nearest", "wrap", "reflect", "mirror"]
NUMPY_PAD = {"nearest": "edge", "wrap": "wrap", "reflect": "symmetric", "mirror": "reflect"}


# ---- the reference: exact, one output at a time ----------------------------------------

def extended(a, kernel_shape, mode, cval):
    """`a` extended as scipy.ndimage extends it for a kernel centred at k // 2."""
    pad = [(k // 2, (k - 1) // 2) for k in kernel_shape]
    if mode == "constant":
        return np.pad(a, pad, mode="constant", constant_values=cval)
    return np.pad(a, pad, mode=NUMPY_PAD[mode])


def reference(image, weights, invalid, mode, cval=0.0):
    """Normalized convolution by its definition, in exact rational arithmetic.

    out = sum(w x over valid) * sum(w) / sum(w over valid); for a zero-sum
    kernel each missing sample takes the |w|-weighted mean m of the valid
    ones: out = sum(w x over valid) - sum(w over valid) * m. NaN where no
    valid sample has a non-zero weight (or sum(w over valid) == 0); zeros
    for w == 0. Valid: not NaN, not masked; outside the image in 'constant'
    mode: valid iff cval is finite.
    """
    missing = np.isnan(image) | (False if invalid is None else invalid)
    outside_valid = bool(np.isfinite(cval))
    values = extended(np.where(missing, 0.0, image), weights.shape, mode, cval if outside_valid else 0.0)
    valid = extended(~missing, weights.shape, mode, outside_valid)
    w = [[Fraction(float(v)) for v in row] for row in weights]
    w_sum = sum(map(sum, w))
    kh, kw = weights.shape
    out = np.empty(image.shape)
    if all(v == 0 for row in w for v in row):  # an all-zero kernel: zeros, as 'propagate' gives
        return np.zeros(image.shape)
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            num = den = abs_num = abs_den = Fraction(0)
            for p in range(kh):
                for q in range(kw):
                    if valid[i + p, j + q]:
                        x = Fraction(float(values[i + p, j + q]))
                        num += w[p][q] * x
                        den += w[p][q]
                        abs_num += abs(w[p][q]) * x
                        abs_den += abs(w[p][q])
            if w_sum == 0:
                out[i, j] = np.nan if abs_den == 0 else float(num - den * abs_num / abs_den)
            else:
                out[i, j] = np.nan if den == 0 else float(num * w_sum / den)
    return out


def ndimage_closure(mode):
    """The caller's correlation: scipy.ndimage.correlate in `mode`."""
    def correlate(data, weights, fill):
        return ndimage.correlate(data, np.asarray(weights, data.dtype), mode=mode, cval=fill)
    return correlate


def assert_equal_nan_rtol(ours, ref, rtol):
    assert np.array_equal(np.isnan(ours), np.isnan(ref)), "NaN where the reference has none, or not"
    np.testing.assert_allclose(ours, ref, rtol=rtol, atol=0, equal_nan=True)


def rounding_bound(image, weights, invalid, mode, cval, dtype):
    """How far a computed normalized correlation may be from the exact one.

    The numerator is off by n * eps * corr(|x| valid, |w|) at most (n the
    number of weights; sums of n products), the weight sum by n * eps of
    itself; rescaled, both are within n * eps * rescaled, where rescaled =
    sum(w) * corr(|x| valid, |w|) / |corr(valid, w)| (also a bound on |out|).
    Twice that, and twice again for the last two roundings and slack. For a
    zero-sum kernel, out = num - corr(valid, w) * mean: each of the three
    terms is at most corr(|x| valid, |w|) =: M and off by n * eps of that,
    so 12 * n * eps * M."""
    missing = np.isnan(image) | (False if invalid is None else invalid)
    outside_valid = bool(np.isfinite(cval))
    fill = abs(cval) if outside_valid else 0.0
    magnitude = ndimage.correlate(np.where(missing, 0, np.abs(image)), np.abs(weights), mode=mode, cval=fill)
    if weights.sum() == 0:
        return 12 * weights.size * np.finfo(dtype).eps * magnitude
    den = ndimage.correlate((~missing).astype(float), weights, mode=mode, cval=float(outside_valid))
    with np.errstate(divide="ignore", invalid="ignore"):
        rescaled = abs(weights.sum()) * magnitude / np.abs(den)
    return 4 * weights.size * np.finfo(dtype).eps * rescaled


def assert_close_nan(ours, ref, bound):
    assert np.array_equal(np.isnan(ours), np.isnan(ref)), "NaN where the reference has none, or not"
    finite = ~np.isnan(ref)
    error = np.abs(ours[finite].astype(np.float64) - ref[finite])
    if error.size:
        worst = np.argmax(error - bound[finite])
        assert np.all(error <= bound[finite]), f"error {error[worst]} over its bound {bound[finite][worst]}"


@st.composite
def problems(draw):
    """Small-integer images and kernels: the reference is exact and the
    correlations sum exactly, so the result is off by two roundings at most."""
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    h, w = draw(st.integers(kh, 8)), draw(st.integers(kw, 8))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    image = rng.integers(-5, 6, (h, w)).astype(np.float64)
    image[rng.random((h, w)) < draw(st.sampled_from([0.0, 0.2, 0.6, 1.0]))] = np.nan
    kind = draw(st.sampled_from(["positive", "signed", "zero-sum"]))
    weights = rng.integers(0 if kind == "positive" else -3, 4, (kh, kw)).astype(np.float64)
    if kind == "zero-sum":
        weights.flat[0] -= weights.sum()
    invalid = (rng.random((h, w)) < 0.2) if draw(st.booleans()) else None
    return image, weights, invalid


@settings(max_examples=250, deadline=None)
@given(problem=problems(), mode=st.sampled_from(NDIMAGE_MODES), cval=st.sampled_from([0.0, 1.5, np.nan]))
def test_generic_normalized_correlate_matches_the_definition(problem, mode, cval):
    image, weights, invalid = problem
    ours = normalized_correlate(ndimage_closure(mode), image, weights, invalid, cval=cval, func="t")
    ref = reference(image, weights, invalid, mode, cval)
    assert ours.dtype == np.float64
    if weights.sum() == 0:  # a difference of exact terms: an absolute bound
        assert_close_nan(ours, ref, rounding_bound(image, weights, invalid, mode, cval, np.float64))
    else:
        assert_equal_nan_rtol(ours, ref, rtol=4 * np.finfo(np.float64).eps)


@settings(max_examples=60, deadline=None)
@given(problem=problems(), mode=st.sampled_from(NDIMAGE_MODES))
def test_generic_float32_stays_float32(problem, mode):
    image, weights, invalid = problem
    ours = normalized_correlate(ndimage_closure(mode), image.astype(np.float32), weights, invalid, func="t")
    ref = reference(image, weights, invalid, mode)
    assert ours.dtype == np.float32
    if weights.sum() == 0:
        assert_close_nan(ours, ref, rounding_bound(image, weights, invalid, mode, 0.0, np.float32))
    else:
        assert_equal_nan_rtol(ours, ref, rtol=4 * np.finfo(np.float32).eps)


@pytest.mark.parametrize("scale", [1e-250, 1e250])
def test_thresholds_are_relative_not_absolute(scale):
    """Tiny or huge weights and values give the same result, scaled: no
    absolute threshold turns a small weight sum into 'no valid sample'."""
    rng = np.random.default_rng(1)
    image = rng.uniform(1, 2, (9, 10))
    image[rng.random(image.shape) < 0.4] = np.nan
    weights = rng.uniform(0.5, 1, (3, 3))

    def closure(data, weights, fill):  # corr2d keeps weights ndimage would drop (|w| <= eps)
        return corr2d.correlate2d(data, weights, "same", "symm")

    plain = normalized_correlate(closure, image, weights, None, func="t")
    assert not np.isnan(plain).all()
    scaled_weights = normalized_correlate(closure, image, weights * scale, None, func="t")
    assert_equal_nan_rtol(scaled_weights / scale, plain, rtol=1e-14)
    scaled_image = normalized_correlate(closure, image * scale, weights, None, func="t")
    assert_equal_nan_rtol(scaled_image / scale, plain, rtol=1e-14)


def test_holes_under_an_fft_correlation_are_nan_not_rounding_noise():
    """The FFT leaves weight sums of ~1e-14 (not 0) in empty windows: the
    relative threshold makes them NaN; elsewhere FFT and direct agree."""
    rng = np.random.default_rng(2)
    image = rng.uniform(1, 2, (64, 64))
    image[20:50, 20:50] = np.nan
    kernel = rng.uniform(0.5, 1, (15, 15))
    results = {}
    for method in ("fft", "direct"):
        def closure(data, weights, fill, method=method):
            return corr2d.correlate2d(data, weights, "same", "fill", fill, method=method)
        results[method] = normalized_correlate(closure, image, kernel, None, func="t")
    assert np.isnan(results["fft"][28:42, 28:42]).all()
    bound = rounding_bound(image, kernel, None, "constant", 0.0, np.float64)
    assert_close_nan(results["fft"], results["direct"], bound)


@pytest.mark.parametrize("shape,seed", [((1, 2), 15), ((1, 2), 16), ((1, 3), 7), ((2, 2), 69), ((3, 4), 0)])
def test_a_kernel_zero_sum_up_to_rounding_is_zero_sum(shape, seed):
    """w - w.mean() sums to rounding noise, not 0 (these seeds: several eps
    of sum|w|): rescaling by that sum would make every window's weight
    noise (all NaN); it counts as zero-sum, by the threshold of empty windows."""
    rng = np.random.default_rng(seed)
    weights = rng.random(shape) + 0.1
    weights -= weights.mean()
    image = rng.standard_normal((10, 11))
    invalid = np.zeros(image.shape, bool)
    invalid[0, 0] = True
    closure = ndimage_closure("reflect")
    ours = normalized_correlate(closure, image, weights, invalid, func="t")
    plain = closure(image, weights, 0.0)
    far = (slice(4, None), slice(5, None))
    np.testing.assert_allclose(ours[far], plain[far], rtol=0, atol=1e-14 * np.abs(weights).sum())


def test_a_lone_valid_sample_under_a_zero_weight_is_no_valid_sample():
    ring = np.ones((3, 3))
    ring[1, 1] = 0
    image = np.full((5, 5), np.nan)
    image[2, 2] = 5.0
    out = normalized_correlate(ndimage_closure("constant"), image, ring, None, cval=np.nan, func="t")
    assert np.isnan(out[2, 2])  # astropy returns the centre times sum(kernel): 40


def test_closure_contract_weights_and_fills():
    """The closure sees `weights` itself with the data (only there: the
    validity weights get another view); a zero-sum kernel adds |weights| with the
    data and the validity weights. Fills: cval with
    the data, 1 with the validity weights (valid outside); 0 (NaN cval)."""
    calls = []

    def correlate(data, weights, fill):
        calls.append((weights, fill))
        return ndimage.correlate(data, weights, mode="constant", cval=fill)

    image = np.ones((4, 4))
    image[0, 0] = np.nan
    kernel = np.array([[1.0, -1.0]])
    normalized_correlate(correlate, image, kernel, None, cval=2.0, func="t")
    assert calls[0][0] is kernel and calls[0][1] == 2.0
    np.testing.assert_array_equal(calls[1][0], [[1.0, 1.0]])
    np.testing.assert_array_equal(calls[2][0], [[1.0, 1.0]])
    assert calls[3][0] is not kernel and np.array_equal(calls[3][0], kernel)  # the data pass alone is `kernel`
    assert [fill for _, fill in calls] == [2.0, 2.0, 1.0, 1.0]
    calls.clear()
    normalized_correlate(correlate, image, kernel, None, cval=np.nan, func="t")
    assert [fill for _, fill in calls] == [0.0, 0.0, 0.0, 0.0]
    calls.clear()
    normalized_correlate(correlate, np.ones((4, 4)), kernel, None, cval=2.0, func="t")
    assert len(calls) == 1 and calls[0][0] is kernel  # nothing missing: one plain pass


def test_generic_errors():
    image = np.ones((3, 3))
    with pytest.raises(TypeError, match="t: normalized_correlate needs a floating image"):
        normalized_correlate(ndimage_closure("nearest"), np.ones((3, 3), int), np.ones((1, 1)), None,
                             func="t")
    with pytest.raises(TypeError, match="must be boolean"):
        normalized_correlate(ndimage_closure("nearest"), image, np.ones((1, 1)), np.zeros((3, 3)), func="t")
    with pytest.raises(ValueError, match="shape"):
        normalized_correlate(ndimage_closure("nearest"), image, np.ones((1, 1)), np.zeros((3, 2), bool),
                             func="t")


def test_normalized_module_examples_run():
    result = doctest.testmod(normalized)
    assert result.attempted > 0 and result.failed == 0


# ---- the filters --------------------------------------------------------------------

FILTER_MODES = ["reflect", "constant", "nearest", "mirror", "wrap", "grid-constant"]

# The gradient operators' 2-D kernels (derivative down the rows: axis 0).
GRADIENT_KERNELS = {
    "sobel": np.outer([-1.0, 0.0, 1.0], [1.0, 2.0, 1.0]),
    "prewitt": np.outer([-1.0, 0.0, 1.0], [1.0, 1.0, 1.0]),
    "scharr": np.outer([-1.0, 0.0, 1.0], [3.0, 10.0, 3.0]),
}
LAPLACE = np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])


def filter_cases():
    """(name, call with keyword arguments, its kernel as correlate2d 'same' centres it)."""
    cases = []
    for name, kernel in GRADIENT_KERNELS.items():
        fn = getattr(filters, name)
        cases.append((f"{name}0", lambda x, f=fn, **kw: f(x, 0, **kw), kernel))
        cases.append((f"{name}1", lambda x, f=fn, **kw: f(x, 1, **kw), kernel.T))
    cases.append(("laplace", lambda x, **kw: filters.laplace(x, **kw), LAPLACE))
    # difference: correlate2d 'same' puts [1, -1] at offsets 0, +1 -> as ndimage's
    # kernel centred at k // 2 = 1 that is [0, 1, -1].
    ahead = np.array([[0.0, 1.0, -1.0]])
    cases.append(("difference0", lambda x, **kw: filters.difference(x, 0, **kw), ahead.T))
    cases.append(("difference1", lambda x, **kw: filters.difference(x, 1, **kw), ahead))
    g0, g1 = filters.gaussian_kernel1d(0.8, 3), filters.gaussian_kernel1d(1.3, 5)
    cases.append(("gaussian", lambda x, **kw: filters.gaussian(x, (0.8, 1.3), **kw), np.outer(g0, g1)))
    return {name: (call, kernel) for name, call, kernel in cases}


CASES = filter_cases()


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("mode", FILTER_MODES)
def test_filters_interpolate_is_the_normalized_convolution(case, mode):
    """Every filter, NaN and a mask, against the exact definition (zero-sum
    kernels rescaled with |w|; the Gaussian's two 1-D passes = the 2-D sums)."""
    call, kernel = CASES[case]
    rng = np.random.default_rng(zlib.crc32(f"{case} {mode}".encode()))
    image = rng.uniform(-2, 2, (11, 13))
    image[rng.random(image.shape) < 0.15] = np.nan
    image[4:8, 5:9] = np.nan  # windows with no valid sample
    mask = rng.random(image.shape) < 0.1
    ndmode = "constant" if mode == "grid-constant" else mode
    # constant with cval 0 (one 2-D pass in ndimage's convention too)
    ours = call(image, mode=mode, nan_policy="interpolate", mask=mask)
    ref = reference(image, kernel, mask, ndmode, 0.0)
    assert np.isnan(ours[6, 7]) == np.isnan(ref[6, 7])
    assert_close_nan(ours, ref, rounding_bound(image, kernel, mask, ndmode, 0.0, np.float64))


@pytest.mark.parametrize("case", ["gaussian", "laplace", "difference0", "sobel1"])
def test_nan_cval_makes_the_outside_missing(case):
    call, kernel = CASES[case]
    image = np.random.default_rng(2).uniform(-2, 2, (9, 10))
    image[0, 3] = np.nan
    ours = call(image, mode="constant", cval=np.nan, nan_policy="interpolate")
    bound = rounding_bound(image, kernel, None, "constant", np.nan, np.float64)
    assert_close_nan(ours, reference(image, kernel, None, "constant", np.nan), bound)


def test_gaussian_with_a_valid_cval_is_the_2d_normalized_convolution():
    call, kernel = CASES["gaussian"]
    image = np.random.default_rng(3).uniform(-2, 2, (10, 12))
    image[1, 1] = image[8, 3] = np.nan
    ours = call(image, mode="constant", cval=1.5, nan_policy="interpolate")
    bound = rounding_bound(image, kernel, None, "constant", 1.5, np.float64)
    assert_close_nan(ours, reference(image, kernel, None, "constant", 1.5), bound)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("mode,cval", [(m, 0.0) for m in FILTER_MODES] + [("constant", 1.5), ("valid", 0.0)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_without_missing_samples_interpolate_is_propagate(case, mode, cval, dtype):
    call = CASES[case][0]
    image = np.random.default_rng(4).uniform(-2, 2, (12, 14)).astype(dtype)
    plain = call(image, mode=mode, cval=cval)
    ours = call(image, mode=mode, cval=cval, nan_policy="interpolate")
    assert ours.dtype == dtype
    np.testing.assert_array_equal(ours, plain)
    # The full path (one masked sample): equal up to rounding where the
    # windows miss it, which are where 'propagate' spreads no NaN from it.
    mask = np.zeros(image.shape, bool)
    mask[0, 0] = True
    full = call(image, mode=mode, cval=cval, nan_policy="interpolate", mask=mask)
    holed = image.copy()
    holed[0, 0] = np.nan
    far = ~np.isnan(call(holed, mode=mode, cval=cval))
    assert far.sum() > far.size // 3
    scale = np.nanmax(np.abs(plain)) + 1
    np.testing.assert_allclose(full[far], plain[far], rtol=0, atol=64 * np.finfo(dtype).eps * scale)


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_nan_cval_in_other_modes_runs_the_full_path_and_still_equals_propagate(case):
    call = CASES[case][0]
    image = np.random.default_rng(5).uniform(-2, 2, (9, 11))
    ours = call(image, mode="reflect", cval=np.nan, nan_policy="interpolate")
    np.testing.assert_allclose(ours, call(image, mode="reflect"), rtol=0, atol=1e-13)


@pytest.mark.parametrize("name", ["sobel", "prewitt", "scharr", "laplace", "difference", "gaussian", "edges"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_all_missing_windows_are_nan_and_the_dtype_is_kept(name, dtype):
    image = np.random.default_rng(6).uniform(-1, 1, (15, 16)).astype(dtype)
    image[5:10, 5:10] = np.nan
    mask = np.zeros(image.shape, bool)
    mask[0:5, 10:16] = True
    call = (lambda x, **kw: filters.gaussian(x, 0.6, **kw)) if name == "gaussian" else getattr(filters, name)
    out = call(image, nan_policy="interpolate", mask=mask)
    assert out.dtype == dtype
    assert np.isnan(out[7, 7]) and np.isnan(out[2, 13])  # centres of the holes
    assert np.isfinite(out[12, 2]) and np.isfinite(out[4, 7])  # valid samples nearby


@pytest.mark.parametrize("cval", [np.inf, -np.inf])
def test_an_infinite_cval_is_valid_and_propagates_whatever_the_method(cval):
    # Only NaN is missing: the FFT path (the generic algorithm) made an
    # infinite cval missing, the direct bands valid.
    x = np.arange(16.0).reshape(4, 4)
    x[1, 1] = np.nan
    w = np.ones((3, 3))
    got = [corr2d.ndimage.correlate(x, w, mode="constant", cval=cval, nan_policy="interpolate",
                                    method=method) for method in ("direct", "fft", "separable")]
    got.append(filters.gaussian(x, 1.0, mode="constant", cval=cval, nan_policy="interpolate"))
    for result in got:
        assert np.all(result[0] == cval) and np.all(result[:, -1] == cval)
    for result in got[1:3]:
        np.testing.assert_allclose(result, got[0], rtol=1e-12)


def test_zero_sum_kernels_keep_infinities_where_no_stand_in_is_needed():
    # A window with no missing sample needs no stand-in: 0 x an infinite
    # mean made its infinity NaN, as a NaN elsewhere in the band (or the
    # FFT's rounding) decided.
    k = np.outer([-1.0, 0.0, 1.0], [1.0, 2.0, 1.0])
    x = np.zeros((8, 8))
    x[5, 5], x[0, 0] = np.inf, np.nan
    want = ndimage.correlate(np.where(np.isnan(x), 0, x), k)[4, 4:7]
    assert np.all(want == np.inf)
    x2 = x.copy()
    x2[4, 0] = np.nan  # a NaN in the same band of rows
    for image in (x, x2):
        for method in ("direct", "fft", "separable"):
            got = corr2d.ndimage.correlate(image, k, nan_policy="interpolate", method=method)
            np.testing.assert_array_equal(got[4, 4:7], want)
        np.testing.assert_array_equal(
            filters.sobel(image, axis=0, nan_policy="interpolate")[4, 4:7], want)


def test_a_mask_needs_interpolate():
    """As corr2d.ndimage: a mask leaves samples out, which 'propagate' cannot."""
    mask = np.zeros((8, 8), bool)
    with pytest.raises(ValueError, match="^laplace: mask marks samples to leave out, which needs "
                                         "nan_policy='interpolate'"):
        filters.laplace(np.ones((8, 8)), mask=mask)
    with pytest.raises(ValueError, match="^edges: mask marks samples"):
        filters.edges(np.ones((8, 8)), nan_policy="propagate", mask=mask)


def test_edges_interpolates_each_derivative():
    image = np.random.default_rng(8).uniform(-1, 1, (10, 10))
    image[3, 4] = np.nan
    gx = filters.sobel(image, 0, nan_policy="interpolate")
    gy = filters.sobel(image, 1, nan_policy="interpolate")
    np.testing.assert_array_equal(filters.edges(image, nan_policy="interpolate"), np.hypot(gx, gy))
    lap = filters.laplace(image, nan_policy="interpolate")
    np.testing.assert_array_equal(filters.edges(image, "laplace", nan_policy="interpolate"), np.abs(lap))


@pytest.mark.parametrize(
    "kwargs,exc,pattern",
    [
        ({"nan_policy": "omit"}, ValueError,
         "sobel: nan_policy must be 'propagate' or 'interpolate', got 'omit'"),
        ({"nan_policy": None}, ValueError, "sobel: nan_policy"),
        ({"mask": np.zeros((5, 4), bool), "nan_policy": "interpolate"}, ValueError,
         r"sobel: mask must have the image's shape \(5, 5\)"),
        ({"mask": np.zeros((5, 5)), "nan_policy": "interpolate"}, TypeError,
         "sobel: mask must be a boolean array"),
        ({"mask": np.zeros((5, 5), int), "nan_policy": "interpolate"}, TypeError,
         "sobel: mask must be a boolean array"),
    ],
)
def test_bad_nan_policy_and_mask_name_the_argument(kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        filters.sobel(np.ones((5, 5)), **kwargs)


def test_mask_errors_name_the_called_function():
    with pytest.raises(ValueError, match="^edges: mask"):
        filters.edges(np.ones((3, 4, 5)), axes=(1, 2), nan_policy="interpolate", mask=np.zeros((4, 5), bool))
    with pytest.raises(ValueError, match="^gaussian: nan_policy"):
        filters.gaussian(np.ones((4, 4)), 1.0, nan_policy="ignore")


# ---- astropy's convolve as a second oracle ---------------------------------------------

ASTROPY_BOUNDARY = {"constant": "fill", "nearest": "extend", "wrap": "wrap"}


def astropy_interpolate(image, kernel, mode, cval=0.0, mask=None):
    """astropy's normalized convolution as a correlation: it convolves, so flip."""
    convolution = pytest.importorskip("astropy.convolution")
    with warnings.catch_warnings():  # it warns when NaN remain (holes wider than the kernel)
        warnings.simplefilter("ignore")
        return convolution.convolve(
            image, kernel[::-1, ::-1], boundary=ASTROPY_BOUNDARY[mode], fill_value=cval,
            nan_treatment="interpolate", normalize_kernel=False, mask=mask,
        )


def interior(a, margin):
    return a[margin:-margin, margin:-margin]


@pytest.mark.parametrize("mode", sorted(ASTROPY_BOUNDARY))
@pytest.mark.parametrize("sigma", [0.7, 1.5, (2.0, 1.0)])
def test_gaussian_matches_astropy_away_from_the_edges(mode, sigma):
    rng = np.random.default_rng(9)
    image = rng.uniform(0, 10, (40, 45))
    image[rng.random(image.shape) < 0.2] = np.nan
    image[10:14, 20:26] = np.nan
    mask = rng.random(image.shape) < 0.05
    sigmas = sigma if isinstance(sigma, tuple) else (sigma, sigma)
    radii = [int(4.0 * s + 0.5) for s in sigmas]
    kernel = np.outer(*(filters.gaussian_kernel1d(s, r) for s, r in zip(sigmas, radii)))
    ours = filters.gaussian(image, sigma, mode=mode, nan_policy="interpolate", mask=mask)
    ref = astropy_interpolate(image, kernel, mode, mask=mask)
    margin = max(radii)
    bound = rounding_bound(image, kernel, mask, mode, 0.0, np.float64)
    assert_close_nan(interior(ours, margin), interior(ref, margin), interior(bound, margin))


@pytest.mark.parametrize("mode", sorted(ASTROPY_BOUNDARY))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_generic_with_corr2d_matches_astropy(mode, dtype):
    """normalized_correlate with corr2d.correlate2d as the closure, a random
    positive odd kernel, and astropy's own mask."""
    rng = np.random.default_rng(10)
    image = rng.uniform(-5, 5, (30, 33))
    image[rng.random(image.shape) < 0.25] = np.nan
    mask = rng.random(image.shape) < 0.1
    kernel = rng.uniform(0.1, 1, (5, 7))
    boundary = {"constant": "fill", "nearest": None, "wrap": "wrap"}[mode]

    def correlate(data, weights, fill):
        if boundary is None:  # 'nearest': pad, then a 'valid' pass
            padded = np.pad(data, [(k // 2, k // 2) for k in weights.shape], mode="edge")
            return corr2d.correlate2d(padded, weights.astype(data.dtype), mode="valid")
        return corr2d.correlate2d(data, weights.astype(data.dtype), "same", boundary, fill)

    ours = normalized_correlate(correlate, image.astype(dtype), kernel, mask, func="t")
    ref = astropy_interpolate(image, kernel, mode, mask=mask)
    assert ours.dtype == dtype
    bound = rounding_bound(image, kernel, mask, mode, 0.0, dtype)
    assert_close_nan(interior(ours, 3), interior(ref, 3), interior(bound, 3))


@pytest.mark.parametrize("mode", sorted(ASTROPY_BOUNDARY))
def test_at_the_edges_astropy_agrees_for_its_three_boundaries(mode):
    """Not a requirement, a finding recorded in docs/nan-policy.rst: with
    fill (finite or NaN), extend and wrap, astropy 8 and corr2d agree at the
    edges too; the differences are elsewhere (see the next test)."""
    pytest.importorskip("astropy", minversion="8.0")
    rng = np.random.default_rng(11)
    image = rng.uniform(0, 10, (20, 21))
    image[rng.random(image.shape) < 0.3] = np.nan
    image[0, :] = np.nan  # a missing edge row
    for cval in ([0.0, 2.0, np.nan] if mode == "constant" else [0.0]):
        ours = filters.gaussian(image, 1.2, mode=mode, cval=cval, nan_policy="interpolate")
        kernel = np.outer(filters.gaussian_kernel1d(1.2, 5), filters.gaussian_kernel1d(1.2, 5))
        bound = rounding_bound(image, kernel, None, mode, cval, np.float64)
        assert_close_nan(ours, astropy_interpolate(image, kernel, mode, cval), bound)


def test_where_astropy_differs():
    """astropy's boundary=None leaves a border of zeros, and a window whose
    valid samples all weigh 0 gives the centre times sum(kernel) there."""
    convolution = pytest.importorskip("astropy.convolution")
    image = np.random.default_rng(12).uniform(1, 2, (8, 9))
    image[3, 4] = np.nan
    kernel = np.ones((3, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bordered = convolution.convolve(image, kernel, boundary=None, nan_treatment="interpolate",
                                        normalize_kernel=False)
    ours = normalized_correlate(ndimage_closure("constant"), image, kernel, None, func="t")
    assert np.all(bordered[0] == 0) and np.all(ours[0] > 0)
    np.testing.assert_allclose(interior(bordered, 1), interior(ours, 1), rtol=1e-13)


# ---- the GPU path (the stand-in CuPy always, a device where there is one) -----------------

@pytest.fixture
def cp(cupy_both):
    return cupy_both


def test_interpolate_on_the_gpu_path(cp):
    rng = np.random.default_rng(13)
    image = rng.integers(0, 9, (2, 12, 15)).astype(np.float64)
    image[rng.random(image.shape) < 0.2] = np.nan
    mask = rng.random(image.shape) < 0.1
    for call in (
        lambda x, m: filters.sobel(x, 0, mode="nearest", axes=(1, 2), nan_policy="interpolate", mask=m),
        lambda x, m: filters.gaussian(x, 1.0, mode="constant", cval=1.0, axes=(1, 2),
                                      nan_policy="interpolate", mask=m),
        lambda x, m: filters.edges(x, "difference", axes=(1, 2), nan_policy="interpolate", mask=m),
    ):
        expected = call(image, mask)
        got = checks.to_host(cp, call(cp.asarray(image), cp.asarray(mask)))
        assert_equal_nan_rtol(got, expected, rtol=1e-13)
    with pytest.raises(TypeError, match="sobel: image is a CuPy array but mask is a numpy.ndarray"):
        filters.sobel(cp.asarray(image), axes=(1, 2), nan_policy="interpolate", mask=mask)
