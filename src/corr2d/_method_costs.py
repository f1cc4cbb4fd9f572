"""The constants of the method cost model (corr2d._methods), in one place.

Seconds per unit of work for one thread, fitted by
``python benchmarks/fit_method_costs.py`` on the machine kind corr2d is
developed on (2 cores, AVX2 or AVX-512); that script prints a new version of
this table. ``single`` is float32/complex64 arithmetic, ``double`` everything
wider. Complex work counts four real multiply-adds per complex one.
"""

# Fitted 2026-12-04 by benchmarks/fit_method_costs.py: 771 calls, threads=1,
# simd avx512, 2 logical cores, corr2d 0.1.0,
# numpy 2.4.6, scipy 1.17.1; a trivial call's 8 us subtracted.

#: direct: seconds per multiply-add (``oh*ow*kh*kw``) and per output pixel.
DIRECT_PER_MAC = {"single": 2.5e-11, "double": 4.4e-11}
DIRECT_PER_PIXEL = {"single": 7.8e-10, "double": 1.2e-09}

#: fft: seconds per ``n*log2(n)`` of a complex transform pair (forward and
#: inverse, n = FH*FW; two real tiles share one) per factor 2, 3 and 5 of
#: FH and FW (see corr2d._methods.fft_nlogn_features), per transform
#: sample (copies, the spectrum product) and per transform.
FFT_PER_FACTOR = {"single": (1.6e-11, 3.1e-11, 6.1e-11), "double": (3.3e-11, 6.1e-11, 8.9e-11)}
FFT_PER_SAMPLE = {"single": 1.3e-09, "double": 2.1e-09}
FFT_PER_TRANSFORM = {"single": 9.5e-07, "double": 1.7e-06}
#: fft: fixed cost of a call (the kernel's spectrum, the thread pool).
FFT_PER_CALL = 4.0e-04

#: separable: two 1-D passes, seconds per multiply-add and per pixel of
#: each pass, and a fixed cost (the factorisation check, a second call).
SEPARABLE_PER_MAC = {"single": 2.5e-11, "double": 4.7e-11}
SEPARABLE_PER_PIXEL = {"single": 3.3e-10, "double": 7.5e-10}
SEPARABLE_PER_CALL = 1.6e-04

#: separable, on outputs larger than SEPARABLE_CACHE_BYTES: seconds per
#: output pixel that the two passes add to the direct method's trip
#: through memory (the band's copy of the image rows and its buffer).
#: Not fitted by the script (its images stay in the cache, one thread):
#: set 2026-12-05 from 2048^2 to 4096^2 5x5..15x15 Gaussians at 2 threads
#: (4096^2 float64 5x5: direct 8.5 ms, separable 12.8 ms; 7x7: 15.1 and
#: 13.8), inside the range that picks the faster method in each of them.
SEPARABLE_PER_PIXEL_OUT_OF_CACHE = 7.2e-10
SEPARABLE_CACHE_BYTES = 16 << 20
