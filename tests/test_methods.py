"""method='fft' | 'separable' | 'auto' against scipy.signal in high precision,
within the documented bounds; choose_method; errors."""
import tracemalloc

import numpy as np
import pytest
import scipy.signal
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import corr2d
from corr2d._methods import fft_tile_shape, separable_factors

FLOATS = ["float32", "float64", "complex64", "complex128"]
MODES = ["full", "same", "valid"]
BOUNDARIES = ["fill", "wrap", "symm"]


def _wide(dtype):
    return np.complex128 if np.dtype(dtype).kind == "c" else np.float64


def _exact_and_scale(x, k, mode, boundary, fill, convolve):
    """SciPy's answer in float64/complex128 on the inputs as given, and the
    FFT bound's scale: the largest |sample| of the image (fill included)
    times the kernel's total |weight|, after SciPy's 'valid' swap."""
    fill = np.asarray(fill, x.dtype)  # SciPy fills with the value in the output dtype
    f = scipy.signal.convolve2d if convolve else scipy.signal.correlate2d
    exact = f(x.astype(_wide(x.dtype)), k.astype(_wide(x.dtype)), mode, boundary, fill)
    if mode == "valid" and not all(a >= b for a, b in zip(x.shape, k.shape)):
        x, k = k, x
    largest = max(float(np.abs(x).max()), float(np.abs(fill)) if boundary == "fill" else 0.0)
    return exact, largest * float(np.abs(k.astype(_wide(k.dtype))).sum())


def _window_scale(x, k, mode, boundary, fill, convolve):
    """The largest window sum of |x||k| (with the boundary's values): the
    scale of the direct and separable methods' rounding, output by output."""
    f = scipy.signal.convolve2d if convolve else scipy.signal.correlate2d
    fill = np.asarray(fill, x.dtype)
    return f(np.abs(x).astype(np.float64), np.abs(k).astype(np.float64), mode, boundary,
             np.abs(fill)).max()


def _fft_shape(x, k, mode):
    """The transform shape the FFT method uses (after SciPy's 'valid' swap)."""
    if mode == "valid" and not all(a >= b for a, b in zip(x.shape, k.shape)):
        x, k = k, x
    (h, w), (kh, kw) = x.shape, k.shape
    shape = {"full": (h + kh - 1, w + kw - 1), "same": (h, w),
             "valid": (h - kh + 1, w - kw + 1)}[mode]
    return fft_tile_shape(shape, k.shape, x.dtype)


def _random(rng, shape, dtype, scale):
    a = rng.standard_normal(shape) * scale
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.standard_normal(shape) * scale
    return a.astype(dtype)


@st.composite
def calls(draw):
    dtype = draw(st.sampled_from(FLOATS))
    h, w = draw(st.integers(1, 70)), draw(st.integers(1, 70))
    kh, kw = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    mode = draw(st.sampled_from(MODES))
    boundary = draw(st.sampled_from(BOUNDARIES))
    scale = 10.0 ** draw(st.integers(-15, 15))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = _random(rng, (h, w), dtype, scale)
    if draw(st.booleans()):  # a wide dynamic range inside one image
        x[rng.random(x.shape) < 0.8] *= 1e-6
    k = _random(rng, (kh, kw), dtype, 1.0)
    fill = draw(st.sampled_from([0.0, 1.5])) * scale
    convolve = draw(st.booleans())
    return x, k, mode, boundary, fill, convolve


def _valid_possible(x, k, mode):
    return mode != "valid" or all(a >= b for a, b in zip(x.shape, k.shape)) or all(
        a <= b for a, b in zip(x.shape, k.shape))


@settings(max_examples=300, deadline=None)
@given(calls())
def test_fft_within_its_documented_bound(call):
    x, k, mode, boundary, fill, convolve = call
    if not _valid_possible(x, k, mode):
        return
    f = corr2d.convolve2d if convolve else corr2d.correlate2d
    got = f(x, k, mode, boundary, fill, method="fft")
    exact, scale = _exact_and_scale(x, k, mode, boundary, fill, convolve)
    assert got.dtype == x.dtype and got.shape == exact.shape
    fh, fw = _fft_shape(x, k, mode)
    bound = 2 * np.finfo(x.dtype).eps * np.log2(max(fh * fw, 2)) * scale
    assert np.max(np.abs(got - exact)) <= bound


def _rank1(rng, kh, kw, dtype):
    u = _random(rng, kh, dtype, 1.0).astype(_wide(dtype))
    v = _random(rng, kw, dtype, 1.0).astype(_wide(dtype))
    return np.outer(u, v).astype(dtype)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(FLOATS), st.integers(1, 60), st.integers(1, 60), st.integers(2, 25),
       st.integers(2, 25), st.sampled_from(MODES), st.sampled_from(BOUNDARIES), st.booleans(),
       st.integers(0, 2**32 - 1))
def test_separable_within_two_passes_rounding(dtype, h, w, kh, kw, mode, boundary, convolve, seed):
    rng = np.random.default_rng(seed)
    x, k = _random(rng, (h, w), dtype, 1.0), _rank1(rng, kh, kw, dtype)
    if mode == "valid" and (kh > h or kw > w):
        return  # SciPy's swap would make the random image the kernel
    f = corr2d.convolve2d if convolve else corr2d.correlate2d
    got = f(x, k, mode, boundary, 0.5, method="separable")
    exact, _ = _exact_and_scale(x, k, mode, boundary, 0.5, convolve)
    scale = _window_scale(x, k, mode, boundary, 0.5, convolve)
    assert got.dtype == x.dtype and got.shape == exact.shape
    # Each pass rounds a sum of kh (kw) products; the factors carry the
    # separability tolerance (4 max(kh, kw) eps of the kernel).
    bound = 2 * (kh + kw + 4 * max(kh, kw)) * np.finfo(x.dtype).eps * scale
    assert np.max(np.abs(got - exact)) <= bound


def _mirrored(factor: np.ndarray, sign: int) -> np.ndarray:
    """`factor` made symmetric (sign 1) or antisymmetric (sign -1)."""
    return factor + sign * factor[::-1]


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(FLOATS), st.integers(1, 60), st.integers(1, 60), st.integers(2, 40),
       st.integers(2, 25), st.sampled_from([1, -1]), st.sampled_from(MODES),
       st.sampled_from(BOUNDARIES), st.booleans(), st.integers(0, 2**32 - 1))
def test_separable_mirrored_columns_within_two_passes_rounding(dtype, h, w, kh, kw, sign, mode,
                                                             boundary, convolve, seed):
    """A kernel that is symmetric (or antisymmetric) top to bottom, as
    Gaussians, boxes and derivative filters are: its column factor is made
    exactly so, and the core's column pass folds it (each pair of mirrored
    rows added, or subtracted, before one multiply-add), within the same
    bound as the plain passes."""
    rng = np.random.default_rng(seed)
    x = _random(rng, (h, w), dtype, 1.0)
    u = _mirrored(_random(rng, kh, dtype, 1.0).astype(_wide(dtype)), sign)
    v = _random(rng, kw, dtype, 1.0).astype(_wide(dtype))
    k = np.outer(u, v).astype(dtype)
    if mode == "valid" and (kh > h or kw > w):
        return
    factors = separable_factors(k)
    assume(factors is not None)  # an antisymmetric column of 2 or 3 can be (near) zero
    assert np.array_equal(factors[0], sign * factors[0][::-1])
    f = corr2d.convolve2d if convolve else corr2d.correlate2d
    got = f(x, k, mode, boundary, 0.5, method="separable")
    exact, _ = _exact_and_scale(x, k, mode, boundary, 0.5, convolve)
    scale = _window_scale(x, k, mode, boundary, 0.5, convolve)
    bound = 2 * (kh + kw + 4 * max(kh, kw)) * np.finfo(x.dtype).eps * scale
    assert np.max(np.abs(got - exact)) <= bound


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(FLOATS + ["int16", "int64", "uint8"]), st.integers(20, 90),
       st.integers(5, 45), st.sampled_from(MODES), st.sampled_from(BOUNDARIES),
       st.booleans(), st.integers(0, 2**32 - 1))
def test_auto_agrees_with_scipy(dtype, n, kn, mode, boundary, separable, seed):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind in "iu":
        x = rng.integers(0, 50, (n, n + 3)).astype(dtype)
        k = rng.integers(0, 5, (kn, kn + 1)).astype(dtype)
        if not _valid_possible(x, k, mode):  # SciPy refuses it too
            return
        got = corr2d.correlate2d(x, k, mode, boundary)
        np.testing.assert_array_equal(got, scipy.signal.correlate2d(x, k, mode, boundary))
        return
    x = _random(rng, (n, n + 3), dtype, 1.0)
    k = _rank1(rng, kn, kn + 1, dtype) if separable else _random(rng, (kn, kn + 1), dtype, 1.0)
    if not _valid_possible(x, k, mode):
        return
    got = corr2d.correlate2d(x, k, mode, boundary)
    exact, fft_scale = _exact_and_scale(x, k, mode, boundary, 0, False)
    fh, fw = _fft_shape(x, k, mode)
    # The larger of the FFT and the separable bounds (the direct one is smaller).
    eps = np.finfo(x.dtype).eps
    bound = max(2 * eps * fft_scale * np.log2(fh * fw),
                2 * eps * _window_scale(x, k, mode, boundary, 0, False) * 6 * (2 * kn + 1))
    assert got.dtype == x.dtype
    assert np.max(np.abs(got - exact)) <= bound


@pytest.mark.parametrize("method", ["fft", "separable", "direct"])
def test_methods_give_the_same_bits_on_any_thread_count(method):
    rng = np.random.default_rng(3)
    x = rng.random((700, 650)).astype(np.float32)
    k = _rank1(rng, 31, 29, np.float32) if method == "separable" else rng.random((31, 29)).astype(np.float32)
    first = corr2d.correlate2d(x, k, "same", "symm", method=method, threads=1)
    for threads in (2, 3, 7):
        np.testing.assert_array_equal(
            corr2d.correlate2d(x, k, "same", "symm", method=method, threads=threads), first)


@pytest.mark.parametrize("method", ["fft", "separable"])
def test_out_and_swapped_valid(method):
    rng = np.random.default_rng(4)
    small, large = rng.random((20, 31)), rng.random((60, 70))
    if method == "separable":
        small = _rank1(rng, 20, 31, np.float64)
    for a, b in ((large, small), (small, large)):
        expected = scipy.signal.correlate2d(a, b, "valid")
        out = np.full(expected.shape, np.nan)
        assert corr2d.correlate2d(a, b, "valid", out=out, method=method) is out
        np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12 * np.abs(expected).max())
    # out aliasing the input, and an out with strided columns
    x = large.copy()
    expected = scipy.signal.correlate2d(x, small, "same", "wrap")
    corr2d.correlate2d(x, small, "same", "wrap", out=x, method=method)
    np.testing.assert_allclose(x, expected, rtol=0, atol=1e-12 * np.abs(expected).max())
    strided = np.empty((60, 140))[:, ::2]
    corr2d.correlate2d(large, small, "same", "wrap", out=strided, method=method)
    np.testing.assert_allclose(strided, expected, rtol=0, atol=1e-12 * np.abs(expected).max())


@pytest.mark.parametrize("dtype, n", [("float64", 2048), ("float32", 2900)])
def test_fft_streams_large_outputs_into_any_row_offset(dtype, n):
    """Outputs of 32 MiB or more are written with non-temporal stores (whole
    aligned vectors, the rest of each row plainly): into an out= view whose
    rows start at every offset of a vector (row stride n + 3), the result
    agrees with the direct method within the FFT bound and the gaps around
    the view stay as they were."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((n, n)).astype(dtype)
    k = rng.standard_normal((9, 9)).astype(dtype)
    buffer = np.full((n, n + 3), -7.0, dtype)
    out = buffer[:, 1:n + 1]
    assert out.nbytes >= 32 << 20
    corr2d.correlate2d(x, k, "same", "symm", out=out, method="fft")
    expected = corr2d.correlate2d(x.astype(np.float64), k.astype(np.float64), "same", "symm",
                                  method="direct")
    fh, fw = _fft_shape(x, k, "same")
    bound = 2 * np.finfo(dtype).eps * np.log2(fh * fw) * np.abs(x).max() * np.abs(k).sum()
    assert np.max(np.abs(out - expected)) <= bound
    assert (buffer[:, 0] == -7).all() and (buffer[:, n + 1:] == -7).all()


@pytest.mark.parametrize("method", ["separable", "fft"])
@pytest.mark.parametrize("n", [2048, 301])
def test_bits_do_not_depend_on_where_the_output_is(method, n):
    """The same call into out= views that start at every element offset of a
    vector (2048^2 float64: 32 MiB, which the FFT method writes with
    streaming stores from the first vector boundary on; 301^2: plain
    stores) gives the bits of a fresh output."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((n, n))
    k = _rank1(rng, 31, 27, np.float64) if method == "separable" else rng.standard_normal((31, 27))
    fresh = corr2d.correlate2d(x, k, "same", "symm", method=method)
    buffer = np.empty(n * n + 8)
    for offset in range(8):
        out = buffer[offset:offset + n * n].reshape(n, n)
        corr2d.correlate2d(x, k, "same", "symm", method=method, out=out)
        np.testing.assert_array_equal(out, fresh)


def test_kernels_larger_than_the_image_wrap_and_symm_repeat():
    rng = np.random.default_rng(5)
    x, k = rng.random((7, 5)), rng.random((40, 33))
    for boundary in ("wrap", "symm", "fill"):
        for mode in ("full", "same"):
            expected = scipy.signal.correlate2d(x, k, mode, boundary, 2.0)
            got = corr2d.correlate2d(x, k, mode, boundary, 2.0, method="fft")
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12 * np.abs(expected).max())


def test_complex_kernel_is_conjugated_by_fft_as_scipy():
    rng = np.random.default_rng(6)
    x = _random(rng, (50, 40), np.complex128, 1.0)
    k = _random(rng, (20, 21), np.complex128, 1.0)
    for f, g in ((corr2d.correlate2d, scipy.signal.correlate2d),
                 (corr2d.convolve2d, scipy.signal.convolve2d)):
        expected = g(x, k, "same", "symm")
        np.testing.assert_allclose(f(x, k, "same", "symm", method="fft"), expected,
                                   rtol=0, atol=1e-12 * np.abs(expected).max())


def test_fft_memory_is_tiles_not_a_padded_image():
    """Peak NumPy allocations beyond the output: the kernel spectrum and a
    job of tiles per thread, far below a padded copy of the image."""
    rng = np.random.default_rng(7)
    x = rng.random((4500, 4500)).astype(np.float32)
    k = rng.random((41, 41)).astype(np.float32)
    out = np.empty_like(x)
    corr2d.correlate2d(x, k, "same", "symm", out=out, method="fft", threads=2)  # warm caches
    tracemalloc.start()
    corr2d.correlate2d(x, k, "same", "symm", out=out, method="fft", threads=2)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    fh, fw = fft_tile_shape(x.shape, k.shape, x.dtype, 2)
    spectrum = fh * fw * 8
    job = max(8 << 20, 3 * fh * fw * 8)
    assert peak <= spectrum + 2 * job * 1.5, (peak, spectrum, job)
    assert peak < x.nbytes / 3


def test_fft_model_counts_transform_pairs_and_idle_threads():
    """Two real tiles of a tile row share a transform (a lone tile takes a
    whole one); complex tiles take one each; on several threads the model
    charges the last round of transforms in full, so an odd count costs a
    thread's idle time."""
    from corr2d import _method_costs as C
    from corr2d._methods import fft_nlogn_features, fft_rows, fft_seconds, fft_transforms

    assert fft_transforms((1024, 1024), (51, 51), (400, 1080), False) == 3  # 3 rows of 1
    assert fft_transforms((1024, 1024), (51, 51), (576, 576), False) == 2  # 2 rows of a pair
    assert fft_transforms((1024, 1024), (51, 51), (576, 576), True) == 4
    assert fft_transforms((1000, 1000), (1, 1), (200, 300), False) == 5 * 2  # rows of 4 tiles
    # Rows a transform moves: two real tiles of 64 in and 54 out each; a
    # complex tile's 54 out (its input comes in strips of many tiles).
    assert fft_rows((11, 11), (64, 128), False) == 2 * (64 + 54)
    assert fft_rows((11, 11), (64, 128), True) == 54
    f32 = np.dtype(np.float32)
    for shape, k in (((1024, 1024), (51, 51)), ((4096, 4096), (31, 31)), ((700, 300), (64, 9))):
        one, two = fft_seconds(shape, k, f32, 1), fft_seconds(shape, k, f32, 2)
        assert two >= one
        fh, fw = fft_tile_shape(shape, k, f32, 2)
        n, rounds = fh * fw, -(-fft_transforms(shape, k, (fh, fw), False) // 2)
        per = (np.dot(C.FFT_PER_FACTOR["single"], fft_nlogn_features((fh, fw)))
               + C.FFT_PER_SAMPLE["single"] * n + C.FFT_PER_TRANSFORM["single"]
               + C.FFT_PER_ROW["single"] * fft_rows(k, (fh, fw), False))
        # Out of the cache (4096^2 float32: 64 MiB) every pixel adds its trip.
        memory = C.FFT_PER_PIXEL_OUT_OF_CACHE * shape[0] * shape[1] * (shape[0] == 4096)
        assert two == pytest.approx(rounds * 2 * per + C.FFT_PER_CALL + memory)


def test_fft_model_features_count_the_factors():
    """n log2(n) times how often 2, 3 and 5 divide FH and FW, together:
    576 = 2^6 3^2, 625 = 5^4."""
    from corr2d._methods import factor_counts, fft_nlogn_features

    np.testing.assert_array_equal(factor_counts([1, 576, 625, 750]),
                                  [[0, 6, 0, 1], [0, 2, 0, 1], [0, 0, 4, 3]])
    n = 576 * 625
    np.testing.assert_allclose(fft_nlogn_features((576, 625)), n * np.log2(n) * np.array([6, 2, 4]))


def test_choose_method_examples_and_integers():
    big = np.broadcast_to(np.float32(0), (4096, 4096))
    assert corr2d.choose_method(big, np.ones((3, 3), np.float32), "same") == "direct"
    assert corr2d.choose_method(big, np.random.rand(101, 101).astype(np.float32), "same") == "fft"
    g = np.exp(-np.linspace(-3, 3, 31) ** 2)
    assert corr2d.choose_method(big, np.outer(g, g).astype(np.float32), "same") == "separable"
    ints = np.broadcast_to(np.int32(0), (4096, 4096))
    assert corr2d.choose_method(ints, np.ones((101, 101), np.int32), "same") == "direct"
    # the 'valid' swap: the larger array is the image whichever comes first
    assert corr2d.choose_method(np.random.rand(101, 101).astype(np.float32), big, "valid") == "fft"


def test_choose_method_small_separable_kernels_beyond_the_cache():
    """A 5x5 Gaussian on a 4096^2 float64 image runs direct (the separable
    passes were 1.0-1.5x slower there in runs of 2026-12-05, 1.4x on
    2026-12-06), a 9x9 separable; in the cache (1024^2) a 7x7 runs
    separable (1.5-1.6x faster than direct on one thread or two,
    2026-12-06) and a 5x5 direct (1.05x faster on two threads, 1.35x on
    one). Beyond the cache the passes' model adds their extra trip through
    memory, per output byte."""
    from corr2d import _method_costs as C
    from corr2d._methods import separable_seconds

    f64 = np.dtype(np.float64)
    inside, beyond = (2048, 2048), (2048, 2049)  # 32 MiB exactly, and past it
    assert 2048 * 2048 * 8 == C.CACHE_BYTES
    step = separable_seconds(beyond, (9, 9), f64) - separable_seconds(inside, (9, 9), f64)
    assert step > C.SEPARABLE_PER_BYTE_OUT_OF_CACHE * 2048 * 2049 * 8
    assert step < C.SEPARABLE_PER_BYTE_OUT_OF_CACHE * 2048 * 2049 * 8 * 1.01

    def gaussian(size):
        g = np.exp(-(((np.arange(size) - size // 2) / (size / 4)) ** 2))
        return np.outer(g, g)

    big = np.broadcast_to(0.0, (4096, 4096))
    small = np.broadcast_to(0.0, (1024, 1024))
    assert corr2d.choose_method(big, gaussian(5), "same") == "direct"
    assert corr2d.choose_method(big, gaussian(9), "same") == "separable"
    assert corr2d.choose_method(small, gaussian(7), "same") == "separable"
    assert corr2d.choose_method(small, gaussian(5), "same") == "direct"


def test_folds_knows_mirrored_columns():
    from corr2d._methods import folds

    assert folds(np.array([1.0, 2.0, 1.0])) and folds(np.array([-1.0, 0.0, 1.0]))
    assert folds(np.array([0.5, 0.5])) and not folds(np.array([1.0, 2.0, 1.5]))
    # As the core: bit for bit (0.0 is not -0.0), and one tap is not folded.
    assert not folds(np.array([0.0, 1.0, 2.0, 1.0, -0.0])) and not folds(np.array([2.0]))


def test_choose_method_large_separable_kernels_by_their_fold():
    """On a 4096^2 image a 65x65 Gaussian (its column folds) runs separable
    on one thread or two (measured 1.4x faster than the FFT), while a
    301x301 float64 rank-1 kernel with no mirror runs by the FFT (1.2x
    faster than the passes on two threads, 1.4x on one; at 101x101 the
    passes are as fast, 2026-12-06); the model once gave the Gaussian to
    the FFT."""
    from corr2d._methods import choose

    g = np.exp(-(((np.arange(65) - 32) / (65 / 4)) ** 2))
    gaussian = np.outer(g, g).astype(np.float32)
    rng = np.random.default_rng(0)
    plain = np.outer(rng.random(301), rng.random(301))
    for threads in (1, 2):
        assert choose((4096, 4096), gaussian, np.dtype(np.float32), threads)[0] == "separable"
        assert choose((4096, 4096), plain, np.dtype(np.float64), threads)[0] == "fft"


def test_choose_method_counts_the_factorisation_every_time():
    """A 513-tap Gaussian on a 512^2 image: its SVD (30 ms) costs more than
    the FFT's whole call (4.4 ms), and 'auto' once ran the passes, 6.3x
    slower. The SVD is counted on every call, factorised before or not: a
    call's method (and so its bits) must not depend on the calls before it
    (counting it only the first time a kernel came made the second of two
    equal calls run the passes). Large images pay for the SVD and take the
    passes. The cache keeps kernels of any size (beyond 256 KiB, by a
    digest of their bytes)."""
    from corr2d import _methods
    from corr2d._methods import choose
    from corr2d.filters import gaussian_kernel1d

    g = gaussian_kernel1d(64.0, 256)
    kernel = np.outer(g, g).astype(np.float32)
    assert kernel.nbytes > 1 << 20

    def factorised(kernel):
        return _methods._kernel_key(kernel) in _methods._FACTORS

    with _methods._FACTORS_LOCK:
        _methods._FACTORS.clear()
    for _ in range(3):
        assert choose((512, 512), kernel.copy(), np.dtype(np.float32), 2)[0] == "fft"
    assert not factorised(kernel)
    factors = separable_factors(kernel)
    assert factorised(kernel) and separable_factors(kernel.copy()) is factors
    assert choose((512, 512), kernel, np.dtype(np.float32), 2)[0] == "fft"
    assert _methods.factorisation_seconds(kernel.shape) > 0.02
    assert choose((8192, 8192), kernel[::8, ::8].copy(), np.dtype(np.float32), 2)[0] \
        == "separable"


def test_equal_calls_run_the_method_choose_method_names():
    # A 41x41 Gaussian on a 64^2 image: choose_method said 'direct' and
    # marked the kernel seen, so the next call ran the passes; two equal
    # calls gave different bits.
    g = np.exp(-np.linspace(-2, 2, 41) ** 2)
    k = np.outer(g, g).astype(np.float32)
    x = np.random.default_rng(0).standard_normal((64, 64)).astype(np.float32)
    said = corr2d.choose_method(x, k, "same")
    first = corr2d.correlate2d(x, k, "same")
    second = corr2d.correlate2d(x, k, "same")
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, corr2d.correlate2d(x, k, "same", method=said))
    assert corr2d.choose_method(x, k, "same") == said


def test_choose_method_asks_the_arrays_backend():
    """A Dask array's blocks run on one thread each, so choose_method says
    what a one-thread call would run; a NumPy array's answer is the one
    correlate2d(method='auto') runs."""
    da = pytest.importorskip("dask.array")
    from corr2d._cpu_correlate import method_of
    from corr2d._methods import choose
    from corr2d._signal_plan import plan_correlate

    rng = np.random.default_rng(3)
    for shape, n in (((1024, 1024), 15), ((4096, 4096), 101), ((600, 700), 31)):
        image = np.broadcast_to(np.float32(0), shape)
        k = rng.random((n, n)).astype(np.float32)
        lazy = da.from_array(image, chunks=512)
        assert corr2d.choose_method(lazy, k, "same") == choose(shape, k, k.dtype, 1)[0]
        plan = plan_correlate(image, k, "same", "fill", 0, None, None, convolve=False,
                              func="t", on_gpu=False, method="auto")
        assert corr2d.choose_method(image, k, "same") == method_of(plan)[0]
    ints = da.from_array(np.zeros((64, 64), np.int32), chunks=16)
    assert corr2d.choose_method(ints, np.ones((9, 9), np.int32)) == "direct"


def test_separable_tolerance_is_relative():
    g = np.exp(-np.linspace(-3, 3, 21) ** 2)
    big = np.broadcast_to(0.0, (2048, 2048))
    for scale in (1e-30, 1.0, 1e30):
        assert corr2d.choose_method(big, scale * np.outer(g, g), "same") == "separable"
    perturbed = np.outer(g, g)
    perturbed[3, 4] *= 1 + 1e-6
    assert corr2d.choose_method(big, perturbed, "same") != "separable"
    with pytest.raises(ValueError, match="not separable"):
        corr2d.correlate2d(np.ones((30, 30)), perturbed, method="separable")


def test_method_errors_name_the_argument():
    x, k = np.ones((30, 30)), np.ones((5, 5))
    with pytest.raises(ValueError, match="correlate2d: method must be"):
        corr2d.correlate2d(x, k, method="overlap")
    with pytest.raises(ValueError, match="convolve2d: method must be"):
        corr2d.convolve2d(x, k, method=None)
    for method in ("fft", "separable"):
        with pytest.raises(ValueError, match=f"method='{method}' is not exact for integer"):
            corr2d.correlate2d(x.astype(np.int32), k.astype(np.int32), method=method)
    with pytest.raises(ValueError, match="choose_method: mode must be"):
        corr2d.choose_method(x, k, "middle")


def test_depthwise_conv2d_with_a_large_kernel_takes_the_fft_and_agrees():
    """Single-channel and depthwise conv2d (and its input gradient) with
    kernels where the cost model picks the FFT, against SciPy per plane."""
    from corr2d._methods import direct_seconds, fft_seconds

    rng = np.random.default_rng(8)
    x = rng.random((2, 3, 192, 180)).astype(np.float32)
    w = rng.random((6, 1, 51, 51)).astype(np.float32)  # two output channels per input
    plane, kernel = (192, 180), (51, 51)
    assert fft_seconds(plane, kernel, x.dtype) < direct_seconds(plane, kernel, x.dtype)
    y = corr2d.conv2d(x, w, padding=25, groups=3)
    gy = rng.random(y.shape).astype(np.float32)
    gx = corr2d.conv2d_input(x.shape, w[::2], gy[:, ::2], padding=25, groups=3)
    for n in range(2):
        for o in range(6):
            expected = scipy.signal.correlate2d(x[n, o // 2].astype(np.float64), w[o, 0], "same")
            scale = scipy.signal.correlate2d(x[n, o // 2], np.abs(w[o, 0]), "same").max()
            assert np.abs(y[n, o] - expected).max() <= 2 * np.finfo(np.float32).eps * 20 * scale
        for c in range(3):
            expected = scipy.signal.convolve2d(gy[n, 2 * c].astype(np.float64), w[2 * c, 0], "same")
            assert np.abs(gx[n, c] - expected).max() <= 1e-5 * np.abs(expected).max()
    single = corr2d.conv2d(x[:, :1], w[:1], padding=25)
    np.testing.assert_array_equal(single, y[:, :1])


@pytest.mark.parametrize("shape", [(70, 9000), (300, 37), (5, 999)])
@pytest.mark.parametrize("kshape", [(7, 5), (3, 21), (15, 2)])
def test_separable_bands_agree_with_scipy(shape, kshape):
    """The core's bands of output rows: a 9000-wide float64 image gets
    bands of 32 rows (its 1 MiB buffer holds fewer, 32 is the least), so
    bands start inside the image and the last holds 6 or so rows (a group
    of four and single rows); every mode and boundary, with a nonzero fill,
    still equals SciPy."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape)
    k = np.outer(rng.standard_normal(kshape[0]), rng.standard_normal(kshape[1]))
    for mode in MODES:
        if mode == "valid" and not _valid_possible(x, k, mode):
            continue
        for boundary in BOUNDARIES:
            got = corr2d.correlate2d(x, k, mode, boundary, fillvalue=0.5, method="separable")
            expected = scipy.signal.correlate2d(x, k, mode, boundary, fillvalue=0.5)
            np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10 * np.abs(expected).max())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("shape, paired", [((300, 257), True), ((300, 380), False)])
def test_real_fft_runs_the_core_transforms_and_agrees_with_scipy_fft(dtype, boundary, shape,
                                                                    paired, monkeypatch):
    """float32/float64 tiles go through the C core's own FFT, in one call
    (so the FFT tests here exercise it), and its result and scipy.fft's
    (the complex path's transforms, forced here) are both within the
    documented bound. On 300 x 257 the core's jobs hold two tiles (one
    complex transform for a pair); on 300 x 380, tiles forced as wide as
    the image leave one a job (the unpaired path, a zero imaginary part)."""
    from corr2d import _ccore, _cpu_fft

    rng = np.random.default_rng(11)
    x = rng.standard_normal(shape).astype(dtype)
    k = rng.standard_normal((31, 20)).astype(dtype)
    fh, fw = fft_tile_shape(x.shape, k.shape, x.dtype, 2)
    if not paired:
        fh, fw = 180, 400
        monkeypatch.setattr(_cpu_fft, "fft_tile_shape", lambda *args: (fh, fw))
    assert _ccore.fft_supported(x.dtype, fh, fw)
    assert -(-shape[1] // (fw - 19)) >= 2 if paired else -(-shape[1] // (fw - 19)) == 1
    calls = []
    real_fft = _ccore.fft_correlate
    monkeypatch.setattr(_ccore, "fft_correlate",
                        lambda image, kernel, spectrum, h, w, *rest: calls.append((h, w))
                        or real_fft(image, kernel, spectrum, h, w, *rest))
    ours = corr2d.correlate2d(x, k, "same", boundary, 0.5, method="fft", threads=2)
    assert calls == [(fh, fw)]
    monkeypatch.setattr(_cpu_fft._CoreTiles, "supports", staticmethod(lambda *args: False))
    pocket = corr2d.correlate2d(x, k, "same", boundary, 0.5, method="fft", threads=2)
    exact, scale = _exact_and_scale(x, k, "same", boundary, 0.5, False)
    bound = 2 * np.finfo(x.dtype).eps * np.log2(fh * fw) * scale
    assert np.abs(ours - exact).max() <= bound
    assert np.abs(pocket - exact).max() <= bound


def test_core_fft_refuses_what_it_cannot_run():
    from corr2d import _ccore

    assert not _ccore.fft_supported(np.float64, 14, 8)  # 7 is not a fast length
    assert not _ccore.fft_supported(np.complex128, 8, 8)  # complex takes scipy.fft
    k = np.ones((3, 3))
    with pytest.raises(ValueError, match="internal error"):
        _ccore.fft_spectrum(k, 14, 8)
    spectrum = _ccore.fft_spectrum(k, 6, 6)
    assert not spectrum.flags.writeable
    fill = np.zeros(1)

    def run(image, spectrum, fh, fw, kh, kw, out):
        return _ccore.fft_correlate(image, np.ones((kh, kw)), spectrum, fh, fw, fill, out,
                                    0, 0, 0, 1)

    with pytest.raises(ValueError, match="internal error"):  # the spectrum of another shape
        run(np.ones((6, 6)), spectrum, 6, 8, 3, 3, np.empty((4, 4)))
    with pytest.raises(ValueError, match="internal error"):  # a kernel wider than the tile
        run(np.ones((6, 6)), spectrum, 6, 6, 3, 7, np.empty((4, 4)))
    with pytest.raises(ValueError, match="internal error"):  # an empty image
        run(np.ones((0, 6)), spectrum, 6, 6, 3, 3, np.empty((4, 4)))
    out = run(np.ones((6, 6)), spectrum, 6, 6, 3, 3, np.empty((4, 4)))
    np.testing.assert_allclose(out, 9.0, rtol=1e-14)


def _same_non_finite(got, expected):
    """The same NaNs and the same infinities, signs included (in the real
    and imaginary parts apart)."""
    for g, e in [(got.real, expected.real), (np.imag(got), np.imag(expected))]:
        np.testing.assert_array_equal(np.isnan(g), np.isnan(e))
        inf = np.isinf(e)
        np.testing.assert_array_equal(np.isinf(g), inf)
        np.testing.assert_array_equal(g[inf], e[inf])


@pytest.mark.parametrize("method", ["auto", "fft", "direct"])
def test_images_whose_rows_overlap_run_every_method(method):
    # A broadcast row (row stride 0) and a sliding window (stride < width):
    # the FFT's core refused them ("internal error").
    rng = np.random.default_rng(0)
    k = rng.standard_normal((31, 31))
    for image in [np.broadcast_to(rng.standard_normal(300), (300, 300)),
                  np.lib.stride_tricks.sliding_window_view(rng.standard_normal(700), 300)]:
        want = scipy.signal.correlate2d(image, k, "same")
        got = corr2d.correlate2d(image, k, "same", method=method)
        scale = np.abs(image).max() * np.abs(k).sum()
        bound = 2 * np.finfo(float).eps * np.log2(np.prod(_fft_shape(image, k, "same"))) * scale
        assert np.abs(got - want).max() <= bound


@pytest.mark.parametrize("dtype, scale", [("float32", 1e35), ("float64", 1e305),
                                          ("complex64", 1e35), ("complex128", 1e305)])
@pytest.mark.parametrize("pattern", ["uniform", "checkerboard"])
def test_fft_sums_that_would_overflow_are_computed_directly(dtype, scale, pattern):
    # Finite samples near the dtype's largest overflow in the transforms
    # (the uniform ones in bin (0, 0), the checkerboard's in another bin),
    # where the direct sums stay finite: every output was inf (NaN for
    # complex inputs, whose transforms are scipy.fft's).
    rng = np.random.default_rng(0)
    x = rng.random((300, 280)) if pattern == "uniform" else \
        (np.indices((300, 280)).sum(0) % 2 * 2 - 1) * (1 + rng.random((300, 280)))
    k = rng.random((31, 31)) / 961
    if dtype.startswith("complex"):
        x, k = x * (0.8 + 0.5j), k * (0.6 - 0.7j)
    x = (x * scale).astype(dtype)
    k = k.astype(dtype)
    assert corr2d.choose_method(x, k, "same") == "fft"
    got = corr2d.correlate2d(x, k, "same", method="fft")
    want = scipy.signal.correlate2d(x, k, "same")
    assert np.isfinite(got).all()
    eps = np.finfo(dtype).eps
    fh, fw = _fft_shape(x, k, "same")
    bound = 2 * eps * np.log2(fh * fw) * np.abs(x).max() * np.abs(k).sum()
    assert np.abs(got - want).max() <= bound


def _overflow_goes_direct(x, k):
    """The FFT's NaNs and infinities are the direct method's, and its
    finite outputs within the FFT's documented bound of them."""
    with np.errstate(all="ignore"):
        want = corr2d.correlate2d(x, k, "same", method="direct")
        got = corr2d.correlate2d(x, k, "same", method="fft")
    _same_non_finite(got, want)
    finite = np.isfinite(want)
    fh, fw = _fft_shape(x, k, "same")
    largest = np.abs(x[np.isfinite(x)]).max()
    bound = 2 * np.finfo(x.dtype).eps * np.log2(fh * fw) * largest * np.abs(k).sum()
    assert np.all(np.abs(got[finite] - want[finite]) <= bound)


@pytest.mark.parametrize("dtype, big", [("float32", 1e35), ("float64", 1e305)])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_core_fft_overflow_beside_a_non_finite_sample_is_computed_directly(dtype, big, bad):
    # The pair zeroed of its NaN or infinity overflowed again, unchecked:
    # every output of the pair came out NaN (the whole float64 image),
    # where the direct method has 961.
    rng = np.random.default_rng(0)
    x = (rng.random((400, 400)) * big).astype(dtype)
    x[200, 200] = bad
    k = (rng.random((31, 31)) / 31**2).astype(dtype)
    _overflow_goes_direct(x, k)


def test_complex_fft_overflow_beside_a_nan_is_computed_directly():
    # A NaN made the job retry with it zeroed; the retry overflowed outside
    # bin (0, 0) and its non-finite outputs were kept (22800 where the
    # direct method has 256).
    x = ((np.indices((300, 300)).sum(0) % 2 * 2 - 1) * 1e307).astype(complex)
    x[150, 150] = np.nan
    k = np.full((21, 21), 0.01 + 0j)
    _overflow_goes_direct(x, k)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("sigma, size", [(1.0, 25), (3.0, 15), (0.6, 9)])
def test_separable_error_is_relative_to_the_largest_tap(dtype, sigma, size):
    # The bound the docs give: a few max(kh, kw) eps max|k| sum|x| over the
    # window (a Gaussian's tail, 1e-63 of its centre, is below it).
    t = np.arange(size) - size // 2
    g = np.exp(-t**2 / (2 * sigma**2))
    k = np.outer(g, g * 0.7).astype(dtype)
    x = np.random.default_rng(3).uniform(-1, 2, (200, 230)).astype(dtype)
    got = corr2d.correlate2d(x, k, "same", method="separable")
    want = corr2d.correlate2d(x.astype(float), k.astype(float), "same", method="direct")
    window_sum = scipy.signal.correlate2d(np.abs(x).astype(float), np.ones(k.shape), "same")
    bound = 4 * size * np.finfo(dtype).eps * np.abs(k).max() * window_sum
    assert np.all(np.abs(got - want) <= bound)


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128"])
@pytest.mark.parametrize("sigma, size", [(1.0, 25), (3.0, 15), (2.0, 17)])
def test_separable_factors_are_accurate_tap_by_tap(dtype, sigma, size):
    # Impulses far apart: each output is one tap times one sample, so an
    # output only a Gaussian's tail reaches shows the tail tap's own error.
    # The SVD's factors were exact only relative to the largest tap (6000
    # eps off at sigma 2 on the tail); refined, an output is within the
    # passes' rounding (kh + kw sums) plus a few eps of the factors, times
    # sum |k| |x| over its window, as for the direct method.
    t = np.arange(size) - size // 2
    g = np.exp(-t**2 / (2 * sigma**2))
    k = np.outer(g, g[::-1] * 0.7 + 0.01 * t).astype(dtype)
    if np.dtype(dtype).kind == "c":
        k = k * (0.6 - 0.8j)
    rng = np.random.default_rng(4)
    x = np.zeros((200, 230), dtype)
    x[size::2 * size, size::2 * size] = rng.uniform(0.5, 2, x[size::2 * size, size::2 * size].shape)
    got = corr2d.correlate2d(x, k, "same", method="separable")
    want = scipy.signal.correlate2d(x.astype(complex), k.astype(complex), "same")  # exact here
    window = scipy.signal.correlate2d(np.abs(x).astype(float), np.abs(k).astype(float), "same")
    eps = np.finfo(dtype).eps
    assert np.all(np.abs(got - want) <= (2 * size + 8) * eps * window)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("separable", [False, True])
def test_non_finite_kernels_are_not_factorised(bad, separable):
    # The cross test let a non-finite pivot through: NaN made the SVD raise
    # LinAlgError, an infinity gave NaN everywhere for SciPy's infinities.
    rng = np.random.default_rng(1)
    g = np.exp(-np.linspace(-2, 2, 15) ** 2)
    k = np.outer(g, g) if separable else rng.standard_normal((15, 15))
    k[7, 7] = bad
    x = rng.standard_normal((300, 300))
    assert corr2d.choose_method(x, k, "same") in ("direct", "fft")
    _same_non_finite(corr2d.correlate2d(x, k, "same"), scipy.signal.correlate2d(x, k, "same"))
    with pytest.raises(ValueError, match="not separable"):
        corr2d.correlate2d(x, k, "same", method="separable")


@pytest.mark.parametrize("fill", [0, np.inf])
def test_complex_separable_keeps_scipy_s_infinities(fill):
    # Complex 1-D passes turn inf * (a + 0j) into inf + nan j, which the
    # second pass spread into the real part; such images run direct.
    g = np.exp(-np.linspace(-3, 3, 15) ** 2)
    k = np.outer(g, g).astype(complex)
    x = np.zeros((200, 200), complex)
    x[100, 100] = np.inf
    for method in ["auto", "separable"]:
        got = corr2d.correlate2d(x, k, "same", "fill", fill, method=method)
        _same_non_finite(got, scipy.signal.correlate2d(x, k, "same", "fill", fill))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("kshape", [(31, 31), (2, 9), (5, 1), (1, 6)])
@pytest.mark.parametrize("column", ["plain", "symmetric", "antisymmetric"])
def test_separable_non_finite_reaches_only_the_windows_that_hold_it(dtype, bad, kshape, column):
    """A NaN or infinity in the image reaches exactly the outputs whose
    window holds it, as in SciPy: the separable passes weigh no input row or
    column with a zero tap (0 x inf would be NaN beside the infinity). A
    mirrored column is folded: two infinities of opposite signs in one
    window are NaN there, as in SciPy's sum of products."""
    rng = np.random.default_rng(7)
    x = rng.uniform(0.5, 1.5, (90, 80)).astype(dtype)
    x[40, 37] = bad
    x[3, 78] = bad
    if bad != bad:  # NaN: add an infinity pair of both signs in mirrored rows
        x[60, 10], x[70, 10] = np.inf, -np.inf
    u = rng.uniform(0.5, 1.5, kshape[0])
    if column != "plain" and kshape[0] > 1:
        u = _mirrored(u, 1 if column == "symmetric" else -1)
    k = np.outer(u, rng.uniform(0.5, 1.5, kshape[1])).astype(dtype)
    for mode in MODES:
        got = corr2d.correlate2d(x, k, mode, method="separable")
        expected = scipy.signal.correlate2d(x.astype(np.float64), k.astype(np.float64), mode)
        _same_non_finite(got, expected)


def test_gaussian_nan_footprint_is_ndimage_s():
    """filters.gaussian (separable) spreads a NaN exactly as far as
    scipy.ndimage.gaussian_filter."""
    import scipy.ndimage

    x = np.ones((300, 300))
    x[150, 150] = np.nan
    got = corr2d.filters.gaussian(x, sigma=5)
    expected = scipy.ndimage.gaussian_filter(x, sigma=5, mode="nearest")
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("method", ["fft", "auto"])
def test_fft_non_finite_reaches_only_the_windows_that_hold_it(dtype, mode, boundary, method):
    """A transform would spread one NaN over its whole tile; the FFT method
    sets the outputs whose windows hold a NaN to NaN and recomputes those
    near an infinity directly, so NaNs and infinities (signs included) land
    exactly where SciPy's do, and the finite outputs stay within the FFT's
    bound. ('auto' picks the FFT for this kernel.)"""
    rng = np.random.default_rng(11)
    x = _random(rng, (300, 280), dtype, 1.0)
    x[150, 140] = np.nan
    x[5, 270] = np.inf
    x[290, 3] = -np.inf
    k = _random(rng, (31, 29), dtype, 1.0)
    if method == "auto":
        assert corr2d.choose_method(x, k, mode, boundary) == "fft"
    got = corr2d.correlate2d(x, k, mode, boundary, method=method)
    exact, scale = _exact_and_scale(np.nan_to_num(x, posinf=0, neginf=0), k, mode, boundary,
                                    0, False)
    expected = scipy.signal.correlate2d(x.astype(_wide(dtype)), k.astype(_wide(dtype)), mode,
                                        boundary)
    _same_non_finite(got, expected)
    finite = np.isfinite(expected)
    bound = 2 * np.finfo(dtype).eps * np.log2(np.prod(_fft_shape(x, k, mode))) * scale
    assert np.abs(got[finite] - exact[finite]).max() <= bound


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128"])
def test_fft_non_finite_fill_and_kernel(dtype):
    """A NaN fill value reaches the outputs whose windows reach past the
    edge; an infinity in the kernel is the direct method's answer."""
    rng = np.random.default_rng(12)
    x = _random(rng, (120, 130), dtype, 1.0)
    k = _random(rng, (21, 25), dtype, 1.0)
    for fill in [np.nan, np.inf]:
        got = corr2d.correlate2d(x, k, "same", "fill", fill, method="fft")
        expected = scipy.signal.correlate2d(x, k, "same", "fill", fill)
        _same_non_finite(got, expected)
    k[3, 4] = np.inf
    got = corr2d.convolve2d(x, k, "full", method="fft")
    _same_non_finite(got, scipy.signal.convolve2d(x, k, "full"))


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128"])
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_fft_masked_image_nans_and_infinities_as_scipy(dtype, boundary):
    """A masked image (NaNs scattered over every tile) and two infinities
    of opposite signs close together: the NaNs' windows are NaN, the
    infinities' windows +inf, -inf or NaN as the direct method gives them,
    the rest within the FFT's bound."""
    rng = np.random.default_rng(13)
    x = _random(rng, (260, 300), dtype, 1.0)
    x[rng.random(x.shape) < 0.0005] = np.nan
    x[100, 50], x[104, 61] = np.inf, -np.inf
    k = _random(rng, (25, 33), dtype, 1.0)
    got = corr2d.correlate2d(x, k, "same", boundary, method="fft")
    expected = scipy.signal.correlate2d(x, k, "same", boundary)
    _same_non_finite(got, expected)
    finite = np.isfinite(expected)
    exact, scale = _exact_and_scale(np.nan_to_num(x, nan=0, posinf=0, neginf=0), k, "same",
                                    boundary, 0, False)
    bound = 2 * np.finfo(dtype).eps * np.log2(np.prod(_fft_shape(x, k, "same"))) * scale
    assert np.abs(got[finite] - exact[finite]).max() <= bound


@pytest.mark.skipif(np.finfo(np.longdouble).eps >= np.finfo(np.float64).eps,
                    reason="longdouble is float64 on this platform")
def test_longdouble_kernels_are_not_factorised():
    # The SVD is float64: its factors fall short of longdouble's precision,
    # and the rank test at longdouble's eps refused even a box as "not
    # separable". 'separable' now names the dtype; 'auto' never factorises.
    g = np.exp(-np.linspace(-2, 2, 41) ** 2)
    k = np.outer(g, g)
    x = np.random.default_rng(2).standard_normal((600, 600))
    assert corr2d.choose_method(x, k, "same") == "separable"
    kl, xl = k.astype(np.longdouble), x.astype(np.longdouble)
    assert corr2d.choose_method(xl, kl, "same") in ("direct", "fft")
    with pytest.raises(ValueError, match="longdouble kernels are not factorised"):
        corr2d.correlate2d(xl, kl, "same", method="separable")
    np.testing.assert_allclose(corr2d.correlate2d(xl, kl, "same").astype(np.float64),
                               scipy.signal.correlate2d(x, k, "same"), rtol=0, atol=1e-12)
