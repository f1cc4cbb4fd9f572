"""How close method='auto' comes to the fastest method on separable kernels.

For Gaussians (mirrored: the column pass folds) and random rank-1 kernels
(no mirror) of 5 to 129 taps on square images of 1024 to 4096 pixels,
float32 and float64, it times the direct method (up to 15 taps), the
separable passes and the FFT, interleaved (bench_correlate2d's
interleaved_medians: every method once a round, in a new order each
round), and prints
each case's medians, what 'auto' chooses (corr2d._methods.choose, on the
same threads) and auto's time over the fastest. The summary line is the
worst ratio and the cases beyond 1.05. These cases set the separable
constants that benchmarks/fit_method_costs.py does not fit
(SEPARABLE_FOLDED_COLUMN, SEPARABLE_PER_BYTE_OUT_OF_CACHE,
CACHE_BYTES in corr2d._method_costs).

Run: ``python benchmarks/bench_auto_separable.py --threads 1`` (and 2;
``--out`` reuses one output array instead of a fresh one per call;
``--quick`` for a smaller grid). A few minutes per thread count.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

import corr2d
from corr2d._methods import choose

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_correlate2d import gaussian_kernel, interleaved_medians  # noqa: E402  (the house's)


def rank_one(size: int, rng: np.random.Generator) -> np.ndarray:
    return np.outer(rng.random(size), rng.random(size))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", action="store_true", help="reuse one output array")
    parser.add_argument("--quick", action="store_true", help="2048^2 and 4096^2, fewer kernels")
    args = parser.parse_args()
    corr2d.show_config()
    sizes = (2048, 4096) if args.quick else (1024, 2048, 3000, 4096)
    taps = (5, 15, 65, 129) if args.quick else (5, 7, 9, 15, 31, 65, 81, 101, 129)
    rng = np.random.default_rng(0)
    worst, beyond, cases = 1.0, 0, 0
    print(f"threads={args.threads}, {'reused' if args.out else 'fresh'} outputs, medians in ms")
    for n in sizes:
        for dtype in (np.float32, np.float64):
            x = rng.standard_normal((n, n)).astype(dtype)
            out = np.empty_like(x) if args.out else None
            for size in taps:
                for name, k in (("gaussian", gaussian_kernel(size, size / 6, dtype)),
                                ("rank-1", rank_one(size, rng).astype(dtype))):
                    methods = ["separable", "fft"] + (["direct"] if size <= 15 else [])
                    med, _ = interleaved_medians({
                        m: (lambda m=m, k=k: corr2d.correlate2d(x, k, "same", method=m, out=out,
                                                                threads=args.threads))
                        for m in methods})
                    chosen = choose((n, n), k, np.dtype(dtype), args.threads)[0]
                    ratio = med[chosen] / min(med.values())
                    worst, cases = max(worst, ratio), cases + 1
                    beyond += ratio > 1.05
                    print(f"{n:5d} {np.dtype(dtype).name:8s} {name:8s} {size:4d}  "
                          + "  ".join(f"{m} {v:7.2f}" for m, v in med.items())
                          + f"  auto={chosen} {ratio:.2f}", flush=True)
    print(f"worst auto/fastest {worst:.2f}; {beyond} of {cases} cases beyond 1.05")


if __name__ == "__main__":
    main()
