"""Times corr2d.functional's conv2d forward and backward (conv2d_input +
conv2d_weight) against PyTorch's CPU convolution and a NumPy im2col
baseline, in one process, on ResNet-style layers and a depthwise layer.

    python benchmarks/bench_conv2d.py            # the full layers (N = 32, 8)
    python benchmarks/bench_conv2d.py --quick    # small batches, a fast run

PyTorch is optional (``pip install torch==2.13.0``); it runs with
``torch.set_num_threads`` equal to corr2d's OpenMP thread count. Every tool's
result is checked against corr2d's. Times are the best of --repeat runs, in
milliseconds; ratios > 1 mean corr2d is faster. Tools are separated by a
short pause: BLAS worker threads keep spinning after a call.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import corr2d
from corr2d import _ccore
from corr2d.functional import conv2d, conv2d_input, conv2d_weight

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # optional
    torch = None

# (name, N, C_in, H, W, C_out, k, stride, pad, groups)
LAYERS = [
    ("conv1 7x7/2", 8, 3, 224, 224, 64, 7, 2, 3, 1),
    ("3x3 64", 32, 64, 56, 56, 64, 3, 1, 1, 1),
    ("3x3 128", 32, 128, 28, 28, 128, 3, 1, 1, 1),
    ("3x3 256", 32, 256, 14, 14, 256, 3, 1, 1, 1),
    ("1x1 64->256", 32, 64, 56, 56, 256, 1, 1, 0, 1),
    ("dw 3x3 128", 32, 128, 56, 56, 128, 3, 1, 1, 128),
]


# ---------------------------------------------------------------------------
# NumPy im2col baseline
# ---------------------------------------------------------------------------
def np_im2col(x, k, stride, pad):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = sliding_window_view(xp, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]
    return win  # (N, C, OH, OW, k, k), a view


def np_forward(x, w, stride, pad, groups):
    win = np_im2col(x, w.shape[2], stride, pad)
    if groups == 1:
        n, c, oh, ow = win.shape[:4]
        cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, -1)
        y = cols @ w.reshape(w.shape[0], -1).T
        return y.reshape(n, oh, ow, -1).transpose(0, 3, 1, 2)
    return np.einsum("nchwpq,cpq->nchw", win, w[:, 0])  # depthwise


def np_backward(x, w, gy, stride, pad, groups):
    n, c, h, wd = x.shape
    k = w.shape[2]
    win = np_im2col(x, k, stride, pad)
    oh, ow = gy.shape[2:]
    gxp = np.zeros((n, c, h + 2 * pad, wd + 2 * pad), x.dtype)
    if groups == 1:
        cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, -1)
        gy2 = gy.transpose(0, 2, 3, 1).reshape(n * oh * ow, -1)
        gw = (gy2.T @ cols).reshape(w.shape)
        dcols = (gy2 @ w.reshape(w.shape[0], -1)).reshape(n, oh, ow, c, k, k)
        for p in range(k):
            for q in range(k):
                gxp[:, :, p:p + stride * oh:stride, q:q + stride * ow:stride] += \
                    dcols[..., p, q].transpose(0, 3, 1, 2)
    else:
        gw = np.einsum("nchwpq,nchw->cpq", win, gy)[:, None]
        for p in range(k):
            for q in range(k):
                gxp[:, :, p:p + stride * oh:stride, q:q + stride * ow:stride] += \
                    gy * w[:, 0, p, q][None, :, None, None]
    return gxp[:, :, pad:pad + h, pad:pad + wd], gw


# ---------------------------------------------------------------------------
def best_ms(fn, repeat):
    times = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    time.sleep(0.2)  # let BLAS / OpenMP worker threads go idle before the next tool
    return 1e3 * min(times), result


def close(a, b, what, name):
    a, b = np.asarray(a), np.asarray(b)
    scale = max(1.0, float(np.abs(b).max()))
    if a.shape != b.shape or not np.allclose(a, b, rtol=1e-3, atol=1e-4 * scale):
        raise SystemExit(f"MISMATCH in {name}: {what} (max diff "
                         f"{np.abs(a - b).max() if a.shape == b.shape else 'shape'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller batches (N = 2-4)")
    parser.add_argument("--repeat", type=int, default=None, help="runs per timing")
    parser.add_argument("--no-numpy", action="store_true", help="skip the NumPy baseline")
    args = parser.parse_args()
    repeat = args.repeat or (2 if args.quick else 3)
    threads = _ccore.max_threads()
    if torch is not None:
        torch.set_num_threads(threads)
    print(f"corr2d {corr2d.__version__}, {threads} threads, float32, best of {repeat}"
          + ("" if torch is None else f"; torch {torch.__version__}"))
    header = (f"{'layer':<14}{'N':>3} {'pass':<4}{'corr2d':>9}{'torch':>9}{'numpy':>9}"
              f"{'torch/ours':>11}{'numpy/ours':>11}")
    print(header)
    print("-" * len(header))
    rng = np.random.default_rng(0)
    for name, n, c_in, h, w_, c_out, k, stride, pad, groups in LAYERS:
        if args.quick:
            n = 2 if n <= 8 else 4
        x = rng.standard_normal((n, c_in, h, w_), dtype=np.float32)
        w = rng.standard_normal((c_out, c_in // groups, k, k), dtype=np.float32)
        w *= np.float32(1 / np.sqrt(w[0].size))
        kw = dict(stride=stride, padding=pad, groups=groups)
        t_ours, y = best_ms(lambda: conv2d(x, w, **kw), repeat)
        gy = rng.standard_normal(y.shape, dtype=np.float32)
        t_ours_b, (gx, gw) = best_ms(
            lambda: (conv2d_input(x.shape, w, gy, **kw), conv2d_weight(x, w.shape, gy, **kw)),
            repeat)
        row = {"fwd": [t_ours, None, None], "bwd": [t_ours_b, None, None]}
        if torch is not None:
            tx, tw, tgy = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(gy)
            with torch.no_grad():
                t, ty = best_ms(lambda: F.conv2d(tx, tw, None, stride, pad, 1, groups), repeat)
                close(y, ty.numpy(), "forward vs torch", name)
                row["fwd"][1] = t
                t, (tgx, tgw, _) = best_ms(lambda: torch.ops.aten.convolution_backward(
                    tgy, tx, tw, None, [stride] * 2, [pad] * 2, [1, 1], False, [0, 0], groups,
                    [True, True, False]), repeat)
                close(gx, tgx.numpy(), "grad input vs torch", name)
                close(gw, tgw.numpy(), "grad weight vs torch", name)
                row["bwd"][1] = t
        if not args.no_numpy:
            t, ny = best_ms(lambda: np_forward(x, w, stride, pad, groups), max(1, repeat - 1))
            close(y, ny, "forward vs numpy", name)
            row["fwd"][2] = t
            t, (ngx, ngw) = best_ms(lambda: np_backward(x, w, gy, stride, pad, groups),
                                    max(1, repeat - 1))
            close(gx, ngx, "grad input vs numpy", name)
            close(gw, ngw, "grad weight vs numpy", name)
            row["bwd"][2] = t
        for pas, (ours, tt, tn) in row.items():
            fmt = lambda v: f"{v:9.1f}" if v is not None else f"{'-':>9}"  # noqa: E731
            ratio = lambda v: f"{v / ours:11.2f}" if v is not None else f"{'-':>11}"  # noqa: E731
            print(f"{name:<14}{n:>3} {pas:<4}{fmt(ours)}{fmt(tt)}{fmt(tn)}{ratio(tt)}{ratio(tn)}",
                  flush=True)
    print("all results agree (rtol 1e-3)")


if __name__ == "__main__":
    main()
