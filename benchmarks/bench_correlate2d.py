"""Time corr2d.correlate2d against its peers on the same inputs, in one run.

Peers: scipy.signal.correlate2d (the function corr2d replaces),
scipy.ndimage.correlate, cv2.filter2D (when OpenCV is installed), and a
np.copyto of the image (the memory floor: one read and one write).
corr2d is timed twice: writing into a reused `out=` array, and allocating
its output (a fresh 64 MiB array costs several ms in page faults).
Results are checked against each other before they are timed. Machines here
are shared and noisy, so compare the ratios within one run.

    python benchmarks/bench_correlate2d.py            # full table
    python benchmarks/bench_correlate2d.py --quick    # a small subset
    python benchmarks/bench_correlate2d.py --csv results.csv
    python benchmarks/bench_correlate2d.py --methods [--quick] [--csv m.csv]

--methods: large kernels instead. Per case (float32 and float64, mode
'same', boundary fill, random square kernels 3..101 and a 31x31 Gaussian)
corr2d's method='auto', 'direct', 'fft' (and 'separable' for the Gaussian)
against cv2.filter2D, scipy.signal.oaconvolve and scipy.signal.fftconvolve
(the same correlation: convolution with the flipped kernel), all allocating
their output, timed interleaved (one call of each tool a round, several
rounds) and reported as medians.
"""
from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import sys
import time

import numpy as np
import scipy
import scipy.fft
import scipy.ndimage
import scipy.signal

import corr2d
import corr2d._methods

try:
    import cv2
except ImportError:  # optional peer
    cv2 = None

SCIPY_SIGNAL_BUDGET_S = 8.0  # beyond this, scipy.signal is estimated, not run


def best_time(func, budget=0.6, max_repeats=7):
    """Best of a few runs (ms), after one warm-up run."""
    start = time.perf_counter()
    func()
    first = time.perf_counter() - start
    best = first
    repeats = int(min(max_repeats, max(1, budget / max(first, 1e-6))))
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    time.sleep(0.15)  # let BLAS/OpenMP spinning threads settle between tools
    return best * 1e3


def peers_for(x, k, mode, threads):
    """name -> zero-argument callable; each returns the correlation in
    `mode` (ndimage and OpenCV compute 'same' and are cropped for 'valid')."""
    kh, kw = k.shape
    crop = (slice(kh // 2, x.shape[0] - (kh - 1) // 2), slice(kw // 2, x.shape[1] - (kw - 1) // 2))
    shape = x.shape if mode == "same" else (x.shape[0] - kh + 1, x.shape[1] - kw + 1)
    out = np.empty(shape, x.dtype)
    tools = {
        "corr2d(out=)": lambda: corr2d.correlate2d(x, k, mode, out=out, threads=threads),
        "corr2d": lambda: corr2d.correlate2d(x, k, mode, threads=threads),
        "ndimage": lambda: (scipy.ndimage.correlate(x, k, mode="constant") if mode == "same"
                            else scipy.ndimage.correlate(x, k, mode="constant")[crop]),
    }
    if cv2 is not None:
        def filter2d():
            full = cv2.filter2D(x, -1, k, borderType=cv2.BORDER_CONSTANT)
            return full if mode == "same" else full[crop]
        tools["cv2.filter2D"] = filter2d
    return tools


METHODS_DIRECT_LIMIT_S = 3.0  # --methods: direct is skipped beyond this estimate
METHODS_BUDGET_S = 6.0  # --methods: seconds of timed rounds a case aims at
# --methods: fewest and most rounds a case runs. At least 7: a median of 3
# rounds moved a ratio by a quarter between two runs in a row.
METHODS_ROUNDS = (7, 9)


def gaussian_kernel(size, sigma, dtype):
    """A normalised size x size Gaussian: outer(g, g), rank 1."""
    g = np.exp(-0.5 * ((np.arange(size) - (size - 1) / 2) / sigma) ** 2)
    k = np.outer(g, g)
    return (k / k.sum()).astype(dtype)


def method_tools(x, k, threads, separable):
    """name -> zero-argument callable computing the 'same' correlation of
    `x` with `k` (boundary fill 0); corr2d's under 'auto', 'direct',
    'fft' (and 'separable' when `separable`), then the peers. Direct is
    left out (None) when the model estimates it beyond
    METHODS_DIRECT_LIMIT_S at `threads` threads."""
    flipped = np.ascontiguousarray(k[::-1, ::-1])
    direct_s = corr2d._methods.direct_seconds(x.shape, k.shape, x.dtype) / threads

    def ours(method):
        return lambda: corr2d.correlate2d(x, k, "same", threads=threads, method=method)

    def scipy_peer(func):
        def call():
            with scipy.fft.set_workers(threads):
                return func(x, flipped, mode="same")
        return call

    tools = {"auto": ours("auto"),
             "direct": ours("direct") if direct_s <= METHODS_DIRECT_LIMIT_S else None,
             "fft": ours("fft")}
    if separable:
        tools["separable"] = ours("separable")
    if cv2 is not None:
        tools["cv2"] = lambda: cv2.filter2D(x, -1, k, borderType=cv2.BORDER_CONSTANT)
    tools["oaconvolve"] = scipy_peer(scipy.signal.oaconvolve)
    tools["fftconvolve"] = scipy_peer(scipy.signal.fftconvolve)
    return tools


def interleaved_medians(tools):
    """Median ms of each tool, timed in rounds of every tool once (in a new
    random order each round), after one untimed call each; the rounds fit METHODS_BUDGET_S, within
    METHODS_ROUNDS."""
    first = {}
    for name, func in tools.items():
        start = time.perf_counter()
        func()
        first[name] = time.perf_counter() - start
        time.sleep(0.001)
    lo, hi = METHODS_ROUNDS
    rounds = int(min(hi, max(lo, METHODS_BUDGET_S / max(sum(first.values()), 1e-6))))
    samples = {name: [] for name in tools}
    names = list(tools)
    order = random.Random(0)
    for r in range(rounds):
        # A new order each round, so no tool always runs right after the
        # same other one: a rotation kept the cycle, and corr2d 'auto'
        # always followed scipy's fftconvolve, whose freed buffers left its
        # output to fault in afresh (1024^2 3x3: 0.69 ms against 0.27 ms
        # in an A B A B run).
        order.shuffle(names)
        for name in names:
            func = tools[name]
            start = time.perf_counter()
            func()
            samples[name].append(time.perf_counter() - start)
            # Let spinning OpenMP/pool threads settle between tools, but
            # briefly: after 50 ms idle a 1024^2 3x3 call took 1.8 or 5.7 ms
            # at random (a sleeping vCPU is slow to rejoin a parallel
            # region), against 0.5 ms after 1 ms, and OpenCV 2.5 against 1.2.
            time.sleep(0.001)
    return {name: float(np.median(t)) * 1e3 for name, t in samples.items()}, rounds


def run_methods(sizes, kernels, dtypes, threads, csv_path):
    """The --methods table: corr2d's methods against FFT/OpenCV peers on
    large kernels, interleaved medians, results checked first."""
    rng = np.random.default_rng(0)
    if cv2 is not None:
        cv2.setNumThreads(threads)
    print(f"corr2d {corr2d.__version__}, {corr2d._ccore.simd_level()}, threads={threads}, "
          f"OpenCV {cv2.__version__ if cv2 is not None else 'not installed'}, scipy {scipy.__version__}, "
          f"{os.cpu_count()} CPUs; mode 'same', boundary fill, medians of interleaved rounds (ms)")
    ours_cols = ["auto", "direct", "fft", "separable"]
    peer_cols = ["cv2", "oaconvolve", "fftconvolve"]
    header = (f"{'dtype':7} {'size':>4} {'kernel':>7} | " + " ".join(f"{c:>8}" for c in ours_cols) + " | "
              + " ".join(f"{c[:8]:>8}" for c in peer_cols)
              + f" | {'chose':9} {'cv2/au':>6} {'sp/au':>6} {'au/own':>6} {'ran/own':>7} {'n':>2}")
    print(header)
    print("-" * len(header))
    rows, skipped = [], []
    for dtype in dtypes:
        tol = 1e-4 if dtype == np.float32 else 1e-10
        for size in sizes:
            x = rng.standard_normal((size, size)).astype(dtype)
            cases = [(f"{n}x{n}", rng.standard_normal((n, n)).astype(dtype), False) for n in kernels]
            cases.append(("g31", gaussian_kernel(31, 5.0, dtype), True))
            for label, k, separable in cases:
                tools = method_tools(x, k, threads, separable)
                if tools["direct"] is None:
                    skipped.append(f"{dtype.__name__} {size} {label}")
                tools = {name: f for name, f in tools.items() if f is not None}
                chose = corr2d.choose_method(x, k, "same")
                ref = tools["auto"]()
                scale = float(np.abs(ref).max())
                for name, func in tools.items():
                    theirs = func()
                    if theirs.shape != ref.shape or theirs.dtype != ref.dtype or \
                            not np.allclose(theirs, ref, rtol=0, atol=tol * scale):
                        err = np.abs(theirs.astype(np.float64) - ref).max() / scale \
                            if theirs.shape == ref.shape else float("nan")
                        sys.exit(f"MISMATCH: corr2d auto vs {name} ({dtype.__name__}, {size}, {label}): "
                                 f"max error {err:.2e} of max |result|, {theirs.dtype}")
                del ref, theirs
                ms, rounds = interleaved_medians(tools)
                nan = float("nan")
                own_best = min(ms[m] for m in ("direct", "fft", "separable") if m in ms)
                scipy_best = min(ms["oaconvolve"], ms["fftconvolve"])
                cells = [format(ms[c], "8.2f") if c in ms else
                         (f"{'skip':>8}" if c == "direct" else f"{'':>8}") for c in ours_cols]
                print(f"{dtype.__name__:7} {size:4} {label:>7} | " + " ".join(cells) + " | "
                      + " ".join(f"{ms.get(c, nan):8.2f}" for c in peer_cols)
                      + f" | {chose:9} {ms.get('cv2', nan) / ms['auto']:6.2f} {scipy_best / ms['auto']:6.2f} "
                      f"{ms['auto'] / own_best:6.2f} {ms.get(chose, nan) / own_best:7.2f} "
                      f"{rounds:2}", flush=True)
                for tool, t in ms.items():
                    tool = tool if tool in peer_cols else f"corr2d {tool}"
                    rows.append([tool, dtype.__name__, size, label, "same", round(t, 3), chose])
    print("\nratios: 'cv2/au' = cv2.filter2D / corr2d auto, 'sp/au' = the faster of scipy.signal"
          " oaconvolve/fftconvolve / corr2d auto (above 1: corr2d auto is faster); 'au/own' = auto /"
          " the fastest of corr2d's own methods; 'ran/own' = the method auto picks (timed in its own"
          " rounds) / the fastest (1.00: auto picked the best; au/own also holds the noise between two"
          " timings of one computation); 'chose' = the method auto picks; 'n' = rounds; g31 = 31x31"
          " Gaussian, sigma 5 (separable).")
    if skipped:
        print(f"direct skipped (model estimate above {METHODS_DIRECT_LIMIT_S:g} s at {threads} threads): "
              + ", ".join(skipped))
    if csv_path:
        with open(csv_path, "w", newline="") as f:
            write_csv_header(f, threads)
            writer = csv.writer(f)
            writer.writerow(["tool", "dtype", "size", "kernel", "mode", "ms", "auto_method"])
            writer.writerows(rows)
        print(f"wrote {csv_path}")


def write_csv_header(f, threads):
    """The '#' comment lines at the top of a results CSV."""
    f.write(f"# measured {time.strftime('%Y-%m-%d')} by benchmarks/bench_correlate2d.py\n")
    f.write(f"# cpu: {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores; "
            f"corr2d threads: {threads}, simd: {corr2d._ccore.simd_level()}\n")
    f.write(f"# python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
            f"corr2d {corr2d.__version__}"
            + (f", opencv {cv2.__version__}" if cv2 is not None else "") + "\n")


def run(sizes, kernels, dtypes, modes, threads, csv_path):
    """The default table: small kernels against scipy.signal, ndimage, cv2."""
    rng = np.random.default_rng(0)
    rows = []
    signal_ms_per_tap_pixel = {}
    if cv2 is not None:
        cv2.setNumThreads(threads)
    print(f"corr2d {corr2d.__version__}, {corr2d._ccore.simd_level()}, threads={threads}, "
          f"OpenCV {'%s' % cv2.__version__ if cv2 is not None else 'not installed'}, "
          f"{os.cpu_count()} CPUs")
    header = f"{'dtype':8} {'mode':5} {'size':>5} {'k':>3} | {'corr2d':>8} {'(alloc)':>8} {'copy':>7} " \
             f"{'signal':>9} {'ndimage':>8} {'cv2':>7} | {'x signal':>9} {'x ndimg':>7} {'x cv2':>6} {'/copy':>6}"
    print(header)
    print("-" * len(header))
    for dtype in dtypes:
        for size in sizes:
            x = rng.standard_normal((size, size)).astype(dtype)
            copy_out = np.empty_like(x)
            copy_ms = best_time(lambda: np.copyto(copy_out, x))
            for kernel in kernels:
                k = rng.standard_normal((kernel, kernel)).astype(dtype)
                for mode in modes:
                    tools = peers_for(x, k, mode, threads)
                    ours = tools["corr2d(out=)"]()
                    for name, func in tools.items():
                        if name.startswith("corr2d"):
                            continue
                        theirs = func()
                        scale = np.abs(theirs).max() + 1
                        tol = (1e-4 if dtype == np.float32 else 1e-10) * kernel
                        if not np.allclose(ours, theirs, rtol=0, atol=tol * scale):
                            sys.exit(f"MISMATCH: corr2d vs {name} ({dtype.__name__}, {size}, {kernel}, {mode})")
                    times = {name: best_time(func) for name, func in tools.items()}
                    # scipy.signal: run it when affordable, else extrapolate
                    key = (dtype, mode)
                    work = size * size * kernel * kernel
                    estimate = signal_ms_per_tap_pixel.get(key, 0) * work
                    if estimate / 1e3 < SCIPY_SIGNAL_BUDGET_S:
                        if size <= 1024:
                            np.testing.assert_allclose(
                                scipy.signal.correlate2d(x, k, mode), ours,
                                atol=(1e-4 if dtype == np.float32 else 1e-10) * kernel * (np.abs(ours).max() + 1))
                        signal = best_time(lambda: scipy.signal.correlate2d(x, k, mode), budget=0.0, max_repeats=1)
                        signal_ms_per_tap_pixel[key] = signal / work
                        signal_note = ""
                    else:
                        signal, signal_note = estimate, "~"
                    ours_ms = times["corr2d(out=)"]
                    cv_ms = times.get("cv2.filter2D", float("nan"))
                    print(f"{dtype.__name__:8} {mode:5} {size:5} {kernel:3} | {ours_ms:8.2f} {times['corr2d']:8.2f} "
                          f"{copy_ms:7.2f} {signal_note + format(signal, '.1f'):>9} {times['ndimage']:8.1f} {cv_ms:7.2f} | "
                          f"{signal_note + format(signal / ours_ms, '.0f'):>9} {times['ndimage'] / ours_ms:7.1f} "
                          f"{cv_ms / ours_ms:6.2f} {ours_ms / copy_ms:6.2f}", flush=True)
                    measured = [("corr2d", ours_ms), ("corr2d (allocating)", times["corr2d"]),
                                ("scipy.ndimage", times["ndimage"]), ("np.copyto", copy_ms)]
                    if not signal_note:  # estimates stay out of the CSV
                        measured.append(("scipy.signal", signal))
                    if cv2 is not None:
                        measured.append(("cv2.filter2D", cv_ms))
                    for tool, ms in measured:
                        rows.append([tool, dtype.__name__, size, kernel, mode, round(ms, 3)])
    print("\nratios: 'x signal' = scipy.signal time / corr2d time (higher is better for corr2d);"
          " '/copy' = corr2d time / np.copyto time (1.0 is the memory floor); '~' = scipy.signal"
          " extrapolated from a smaller run of the same dtype and mode.")
    if csv_path:
        with open(csv_path, "w", newline="") as f:
            write_csv_header(f, threads)
            writer = csv.writer(f)
            writer.writerow(["tool", "dtype", "size", "kernel", "mode", "ms"])
            writer.writerows(rows)
        print(f"wrote {csv_path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="a small subset (512 and 1024, float32; with --methods: 1024, fewer kernels)")
    parser.add_argument("--methods", action="store_true",
                        help="large kernels: corr2d auto/direct/fft/separable vs cv2.filter2D and "
                             "scipy.signal oaconvolve/fftconvolve, interleaved medians")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="threads for corr2d and OpenCV")
    parser.add_argument("--csv", help="also write the figures to this CSV file")
    args = parser.parse_args(argv)
    if args.methods:
        if args.quick:
            run_methods([1024], [5, 15, 31, 71], [np.float32, np.float64], args.threads, args.csv)
        else:
            run_methods([1024, 4096], [3, 5, 11, 15, 21, 31, 51, 71, 101], [np.float32, np.float64],
                        args.threads, args.csv)
    elif args.quick:
        run([512, 1024], [3, 5, 11], [np.float32], ["same"], args.threads, args.csv)
    else:
        run([512, 1024, 2048, 4096], [3, 5, 11, 31], [np.float32, np.float64], ["same", "valid"],
            args.threads, args.csv)


if __name__ == "__main__":
    main()
