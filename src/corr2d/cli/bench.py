"""``corr2d bench``: a quick timing table of corr2d against the installed peers."""
from __future__ import annotations

import argparse
import importlib
import time
from typing import Callable

import numpy as np

from ..signal import correlate2d
from ._common import Progress

DESCRIPTION = """Time corr2d.correlate2d ('same' mode, zero fill) against the peers that are
installed: scipy.signal.correlate2d, scipy.ndimage.correlate and
cv2.filter2D (OpenCV, optional), on a few image and kernel sizes, checking
that the results agree, and print the best time of a few runs in ms. A
quick look only; benchmarks/bench_correlate2d.py in the source tree is the
full benchmark."""

FULL = [(256, 3), (512, 3), (512, 7), (1024, 3), (1024, 7)]
QUICK = [(128, 3), (256, 5)]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="time corr2d against SciPy (and OpenCV if installed)", description=DESCRIPTION)
    p.add_argument("--quick", action="store_true", help="two small sizes, fewer repeats (a few seconds)")
    p.add_argument("--dtype", choices=("float32", "float64"), default="float64", help="element type (default float64)")
    p.set_defaults(run=run)


def peers() -> dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]:
    """The tools to time, by name: corr2d first, then whichever peers import."""
    import scipy.ndimage
    import scipy.signal

    tools: dict[str, Callable] = {
        "corr2d": lambda x, k: correlate2d(x, k, mode="same"),
        "scipy.signal": lambda x, k: scipy.signal.correlate2d(x, k, mode="same"),
        "scipy.ndimage": lambda x, k: scipy.ndimage.correlate(x, k, mode="constant"),
    }
    try:
        cv2 = importlib.import_module("cv2")
    except ImportError:
        pass
    else:
        tools["cv2.filter2D"] = lambda x, k: cv2.filter2D(x, -1, k, borderType=cv2.BORDER_CONSTANT)
    return tools


def best_time(fn: Callable[[], object], budget: float, max_runs: int) -> float:
    """Best wall time of several runs of `fn`, in seconds, within about `budget` seconds."""
    best = float("inf")
    start = time.perf_counter()
    for _ in range(max_runs):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
        if time.perf_counter() - start > budget:
            break
    return best


def run(args: argparse.Namespace) -> int:
    sizes = QUICK if args.quick else FULL
    budget, max_runs = (0.05, 3) if args.quick else (0.3, 10)
    dtype = np.dtype(args.dtype)
    tools = peers()
    rng = np.random.default_rng(0)
    progress = Progress(len(sizes) * len(tools), label="timing ")
    rows = []
    done = 0
    for n, k in sizes:
        image = rng.standard_normal((n, n)).astype(dtype)
        kernel = rng.standard_normal((k, k)).astype(dtype)
        reference = correlate2d(image, kernel, mode="same")
        tolerance = 1e-4 if dtype == np.float32 else 1e-10
        row = {}
        for name, tool in tools.items():
            result = tool(image, kernel)  # also warms up
            agrees = np.allclose(result, reference, rtol=tolerance, atol=tolerance * k * k)
            row[name] = (best_time(lambda: tool(image, kernel), budget, max_runs), agrees)
            done += 1
            progress.update(done, f"{n}x{n} * {k}x{k} {name}")
            time.sleep(0.02)  # let BLAS/OpenMP worker threads settle between tools
        rows.append(((n, k), row))

    names = list(tools)
    header = f"{'image':>10} {'kernel':>6}" + "".join(f" {name:>14}" for name in names)
    print(f"best time in ms ({dtype}, 'same' mode, zero fill); in brackets: time / corr2d's")
    print(header)
    for (n, k), row in rows:
        base = row["corr2d"][0]
        cells = []
        for name in names:
            seconds, agrees = row[name]
            mark = "" if agrees else " !"
            cell = f"{seconds * 1e3:.3f}" if name == "corr2d" else f"{seconds * 1e3:.2f} ({seconds / base:.1f}x)"
            cells.append(f" {cell + mark:>14}")
        print(f"{f'{n}x{n}':>10} {f'{k}x{k}':>6}" + "".join(cells))
    if any(not agrees for _, row in rows for _, agrees in row.values()):
        print("! marks a result that differs from corr2d's")
    return 0
