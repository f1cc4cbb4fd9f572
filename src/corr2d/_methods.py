"""Which method computes a correlation: direct, FFT or separable.

One cost model (constants in corr2d._method_costs) estimates each method's
seconds for a call; ``method='auto'`` takes the cheapest, and the FFT
method's tile shape is the cheapest by the same model. Integer dtypes are
always direct: the other methods round. Backend-neutral, a leaf below the
backends.
"""
from __future__ import annotations

import hashlib
import math
import os
import threading
from collections import OrderedDict
from functools import lru_cache
from typing import Any

import numpy as np

from . import _method_costs as C
from ._blas import ONE_THREAD_BLAS
from ._fork_safe import ForkSafeLock

#: The names `method=` takes ('auto' chooses among the others).
METHODS = ("auto", "direct", "fft", "separable")

#: Largest FFT tile, in bytes of its input block (its spectra take about as
#: much again): about one core's L2 cache. Larger tiles measured 1.3-2.4x
#: slower per n log n than the model's fit (2048x2048 float32 with a
#: 128x128 kernel, one thread: one whole-image tile 117 ms, 640x640 tiles
#: 64 ms), and one large tile leaves the threads nothing to share but its
#: transforms.
MAX_TILE_BYTES = 2 << 20

#: A kernel too large for such tiles takes the cheapest tile of at most
#: this many samples (its spectra stay a few tens of MiB), else the cheapest.
MAX_TILE_SAMPLES = 1 << 22

#: Bytes per tile sample: (precision, complex) -> itemsize.
_TILE_ITEMSIZE = {("single", False): 4, ("double", False): 8, ("single", True): 8,
                  ("double", True): 16}

#: Kernels of fewer taps are always direct (nothing else can win, and
#: small calls must not pay for the model).
DIRECT_BELOW_TAPS = 25

#: A kernel is separable when its second singular value is at most this
#: times eps(dtype) times max(kh, kw) times its first: well inside the
#: direct method's own rounding error (kh * kw * eps relative).
SEPARABLE_TOLERANCE = 4.0


def check_method(method: Any, dtype: np.dtype, func: str, *, exact: bool = False) -> str:
    """`method` checked against the call's dtype: the FFT and separable
    methods round, so integer calls (and, with `exact`, calls whose sums
    must be exact in a float dtype: corr2d.ndimage's integer images and
    outputs) must be direct; 'auto' is then 'direct'."""
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"{func}: method must be 'auto', 'direct', 'fft' or 'separable', "
                         f"got {method!r}")
    if method in ("fft", "separable") and dtype.kind in "iu":
        raise ValueError(f"{func}: method={method!r} is not exact for integer dtypes "
                         f"({dtype}); use 'direct' or 'auto' (which is direct for integers)")
    if exact and method in ("fft", "separable"):
        raise ValueError(f"{func}: method={method!r} rounds, and integer or bool images with "
                         "integer weights, and integer outputs, need the exact sums; use "
                         "'direct' or 'auto' (which is direct for them)")
    return "direct" if exact and method == "auto" else method


def _precision(dtype: np.dtype) -> tuple[str, int]:
    """The cost table's precision and the real operations per complex one."""
    single = dtype in (np.float32, np.complex64)
    return ("single" if single else "double"), (4 if dtype.kind == "c" else 1)


def direct_seconds(shape: tuple, kshape: tuple, dtype: np.dtype) -> float:
    """One thread's seconds for the direct method."""
    p, cf = _precision(dtype)
    pixels = shape[0] * shape[1]
    return pixels * (C.DIRECT_PER_MAC[p] * cf * kshape[0] * kshape[1] + C.DIRECT_PER_PIXEL[p])


@lru_cache(maxsize=8)
def _smooth_sizes(limit: int) -> np.ndarray:
    """The 2^a 3^b 5^c lengths up to `limit`: the C core FFT's lengths (radix 8,
    4, 2, 3, 5), and pocketfft's fast ones."""
    sizes = []
    p2 = 1
    while p2 <= limit:
        p3 = p2
        while p3 <= limit:
            p5 = p3
            while p5 <= limit:
                sizes.append(p5)
                p5 *= 5
            p3 *= 3
        p2 *= 2
    return np.array(sorted(sizes), dtype=np.int64)


def _axis_candidates(out: int, k: int) -> np.ndarray:
    """Tile lengths worth trying on an axis: at least twice the kernel (or
    the kernel, when that is all there is), up to one tile for the axis."""
    sizes = _smooth_sizes(1 << max(14, (out + k - 1).bit_length()))
    whole = int(sizes[np.searchsorted(sizes, out + k - 1)])
    low = min(2 * k, whole)
    return sizes[(sizes >= max(low, k)) & (sizes <= whole)]


def fft_transforms(shape: tuple, kshape: tuple, fft_shape: tuple, complex_: bool):
    """The FH x FW complex transform pairs (forward and inverse) of an FFT
    call: real tiles ride two to a transform, neighbours in a tile row (a
    row of one tile wastes half its transform: 400 x 1080 tiles on a 1024^2
    image measured 1.3-1.7x slower than 576 x 576 ones); complex tiles take
    one each. Works on arrays of FH and FW too."""
    (oh, ow), (kh, kw), (fh, fw) = shape, kshape, fft_shape
    tile_rows, tile_cols = np.ceil(oh / (fh - kh + 1)), np.ceil(ow / (fw - kw + 1))
    return tile_rows * (tile_cols if complex_ else np.ceil(tile_cols / 2))


def fft_rows(kshape: tuple, fft_shape: tuple, complex_: bool):
    """The rows one transform copies in from the image and writes out, each
    a separate stretch of memory, so short tile rows cost as much to fetch
    as long ones (what FFT_PER_ROW prices). Real tiles (the C core) go two
    to a transform, each copying FH rows in and writing FH - kh + 1 out.
    A complex tile (scipy.fft) writes its FH - kh + 1; its input comes in
    strips of many tiles a job, too few rows a tile to count. Works on
    arrays of FH."""
    fh, kh = fft_shape[0], kshape[0]
    if complex_:
        return fh - kh + 1
    return 2 * (2 * fh - kh + 1)


def factor_counts(sizes) -> np.ndarray:
    """How many times 2, 3 and 5 divide each size: an array of shape
    ``(3,) + shape(sizes)``."""
    rest = np.array(sizes, dtype=np.int64)
    counts = np.zeros((3,) + rest.shape, dtype=np.int64)
    for i, p in enumerate((2, 3, 5)):
        while True:
            divides = (rest % p == 0) & (rest > 1)
            if not divides.any():
                break
            counts[i] += divides
            rest = np.where(divides, rest // p, rest)
    return counts


def fft_nlogn_features(fft_shape: tuple) -> np.ndarray:
    """``n log2(n)`` times the counts of the factors 2, 3 and 5 of FH and
    FW (n = FH FW): what FFT_PER_FACTOR multiplies. A radix-3 or radix-5
    pass costs more per unit of log2(n) than radix 8, 4 and 2 (tiles of
    2^a 3^b measured up to 1.4x slower than 2^a 5^c ones of the same
    n log n); the extra log2(n) is the cost of larger tiles leaving the
    caches (0.7 ns per n log n at 256^2, 1.2 at 1024^2)."""
    fh, fw = (np.asarray(a) for a in fft_shape)
    n = (fh * fw).astype(np.float64)
    return n * np.log2(n) * (factor_counts(fh) + factor_counts(fw))


def fft_transform_seconds(kshape: tuple, fft_shape: tuple, precision: str, complex_: bool,
                          *, rows: bool = True):
    """One thread's seconds for one transform pair on FH x FW tiles (the
    arithmetic, the samples, the transform, and with `rows` the tile rows it
    moves). Works on arrays of FH and FW."""
    fh, fw = fft_shape
    n = np.asarray(fh * fw, dtype=np.float64)
    # A sum, not np.dot: BLAS would leave its threads spinning.
    seconds = (sum(c * f for c, f in zip(C.FFT_PER_FACTOR[precision], fft_nlogn_features(fft_shape)))
               + C.FFT_PER_SAMPLE[precision] * n + C.FFT_PER_TRANSFORM[precision])
    if rows:
        seconds = seconds + C.FFT_PER_ROW[precision] * fft_rows(kshape, fft_shape, complex_)
    return seconds


@lru_cache(maxsize=1024)
def _fft_plan(shape: tuple, kshape: tuple, precision: str, complex_: bool,
              threads: int) -> tuple[int, int, float]:
    """(FH, FW, one thread's seconds): the cheapest tile by the cost model.
    The threads share whole transforms, so a call of few of them leaves
    threads idle: the seconds count the idle ones too (the last round of
    transforms as if every thread ran one)."""
    (oh, ow), (kh, kw) = shape, kshape
    fh = _axis_candidates(oh, kh)[:, None]
    fw = _axis_candidates(ow, kw)[None, :]
    n = (fh * fw).astype(np.float64)
    transform = fft_transform_seconds(kshape, (fh, fw), precision, complex_)
    rounds = np.ceil(fft_transforms(shape, kshape, (fh, fw), complex_) / threads)
    cost = rounds * threads * transform
    for fits in (n * _TILE_ITEMSIZE[precision, complex_] <= MAX_TILE_BYTES,
                 n <= MAX_TILE_SAMPLES):
        capped = np.where(fits, cost, np.inf)
        if np.isfinite(capped).any():  # else a kernel beyond these tiles
            cost = capped
            break
    i, j = np.unravel_index(np.argmin(cost), cost.shape)
    seconds = float(cost[i, j]) + C.FFT_PER_CALL
    if oh * ow * _TILE_ITEMSIZE[precision, complex_] > C.CACHE_BYTES:
        seconds += C.FFT_PER_PIXEL_OUT_OF_CACHE * oh * ow
    return int(fh[i, 0]), int(fw[0, j]), seconds


#: The threads the cost model and the FFT's tile shape assume: this
#: machine's processors, never a call's own count (`threads=`,
#: OMP_NUM_THREADS), so that neither what 'auto' runs nor the FFT's tiles,
#: and so no result's bits, depend on the thread count (a 513 x 511 float64
#: image with a 41 x 41 kernel took 300^2 tiles on 1 thread and 144 x 128 on
#: 8, 5e-13 apart).
MODEL_THREADS = max(1, os.cpu_count() or 1)


def fft_tile_shape(shape: tuple, kshape: tuple, dtype: np.dtype,
                   threads: int = MODEL_THREADS) -> tuple[int, int]:
    """The transform shape (FH, FW) of the FFT method's tiles on `threads`
    threads: the output tile is ``(FH - kh + 1) x (FW - kw + 1)``."""
    p, cf = _precision(dtype)
    fh, fw, _ = _fft_plan(tuple(shape), tuple(kshape), p, cf > 1, max(1, int(threads)))
    return fh, fw


def fft_seconds(shape: tuple, kshape: tuple, dtype: np.dtype, threads: int = 1) -> float:
    """One thread's seconds for the FFT method (idle threads included)."""
    p, cf = _precision(dtype)
    return _fft_plan(tuple(shape), tuple(kshape), p, cf > 1, max(1, int(threads)))[2]


def separable_seconds(shape: tuple, kshape: tuple, dtype: np.dtype, folded: bool = False) -> float:
    """One thread's seconds for two 1-D passes: the column pass over the
    output's rows and kw - 1 extension columns (cheaper when `folded`: a
    mirrored column adds each mirrored pair of rows before one multiply),
    then the row pass; on an output beyond the cache, the memory traffic the
    passes add (their copy of the image rows and their buffer), which makes
    a 5x5 Gaussian on a 4096^2 float64 image as slow as the direct
    method."""
    p, cf = _precision(dtype)
    (oh, ow), (kh, kw) = shape, kshape
    column = oh * (ow + kw - 1) * kh * (C.SEPARABLE_FOLDED_COLUMN if folded else 1.0)
    macs = column + oh * ow * kw
    pixels = oh * (ow + kw - 1) + oh * ow
    seconds = (C.SEPARABLE_PER_MAC[p] * cf * macs + C.SEPARABLE_PER_PIXEL[p] * pixels
               + C.SEPARABLE_PER_CALL)
    nbytes = oh * ow * np.dtype(dtype).itemsize
    if nbytes > C.CACHE_BYTES:
        seconds += C.SEPARABLE_PER_BYTE_OUT_OF_CACHE * nbytes
    return seconds


def folds(column: np.ndarray) -> bool:
    """Whether the core's column pass folds this column factor, by the
    core's own test (column_symmetry in separable_columns.template.c): two
    taps or more, each of the first half bit for bit its mirror or its
    mirror negated (the middle tap of an odd column is never paired). See
    `_mirror_exact`."""
    half = len(column) // 2
    top, mirror = column[:half].tobytes(), column[::-1][:half]
    return half > 0 and (top == mirror.tobytes() or top == (-mirror).tobytes())


#: The factorisations of this many recent kernels are kept.
CACHED_FACTORISATIONS = 32
_FACTORS: OrderedDict = OrderedDict()
_FACTORS_LOCK = ForkSafeLock()
#: Kernels of up to this many bytes are keyed by their bytes (exact, and
#: hashed 4x faster than a digest: small calls feel it); larger ones by a
#: blake2b digest, so the cache keeps no copy of them.
KEYED_BY_BYTES = 256 << 10


def _kernel_key(kernel: np.ndarray) -> tuple:
    """A C-contiguous kernel's cache key: its bytes (a digest of them beyond
    KEYED_BY_BYTES), its shape and dtype."""
    data = kernel.tobytes()
    if len(data) > KEYED_BY_BYTES:
        data = hashlib.blake2b(data, digest_size=16).digest()
    return (data, kernel.shape, kernel.dtype.str)


_NOT_CACHED = object()


def _cached_factors(key: tuple) -> Any:
    """The cached answer of `separable_factors` for `key`, or `_NOT_CACHED`."""
    with _FACTORS_LOCK:
        if key not in _FACTORS:
            return _NOT_CACHED
        _FACTORS.move_to_end(key)
        return _FACTORS[key]


def separable_factors(kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(u, v)`` with ``kernel ~= outer(u, v)``, or None: see
    `_separable_factors`. The answers for the CACHED_FACTORISATIONS most
    recent kernels are cached by their bytes or a digest of them
    (`_kernel_key`), so a filter applied block by block (a Dask image) or
    in a loop factorises its kernel once per process (the SVD of a 513 x
    513 kernel takes 30 ms)."""
    kernel = np.ascontiguousarray(kernel)
    key = _kernel_key(kernel)
    factors = _cached_factors(key)
    if factors is not _NOT_CACHED:
        return factors
    if factorisation_seconds(kernel.shape) > INTERRUPTIBLE_AFTER_S:
        factors = _interruptible(_separable_factors, kernel)
    else:
        factors = _separable_factors(kernel)
    with _FACTORS_LOCK:
        _FACTORS[key] = factors
        while len(_FACTORS) > CACHED_FACTORISATIONS:
            _FACTORS.popitem(last=False)
    return factors


#: A factorisation the model expects to take longer than this runs on a
#: helper thread, waited for in slices: LAPACK's SVD checks for no signal
#: (a 2500 x 2500 kernel: 3.5 s deaf to Ctrl-C), the wait does.
INTERRUPTIBLE_AFTER_S = 0.05


def _interruptible(func: Any, *args: Any) -> Any:
    """``func(*args)`` on a helper thread (NumPy's LAPACK calls release
    the GIL), waited for 20 ms at a time so that Ctrl-C raises
    KeyboardInterrupt here at once; the helper then runs on to its end and
    its result is dropped.

    The helper is not a daemon, so the interpreter's exit waits for it (a
    few seconds at most): an exit while it is inside LAPACK would let
    OpenBLAS unmap the buffers it is using, a segfault. The wait is on an
    Event, not ``Thread.join``: an interrupted ``join`` on Python 3.11
    marks a running thread as stopped (bpo-45274's repair releases the
    thread's own lock), and the exit would then not wait."""
    outcome: dict = {}
    done = threading.Event()

    def run() -> None:
        try:
            outcome["value"] = func(*args)
        except BaseException as exc:  # raised again in the caller's thread
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="corr2d-factorise", daemon=False).start()
    while not done.wait(0.02):
        pass
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def is_longdouble(dtype: np.dtype) -> bool:
    """Longdouble and clongdouble: past float64, so never factorised (the
    SVD runs in float64, and its factors would lose the precision)."""
    return dtype.kind in "fc" and dtype.itemsize > (16 if dtype.kind == "c" else 8)


def factorisation_seconds(kshape: tuple) -> float:
    """The seconds `_separable_factors` takes on a kernel of `kshape` that
    passes its cross test (the SVD). A kernel that is exactly its cross's
    outer product takes none, but `choose` counts it all the same: its
    choice depends on the kernel's shape and dtype, not on its values."""
    kh, kw = kshape
    return C.SVD_PER_CALL + C.SVD_PER_CUBE * kh * kw * min(kh, kw)


def _separable_factors(kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(u, v)`` with ``kernel ~= outer(u, v)`` when the kernel is
    numerically rank 1 (sigma_2 <= SEPARABLE_TOLERANCE * max(kh, kw) *
    eps * sigma_1, a tolerance relative to the kernel, never absolute),
    else None. A cheap cross test (the row and column through the largest
    entry) rules most kernels out before the SVD, and gives the factors
    itself when their outer product is the kernel exactly."""
    kh, kw = kernel.shape
    if kh < 2 or kw < 2 or kernel.dtype.kind not in "fc" or is_longdouble(kernel.dtype):
        return None
    if not np.isfinite(kernel).all():
        return None  # no factors reproduce its infinities and NaNs (and the SVD fails on NaN)
    eps = float(np.finfo(kernel.dtype).eps)
    tol = SEPARABLE_TOLERANCE * max(kh, kw) * eps
    flat = int(np.argmax(np.abs(kernel)))
    p, q = divmod(flat, kw)
    pivot = kernel[p, q]
    if pivot == 0:
        return None
    column, row = kernel[:, q].copy(), kernel[p, :] / pivot
    cross = np.outer(column, row)
    if not np.array_equal(cross, kernel):
        factors = _svd_factors(kernel, cross, pivot, tol)
        if factors is None:
            return None
        column, row = factors
    # else exactly the outer product of its cross (Sobel's, boxes, small
    # binomial kernels): these factors are the kernel bit for bit, where the
    # SVD's are so only to rounding (a Sobel edge of 4 came out
    # 3.9999999999999987).
    column.flags.writeable = row.flags.writeable = False  # shared through the cache
    return column, row


def _svd_factors(kernel: np.ndarray, cross: np.ndarray, pivot: Any, tol: float) -> tuple | None:
    """The SVD's factors of a kernel within `tol` of rank 1, exact to
    rounding and made mirror-exact; None for any other."""
    kh, kw = kernel.shape
    # A rank-1 kernel plus E leaves a cross residual of a few max|E| <= sigma_2,
    # and sigma_1 <= sqrt(kh kw) |pivot|: beyond this, sigma_2 > tol sigma_1.
    if np.max(np.abs(kernel - cross)) > 8 * tol * math.sqrt(kh * kw) * abs(pivot):
        return None
    work = kernel.astype(np.complex128 if kernel.dtype.kind == "c" else np.float64)
    # BLAS held at one thread: its pool would spin on against the threads
    # of the method that runs next.
    with ONE_THREAD_BLAS:
        u, s, vh = np.linalg.svd(work)
    if s[0] == 0 or s[1] > tol * s[0]:
        return None
    column, row = _refined(work, u[:, 0] * s[0])
    return (_mirror_exact(kernel, column.astype(kernel.dtype), axis=0),
            _mirror_exact(kernel, row.astype(kernel.dtype), axis=1))


def _refined(kernel: np.ndarray, column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Factors of a rank-1 `kernel` (float64 or complex128) accurate tap by
    tap, from the SVD's `column`. The SVD's factors are exact only to
    rounding relative to the largest singular value: a small tap (a
    Gaussian's tail) came out thousands of eps off. One least-squares step
    each way (the row best fitting the column, then the column best fitting
    that row) averages each tap over its own row or column of the kernel,
    whose entries all carry that tap: each comes out within a few eps of
    itself, and ``outer(column, row)`` within a few eps of each entry."""
    row = (column.conj() @ kernel) / np.vdot(column, column)
    column = (kernel @ row.conj()) / np.vdot(row, row)
    return column, row


def _mirror_exact(kernel: np.ndarray, factor: np.ndarray, axis: int) -> np.ndarray:
    """`factor` made exactly symmetric (or antisymmetric) when the kernel is
    so along `axis`, bit for bit: the SVD's factor is only so to rounding,
    and the core's column pass folds exactly mirrored columns (half the
    multiply-adds); the row is made so too, as the kernel is. The change
    is within the SVD's own rounding."""
    mirrored = np.flip(kernel, axis)
    if np.array_equal(kernel, mirrored):
        return (factor + factor[::-1]) / 2
    if np.array_equal(kernel, -mirrored):
        return (factor - factor[::-1]) / 2
    return factor


def choose(shape: tuple, kernel: np.ndarray, dtype: np.dtype,
           threads: int = MODEL_THREADS, *, fft: bool = True) -> tuple[str, Any]:
    """The cheapest method for an output of `shape` and this (correlation)
    kernel on `threads` threads: ``('direct', None)``, ``('fft', None)``
    (unless `fft` is false) or ``('separable', (u, v))``. Threads scale
    the direct and separable methods alike (they share rows); the FFT's
    few large transforms may leave some idle."""
    kshape = kernel.shape
    if dtype.kind in "iu" or kshape[0] * kshape[1] < DIRECT_BELOW_TAPS:
        return "direct", None
    best, best_seconds, factors = "direct", direct_seconds(shape, kshape, dtype), None
    fft_cost = fft_seconds(shape, kshape, dtype, threads) if fft else math.inf
    if fft_cost < best_seconds:
        best, best_seconds = "fft", fft_cost
    # The folded cost is the lower bound: factorise only when it could win,
    # counting the factorisation every time, cached or not: the choice (and
    # so the bits) of a call must not depend on the calls before it, and
    # choose_method must say what the next call runs. (Counting it only the
    # first time a kernel came made the second of two equal calls take
    # another method.) On images large enough for the choice to matter the
    # SVD is a small part of the cost.
    lower_bound = separable_seconds(shape, kshape, dtype, folded=True)
    if lower_bound < best_seconds:
        svd = factorisation_seconds(kshape)
        if lower_bound + svd < best_seconds:
            factors = separable_factors(kernel)
            if factors is None or separable_seconds(
                    shape, kshape, dtype, folds(factors[0])) + svd >= best_seconds:
                factors = None
            else:
                best = "separable"
    return best, factors
