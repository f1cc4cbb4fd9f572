"""corr2d.ndimage's nan_policy='interpolate' (normalized convolution): a
brute-force per-window reference, astropy away from the edges, stacks and
masks, and 'propagate' when nothing is missing."""
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corr2d import ndimage as cn

NUMPY_PAD = {"reflect": "symmetric", "mirror": "reflect", "nearest": "edge", "wrap": "wrap",
             "constant": "constant"}


def interpolate_reference(x, w, mode, cval, origin, missing, with_bound=False,
                          eps=np.finfo(float).eps):
    """Each output from its own window: sum over valid samples of w*x,
    times sum(w) / (sum of w over valid samples); for zero-sum weights the
    missing samples take the |w|-weighted mean of the valid ones instead;
    NaN for a window with no valid sample. Correlation, origin (o0, o1).
    The outputs are computed exactly (in fractions) and rounded once, so
    the reference's own rounding never eats into the bound it checks (a
    float64 or long double reference does, by up to an ulp). With
    `with_bound`, also each output's rounding bound in units of eps: the
    numerator's and the weight sum's errors carried through the quotient."""
    kh, kw = w.shape
    top, left = kh // 2 + origin[0], kw // 2 + origin[1]
    pads = ((top, kh - 1 - top), (left, kw - 1 - left))
    extra = {"constant_values": cval} if mode == "constant" else {}
    data = np.pad(np.where(missing, 0.0, x), pads, mode=NUMPY_PAD[mode], **extra)
    valid = np.pad((~missing).astype(float), pads, mode=NUMPY_PAD[mode],
                   **({"constant_values": 1.0} if mode == "constant" else {}))
    # Weights summing to less than rounding noise (the threshold below which
    # a window's weight counts as lost, with `eps` the data dtype's, as
    # corr2d._normalized documents) are zero-sum. (float64's eps for
    # float32 data once made [1.1e-3, -1.1e-3], summing to 1.1e-16, a
    # rescaling kernel here and a zero-sum one in corr2d: 7e-17 apart.)
    zero_sum = abs(w.sum()) <= max(w.size, 64) * eps * np.abs(w).sum()
    exact_w = [[Fraction(float(c)) for c in row] for row in w]
    w_sum = sum(map(sum, exact_w), Fraction(0))
    out, bound = np.empty(x.shape), np.empty(x.shape)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            d, v = data[i:i + kh, j:j + kw], valid[i:i + kh, j:j + kw]
            num, weight = (v * d * w).sum(), (v * w).sum()
            magnitude, abs_weight = np.abs(v * d * w).sum(), (v * np.abs(w)).sum()
            # The valid samples and their weights, exactly.
            terms = [(Fraction(float(d[p, q])), exact_w[p][q])
                     for p in range(kh) for q in range(kw) if v[p, q]]
            exact_num = sum((a * c for a, c in terms), Fraction(0))
            exact_weight = sum((c for _, c in terms), Fraction(0))
            if abs_weight == 0:
                out[i, j] = bound[i, j] = np.nan
            elif zero_sum:
                exact_abs_weight = sum((abs(c) for _, c in terms), Fraction(0))
                fill = sum((a * abs(c) for a, c in terms), Fraction(0)) / exact_abs_weight
                out[i, j] = float(exact_num - exact_weight * fill)
                # A zero-sum kernel sums to zero only up to rounding: the
                # result is defined up to its float sum times the fill (a
                # full window may take either; 2^-52 x 1.29 = 2.9e-16 in one
                # case, against 2.8e-16 for the rounding alone).
                bound[i, j] = 12 * w.size * magnitude + (
                    abs(float(w_sum)) * abs(float(fill)) / eps)  # in units of eps
            else:
                out[i, j] = float(exact_num * w_sum / exact_weight)
                bound[i, j] = 2 * w.size * abs(w.sum()) * (
                    magnitude / abs(weight) + abs(num) * abs_weight / weight ** 2)
    return (out, bound) if with_bound else out


@settings(max_examples=120, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 12), st.integers(1, 12), st.integers(1, 6),
       st.integers(1, 6), st.sampled_from(sorted(NUMPY_PAD)), st.booleans(),
       st.sampled_from(["float64", "float32"]))
def test_interpolate_matches_a_per_window_reference(seed, h, w_, kh, kw, mode, zero_sum, dtype):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((h, w_)).astype(dtype)
    missing = rng.random(x.shape) < 0.3
    x[missing & (rng.random(x.shape) < 0.5)] = np.nan  # some NaN, some only masked
    w = rng.random((kh, kw)) + 0.1
    if zero_sum and w.size > 1:
        w -= w.mean()
    origin = (int(rng.integers(-(kh // 2), (kh - 1) // 2 + 1)),
              int(rng.integers(-(kw // 2), (kw - 1) // 2 + 1)))
    got = cn.correlate(x, w, mode=mode, cval=0.75, origin=origin, nan_policy="interpolate",
                       mask=missing)
    want, bound = interpolate_reference(x.astype(float), w, mode, 0.75, origin,
                                        missing | np.isnan(x), with_bound=True,
                                        eps=np.finfo(dtype).eps)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    finite = ~np.isnan(want)
    bound = (bound + np.abs(want)) * np.finfo(dtype).eps  # and the final rounding
    assert np.all(np.abs(got[finite] - want[finite]) <= bound[finite])


def test_interpolate_equals_astropy_away_from_the_edges():
    astropy = pytest.importorskip("astropy.convolution")
    rng = np.random.default_rng(4)
    x = rng.random((80, 90))
    x[rng.random(x.shape) < 0.05] = np.nan
    g = np.exp(-0.5 * (np.arange(-3, 4) / 1.5) ** 2)
    w = np.outer(g, g[1:-1])  # 7x5, not normalised
    ours = cn.convolve(x, w, mode="constant", nan_policy="interpolate")
    theirs = astropy.convolve(x, w, boundary="fill", fill_value=0.0, nan_treatment="interpolate",
                              normalize_kernel=False)
    inner = (slice(3, -3), slice(2, -2))
    np.testing.assert_allclose(ours[inner], theirs[inner], rtol=1e-12, atol=1e-12)


def test_no_nan_equals_propagate_and_stacks_filter_per_plane():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 20, 4, 30))
    w = rng.standard_normal((5, 3)) + 1.0
    plain = cn.correlate(x, w, axes=(1, 3), mode="nearest")
    interp = cn.correlate(x, w, axes=(1, 3), mode="nearest", nan_policy="interpolate")
    np.testing.assert_allclose(interp, plain, rtol=1e-12, atol=1e-12)
    x[1, 5, 2, 7] = np.nan
    interp = cn.correlate(x, w, axes=(1, 3), mode="nearest", nan_policy="interpolate")
    for i in range(3):
        for c in range(4):
            plane = cn.correlate(x[i, :, c, :], w, mode="nearest", nan_policy="interpolate")
            np.testing.assert_allclose(interp[i, :, c, :], plane, rtol=1e-12, atol=1e-12)
    assert not np.isnan(interp).any()


def test_all_missing_windows_are_nan_and_output_dtype_is_kept():
    x = np.full((6, 6), np.nan, np.float32)
    x[0, 0] = 2.0
    got = cn.correlate(x, np.full((3, 3), 1 / 9), mode="constant", cval=np.nan,
                       nan_policy="interpolate")
    assert got.dtype == np.float32
    assert np.array_equal(~np.isnan(got), np.pad(np.ones((2, 2), bool), ((0, 4), (0, 4))))
    assert np.allclose(got[~np.isnan(got)], 2.0)
    out = np.zeros((6, 6), np.float64)
    assert cn.correlate(x, np.ones((3, 3)), output=out, nan_policy="interpolate") is out


def test_integer_input_with_a_mask():
    x = np.arange(25, dtype=np.int16).reshape(5, 5)
    mask = np.zeros((5, 5), bool); mask[2, 2] = True
    got = cn.correlate(x, np.ones((3, 3)), mask=mask, nan_policy="interpolate")
    assert got.dtype == np.int16
    want = interpolate_reference(x.astype(float), np.ones((3, 3)), "reflect", 0.0, (0, 0), mask)
    np.testing.assert_array_equal(got, np.trunc(want).astype(np.int16))


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(nan_policy="omit"), ValueError, "nan_policy"),
    (dict(mask=np.zeros((4, 5), bool)), ValueError, "needs nan_policy='interpolate'"),
    (dict(mask=np.zeros((4, 4), bool), nan_policy="interpolate"), ValueError, "mask"),
    (dict(mask=np.zeros((4, 5)), nan_policy="interpolate"), TypeError, "mask"),
    (dict(weights=np.ones((3, 3), complex), nan_policy="interpolate"), ValueError, "real"),
])
def test_errors(kwargs, error, words):
    args = dict(input=np.ones((4, 5)), weights=np.ones((3, 3)))
    args.update(kwargs)
    with pytest.raises(error, match="correlate: ") as info:
        cn.correlate(**args)
    assert words in str(info.value)


def test_bands_are_bit_identical_across_threads_and_match_the_whole_image_path():
    """The CPU runs 'interpolate' band by band (corr2d._cpu_interpolate);
    the FFT method runs it on whole images (corr2d._normalized): both are
    the same normalized convolution."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 300, 170))
    x[rng.random(x.shape) < 0.02] = np.nan
    x[0, 100:140, 50:90] = np.nan  # windows with no valid sample
    w = rng.random((9, 7)) + 0.2
    one = cn.correlate(x, w, axes=(1, 2), mode="wrap", nan_policy="interpolate", threads=1,
                       method="direct")
    for threads in (2, 3):
        np.testing.assert_array_equal(
            cn.correlate(x, w, axes=(1, 2), mode="wrap", nan_policy="interpolate",
                         threads=threads, method="direct"), one)
    whole = cn.correlate(x, w, axes=(1, 2), mode="wrap", nan_policy="interpolate", method="fft")
    np.testing.assert_array_equal(np.isnan(whole), np.isnan(one))
    finite = ~np.isnan(one)
    scale = np.nanmax(np.abs(x)) * w.sum()
    assert np.abs(whole[finite] - one[finite]).max() <= 64 * np.finfo(float).eps * scale


@pytest.mark.parametrize("func", ["correlate", "convolve"])
def test_interpolate_into_the_input_itself(func):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((40, 50))
    x[rng.random(x.shape) < 0.1] = np.nan
    w = rng.random((5, 4))
    want = getattr(cn, func)(x, w, mode="mirror", nan_policy="interpolate")
    y = x.copy()
    assert getattr(cn, func)(y, w, output=y, mode="mirror", nan_policy="interpolate") is y
    np.testing.assert_array_equal(y, want)


def test_a_wider_output_keeps_the_input_s_zero_sum_rule():
    # A float32 image whose kernel sums to 1.2e-7 of sum|w|: zero-sum in
    # float32 (below 64 eps32), so a missing sample takes the window's mean.
    # A float64 or integer output widened the sums, and with them the
    # threshold (eps64): the kernel was rescaled instead, and outputs next
    # to the hole fell from 4337.9 to 0.
    rng = np.random.default_rng(1)
    image = (rng.normal(size=(9, 10)) * 1000).astype(np.float32)
    image[4, 4] = np.nan
    weights = rng.normal(size=(3, 3))
    weights -= weights.mean()
    weights[0, 0] += 1e-7 * np.abs(weights).sum()
    weights = weights.astype(np.float32).astype(np.float64)
    kw = dict(mode="nearest", nan_policy="interpolate")
    base = cn.correlate(image, weights, **kw)
    # float32 sums against float64 ones: a few float32 roundings of the
    # window's sum |w||x| (at most 9 * 1.5 * 4000 here).
    atol = 64 * np.finfo(np.float32).eps * 6e4
    for method in ["direct", "fft"]:
        wide = cn.correlate(image, weights, output=np.float64, method=method, **kw)
        np.testing.assert_allclose(wide, base, rtol=0, atol=atol)
    whole = cn.correlate(image, weights, output=np.int32, **kw)
    assert np.all(np.abs(whole - np.trunc(base)) <= 1)
