"""corr2d.match_template against skimage.feature.match_template (shapes,
pad_input, every numpy.pad mode, dtypes), against a slow two-pass NumPy
reference for stacks and channels, and its errors."""
import doctest
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

import corr2d
import corr2d._match_template

skimage_feature = pytest.importorskip("skimage.feature")

#: Every mode numpy.pad (hence scikit-image) pads with, but 'empty'.
MODES = ["constant", "edge", "reflect", "symmetric", "wrap", "linear_ramp", "maximum",
         "mean", "median", "minimum"]


def skimage_match(image, template, *args):
    with warnings.catch_warnings():  # its sqrt of tiny negatives, its 0 / 0
        warnings.simplefilter("ignore")
        return skimage_feature.match_template(image, template, *args)


def ncc_reference(image, template, pad_input=False, mode="constant", constant_values=0):
    """Slow, obviously correct: each window centred and correlated with the
    centred template in longdouble, over (C, H, W) / (C, h, w) arrays
    jointly (C = 1 for 2-D); 0 where the denominator is 0. Also the
    windows' sum of squared deviations, to tell well-conditioned windows."""
    image = np.asarray(image, np.float64)
    template = np.asarray(template, np.longdouble)
    if image.ndim == 2:
        image, template = image[None], template[None]
    c, h, w = template.shape
    if pad_input:
        extra = {"constant_values": constant_values} if mode == "constant" else {}
        padded = np.pad(image, ((0, 0), (h, h), (w, w)), mode=mode, **extra)
        image = padded[:, h - h // 2:h - h // 2 + image.shape[1] + h - 1,
                       w - w // 2:w - w // 2 + image.shape[2] + w - 1]
    windows = sliding_window_view(image.astype(np.longdouble), (c, h, w))[0]
    centred = windows - windows.mean(axis=(-3, -2, -1), keepdims=True)
    t = template - template.mean()
    numerator = (centred * t).sum(axis=(-3, -2, -1))
    spread = (centred * centred).sum(axis=(-3, -2, -1))
    denominator = np.sqrt(spread * (t * t).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(denominator > 0, numerator / denominator, 0)
    return result.astype(np.float64), spread.astype(np.float64)


def largest_value(image, mode, constant):
    """The largest magnitude the windows can hold (the padding's too)."""
    return max(float(np.abs(image).max()), abs(constant) if mode == "constant" else 0.0)


def well_conditioned(spread, template, largest):
    """Windows whose spread is at least 1% of the data's scale: elsewhere
    ``sum(x**2) - sum(x)**2 / n`` cancels digits in every implementation."""
    return spread > 1e-2 * max(largest, 1e-300) ** 2 * np.asarray(template).size


@st.composite
def match_case(draw, max_side=24):
    height, width = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    h, w = draw(st.integers(1, height)), draw(st.integers(1, width))
    return (height, width), (h, w), draw(st.booleans()), draw(st.sampled_from(MODES)), \
        draw(st.floats(-3, 3)), draw(st.integers(0, 2**32 - 1))


@settings(max_examples=300, deadline=None)
@given(case=match_case())
def test_float64_matches_skimage(case):
    shape, size, pad_input, mode, constant, seed = case
    rng = np.random.default_rng(seed)
    image = rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 4)
    template = rng.standard_normal(size)
    got = corr2d.match_template(image, template, pad_input, mode, constant)
    expected = skimage_match(image, template, pad_input, mode, constant)
    assert got.dtype == expected.dtype == np.float64
    assert got.shape == expected.shape
    assert np.isfinite(got).all()
    reference, spread = ncc_reference(image, template, pad_input, mode, constant)
    largest = largest_value(image, mode, constant)
    good = well_conditioned(spread, template, largest)
    np.testing.assert_allclose(got[good], reference[good], rtol=0, atol=1e-12)
    # scikit-image's sums run over the whole padded image, constants included.
    padded = (shape[0] + 2 * size[0]) * (shape[1] + 2 * size[1])
    theirs = 1e-12 + 16 * np.finfo(float).eps * padded * largest**2 / spread[good]
    assert (np.abs(got[good] - expected[good]) <= theirs).all()


@settings(max_examples=60, deadline=None)
@given(case=match_case(), rows=st.integers(130, 400))
def test_bands_of_rows_match_the_reference(case, rows):
    # Tall images: several bands of output rows, each restarting its running
    # sums (test_same_result_on_any_number_of_threads runs them threaded).
    (_, width), size, pad_input, mode, constant, seed = case
    rng = np.random.default_rng(seed)
    image = rng.standard_normal((rows, width))
    template = rng.standard_normal(size)
    got = corr2d.match_template(image, template, pad_input, mode, constant)
    out_rows = got.shape[0]
    assert corr2d._ccore.window_band_rows(out_rows, size[0]) < out_rows
    reference, spread = ncc_reference(image, template, pad_input, mode, constant)
    good = well_conditioned(spread, template, largest_value(image, mode, constant))
    np.testing.assert_allclose(got[good], reference[good], rtol=0, atol=1e-12)


@settings(max_examples=150, deadline=None)
@given(case=match_case())
def test_float32_matches_skimage_float64(case):
    shape, size, pad_input, mode, constant, seed = case
    rng = np.random.default_rng(seed)
    image = rng.random(shape, dtype=np.float32) * np.float32(100.0)
    template = rng.random(size, dtype=np.float32)
    got = corr2d.match_template(image, template, pad_input, mode, constant)
    assert got.dtype == skimage_match(image, template).dtype == np.float32
    # scikit-image's own float32 is less accurate: compare with its float64.
    expected = skimage_match(image.astype(np.float64), template.astype(np.float64),
                             pad_input, mode, np.float32(constant))
    assert got.shape == expected.shape
    _, spread = ncc_reference(image, template, pad_input, mode, np.float32(constant))
    good = well_conditioned(spread, template, largest_value(image, mode, constant))
    np.testing.assert_allclose(got[good], expected[good], rtol=0, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int64, np.uint64, bool, np.float16,
                                   np.float32, np.float64, np.longdouble, ">f4", ">i4"])
@pytest.mark.parametrize("pad_input", [False, True])
def test_dtypes_as_skimage(dtype, pad_input):
    rng = np.random.default_rng(3)
    image = rng.integers(0, 2, (17, 23)).astype(dtype)
    template = rng.integers(0, 2, (4, 5)).astype(dtype)
    got = corr2d.match_template(image, template, pad_input)
    expected = skimage_match(image, template, pad_input)
    assert got.dtype == expected.dtype
    tolerance = 1e-6 if got.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, expected, rtol=0, atol=tolerance)


def test_float32_is_computed_in_float32(monkeypatch):
    seen = []
    correlate = corr2d._match_template.correlate2d

    def spy(in1, in2, *args, **kwargs):
        seen.append((in1.dtype, in2.dtype))
        return correlate(in1, in2, *args, **kwargs)

    monkeypatch.setattr(corr2d._match_template, "correlate2d", spy)
    image = np.random.default_rng(0).random((40, 50), dtype=np.float32)
    assert corr2d.match_template(image, image[3:9, 4:12]).dtype == np.float32
    assert seen == [(np.float32, np.float32)]


def test_constant_windows_and_templates_are_zero_as_skimage():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 50, (40, 60)).astype(np.float64)
    image[5:25, 10:40] = 7.0        # a constant region
    image[30:, :] = 1 / 3           # and one of a value no float holds exactly
    template = rng.integers(0, 9, (6, 8)).astype(np.float64)
    for pad_input in (False, True):
        got = corr2d.match_template(image, template, pad_input, "edge")
        expected = skimage_match(image, template, pad_input, "edge")
        reference, spread = ncc_reference(image, template, pad_input, "edge")
        constant = spread < 1e-20
        assert constant.sum() > 100
        assert (got[constant] == 0).all()
        np.testing.assert_allclose(got[~constant], reference[~constant], rtol=0, atol=1e-12)
        np.testing.assert_allclose(got[~constant], expected[~constant], rtol=0, atol=1e-9)
    flat = np.full((5, 4), 0.1)
    assert not corr2d.match_template(image, flat).any()
    assert corr2d.match_template(np.full((9, 9), 0.1), template[:3, :3]).tolist() == \
        np.zeros((7, 7)).tolist()


def test_a_flat_window_next_to_a_bright_one_is_zero():
    # Running sums carry rounding from bright windows into flat neighbours.
    rng = np.random.default_rng(2)
    image = np.full((64, 300), np.float32(0.1), np.float32)
    image[:, :150] = rng.random((64, 150), dtype=np.float32) * 1000
    template = rng.random((8, 8))
    got = corr2d.match_template(image, template)
    assert (got[:, 150:] == 0).all()
    assert np.abs(got).max() <= 1 + 1e-5


def own_bound(image, template, dim):
    """The error a coefficient may carry, from the window's own samples only
    (no bright sample elsewhere in the image counts), and the reference.

    The correlation (direct: a small template) rounds n products of
    ``|x_k u_k|`` with ``||u|| = 1``: at most ``n eps ||x||``, over the
    window's deviation ``sqrt(var)``. The variance rounds at the core's
    documented level ``(4 sqrt(64 + h - 1 + W) + 16) eps`` times the largest
    magnitude its running sums carried: sums of ``(x - c)^2`` with c, the
    shift of its band and tile of columns, one of the dim samples (they are
    most of every tile here), so at most ``n (2 M)^2`` for M the dim part's
    largest ``|x|``, times 2^10 (a running sum is computed afresh when it
    falls 2^10 below what it carried); the coefficient moves by half the
    variance's relative error."""
    result, spread = ncc_reference(image, template)
    (h, w), n, width = template.shape, template.size, image.shape[1]
    eps = np.finfo(np.float64).eps
    level = (4 * np.sqrt(64 + h - 1 + width) + 16) * eps
    squares = sliding_window_view(np.square(image), (h, w)).sum(axis=(-2, -1))
    largest = float(np.abs(image[dim]).max())
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = (2 * n * eps * np.sqrt(squares / spread)
                 + 2.0 ** 10 * level * n * (2 * largest) ** 2 / spread)
    return result, bound


@pytest.mark.parametrize("where", [(0, 511), (0, 0), (100, 250), (0, 250), (64, 0), (127, 511)])
def test_a_hot_pixel_zeroes_no_window_that_never_held_it(where):
    # One bright pixel set the flat floor of every window in its band of
    # rows (the sums over whole rows): 0 at the true match, far from it.
    rng = np.random.default_rng(0)
    image = rng.random((128, 512))
    image[where] = 1e7
    template = image[30:35, 100:105].copy()
    got = corr2d.match_template(image, template)
    dim = np.ones(image.shape, bool)
    dim[where] = False
    expected, bound = own_bound(image, template, dim)
    # The windows that never held it (nor its row or column of windows).
    rows = np.arange(got.shape[0])[:, None]
    cols = np.arange(got.shape[1])[None, :]
    far = ((rows > where[0]) | (rows + 5 <= where[0])) & \
          ((cols > where[1]) | (cols + 5 <= where[1]))
    assert far.sum() > 0.9 * got.size
    assert (np.abs(got - expected)[far] <= bound[far]).all()
    assert got[30, 100] == pytest.approx(1.0, abs=1e-14)
    assert np.unravel_index(np.argmax(got), got.shape) == (30, 100)


@pytest.mark.parametrize("bright", [(slice(None), slice(256, None)), (slice(None), slice(0, 256)),
                                    (slice(0, 20), slice(None)), (slice(100, None), slice(None))])
def test_a_bright_half_leaves_the_dim_half_exact(bright):
    # The bright half's sums set the dim half's floor (all 0) and its
    # shift (the image's mean: dim variances cancelled against it).
    rng = np.random.default_rng(1)
    image = rng.random((128, 512))
    image[bright] *= 1e6
    template = rng.random((5, 5))
    got = corr2d.match_template(image, template)
    mask = np.zeros(image.shape, bool)
    mask[bright] = True
    expected, bound = own_bound(image, template, ~mask)
    held = sliding_window_view(mask, (5, 5)).any(axis=(-2, -1))
    assert (np.abs(got - expected)[~held] <= bound[~held]).all()


@pytest.mark.parametrize("level", [3e4, 3e5, 1e8])
def test_two_level_image_dark_windows_are_exact(level):
    # 4096 columns: dark N(0, 1) on the left, level + N(0, 1) on the right;
    # one shift near the image's mean made the dark variances cancel
    # (level 3e4: errors 1.6e-6; 3e5: every dark window 0).
    rng = np.random.default_rng(2)
    image = rng.normal(size=(96, 4096))
    image[:, 2048:] += level
    template = image[40:45, 1000:1005].copy()
    got = corr2d.match_template(image, template)
    dark = np.zeros(image.shape, bool)
    dark[:, :2048] = True
    expected, bound = own_bound(image[:, :2100], template, dark[:, :2100])
    region = (slice(None), slice(0, 2044))
    assert (np.abs(got[region] - expected[region]) <= bound[region]).all()
    assert got[40, 1000] == pytest.approx(1.0, abs=1e-14)


def test_float32_dc_offset_stays_within_one():
    # 1e8 + N(0, 1) in float32: the correlation of the raw plane rounded at
    # eps32 * 1e8 per product, and coefficients reached 3.0. Shifted by the
    # mean (exact here: every sample within a factor 2 of it), its error is
    # the correlation's bound with max|x - shift| (about 5) for max|x|: the
    # direct method's n eps (the FFT's 2 log2(FH FW) eps is smaller).
    rng = np.random.default_rng(3)
    image = (1e8 + rng.normal(size=(160, 160))).astype(np.float32)
    template = rng.normal(size=(32, 32))
    got = corr2d.match_template(image, template)
    expected, spread = ncc_reference(image, template)
    centred = template - template.mean()
    # The shift: the mean of a sample, in float32 (an ulp of 8 at 1e8).
    deviation = float(np.abs(image.astype(np.float64) - 1e8).max()) + 16
    flat = spread == 0  # float32 rounds most samples to 1e8 itself
    assert (got[flat] == 0).all() and (~flat).sum() > 1000
    bound = (template.size * np.finfo(np.float32).eps * deviation
             * np.abs(centred).sum() / np.sqrt(spread[~flat] * np.square(centred).sum())
             + 4 * np.finfo(np.float32).eps)
    assert (np.abs(got - expected)[~flat] <= bound).all()
    assert np.abs(got).max() <= 1 + 1e-6


def test_large_template_takes_the_fft_method():
    rng = np.random.default_rng(4)
    for dtype, tolerance in ((np.float64, 1e-11), (np.float32, 1e-5)):
        image = rng.random((300, 280)).astype(dtype)
        template = image[100:180, 60:150] + rng.random((80, 90)).astype(dtype) * 0.1
        assert corr2d.choose_method(image, template.astype(dtype), "valid") == "fft"
        got = corr2d.match_template(image, template)
        expected = skimage_match(image.astype(np.float64), template.astype(np.float64))
        assert got.dtype == dtype
        np.testing.assert_allclose(got, expected, rtol=0, atol=tolerance)
        assert np.unravel_index(np.argmax(got), got.shape) == (100, 60)


def test_float32_of_a_large_image_stays_accurate():
    # scikit-image's float32 cumulative sums over the whole image drift.
    rng = np.random.default_rng(5)
    image = (1000 + rng.random((1024, 1024))).astype(np.float32)
    template = image[500:516, 600:616].copy()
    expected = skimage_match(image.astype(np.float64), template.astype(np.float64))
    ours = np.abs(corr2d.match_template(image, template) - expected).max()
    theirs = np.abs(skimage_match(image, template) - expected).max()
    assert ours < 1e-3
    assert ours < theirs / 10


def test_stack_matches_each_image():
    rng = np.random.default_rng(6)
    stack = rng.random((2, 3, 20, 26))
    template = rng.random((5, 4))
    got = corr2d.match_template(stack, template, True, "reflect")
    assert got.shape == stack.shape and got.flags.c_contiguous
    for i in range(2):
        for j in range(3):
            expected = skimage_match(stack[i, j], template, True, "reflect")
            np.testing.assert_allclose(got[i, j], expected, rtol=0, atol=1e-12)
    # The image axes elsewhere: the stack axes stay in place.
    moved = np.moveaxis(stack, (2, 3), (0, 1))       # (20, 26, 2, 3)
    got_moved = corr2d.match_template(moved, template, axes=(0, 1))
    assert got_moved.shape == (16, 23, 2, 3) and got_moved.flags.c_contiguous
    expected = corr2d.match_template(stack, template)
    np.testing.assert_array_equal(np.moveaxis(got_moved, (0, 1), (2, 3)), expected)
    middle = np.moveaxis(stack, 1, 3)                 # (2, 20, 26, 3), axes (1, 2)
    np.testing.assert_array_equal(
        np.moveaxis(corr2d.match_template(middle, template, axes=(1, 2)), 3, 1), expected)
    # axes=(rows, columns): the template's rows run along axes[0].
    transposed = corr2d.match_template(stack[0, 0].T, template, axes=(1, 0))
    np.testing.assert_allclose(transposed.T, expected[0, 0], rtol=0, atol=1e-14)


@pytest.mark.parametrize("pad_input", [False, True])
def test_channels_match_jointly(pad_input):
    rng = np.random.default_rng(7)
    image = rng.random((30, 41, 3))
    template = image[6:15, 10:17] + 0.05 * rng.random((9, 7, 3))
    got = corr2d.match_template(image, template, pad_input, "symmetric", channel_axis=-1)
    size = (30, 41) if pad_input else (22, 35)
    assert got.shape == size
    channels_first = (np.moveaxis(image, -1, 0), np.moveaxis(template, -1, 0))
    reference, _ = ncc_reference(*channels_first, pad_input, "symmetric")
    np.testing.assert_allclose(got, reference, rtol=0, atol=1e-12)
    # scikit-image's 3-D matching: (H', W', 1), or channel C // 2 when padded.
    theirs = skimage_match(image, template, pad_input, "symmetric")
    np.testing.assert_allclose(got, theirs[..., 1 if pad_input else 0], rtol=0, atol=1e-12)
    first = corr2d.match_template(*channels_first, pad_input, "symmetric", channel_axis=0)
    np.testing.assert_array_equal(first, got)
    # A stack of colour images.
    stack = np.stack([image, image[::-1]])
    both = corr2d.match_template(stack, template, pad_input, "symmetric", channel_axis=-1)
    np.testing.assert_array_equal(both[0], got)
    np.testing.assert_array_equal(
        both[1], corr2d.match_template(image[::-1], template, pad_input, "symmetric",
                                       channel_axis=-1))


def test_same_result_on_any_number_of_threads():
    rng = np.random.default_rng(8)
    image = rng.random((700, 900), dtype=np.float32)
    template = image[200:240, 300:350].copy()
    one = corr2d.match_template(image, template, threads=1)
    for threads in (2, 3):
        np.testing.assert_array_equal(corr2d.match_template(image, template, threads=threads), one)


def test_constant_values_pairs_as_numpy_pad():
    rng = np.random.default_rng(9)
    image, template = rng.random((12, 15)), rng.random((5, 6))
    pairs = ((1.0, -2.0), (3.0, 0.5))
    got = corr2d.match_template(image, template, True, "constant", pairs)
    expected = skimage_match(image, template, True, "constant", pairs)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("dtype, atol", [("float32", 1e-5), ("float64", 1e-12)])
@pytest.mark.parametrize("shape", [(5, 7), (41, 37)])  # the direct and the FFT correlation
def test_non_finite_samples_make_exactly_their_windows_nan(dtype, atol, shape):
    """A NaN or an infinity makes the windows that hold it NaN, and only
    those: the running sums count such samples apart (a running sum that met
    one stays NaN after it leaves; scikit-image's cumulative sums spread it
    on to every later window). The other windows equal the reference."""
    rng = np.random.default_rng(10)
    image = rng.random((150, 160)).astype(dtype)
    template = rng.random(shape).astype(dtype)
    for r, c, value in [(70, 75, np.nan), (3, 150, np.inf), (140, 2, -np.inf)]:
        image[r, c] = value
    got = corr2d.match_template(image, template)
    holds = ~np.isfinite(sliding_window_view(image, shape)).all(axis=(-2, -1))
    np.testing.assert_array_equal(np.isnan(got), holds)
    expected, _ = ncc_reference(np.nan_to_num(image, posinf=0, neginf=0), template)
    np.testing.assert_allclose(got[~holds], expected[~holds], rtol=0, atol=atol)


def test_unaligned_and_field_images_as_skimage():
    # The core reads aligned whole-element strides; these are copied first.
    rng = np.random.default_rng(11)
    values = rng.random((40, 50))
    template = values[5:12, 8:15].copy()
    expected = skimage_match(values, template)
    record = np.zeros(values.shape, dtype=[("a", "f8"), ("b", "f4")])
    record["a"] = values
    raw = np.frombuffer(bytearray(values.nbytes + 1), np.float64, values.size, 1)
    unaligned = raw.reshape(values.shape)
    unaligned[...] = values
    assert not unaligned.flags.aligned and record["a"].strides[1] == 12
    upside_down = values[::-1].copy()[::-1]  # a negative row stride
    for image in (record["a"], unaligned, upside_down, values.astype(">f8")):
        np.testing.assert_allclose(corr2d.match_template(image, template), expected,
                                   rtol=0, atol=1e-12)


def test_the_binding_checks_what_the_core_trusts():
    window_normalize = corr2d._ccore.window_normalize
    image = np.array([[[1.0, 2.0, 0.0], [3.0, 4.0, 0.0]]])  # (C, H, W)
    out = np.array([[1.0, 2.0]])
    window_normalize(image, out, 2, 2, 0.0, 1)
    # Windows [[1, 2], [3, 4]] and [[2, 0], [4, 0]]: variances 5 and 11.
    np.testing.assert_allclose(out, [[1 / np.sqrt(5.0), 2 / np.sqrt(11.0)]], rtol=1e-15)
    out = np.ones((1, 2))
    window_normalize(image, out, 2, 2, 5.0, 1)  # the floor: variance 5 gives 0
    assert out[0, 0] == 0 and out[0, 1] == 1 / np.sqrt(11.0)
    buffer = np.zeros((4, 4))
    unaligned = np.frombuffer(b"\0" * 33, np.float64, 4, 1).reshape(1, 2, 2)
    for args, error in [
        ((image.astype(np.float32), out), TypeError),                       # dtypes differ
        ((image.astype(np.int64), out.astype(np.int64)), TypeError),        # not a float
        ((image.astype(">f8"), out.astype(">f8")), TypeError),              # byte order
        ((image[0], out), ValueError),                                      # not 3-D
        ((image, np.ones((1, 3))), ValueError),                             # out's shape
        ((image, np.ones((1, 2)), 3, 2), ValueError),                       # window too tall
        ((image, np.ones((1, 2)), 2, 0), ValueError),                       # empty window
        ((image, np.ones((1, 2)), 2, 2, -1.0), ValueError),                 # floor < 0
        ((image, np.ones((1, 2)), 2, 2, np.nan), ValueError),               # floor NaN
        ((image, np.broadcast_to(1.0, (1, 2))), ValueError),                # read-only out
        ((buffer[None, :2, :3], buffer[1:2, :2]), ValueError),              # overlap
        ((unaligned, np.ones((1, 1))), ValueError),                         # unaligned
    ]:
        full = args + (2, 2, 0.0, 1)[len(args) - 2:]
        with pytest.raises(error, match="internal error"):
            window_normalize(*full)


def test_docstring_examples():
    result = doctest.testmod(corr2d._match_template,
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


IMAGE = np.zeros((10, 12))
TEMPLATE = np.ones((3, 4))


@pytest.mark.parametrize("args, kwargs, error, words", [
    ((IMAGE, np.ones((11, 4))), {}, ValueError, "larger than the image"),
    ((IMAGE, np.ones((3, 13)), True), {}, ValueError, "larger than the image"),
    ((np.zeros((10, 12, 3)), np.ones((5, 5))), {}, ValueError, "channel_axis=-1"),
    ((IMAGE, np.ones(3)), {}, ValueError, "template must be 2-D"),
    ((IMAGE, np.ones((3, 3, 3))), {}, ValueError, "channel_axis"),
    ((np.zeros(10), np.ones(3)), {}, ValueError, "at least 2 axes"),
    ((IMAGE + 1j, TEMPLATE), {}, ValueError, "image must be real"),
    ((IMAGE, TEMPLATE + 0j), {}, ValueError, "template must be real"),
    ((IMAGE.astype(object), TEMPLATE), {}, TypeError, "numeric"),
    ((np.array([["a"]]), TEMPLATE), {}, TypeError, "numeric"),
    ((np.zeros((0, 5)), TEMPLATE), {}, ValueError, "empty"),
    ((IMAGE, TEMPLATE * np.nan), {}, ValueError, "NaN"),
    ((IMAGE, TEMPLATE, "yes"), {}, TypeError, "pad_input"),
    ((IMAGE, TEMPLATE, True, "nearest"), {}, ValueError, "mode"),
    ((IMAGE, TEMPLATE, True, "empty"), {}, ValueError, "empty"),
    ((IMAGE, TEMPLATE, True, "constant", "zero"), {}, ValueError, "constant_values"),
    ((IMAGE, TEMPLATE, True, "constant", (1, 2, 3)), {}, ValueError, "constant_values"),
    ((IMAGE, TEMPLATE, True, "constant", 1j), {}, ValueError, "constant_values"),
    ((np.zeros((8, 9, 3)), np.ones((3, 3, 2))), {"channel_axis": -1}, ValueError, "channels"),
    ((IMAGE, TEMPLATE), {"channel_axis": -1}, ValueError, "at least 3 axes"),
    ((np.zeros((8, 9, 3)), np.ones((3, 3, 3))), {"channel_axis": 3}, ValueError, "channel_axis"),
    ((np.zeros((8, 9, 3)), TEMPLATE), {"axes": (0, 0)}, ValueError, "axes"),
    ((np.zeros((8, 9, 3)), TEMPLATE), {"axes": (0, 5)}, ValueError, "axes"),
    ((np.zeros((8, 9, 3)), TEMPLATE), {"axes": 1}, TypeError, "axes"),
    ((np.zeros((8, 9, 3)), np.ones((3, 3, 3))), {"axes": (0, 2), "channel_axis": 2},
     ValueError, "channel_axis"),
    ((IMAGE, TEMPLATE), {"threads": 0}, ValueError, "threads"),
    ((IMAGE, TEMPLATE), {"threads": 1.5}, TypeError, "threads"),
])
def test_errors_name_the_function_and_argument(args, kwargs, error, words):
    with pytest.raises(error, match="match_template") as info:
        corr2d.match_template(*args, **kwargs)
    assert words in str(info.value)
