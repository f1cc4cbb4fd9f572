"""The constants of the method cost model (corr2d._methods), in one place.

Seconds per unit of work for one thread, fitted by
``python benchmarks/fit_method_costs.py`` on the machine kind corr2d is
developed on (2 cores, AVX2 or AVX-512); that script prints a new version of
this table. ``single`` is float32/complex64 arithmetic, ``double`` everything
wider. Complex work counts four real multiply-adds per complex one.
"""

# Fitted 2026-12-03 by benchmarks/fit_method_costs.py: 735 calls, threads=1,
# simd avx512, 2 logical cores, corr2d 0.1.0,
# numpy 2.4.6, scipy 1.17.1; a trivial call's 10 us subtracted.

#: direct: seconds per multiply-add (``oh*ow*kh*kw``) and per output pixel.
DIRECT_PER_MAC = {"single": 2.7e-11, "double": 4.5e-11}
DIRECT_PER_PIXEL = {"single": 1.0e-09, "double": 1.7e-09}

#: fft: seconds per ``n*log2(n)`` of a tile transform pair (n = FH*FW), per
#: tile sample (copies, the spectrum product) and per tile.
FFT_PER_NLOGN = {"single": 4.7e-10, "double": 8.3e-10}
FFT_PER_SAMPLE = {"single": 0.0e+00, "double": 0.0e+00}
FFT_PER_TILE = {"single": 0.0e+00, "double": 0.0e+00}
#: fft: fixed cost of a call (the kernel's spectrum, the thread pool).
FFT_PER_CALL = 5.6e-04

#: separable: two 1-D passes, seconds per multiply-add and per pixel of
#: each pass, and a fixed cost (the factorisation check, a second call).
SEPARABLE_PER_MAC = {"single": 2.0e-11, "double": 4.0e-11}
SEPARABLE_PER_PIXEL = {"single": 7.4e-10, "double": 1.4e-09}
SEPARABLE_PER_CALL = 1.8e-04
