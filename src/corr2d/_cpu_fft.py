"""The FFT method of correlate2d/convolve2d on the CPU: overlap-save over tiles.

The output is cut into tiles of ``TH x TW``; each tile's input block of
``FH x FW = (TH + kh - 1) x (TW + kw - 1)`` is copied out of the image with
the real boundary rule (no padded copy of the image is made) and
transformed in the input's precision (float32 -> complex64 spectra), two
real tiles to a complex transform, multiplied by the kernel's spectrum
(computed once per call, and kept in a small cache of recent kernels: a
Dask worker's blocks share it) and transformed back; the last ``TH x TW``
samples of the circular convolution are exactly the linear ones. The tile
shape comes from the cost model in corr2d._methods.

float32 and float64 run in one call of the C core
(``_ccore.fft_correlate``: its own FFT; each pair of neighbouring tiles is
a job on its OpenMP threads, which copies the pair's blocks itself).
Complex inputs run in ``scipy.fft``: groups of tiles in one tile row are
the jobs, on Python threads, their blocks cut by corr2d._extend. Either
way each job runs on one thread, so the result does not depend on the
thread count.

Memory beyond the output: the kernel spectrum (``FH x FW`` complex; the
cache keeps those of recent calls, at most 64 MiB in all) and, per thread,
in the C core one pair's transform (about ``2 FH x FW`` elements), or with
``scipy.fft`` one job's strip of blocks and spectra (about ``JOB_BYTES``,
or one tile when a tile is larger).
"""
from __future__ import annotations

import hashlib
from collections import OrderedDict

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import _ccore
from ._arrays import sum_is_finite
from ._extend import copy_extended
from ._fork_safe import ForkSafeLock
from ._jobs import run_jobs
from ._methods import fft_tile_shape
from ._signal_plan import CorrelatePlan

#: A job's blocks and spectra stay about this size (the L2/L3 boundary on
#: these machines), so threads x JOB_BYTES bounds the workspace.
JOB_BYTES = 8 << 20


class _Tiles:
    """The transforms of one call. Real inputs are packed two tiles to one
    complex transform (``a + ib``: the kernel is real, so the real and
    imaginary parts of the result are the two tiles' results), which
    measured 10-20% faster here than two real-input transforms; complex
    inputs take one complex transform a tile."""

    def __init__(self, dtype: np.dtype, fft_shape: tuple[int, int], workers: int, paired: bool):
        # Imported here, not with the module: only complex inputs (and
        # shapes the core's FFT cannot run) come this way, and importing
        # scipy.fft would add to every `import corr2d`.
        import scipy.fft

        self.fft = scipy.fft
        self.shape, self.workers = fft_shape, workers
        self.real = dtype.kind != "c"
        self.paired = self.real and paired  # else real jobs hold one tile each
        self.complex_dtype = np.result_type(dtype, np.complex64)
        self._half = None

    def spectrum(self, kernel: np.ndarray) -> np.ndarray:
        """The kernel's zero-padded spectrum, rows first: only its kh rows
        are transformed along the rows (the padding rows are zero), which
        saves most of the first pass for a kernel much smaller than a tile."""
        fh, fw = self.shape
        if self.real and not self.paired:
            rows = self.fft.rfft(kernel, n=fw, axis=1, workers=self.workers)
            self._half = self.fft.fft(rows, n=fh, axis=0, workers=self.workers, overwrite_x=True)
            return self._half
        rows = self.fft.fft(kernel.astype(self.complex_dtype), n=fw, axis=1, workers=self.workers)
        return self.fft.fft(rows, n=fh, axis=0, workers=self.workers, overwrite_x=True)

    def correlate(self, blocks: np.ndarray,
                  kernel_spectrum: np.ndarray) -> tuple[list[np.ndarray], bool]:
        """Each block's circular convolution with the kernel, and whether the
        blocks' samples were all finite: bin (0, 0) of a block's spectrum is
        the sum of its samples, not finite when one is not (or the sum
        overflows). Testing it costs nothing; np.isfinite over each job's
        blocks cost 1.06-1.3x (1024^2 complex, kernels 31-51)."""
        if not self.real:
            spectra = self.fft.fft2(blocks, workers=self.workers)
            finite = bool(np.isfinite(spectra[:, 0, 0]).all())
            spectra *= kernel_spectrum
            return list(self.fft.ifft2(spectra, workers=self.workers, overwrite_x=True)), finite
        npairs = len(blocks) // 2
        results, finite = [], True
        if npairs:
            pairs = np.empty((npairs,) + self.shape, self.complex_dtype)
            pairs.real = blocks[0:2 * npairs:2]
            pairs.imag = blocks[1:2 * npairs:2]
            spectra = self.fft.fft2(pairs, workers=self.workers, overwrite_x=True)
            finite = bool(np.isfinite(spectra[:, 0, 0]).all())
            spectra *= kernel_spectrum
            result = self.fft.ifft2(spectra, workers=self.workers, overwrite_x=True)
            for pair in result:
                results += [pair.real, pair.imag]
        if len(blocks) % 2:  # the odd one out: a real-input transform
            if self._half is None:  # a real kernel's rfft2 is the left half of its fft2
                self._half = np.ascontiguousarray(kernel_spectrum[:, :self.shape[1] // 2 + 1])
            spectrum = self.fft.rfft2(blocks[-1], workers=self.workers)
            finite = finite and bool(np.isfinite(spectrum[0, 0]))
            spectrum *= self._half
            results.append(self.fft.irfft2(spectrum, s=self.shape, workers=self.workers,
                                           overwrite_x=True))
        return results, finite


class _CoreTiles:
    """The transforms of one call in the C core's own FFT (float32 and
    float64 with 2^a 3^b 5^c sides): two tiles to a complex transform as in
    _Tiles, the whole output in one call (``_ccore.fft_correlate``), at the
    full SIMD width. Here: the kernel's spectrum, in the core's layout."""

    paired = True
    _half = None

    def __init__(self, fft_shape: tuple[int, int]):
        self.shape = fft_shape

    def spectrum(self, kernel: np.ndarray) -> np.ndarray:
        return _ccore.fft_spectrum(np.ascontiguousarray(kernel), *self.shape)

    @staticmethod
    def supports(dtype: np.dtype, fft_shape: tuple[int, int]) -> bool:
        return _ccore.fft_supported(dtype, *fft_shape)


class SpectrumCache:
    """The kernel spectra of recent calls, keyed by the kernel's bytes and the
    transform's shape: the blocks of a Dask array on one worker (and a loop
    of calls with one kernel) transform their kernel once. At most
    ``max_bytes`` of spectra are kept, the least recently used dropped
    first; the spectra are read-only. Thread-safe."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes, self.hits, self.misses = max_bytes, 0, 0
        self._entries: OrderedDict = OrderedDict()
        self._lock = ForkSafeLock()

    def get(self, tiles: _Tiles, kernel: np.ndarray) -> np.ndarray:
        key = (hashlib.blake2b(kernel.tobytes(), digest_size=16).digest(),
               kernel.shape, kernel.dtype.str, tiles.shape, tiles.paired, type(tiles).__name__)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
        if entry is None:
            entry = (tiles.spectrum(kernel), tiles._half)
            for a in entry:
                if a is not None:
                    a.flags.writeable = False
            with self._lock:
                self.misses += 1
                self._entries[key] = entry
                while len(self._entries) > 1 and sum(
                        sum(a.nbytes for a in e if a is not None)
                        for e in self._entries.values()) > self.max_bytes:
                    self._entries.popitem(last=False)
        tiles._half = entry[1]
        return entry[0]


#: The process's spectrum cache.
SPECTRA = SpectrumCache(64 << 20)


def kernel_spectrum_of(tiles: _Tiles, kernel: np.ndarray) -> np.ndarray:
    """`kernel`'s spectrum for these tiles, from the process's cache."""
    return SPECTRA.get(tiles, kernel)


def fft_threads(plan: CorrelatePlan) -> int:
    """The threads the FFT method runs `plan` on (the core's policy)."""
    (oh, ow), (kh, kw) = plan.shape, plan.kernel.shape
    return _ccore.plan_threads(plan.threads, float(oh) * ow * kh * kw)


def correlate_fft(plan: CorrelatePlan, image: np.ndarray, target: np.ndarray) -> None:
    """Write the plan's correlation (before any output flip) into `target`;
    `image` is the plan's image and both are in the C core's layout
    (corr2d._core_layout.has_core_layout)."""
    kernel = np.ascontiguousarray(plan.kernel)
    if not np.isfinite(kernel).all():
        # A transform of an infinity or NaN is NaN everywhere; the direct
        # method gives SciPy's pattern of NaNs and infinities.
        _ccore.correlate(image, kernel, plan.fill, target, plan.top, plan.left, plan.boundary,
                         plan.threads)
        return
    kh, kw = kernel.shape
    threads = fft_threads(plan)
    # Tiles for the machine's threads, not the call's: the same tiles, so
    # the same bits, on any thread count (see _methods.MODEL_THREADS).
    fh, fw = fft_tile_shape(plan.shape, kernel.shape, image.dtype)
    if _CoreTiles.supports(image.dtype, (fh, fw)):
        # One call: the C core cuts the output into pairs of tiles, copies
        # each pair's blocks with the boundary rule and spreads the pairs over
        # its OpenMP threads (Python threads, a job each, cost a GIL hand-off
        # per job: 1024^2 float32 with a 51x51 kernel ran 2.3x the core's
        # own time).
        tiles = _CoreTiles((fh, fw))
        spectrum = kernel_spectrum_of(tiles, kernel[::-1, ::-1])
        _ccore.fft_correlate(image, kernel, spectrum, fh, fw, plan.fill, target, plan.top,
                             plan.left, plan.boundary, plan.threads)
        return
    _correlate_fft_scipy(plan, image, target, (fh, fw), threads)


def _correlate_fft_scipy(plan: CorrelatePlan, image: np.ndarray, target: np.ndarray,
                         fft_shape: tuple[int, int], threads: int) -> None:
    """correlate_fft in ``scipy.fft`` (complex inputs): jobs of tiles in a
    tile row, on Python threads."""
    kernel = np.ascontiguousarray(plan.kernel)
    (oh, ow), (kh, kw) = plan.shape, kernel.shape
    fh, fw = fft_shape
    th, tw = fh - kh + 1, fw - kw + 1
    tile_rows, tile_cols = -(-oh // th), -(-ow // tw)
    # A tile's block, its share of the packed transform and the result.
    per_tile = fh * fw * image.dtype.itemsize * (2 if image.dtype.kind != "c" else 3)
    group = max(1, min(tile_cols, JOB_BYTES // per_tile))
    jobs = [(r, c, min(c + group, tile_cols))
            for r in range(tile_rows) for c in range(0, tile_cols, group)]
    # Fewer jobs than threads: one job at a time, its transforms threaded.
    tiles = _Tiles(image.dtype, (fh, fw), threads if len(jobs) < threads else 1, group > 1)
    threads = 1 if len(jobs) < threads else threads
    # Linear convolution with the flipped kernel is the correlation.
    kernel_spectrum = kernel_spectrum_of(tiles, kernel[::-1, ::-1])

    def run(job: tuple[int, int, int]) -> None:
        row, first, last = job
        i0, j0 = row * th, first * tw
        rows_out, cols_out = min(th, oh - i0), min((last - first) * tw, ow - j0)
        ntiles = -(-cols_out // tw)
        # One zero-padded strip holds every block of the job; the blocks
        # are overlapping views into it (tw columns apart).
        strip = np.empty((fh, (ntiles - 1) * tw + fw), image.dtype)
        used_rows, used_cols = rows_out + kh - 1, cols_out + kw - 1
        copy_extended(strip[:used_rows, :used_cols], image,
                      i0 - plan.top, j0 - plan.left, plan.boundary, plan.fill)
        strip[used_rows:] = 0  # what the last tiles read past the output
        strip[:used_rows, used_cols:] = 0
        s0, s1 = strip.strides
        blocks = as_strided(strip, (ntiles, fh, fw), (tw * s1, s0, s1), writeable=False)
        # inf x 0, or sums past the dtype's largest, in a first try that is dropped
        with np.errstate(invalid="ignore", over="ignore"):
            results, finite = tiles.correlate(blocks, kernel_spectrum)
        bad = None
        if not finite:  # again with the infinities and NaNs zeroed, then _repair
            bad = _scrub(strip[:used_rows, :used_cols])
            if bad is not None:
                with np.errstate(invalid="ignore", over="ignore"):
                    results, finite = tiles.correlate(blocks, kernel_spectrum)
        region = target[i0:i0 + rows_out, j0:j0 + cols_out]
        if finite:
            for t, result in enumerate(results):
                c = min(tw, cols_out - t * tw)
                region[:, t * tw:t * tw + c] = result[kh - 1:kh - 1 + rows_out, kw - 1:kw - 1 + c]
        if not finite or not sum_is_finite(region):
            # Finite samples (or those left after the scrub) whose sums
            # overflowed somewhere in the transforms (near the dtype's
            # largest): the job runs direct, as the C core's FFT does (one
            # pass, no temporary; a sum that overflows goes direct too).
            _ccore.correlate(image, kernel, plan.fill, region, plan.top - i0, plan.left - j0,
                             plan.boundary, 1)
        elif bad is not None:
            _repair(plan, image, kernel, target, bad, i0, j0, rows_out, cols_out)

    run_jobs(run, jobs, threads)


def _scrub(block: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int, int] | None] | None:
    """Zero the infinities and NaNs of a job's input block (a transform
    would spread each over every tile it is in): None when it held none,
    else where the NaNs were (a boolean mask) and the box (first and last
    row, first and last column) around the infinities, or None."""
    finite = np.isfinite(block)
    if finite.all():
        return None
    nan = np.isnan(block)
    infinite = ~finite & ~nan
    block[~finite] = 0
    if not infinite.any():
        return nan, None
    rows, cols = np.flatnonzero(infinite.any(axis=1)), np.flatnonzero(infinite.any(axis=0))
    return nan, (rows[0], rows[-1], cols[0], cols[-1])


def _repair(plan: CorrelatePlan, image: np.ndarray, kernel: np.ndarray, target: np.ndarray,
            bad: tuple, i0: int, j0: int, rows_out: int, cols_out: int) -> None:
    """A job's outputs (rows_out x cols_out from (i0, j0)) whose windows held
    what _scrub zeroed, as the direct method gives them (the C core's FFT
    does the same): NaN where a window holds a NaN, whatever the kernel;
    the direct method itself near the infinities (their sign, or NaN, comes
    from the taps that meet them)."""
    (kh, kw), (nan, box) = kernel.shape, bad
    region = target[i0:i0 + rows_out, j0:j0 + cols_out]
    if nan.any():
        # A summed-area table of the NaNs counts each window's.
        table = np.zeros((nan.shape[0] + 1, nan.shape[1] + 1), np.int64)
        np.cumsum(np.cumsum(nan, axis=0), axis=1, out=table[1:, 1:])
        counts = (table[kh:kh + rows_out, kw:kw + cols_out] - table[:rows_out, kw:kw + cols_out]
                  - table[kh:kh + rows_out, :cols_out] + table[:rows_out, :cols_out])
        # NaN times any tap is NaN in both parts of a complex product.
        region[counts > 0] = complex(np.nan, np.nan) if region.dtype.kind == "c" else np.nan
    if box is None:
        return
    r0, r1, c0, c1 = box
    a, b = max(0, r0 - kh + 1), min(rows_out - 1, r1)
    left, right = max(0, c0 - kw + 1), min(cols_out - 1, c1)
    if a > b or left > right:
        return
    _ccore.correlate(image, kernel, plan.fill, region[a:b + 1, left:right + 1],
                     plan.top - i0 - a, plan.left - j0 - left, plan.boundary, 1)
