"""The constants of the method cost model (corr2d._methods), in one place.

Seconds per unit of work for one thread, fitted by
``python benchmarks/fit_method_costs.py`` on the machine kind corr2d is
developed on (2 cores, AVX2 or AVX-512); that script prints a new version of
this table. ``single`` is float32/complex64 arithmetic, ``double`` everything
wider. Fitted 2026-12-01 on an AVX2 host, threads=1 (median model error
11-19% per method); FFT_PER_SAMPLE is not separable from the n log n term
and fits to 0. Complex work counts four real multiply-adds per complex one.
"""

#: direct: seconds per multiply-add (``oh*ow*kh*kw``) and per output pixel.
DIRECT_PER_MAC = {"single": 3.8e-11, "double": 7.0e-11}
DIRECT_PER_PIXEL = {"single": 9.7e-10, "double": 1.6e-09}

#: fft: seconds per ``n*log2(n)`` of a tile transform pair (n = FH*FW), per
#: tile sample (copies, the spectrum product) and per tile.
FFT_PER_NLOGN = {"single": 6.3e-10, "double": 1.1e-09}
FFT_PER_SAMPLE = {"single": 0.0, "double": 0.0}
FFT_PER_TILE = {"single": 1.7e-05, "double": 1.1e-05}
#: fft: fixed cost of a call (the kernel's spectrum, the thread pool).
FFT_PER_CALL = 8.6e-04

#: separable: two 1-D passes, seconds per multiply-add and per pixel of
#: each pass, and a fixed cost (the factorisation check, a second call).
SEPARABLE_PER_MAC = {"single": 1.3e-10, "double": 2.3e-10}
SEPARABLE_PER_PIXEL = {"single": 3.3e-11, "double": 0.0}
SEPARABLE_PER_CALL = 5.9e-04
