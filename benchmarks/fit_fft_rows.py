"""Fit the FFT constants that benchmarks/fit_method_costs.py carries over:
FFT_PER_ROW and FFT_PER_PIXEL_OUT_OF_CACHE (src/corr2d/_method_costs.py).

fit_method_costs.py times images that stay in the cache, where a tile's
rows are cheap to fetch. On a 4096^2 image each tile row copied in or
written out is a stretch of memory of its own (the image's rows are 16 or
32 KiB apart), so narrow tiles cost more than the transforms' arithmetic
says, and every pixel's trip through memory adds to the whole call. This
script times corr2d.correlate2d(method='fft', threads=1) on 2048^2 and
4096^2 images, float32 and float64, kernels 11, 21 and 51, on every tile
shape of 64..640 per side that the model (less these two terms) puts within
1.4x of its cheapest, interleaved rounds, medians. The time the model's
other constants do not explain is then fitted by non-negative least
squares to

    FFT_PER_ROW[precision] * transforms * fft_rows
    + FFT_PER_PIXEL_OUT_OF_CACHE * pixels   (outputs beyond CACHE_BYTES)

and printed, with how far the tile the model chooses falls behind the
fastest timed tile (median and worst over the cases), before and after.

    python benchmarks/fit_fft_rows.py            # a few minutes
    python benchmarks/fit_fft_rows.py --quick    # one kernel (21 x 21)
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.optimize

import corr2d
import corr2d._cpu_fft as _cpu_fft
import corr2d._method_costs as C
import corr2d._methods as M

SIDES = (64, 96, 128, 160, 192, 256, 320, 384, 512, 640)


def base_seconds(shape, kshape, dtype, tile):
    """The model's one-thread seconds for `tile` without the two terms fitted here."""
    p = "single" if dtype == np.float32 else "double"
    transform = M.fft_transform_seconds(kshape, tile, p, False, rows=False)
    return float(M.fft_transforms(shape, kshape, tile, False) * transform) + C.FFT_PER_CALL


def terms(shape, kshape, dtype, tile):
    """(rows, out-of-cache pixels): what the two constants multiply."""
    rows = float(M.fft_transforms(shape, kshape, tile, False)) * M.fft_rows(kshape, tile, False)
    pixels = shape[0] * shape[1]
    return rows, pixels if pixels * np.dtype(dtype).itemsize > C.CACHE_BYTES else 0


def time_tiles(x, k, tiles, rounds):
    """Median seconds of the FFT method on each forced tile, interleaved."""
    out = np.empty_like(x)

    def run(tile):
        _cpu_fft.fft_tile_shape = lambda *args, **kwargs: tile
        try:
            start = time.perf_counter()
            corr2d.correlate2d(x, k, "same", method="fft", threads=1, out=out)
            return time.perf_counter() - start
        finally:
            _cpu_fft.fft_tile_shape = M.fft_tile_shape
    for tile in tiles:
        run(tile)
    samples = {tile: [] for tile in tiles}
    for _ in range(rounds):
        for tile in tiles:
            samples[tile].append(run(tile))
    return {tile: float(np.median(v)) for tile, v in samples.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the 21 x 21 kernel only")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    sizes, kernels = (2048, 4096), ((21,) if args.quick else (11, 21, 51))
    rng = np.random.default_rng(0)
    cases = []
    for dtype in (np.float32, np.float64):
        for n in sizes:
            x = rng.standard_normal((n, n)).astype(dtype)
            for kn in kernels:
                k = rng.standard_normal((kn, kn)).astype(dtype)
                tiles = [(a, b) for a in SIDES for b in SIDES if min(a, b) >= 2 * kn]
                base = {t: base_seconds(x.shape, k.shape, dtype, t) for t in tiles}
                cheapest = min(base.values())
                tiles = [t for t in tiles if base[t] < 1.4 * cheapest]
                seconds = time_tiles(x, k, tiles, args.rounds)
                cases.append((dtype, x.shape, k.shape, seconds, base))
                print(f"{np.dtype(dtype).name} {n}^2 k{kn}: {len(tiles)} tiles, fastest "
                      f"{min(seconds, key=seconds.get)} {min(seconds.values()) * 1e3:.1f} ms", flush=True)
    # Non-negative least squares of the unexplained time (a cost is never
    # negative): rows per precision, pixels shared.
    a, b = [], []
    for dtype, shape, kshape, seconds, base in cases:
        single = dtype == np.float32
        for tile, t in seconds.items():
            rows, pixels = terms(shape, kshape, dtype, tile)
            a.append([rows if single else 0.0, 0.0 if single else rows, pixels])
            b.append(t - base[tile])
    a, b = np.array(a), np.array(b)
    scale = a.max(axis=0)
    scale[scale == 0] = 1.0
    x, _ = scipy.optimize.nnls(a / scale, b)
    row_single, row_double, pixel = x / scale
    print(f'FFT_PER_ROW = {{"single": {row_single:.1e}, "double": {row_double:.1e}}}')
    print(f"FFT_PER_PIXEL_OUT_OF_CACHE = {pixel:.1e}")
    print(f"(now: FFT_PER_ROW = {C.FFT_PER_ROW}, FFT_PER_PIXEL_OUT_OF_CACHE = "
          f"{C.FFT_PER_PIXEL_OUT_OF_CACHE})")
    for name, per_row in (("without the rows", {"single": 0.0, "double": 0.0}),
                          ("with the fitted rows", {"single": row_single, "double": row_double})):
        behind = []
        for dtype, shape, kshape, seconds, base in cases:
            p = "single" if dtype == np.float32 else "double"
            chosen = min(seconds, key=lambda t: base[t] + per_row[p] * terms(shape, kshape, dtype, t)[0])
            behind.append(seconds[chosen] / min(seconds.values()))
        print(f"the model's tile {name}: its time / the fastest tile's, median "
              f"{np.median(behind):.2f}, worst {max(behind):.2f}")


if __name__ == "__main__":
    main()
