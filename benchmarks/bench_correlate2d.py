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
"""
from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
import time

import numpy as np
import scipy
import scipy.ndimage
import scipy.signal

import corr2d

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


def run(sizes, kernels, dtypes, modes, threads, csv_path):
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
            f.write(f"# measured {time.strftime('%Y-%m-%d')} by benchmarks/bench_correlate2d.py\n")
            f.write(f"# cpu: {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores; "
                    f"corr2d threads: {threads}, simd: {corr2d._ccore.simd_level()}\n")
            f.write(f"# python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
                    f"corr2d {corr2d.__version__}"
                    + (f", opencv {cv2.__version__}" if cv2 is not None else "") + "\n")
            writer = csv.writer(f)
            writer.writerow(["tool", "dtype", "size", "kernel", "mode", "ms"])
            writer.writerows(rows)
        print(f"wrote {csv_path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small subset (512 and 1024, float32)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="threads for corr2d and OpenCV")
    parser.add_argument("--csv", help="also write the figures to this CSV file")
    args = parser.parse_args(argv)
    if args.quick:
        run([512, 1024], [3, 5, 11], [np.float32], ["same"], args.threads, args.csv)
    else:
        run([512, 1024, 2048, 4096], [3, 5, 11, 31], [np.float32, np.float64], ["same", "valid"],
            args.threads, args.csv)


if __name__ == "__main__":
    main()
