"""A quick measurement for the documentation's performance page.

Times ``corr2d.correlate2d``, ``scipy.signal.correlate2d`` and
``scipy.ndimage.correlate`` (mode='constant', the same output for odd
kernels) on square float32 images, mode 'same', and writes the CSV that
benchmarks/plot_results.py reads (tool,dtype,size,kernel,mode,ms; each time
the best of several calls). The full benchmark is bench_correlate2d.py.

    python benchmarks/quick_timings.py benchmarks/results/correlate2d-float32.csv
"""
from __future__ import annotations

import csv
import datetime
import os
import platform
import sys
import time

import numpy as np
import scipy
import scipy.ndimage
import scipy.signal

import corr2d

SIZES = (512, 1024, 2048)
KERNELS = (3, 5, 11)
BUDGET_S = 1.0  # time spent per measurement, at most (but at least 2 calls)


def best_ms(call) -> float:
    call()  # warm-up: page faults, thread team start
    best, spent, calls = float("inf"), 0.0, 0
    while calls < 2 or (spent < BUDGET_S and calls < 20):
        start = time.perf_counter()
        call()
        elapsed = time.perf_counter() - start
        best, spent, calls = min(best, elapsed), spent + elapsed, calls + 1
    return best * 1e3


def main(path: str) -> int:
    rng = np.random.default_rng(0)
    tools = {
        "corr2d": lambda x, w: corr2d.correlate2d(x, w, "same"),
        "corr2d (1 thread)": lambda x, w: corr2d.correlate2d(x, w, "same", threads=1),
        "scipy.signal": lambda x, w: scipy.signal.correlate2d(x, w, "same"),
        "scipy.ndimage": lambda x, w: scipy.ndimage.correlate(x, w, mode="constant"),
    }
    rows = []
    for size in SIZES:
        x = rng.standard_normal((size, size)).astype(np.float32)
        for kernel in KERNELS:
            w = rng.standard_normal((kernel, kernel)).astype(np.float32)
            expected = tools["scipy.signal"](x, w)
            for tool, call in tools.items():
                np.testing.assert_allclose(call(x, w), expected, rtol=1e-4, atol=1e-3)
                time.sleep(0.2)  # let other tools' worker threads go idle
                ms = best_ms(lambda: call(x, w))
                rows.append((tool, "float32", size, kernel, "same", f"{ms:.3f}"))
                print(f"{tool:>18} {size:5d} {kernel:3d}x{kernel:<3d} {ms:10.2f} ms", flush=True)
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    with open(path, "w", newline="") as f:
        f.write(f"# measured {datetime.date.today().isoformat()} by benchmarks/quick_timings.py\n")
        f.write(f"# cpu: {cpu}, {os.cpu_count()} logical cores; corr2d threads: {corr2d._config.config()['threads']}, simd: {corr2d._config.config()['simd']}\n")
        f.write(f"# python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, corr2d {corr2d.__version__}\n")
        writer = csv.writer(f)
        writer.writerow(("tool", "dtype", "size", "kernel", "mode", "ms"))
        writer.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/results/correlate2d-float32.csv"))
