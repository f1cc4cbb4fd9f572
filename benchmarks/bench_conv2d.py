"""Times corr2d.functional's conv2d, conv2d_input and conv2d_weight against
PyTorch's CPU convolution on every distinct layer of ResNet-50 and
MobileNet-v2 (224x224 inputs), in one process.

    python benchmarks/bench_conv2d.py                  # every layer, float32
    python benchmarks/bench_conv2d.py --dtype float64
    python benchmarks/bench_conv2d.py --only dw --rounds 7
    python benchmarks/bench_conv2d.py --quick          # batch 2, 3 rounds

The tools are interleaved (corr2d, torch, corr2d, torch, ...) for each
pass, over --rounds rounds; the table gives the median of each tool's times
in milliseconds and the ratio torch / corr2d of the medians (above 1:
corr2d is faster). The machines this runs on are shared and noisy: judge
the ratios, not the absolute times. Every result is checked against
torch's once, before timing. PyTorch is required
(``pip install torch==2.13.0``); it runs with ``torch.set_num_threads``
equal to corr2d's OpenMP thread count. Batch 16, the stem 8 (--batch
scales both). The method column says which of corr2d's methods runs the
forward pass.

``--ceiling`` also measures the fastest matrix product this machine runs
(NumPy's BLAS on a 4096x4096x4096 product, same dtype and thread count) and
lists the 1x1 layer-passes (plain matrix products, with no cheaper
algorithm) where the target, 1.2x torch in float32 and 1.0x in float64,
would need a higher rate than that. ``benchmarks/fma_peak.c`` measures the
cores' own multiply-add peak.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import corr2d
from corr2d import _ccore, _cpu_conv
from corr2d.functional import conv2d, conv2d_input, conv2d_weight

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # optional
    torch = None

# (name, batch, C_in, H, C_out, k, stride, groups); square inputs, padding
# k // 2 as both networks use. Batch 16, the stem 8 (the sizes).
RESNET50 = [
    ("r50 stem 7x7/2 3->64 @224", 8, 3, 224, 64, 7, 2, 1),
    ("r50 1x1 64->64 @56", 16, 64, 56, 64, 1, 1, 1),
    ("r50 3x3 64 @56", 16, 64, 56, 64, 3, 1, 1),
    ("r50 1x1 64->256 @56", 16, 64, 56, 256, 1, 1, 1),
    ("r50 1x1 256->64 @56", 16, 256, 56, 64, 1, 1, 1),
    ("r50 1x1 256->128 @56", 16, 256, 56, 128, 1, 1, 1),
    ("r50 3x3/2 128 @56", 16, 128, 56, 128, 3, 2, 1),
    ("r50 1x1/2 256->512 @56", 16, 256, 56, 512, 1, 2, 1),
    ("r50 3x3 128 @28", 16, 128, 28, 128, 3, 1, 1),
    ("r50 1x1 128->512 @28", 16, 128, 28, 512, 1, 1, 1),
    ("r50 1x1 512->128 @28", 16, 512, 28, 128, 1, 1, 1),
    ("r50 1x1 512->256 @28", 16, 512, 28, 256, 1, 1, 1),
    ("r50 3x3/2 256 @28", 16, 256, 28, 256, 3, 2, 1),
    ("r50 1x1/2 512->1024 @28", 16, 512, 28, 1024, 1, 2, 1),
    ("r50 3x3 256 @14", 16, 256, 14, 256, 3, 1, 1),
    ("r50 1x1 256->1024 @14", 16, 256, 14, 1024, 1, 1, 1),
    ("r50 1x1 1024->256 @14", 16, 1024, 14, 256, 1, 1, 1),
    ("r50 1x1 1024->512 @14", 16, 1024, 14, 512, 1, 1, 1),
    ("r50 3x3/2 512 @14", 16, 512, 14, 512, 3, 2, 1),
    ("r50 1x1/2 1024->2048 @14", 16, 1024, 14, 2048, 1, 2, 1),
    ("r50 3x3 512 @7", 16, 512, 7, 512, 3, 1, 1),
    ("r50 1x1 512->2048 @7", 16, 512, 7, 2048, 1, 1, 1),
    ("r50 1x1 2048->512 @7", 16, 2048, 7, 512, 1, 1, 1),
]

MOBILENET_V2 = [
    ("mv2 stem 3x3/2 3->32 @224", 16, 3, 224, 32, 3, 2, 1),
    ("mv2 dw 3x3 32 @112", 16, 32, 112, 32, 3, 1, 32),
    ("mv2 pw 32->16 @112", 16, 32, 112, 16, 1, 1, 1),
    ("mv2 pw 16->96 @112", 16, 16, 112, 96, 1, 1, 1),
    ("mv2 dw 3x3/2 96 @112", 16, 96, 112, 96, 3, 2, 96),
    ("mv2 pw 96->24 @56", 16, 96, 56, 24, 1, 1, 1),
    ("mv2 pw 24->144 @56", 16, 24, 56, 144, 1, 1, 1),
    ("mv2 dw 3x3 144 @56", 16, 144, 56, 144, 3, 1, 144),
    ("mv2 pw 144->24 @56", 16, 144, 56, 24, 1, 1, 1),
    ("mv2 dw 3x3/2 144 @56", 16, 144, 56, 144, 3, 2, 144),
    ("mv2 pw 144->32 @28", 16, 144, 28, 32, 1, 1, 1),
    ("mv2 pw 32->192 @28", 16, 32, 28, 192, 1, 1, 1),
    ("mv2 dw 3x3 192 @28", 16, 192, 28, 192, 3, 1, 192),
    ("mv2 pw 192->32 @28", 16, 192, 28, 32, 1, 1, 1),
    ("mv2 dw 3x3/2 192 @28", 16, 192, 28, 192, 3, 2, 192),
    ("mv2 pw 192->64 @14", 16, 192, 14, 64, 1, 1, 1),
    ("mv2 pw 64->384 @14", 16, 64, 14, 384, 1, 1, 1),
    ("mv2 dw 3x3 384 @14", 16, 384, 14, 384, 3, 1, 384),
    ("mv2 pw 384->64 @14", 16, 384, 14, 64, 1, 1, 1),
    ("mv2 pw 384->96 @14", 16, 384, 14, 96, 1, 1, 1),
    ("mv2 pw 96->576 @14", 16, 96, 14, 576, 1, 1, 1),
    ("mv2 dw 3x3 576 @14", 16, 576, 14, 576, 3, 1, 576),
    ("mv2 pw 576->96 @14", 16, 576, 14, 96, 1, 1, 1),
    ("mv2 dw 3x3/2 576 @14", 16, 576, 14, 576, 3, 2, 576),
    ("mv2 pw 576->160 @7", 16, 576, 7, 160, 1, 1, 1),
    ("mv2 pw 160->960 @7", 16, 160, 7, 960, 1, 1, 1),
    ("mv2 dw 3x3 960 @7", 16, 960, 7, 960, 3, 1, 960),
    ("mv2 pw 960->160 @7", 16, 960, 7, 160, 1, 1, 1),
    ("mv2 pw 960->320 @7", 16, 960, 7, 320, 1, 1, 1),
    ("mv2 pw 320->1280 @7", 16, 320, 7, 1280, 1, 1, 1),
]

LAYERS = RESNET50 + MOBILENET_V2

#: The target ratio, torch time / corr2d time, per dtype (--ceiling).
TARGET = {"float32": 1.2, "float64": 1.0}


def method(c_in: int, c_out: int, k: int, stride: int, groups: int) -> str:
    """corr2d's method for the forward pass of this layer (see corr2d._cpu_conv)."""
    if _cpu_conv._is_depthwise(c_in, c_out, groups, (stride, stride), (1, 1)):
        return "depthwise"
    if k == 1 and stride == 1:
        return "1x1 GEMM"
    if _cpu_conv._use_winograd((k, k), (stride, stride), (1, 1), c_in // groups,
                               c_out // groups):
        return "Winograd"
    return "im2col+GEMM"


def check(ours, theirs, what: str, name: str) -> None:
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    scale = float(np.abs(theirs).max()) or 1.0
    tol = (1e-4 if ours.dtype == np.float32 else 1e-10) * scale
    err = float(np.abs(ours - theirs).max())
    if ours.shape != theirs.shape or err > tol:
        raise SystemExit(f"MISMATCH in {name}, {what}: max |diff| {err:.3g} > {tol:.3g}")


def layer_flops(n: int, c_in: int, h: int, c_out: int, k: int, stride: int,
                groups: int) -> float:
    """Floating-point operations of the direct convolution (2 per multiply-add);
    each of the three passes has the same count."""
    out = (h + 2 * (k // 2) - k) // stride + 1
    return 2.0 * n * out * out * c_out * (c_in // groups) * k * k


def gemm_rate(dtype: np.dtype, threads: int, size: int = 4096, reps: int = 5) -> float:
    """Median GFlop/s of NumPy's matrix product of two size x size matrices
    with BLAS on `threads` threads: the fastest product this machine runs."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(1)
    a = rng.random((size, size)).astype(dtype)
    b = rng.random((size, size)).astype(dtype)
    with threadpool_limits(threads, user_api="blas"):
        a @ b
        times = [seconds(lambda: a @ b) for _ in range(reps)]
    return 2.0 * size ** 3 / statistics.median(times) / 1e9


def seconds(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (median)")
    parser.add_argument("--batch", type=float, default=1.0, help="scale the batch sizes")
    parser.add_argument("--only", action="append", default=[],
                        help="run only layers whose name contains this (repeatable)")
    parser.add_argument("--quick", action="store_true", help="batch 2, 3 rounds")
    parser.add_argument("--ceiling", action="store_true",
                        help="measure the best GEMM rate and list the 1x1 layer-passes whose "
                        "target (1.2x torch in float32, 1.0x in float64) is above it")
    args = parser.parse_args()
    if torch is None:
        raise SystemExit("bench_conv2d needs PyTorch: pip install torch==2.13.0")
    if args.quick:
        args.rounds = min(args.rounds, 3)
    dtype = np.dtype(args.dtype)
    threads = _ccore.max_threads()
    torch.set_num_threads(threads)
    print(f"corr2d {corr2d.__version__} (simd {_ccore.simd_level()}), "
          f"torch {torch.__version__}, {threads} threads, {dtype}, median of {args.rounds} "
          "interleaved rounds; ratio = torch / corr2d")
    header = (f"{'layer':<27}{'N':>3} {'method':<12}"
              + "".join(f"{p + ' ms':>10}{'torch':>8}{'ratio':>7}" for p in ("fwd", "gin", "gw")))
    best_gemm = gemm_rate(dtype, threads) if args.ceiling else None
    target = TARGET[dtype.name]
    if best_gemm:
        print(f"best GEMM here: {best_gemm:.0f} GFlop/s (NumPy's BLAS, 4096^3, {threads} threads)")
    print(header)
    print("-" * len(header))
    rng = np.random.default_rng(0)
    worst = []
    above_ceiling = []
    for name, n, c_in, h, c_out, k, stride, groups in LAYERS:
        if args.only and not any(s in name for s in args.only):
            continue
        n = 2 if args.quick else max(1, round(n * args.batch))
        pad = k // 2
        x = rng.standard_normal((n, c_in, h, h)).astype(dtype)
        w = (rng.standard_normal((c_out, c_in // groups, k, k))
             / np.sqrt(c_in // groups * k * k)).astype(dtype)
        kw = dict(stride=stride, padding=pad, groups=groups)
        y = conv2d(x, w, **kw)
        gy = rng.standard_normal(y.shape).astype(dtype)
        tx, tw, tgy = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(gy)
        geometry = ([stride] * 2, [pad] * 2, [1, 1], False, [0, 0], groups)
        ours = {
            "fwd": lambda: conv2d(x, w, **kw),
            "gin": lambda: conv2d_input(x.shape, w, gy, **kw),
            "gw": lambda: conv2d_weight(x, w.shape, gy, **kw),
        }
        theirs = {
            "fwd": lambda: F.conv2d(tx, tw, None, stride, pad, 1, groups),
            "gin": lambda: torch.ops.aten.convolution_backward(
                tgy, tx, tw, None, *geometry, [True, False, False])[0],
            "gw": lambda: torch.ops.aten.convolution_backward(
                tgy, tx, tw, None, *geometry, [False, True, False])[1],
        }
        cells = []
        with torch.no_grad():
            for pas in ours:
                check(ours[pas](), theirs[pas]().numpy(), pas, name)
                t_ours, t_theirs = [], []
                for _ in range(args.rounds):
                    t_ours.append(seconds(ours[pas]))
                    t_theirs.append(seconds(theirs[pas]))
                a, b = statistics.median(t_ours), statistics.median(t_theirs)
                cells.append(f"{1e3 * a:10.2f}{1e3 * b:8.2f}{b / a:7.2f}")
                worst.append((b / a, name, pas))
                needed = target * layer_flops(n, c_in, h, c_out, k, stride, groups) / b / 1e9
                if best_gemm and k == 1 and needed > best_gemm:
                    above_ceiling.append(f"{name} {pas}: torch {needed / target:.0f}, "
                                         f"{target}x needs {needed:.0f} GFlop/s")
        print(f"{name:<27}{n:>3} {method(c_in, c_out, k, stride, groups):<12}"
              + "".join(cells), flush=True)
    worst.sort()
    print("all results agree with torch; lowest ratios: "
          + ", ".join(f"{r:.2f} {name} {pas}" for r, name, pas in worst[:5]))
    if best_gemm:
        print(f"1x1 layer-passes whose {target}x target is above the best GEMM ({best_gemm:.0f} "
              f"GFlop/s): {len(above_ceiling)}")
        for line in above_ceiling:
            print("  " + line)


if __name__ == "__main__":
    main()
