"""Fit the constants of corr2d's method cost model (src/corr2d/_method_costs.py).

Times corr2d.correlate2d (mode 'same', boundary fill, threads=1: the model
is per thread) with method='direct', 'fft' and 'separable' on a grid of
image sizes and kernels, float32 and float64, interleaved (every timed call
of the grid once a round, several rounds) and takes medians. The cost of a
trivial call (Python, checks, allocation) is measured and subtracted: it is
common to every method, so it plays no part in the choice. Each method's
constants are then fitted by non-negative least squares on relative errors
(scipy.optimize.nnls, rows scaled by 1 / measured seconds) to the model's
own formulas in corr2d._methods:

    direct     pixels * (DIRECT_PER_MAC * kh*kw + DIRECT_PER_PIXEL)
    fft        transforms * (FFT_PER_FACTOR . fft_nlogn_features + FFT_PER_SAMPLE
               * n + FFT_PER_TRANSFORM + FFT_PER_ROW * rows) + FFT_PER_CALL,
               n = FH*FW from fft_tile_shape, transforms from fft_transforms
               (two real tiles of a tile row share one), rows from fft_rows;
               FFT_PER_ROW is carried over, not fitted (the grid's images
               stay in the cache, so FFT_PER_PIXEL_OUT_OF_CACHE never
               applies to them either: benchmarks/fit_fft_rows.py fits both)
    separable  SEPARABLE_PER_MAC * macs + SEPARABLE_PER_PIXEL * pixels
               + SEPARABLE_PER_CALL (the two passes' work); SEPARABLE_PER_MAC
               is carried over, not fitted (set by hand: the grid's 5..101-tap
               Gaussians cannot tell it from the per-pixel cost, and their
               fit ran 301-tap kernels by the passes, 1.2-1.4x slower than
               the FFT; see _method_costs.py)

The FFT calls run on the tile the current constants choose and, so that
the per-tile and per-sample costs can be told apart from the transforms
(the chosen tiles alone hardly vary in count), on a smaller and a larger
tile forced for the call (corr2d._cpu_fft.fft_tile_shape is replaced for
it; --no-tile-variants times the chosen tiles only). The tile choice
depends on the constants; the script says how many timed calls would get
another tile under the new ones (run it again after installing them). The
per-call constants are shared by both precisions, so each method's two
precisions are fitted together. Prints the replacement text of
_method_costs.py; --write also writes it there.

    python benchmarks/fit_method_costs.py            # full grid, a few minutes
    python benchmarks/fit_method_costs.py --quick    # under a minute
    python benchmarks/fit_method_costs.py --write    # and replace _method_costs.py
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import scipy.optimize

import corr2d
import corr2d._method_costs as C
import corr2d._cpu_fft as _cpu_fft
import corr2d._methods as M

PRECISIONS = {np.float32: "single", np.float64: "double"}

#: Grids: image sizes (square, plus a few oblong), random kernels for direct
#: and fft, Gaussian (rank-1) kernels for separable, rounds.
FULL = dict(sizes=[(256, 256), (384, 384), (512, 512), (768, 768), (1024, 1024), (1536, 1536),
                   (2048, 2048), (512, 2048), (2048, 512)],
            kernels=[3, 5, 7, 11, 15, 21, 31, 51, 71, 101],
            gaussians=[5, 7, 11, 15, 21, 31, 51, 71, 101],
            rounds=5, direct_limit_s=0.25, fft_limit_s=0.5, tile_variants=True)
QUICK = dict(sizes=[(256, 256), (512, 512), (1024, 1024), (2048, 2048)],
             kernels=[3, 5, 11, 21, 31, 51, 71],
             gaussians=[7, 15, 31, 51],
             rounds=3, direct_limit_s=0.1, fft_limit_s=0.2, tile_variants=True)


def gaussian_kernel(size, dtype):
    """A normalised size x size Gaussian (sigma size/6): outer(g, g)."""
    g = np.exp(-0.5 * ((np.arange(size) - (size - 1) / 2) / (size / 6)) ** 2)
    k = np.outer(g, g)
    return (k / k.sum()).astype(dtype)


def fft_tile_and_transforms(shape, kshape, dtype, tile=None):
    """An FFT call's tile (`tile`, else the model's) and its transform
    pairs (two real tiles of a tile row share one)."""
    tile = tile or M.fft_tile_shape(shape, kshape, np.dtype(dtype))
    return tile, float(M.fft_transforms(shape, kshape, tile, False))


def features(method, shape, kshape, dtype, tile=None):
    """(precision, feature vector) of one call under the model: the
    quantities each constant multiplies, in the order of COLUMNS[method]
    (an FFT call on `tile`, else on the tile the model chooses)."""
    (oh, ow), (kh, kw) = shape, kshape
    p = PRECISIONS[dtype]
    if method == "direct":
        return p, [oh * ow * kh * kw, oh * ow]
    if method == "fft":
        (fh, fw), transforms = fft_tile_and_transforms(shape, kshape, dtype, tile)
        per_factor = [float(v) for v in M.fft_nlogn_features((fh, fw))]
        return p, [transforms * v for v in per_factor] + [transforms * fh * fw, transforms, 1.0]
    # The multiply-adds are priced by the carried constant (separable_macs).
    pixels = oh * ow * 2 + oh * (kw - 1) + ow * (kh - 1)
    return p, [pixels, 1.0]


def separable_macs(shape, kshape):
    """The two passes' multiply-adds, the script's Gaussians folded (what
    the carried SEPARABLE_PER_MAC multiplies)."""
    (oh, ow), (kh, kw) = shape, kshape
    fold = C.SEPARABLE_FOLDED_COLUMN
    return min(oh * (ow + kw - 1) * kh * fold + oh * ow * kw,
               (oh + kh - 1) * ow * kw + oh * ow * kh * fold)


#: Per method: the constants, in features() order; the last is shared by
#: the precisions when its name has no precision (a per-call cost).
COLUMNS = {"direct": ["DIRECT_PER_MAC", "DIRECT_PER_PIXEL"],
           "fft": ["FFT_PER_FACTOR2", "FFT_PER_FACTOR3", "FFT_PER_FACTOR5", "FFT_PER_SAMPLE",
                   "FFT_PER_TRANSFORM", "FFT_PER_CALL"],
           "separable": ["SEPARABLE_PER_PIXEL", "SEPARABLE_PER_CALL"]}
SHARED = {"FFT_PER_CALL", "SEPARABLE_PER_CALL"}
#: The fitted columns that are one entry of a per-factor tuple in the table:
#: name -> (the table's name, the index in its tuple).
FACTORS = {"FFT_PER_FACTOR2": ("FFT_PER_FACTOR", 0), "FFT_PER_FACTOR3": ("FFT_PER_FACTOR", 1),
           "FFT_PER_FACTOR5": ("FFT_PER_FACTOR", 2)}


def tile_variants(shape, kshape, dtype):
    """A smaller and a larger FFT tile than the chosen one (about half and
    twice its sides, among the lengths the planner considers), those that
    differ from it."""
    fh, fw = M.fft_tile_shape(shape, kshape, np.dtype(dtype))
    cands = [M._axis_candidates(o, k) for o, k in zip(shape, kshape)]

    def near(c, length):
        return int(c[np.argmin(np.abs(c - length))])

    small = (near(cands[0], fh / 2), near(cands[1], fw / 2))
    large = (near(cands[0], fh * 2), near(cands[1], fw * 2))
    return [t for t in dict.fromkeys([small, large])
            if t != (fh, fw) and t[0] * t[1] * np.dtype(dtype).itemsize <= M.MAX_TILE_BYTES]


def model_seconds(c):
    """The current model's one-thread seconds for call `c`."""
    if c.get("tile"):
        return predicted("fft", c, current_constants())
    return getattr(M, f"{c['method']}_seconds")(c["shape"], c["k"].shape, np.dtype(c["dtype"]))


def build_grid(grid, rng):
    """The calls to time: dicts of method, dtype, shape, image, kernel and
    (FFT variants) a forced tile; calls the model puts beyond the grid's
    limits are left out (they add minutes and little information)."""
    calls = []
    for dtype in PRECISIONS:
        images = {s: rng.standard_normal(s).astype(dtype) for s in grid["sizes"]}
        for shape, x in images.items():
            for n in grid["kernels"]:
                k = rng.standard_normal((n, n)).astype(dtype)
                if M.direct_seconds(shape, k.shape, np.dtype(dtype)) <= grid["direct_limit_s"]:
                    calls.append(dict(method="direct", dtype=dtype, shape=shape, x=x, k=k))
                if n >= 5 and M.fft_seconds(shape, k.shape, np.dtype(dtype)) <= grid["fft_limit_s"]:
                    calls.append(dict(method="fft", dtype=dtype, shape=shape, x=x, k=k))
                    if grid["tile_variants"]:
                        for tile in tile_variants(shape, k.shape, dtype):
                            c = dict(method="fft", dtype=dtype, shape=shape, x=x, k=k, tile=tile)
                            if model_seconds(c) <= grid["fft_limit_s"]:
                                calls.append(c)
            for n in grid["gaussians"]:
                k = gaussian_kernel(n, dtype)
                if M.separable_factors(k) is None:
                    sys.exit(f"the {n}x{n} Gaussian ({dtype.__name__}) is not found separable")
                calls.append(dict(method="separable", dtype=dtype, shape=shape, x=x, k=k))
    for c in calls:
        c["label"] = (f"{c['method']:9} {c['dtype'].__name__:7} {c['shape'][0]}x{c['shape'][1]} "
                      f"k{c['k'].shape[0]}" + (" tile %dx%d" % c["tile"] if c.get("tile") else ""))
    return calls


def call_overhead(rounds=200):
    """Median seconds of a trivial call (8x8 image, 3x3 kernel, one thread):
    what every method pays beyond its work."""
    x, k = np.ones((8, 8)), np.ones((3, 3))
    t = []
    for _ in range(rounds):
        start = time.perf_counter()
        corr2d.correlate2d(x, k, "same", threads=1, method="direct")
        t.append(time.perf_counter() - start)
    return float(np.median(t))


def runner(c):
    """A zero-argument callable running call `c` (its tile forced, if any)."""
    x, k, method, tile = c["x"], c["k"], c["method"], c.get("tile")

    def run():
        if tile is None:
            return corr2d.correlate2d(x, k, "same", threads=1, method=method)
        _cpu_fft.fft_tile_shape = lambda shape, kshape, dtype, threads=1: tile
        try:
            return corr2d.correlate2d(x, k, "same", threads=1, method=method)
        finally:
            _cpu_fft.fft_tile_shape = M.fft_tile_shape
    return run


def time_grid(calls, rounds, seed=0):
    """Median seconds of each call over `rounds` interleaved rounds (each
    round the whole grid once, in a fresh random order), after one
    untimed call each (FFT variants checked against the chosen tile);
    stored as c['seconds']."""
    for c in calls:
        c["run"] = runner(c)
        result = c["run"]()
        if c.get("tile"):
            ref = corr2d.correlate2d(c["x"], c["k"], "same", threads=1, method="fft")
            tol = 1e-4 if c["dtype"] is np.float32 else 1e-10
            if not np.allclose(result, ref, rtol=0, atol=tol * np.abs(ref).max()):
                sys.exit(f"MISMATCH: {c['label']} against the chosen tile")
        c["samples"] = []
    order = list(range(len(calls)))
    shuffle = random.Random(seed)
    for r in range(rounds):
        shuffle.shuffle(order)
        start_round = time.perf_counter()
        for i in order:
            start = time.perf_counter()
            calls[i]["run"]()
            calls[i]["samples"].append(time.perf_counter() - start)
        print(f"  round {r + 1}/{rounds}: {time.perf_counter() - start_round:.1f} s", file=sys.stderr, flush=True)
    for c in calls:
        c["seconds"] = float(np.median(c["samples"]))


def carried_seconds(method, c):
    """The part of call `c`'s modelled seconds priced by constants this
    script carries over instead of fitting: the FFT's tile rows, the
    separable passes' multiply-adds."""
    p = PRECISIONS[c["dtype"]]
    if method == "separable":
        return C.SEPARABLE_PER_MAC[p] * separable_macs(c["shape"], c["k"].shape)
    if method != "fft":
        return 0.0
    tile, transforms = fft_tile_and_transforms(c["shape"], c["k"].shape, c["dtype"], c.get("tile"))
    return C.FFT_PER_ROW[p] * transforms * M.fft_rows(c["k"].shape, tile, False)


def fit(calls, method, overhead):
    """Non-negative least squares of `method`'s constants on relative
    errors: {name: {'single': v, 'double': v} or v for the shared one}."""
    names = COLUMNS[method]
    shared = [n for n in names if n in SHARED]
    own = [n for n in names if n not in SHARED]
    cols = [(n, p) for p in ("single", "double") for n in own] + [(n, None) for n in shared]
    rows, target = [], []
    for c in calls:
        if c["method"] != method:
            continue
        p, f = features(method, c["shape"], c["k"].shape, c["dtype"], c.get("tile"))
        value = dict(zip(names, f))
        rows.append([value[n] if q in (p, None) else 0.0 for n, q in cols])
        target.append(max(c["seconds"] - overhead - carried_seconds(method, c), 0.25 * c["seconds"]))
    a, t = np.array(rows, float), np.array(target)
    a /= t[:, None]  # relative errors: each row scaled by 1 / its seconds
    scale = a.max(axis=0)
    scale[scale == 0] = 1.0
    x, _ = scipy.optimize.nnls(a / scale, np.ones(len(t)))
    x /= scale
    out = {}
    for (n, q), v in zip(cols, x):
        if q is None:
            out[n] = float(v)
        else:
            out.setdefault(n, {})[q] = float(v)
    return out


def predicted(method, c, constants):
    """The model's seconds for call `c` under `constants` (on the tiles
    it was timed with)."""
    p, f = features(method, c["shape"], c["k"].shape, c["dtype"], c.get("tile"))
    return (sum(v * (constants[n] if n in SHARED else constants[n][p]) for n, v in zip(COLUMNS[method], f))
            + carried_seconds(method, c))


def current_constants():
    """The constants now in corr2d._method_costs, by fitted column."""
    def value(n):
        if n in FACTORS:
            name, i = FACTORS[n]
            return {p: getattr(C, name)[p][i] for p in ("single", "double")}
        v = getattr(C, n)
        return dict(v) if isinstance(v, dict) else v
    return {n: value(n) for names in COLUMNS.values() for n in names}


def module_constants(constants):
    """Fitted columns -> corr2d._method_costs' names (the per-factor
    columns gathered into their tuples)."""
    out = {n: v for n, v in constants.items() if n not in FACTORS}
    for n, (name, i) in sorted(FACTORS.items(), key=lambda item: item[1]):
        for p in ("single", "double"):
            out.setdefault(name, {}).setdefault(p, [])
            out[name][p].append(constants[n][p])
    for name in {name for name, _ in FACTORS.values()}:
        out[name] = {p: tuple(v) for p, v in out[name].items()}
    return out


def report_errors(calls, old, new, overhead):
    """Per method and precision: median and worst relative error of the
    model before and after the fit."""
    print("model error |predicted/measured - 1| (measured less the call overhead), median / worst:",
          file=sys.stderr)
    for method in COLUMNS:
        for dtype, p in PRECISIONS.items():
            sel = [c for c in calls if c["method"] == method and c["dtype"] is dtype]
            if not sel:
                continue
            t = np.array([max(c["seconds"] - overhead, 0.25 * c["seconds"]) for c in sel])
            e_old = np.abs(np.array([predicted(method, c, old) for c in sel]) / t - 1)
            e_new = np.abs(np.array([predicted(method, c, new) for c in sel]) / t - 1)
            worst = sel[int(np.argmax(e_new))]["label"]
            print(f"  {method:9} {p:6} ({len(sel):3} calls): before {np.median(e_old):6.1%} / {e_old.max():7.1%}"
                  f"   after {np.median(e_new):6.1%} / {e_new.max():7.1%}  (worst: {worst})", file=sys.stderr)


def tile_changes(calls, new):
    """How many timed FFT calls would get another tile under `new`."""
    fft = [c for c in calls if c["method"] == "fft" and not c.get("tile")]
    before = [M.fft_tile_shape(c["shape"], c["k"].shape, np.dtype(c["dtype"])) for c in fft]
    saved = module_constants(current_constants())
    try:
        for n, v in module_constants(new).items():
            setattr(C, n, v)
        M._fft_plan.cache_clear()
        after = [M.fft_tile_shape(c["shape"], c["k"].shape, np.dtype(c["dtype"])) for c in fft]
    finally:
        for n, v in saved.items():
            setattr(C, n, v)
        M._fft_plan.cache_clear()
    return sum(a != b for a, b in zip(before, after)), len(fft)


def fmt(v):
    """A constant as the table writes it: two significant digits."""
    return f"{v:.1e}"


def table(new, overhead, ncalls):
    """The replacement text of src/corr2d/_method_costs.py."""
    def pair(n):
        return f'{{"single": {fmt(new[n]["single"])}, "double": {fmt(new[n]["double"])}}}'

    def factors(n):
        per = {p: ", ".join(fmt(new[f"{n}{q}"][p]) for q in (2, 3, 5)) for p in ("single", "double")}
        return f'{{"single": ({per["single"]}), "double": ({per["double"]})}}'
    return f'''"""The constants of the method cost model (corr2d._methods), in one place.

Seconds per unit of work for one thread, fitted by
``python benchmarks/fit_method_costs.py`` on the machine kind corr2d is
developed on (2 cores, AVX2 or AVX-512); that script prints a new version of
this table. ``single`` is float32/complex64 arithmetic, ``double`` everything
wider. Complex work counts four real multiply-adds per complex one.
"""

# Fitted {time.strftime('%Y-%m-%d')} by benchmarks/fit_method_costs.py: {ncalls} calls, threads=1,
# simd {corr2d._ccore.simd_level()}, {os.cpu_count()} logical cores, corr2d {corr2d.__version__},
# numpy {np.__version__}, scipy {scipy.__version__}; a trivial call's {overhead * 1e6:.0f} us subtracted.

#: direct: seconds per multiply-add (``oh*ow*kh*kw``) and per output pixel.
DIRECT_PER_MAC = {pair("DIRECT_PER_MAC")}
DIRECT_PER_PIXEL = {pair("DIRECT_PER_PIXEL")}

#: fft: seconds per ``n*log2(n)`` of a complex transform pair (forward and
#: inverse, n = FH*FW; two real tiles share one) per factor 2, 3 and 5 of
#: FH and FW (see corr2d._methods.fft_nlogn_features), per transform
#: sample (copies, the spectrum product) and per transform.
FFT_PER_FACTOR = {factors("FFT_PER_FACTOR")}
FFT_PER_SAMPLE = {pair("FFT_PER_SAMPLE")}
FFT_PER_TRANSFORM = {pair("FFT_PER_TRANSFORM")}
#: fft: fixed cost of a call (the kernel's spectrum, the thread pool).
FFT_PER_CALL = {fmt(new["FFT_PER_CALL"])}
#: fft: seconds per tile row copied in or written out
#: (corr2d._methods.fft_rows), and, on outputs larger than CACHE_BYTES, per
#: output pixel. Not fitted by this script (its images stay in the cache):
#: carried over; benchmarks/fit_fft_rows.py fits them.
FFT_PER_ROW = {{"single": {fmt(C.FFT_PER_ROW["single"])}, "double": {fmt(C.FFT_PER_ROW["double"])}}}
FFT_PER_PIXEL_OUT_OF_CACHE = {fmt(C.FFT_PER_PIXEL_OUT_OF_CACHE)}

#: separable: two 1-D passes, seconds per multiply-add and per pixel of
#: each pass, and a fixed cost (the factorisation check, a second call).
#: The multiply-add cost is not fitted by the script (its 5..101-tap
#: Gaussians cannot tell it from the per-pixel cost): carried over; it was
#: set by hand from the passes on 129..301-tap kernels and checked with
#: benchmarks/bench_auto_separable.py --quick, as a refit must be.
SEPARABLE_PER_MAC = {{"single": {fmt(C.SEPARABLE_PER_MAC["single"])}, "double": {fmt(C.SEPARABLE_PER_MAC["double"])}}}
SEPARABLE_PER_PIXEL = {pair("SEPARABLE_PER_PIXEL")}
SEPARABLE_PER_CALL = {fmt(new["SEPARABLE_PER_CALL"])}
#: separable: the column pass's multiply-adds, as a fraction of the plain
#: pass's, when its column is mirrored and folded (corr2d._methods.folds:
#: Gaussians, boxes, derivatives). Not fitted: carried over.
SEPARABLE_FOLDED_COLUMN = {C.SEPARABLE_FOLDED_COLUMN}

#: separable, on outputs larger than CACHE_BYTES: seconds per output byte
#: that the two passes add to the direct method's trip through memory (the
#: band's copy of the image rows and its buffer). Not fitted by the script
#: (its images stay in the cache, one thread): carried over from the
#: previous table.
SEPARABLE_PER_BYTE_OUT_OF_CACHE = {fmt(C.SEPARABLE_PER_BYTE_OUT_OF_CACHE)}

#: Outputs beyond this many bytes (this host's L3) leave the cache: the
#: FFT and separable methods then pay for their trips through memory.
CACHE_BYTES = {C.CACHE_BYTES >> 20} << 20

#: separable: the factorisation's SVD (float64, one BLAS thread), seconds
#: per ``kh * kw * min(kh, kw)`` and per call, counted on every call
#: (corr2d._methods.choose). Not fitted by the script: carried over.
SVD_PER_CUBE = {fmt(C.SVD_PER_CUBE)}
SVD_PER_CALL = {fmt(C.SVD_PER_CALL)}
'''


def main(argv=None):
    """Time the grid, fit, print the new table (and --write it)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small grid, 3 rounds: under a minute")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 5, --quick 3)")
    parser.add_argument("--no-tile-variants", action="store_true",
                        help="time the FFT on the chosen tiles only")
    parser.add_argument("--write", action="store_true", help="write the new table to src/corr2d/_method_costs.py")
    args = parser.parse_args(argv)
    grid = dict(QUICK if args.quick else FULL)
    if args.rounds:
        grid["rounds"] = args.rounds
    if args.no_tile_variants:
        grid["tile_variants"] = False
    calls = build_grid(grid, np.random.default_rng(0))
    estimate = sum(model_seconds(c) for c in calls) * (grid["rounds"] + 1)
    print(f"corr2d {corr2d.__version__}, simd {corr2d._ccore.simd_level()}: {len(calls)} calls x "
          f"{grid['rounds']} rounds (+1 warm-up), threads=1; the current model says ~{estimate:.0f} s",
          file=sys.stderr, flush=True)
    overhead = call_overhead()
    begin = time.perf_counter()
    time_grid(calls, grid["rounds"])
    overhead = min(overhead, call_overhead())
    print(f"timed in {time.perf_counter() - begin:.0f} s; trivial call {overhead * 1e6:.1f} us",
          file=sys.stderr)
    new = {}
    for method in COLUMNS:
        new.update(fit(calls, method, overhead))
    old = current_constants()
    report_errors(calls, old, new, overhead)
    changed, nfft = tile_changes(calls, new)
    print(f"FFT tiles: {changed} of {nfft} timed calls would get another tile under the new constants"
          + (" (rerun after installing them to refit on those)" if changed else ""), file=sys.stderr)
    text = table(new, overhead, len(calls))
    print(text, end="")
    if args.write:
        path = Path(__file__).resolve().parents[1] / "src" / "corr2d" / "_method_costs.py"
        path.write_text(text)
        print(f"wrote {path} (pip install . to use it)", file=sys.stderr)


if __name__ == "__main__":
    main()
