"""The constants of the method cost model (corr2d._methods), in one place.

Seconds per unit of work for one thread, fitted by
``python benchmarks/fit_method_costs.py`` on the machine kind corr2d is
developed on (2 cores, AVX2 or AVX-512); that script prints a new version of
this table. ``single`` is float32/complex64 arithmetic, ``double`` everything
wider. Complex work counts four real multiply-adds per complex one.
"""

# Fitted 2026-12-06 by benchmarks/fit_method_costs.py: 769 calls, threads=1,
# simd avx512, 2 logical cores (an AMD Zen 4 host), corr2d 0.1.0,
# numpy 2.4.6, scipy 1.17.1; a trivial call's 11 us subtracted. Then the
# FFT's transforms became 1.12-1.22x faster (in place), and the script was
# run again the same day on an Intel Xeon host with AVX-512 (776 calls, a
# trivial call's 10 us subtracted; model error on the FFT calls: median
# 22-24% before, 7% after). The FFT and direct constants are that refit's.
# The separable ones were set against the direct ones by hand (below), so
# they are the previous table's scaled as the direct ones moved (0.92x for
# single, 0.89x for double): the refit's own separable constants
# had 'auto' run a 5x5 Gaussian on a 2048^2 float64 image by the passes,
# 1.31x slower than the direct method, and the refit's direct constants with
# the old separable ones ran a 7x7 Gaussian on a 1024^2 float64 image
# directly, 1.31-1.33x slower than the passes (two threads).

#: direct: seconds per multiply-add (``oh*ow*kh*kw``) and per output pixel.
DIRECT_PER_MAC = {"single": 2.4e-11, "double": 3.9e-11}
DIRECT_PER_PIXEL = {"single": 8.3e-10, "double": 1.5e-09}

#: fft: seconds per ``n*log2(n)`` of a complex transform pair (forward and
#: inverse, n = FH*FW; two real tiles share one) per factor 2, 3 and 5 of
#: FH and FW (see corr2d._methods.fft_nlogn_features), per transform
#: sample (copies, the spectrum product) and per transform. (The
#: per-sample cost came out 10x higher for double than for single, and 0
#: and 4.5e-10 in a first run of the same refit: it is nearly collinear
#: with the n log n features, so the fit splits their sum loosely.)
FFT_PER_FACTOR = {"single": (2.1e-11, 3.7e-11, 6.3e-11), "double": (3.9e-11, 7.4e-11, 1.0e-10)}
FFT_PER_SAMPLE = {"single": 5.1e-11, "double": 5.1e-10}
FFT_PER_TRANSFORM = {"single": 1.5e-06, "double": 2.7e-06}
#: fft: fixed cost of a call (the kernel's spectrum, the thread pool).
FFT_PER_CALL = 3.8e-04
#: fft: seconds per tile row copied in or written out
#: (corr2d._methods.fft_rows): a row is a stretch of memory of its own,
#: whatever its length. Not fitted by fit_method_costs.py (its images stay
#: in the cache): fitted 2026-12-06 by benchmarks/fit_fft_rows.py's grid
#: (771 tiles of 64..640 per side, 2048^2 and 4096^2, float32/float64,
#: kernels 11, 21 and 51, one thread) and checked on 676 more on two
#: threads (1024^2 and 4096^2): the model's tile fell behind the fastest by
#: a median 1.04x (worst 1.12x), against 1.08x (1.31x) without the term,
#: which chose 128 x 64 tiles for an 11 x 11 kernel on a 4096^2 image
#: (1.2-1.6x slower than the fastest) and the FFT over the direct method.
#: That was an AMD Zen 4 host. On the Intel host of the refit above,
#: fit_fft_rows.py fitted both FFT_PER_ROW and FFT_PER_PIXEL_OUT_OF_CACHE to
#: 0 on one thread; they are kept, since on two
#: threads there 'auto' without the per-pixel term ran the FFT on a 4096^2
#: float32 11x11 call 1.11-1.14x slower than the direct method (1.04-1.09x
#: with it).
FFT_PER_ROW = {"single": 2.7e-08, "double": 1.9e-08}
#: fft, on outputs larger than CACHE_BYTES: seconds per output pixel that
#: the trips through memory add (the same fit).
FFT_PER_PIXEL_OUT_OF_CACHE = 8.6e-10

#: separable: two 1-D passes, seconds per multiply-add and per pixel of
#: each pass, and a fixed cost (the factorisation check, a second call).
#: The multiply-add cost is set by hand, between the fit's (1.7e-11,
#: 2.6e-11: its separable kernels have 5..101 taps, where the per-pixel
#: cost dominates) and the passes' cost on 129..301-tap kernels (2.4-2.7e-11
#: and 4.5-5.5e-11, one thread, 2026-12-06). With the fit's, 'auto' ran a
#: 301x301 float64 rank-1 kernel on a 4096^2 image by the passes, 1.2-1.4x
#: slower than the FFT; with these, 'auto' was within 1.05x of the fastest
#: method on all 64 cases of bench_auto_separable.py --quick (1 and 2
#: threads) and on that kernel, before the in-place FFT. A refit must be
#: checked the same way. The 2026-12-06 refit on the Intel host put the
#: per-pixel cost at 4.8e-10 and 8.3e-10 (one thread, images in the cache);
#: with those, 7 of the 32 two-thread cases were beyond 1.05x, so the
#: previous values are kept, scaled with the direct constants (see the
#: top). With them, since the faster FFT, 4 of the 32 are beyond 1.05x:
#: 129-tap rank-1 kernels on 4096^2 images, which 'auto' runs by the passes
#: 1.07-1.15x slower than the FFT (the model puts the FFT's out-of-cache
#: cost too high for them).
SEPARABLE_PER_MAC = {"single": 1.85e-11, "double": 3.55e-11}
SEPARABLE_PER_PIXEL = {"single": 6.5e-10, "double": 1.33e-09}
SEPARABLE_PER_CALL = 2.0e-04
#: separable: the column pass's multiply-adds, as a fraction of the plain
#: pass's, when its column is mirrored and folded (corr2d._methods.folds:
#: Gaussians, boxes, derivatives).
SEPARABLE_FOLDED_COLUMN = 0.75

#: separable, on outputs larger than CACHE_BYTES: seconds per output byte
#: that the two passes add to the direct method's trip through memory (the
#: band's copy of the image rows and its buffer). Not fitted by the script
#: (its images stay in the cache, one thread). These and
#: SEPARABLE_FOLDED_COLUMN were set 2026-12-05 (with the multiply-add cost
#: of that day's fit times 0.85) from 510 timed cases (Gaussians and random
#: rank-1 kernels of 5..129 taps, 1024^2 to 4096^2, float32/float64, 1 and 2 threads, fresh
#: and reused outputs), inside the ranges where 'auto' is within 1.09x of
#: the fastest method in every case (the table before: 1.45x, and 72 cases
#: beyond 1.05x; after: 4).
SEPARABLE_PER_BYTE_OUT_OF_CACHE = 7.5e-11

#: Outputs beyond this many bytes (this host's L3) leave the cache: the
#: FFT and separable methods then pay for their trips through memory.
CACHE_BYTES = 32 << 20

#: separable: the factorisation's SVD (float64, one BLAS thread), seconds
#: per ``kh * kw * min(kh, kw)`` and per call, counted on every call
#: (corr2d._methods.choose). Not fitted by the script: set
#: 2026-12-05 from Gaussians of 129..1025 taps (1.1, 5.1, 31 and 205 ms), after
#: 'auto' ran a 513-tap Gaussian on a 512^2 image by the passes, 6.3x
#: slower than the FFT, 30 of its 32 ms in the SVD.
SVD_PER_CUBE = 2.5e-10
SVD_PER_CALL = 1.0e-04
