"""Time corr2d.ndimage against scipy.ndimage (and astropy for NaN
interpolation) on the same inputs, in one run, interleaved.

Cases (the targets of the ndimage issue):
- a 2048x2048 float32 image, 'reflect', square kernels 3..15:
  ``corr2d.ndimage.correlate`` vs ``scipy.ndimage.correlate``;
- a (64, 512, 512) float32 stack, ``axes=(1, 2)``, kernels 3 and 7;
- NaN interpolation on a 2048x2048 float64 image with 1% NaN and a 15x15
  Gaussian kernel: ``correlate(nan_policy='interpolate')`` vs
  ``astropy.convolution.convolve(nan_treatment='interpolate',
  normalize_kernel=False)`` (when astropy is installed).

Results are checked against each other first. Tools run in rounds of one
call each (a new random order each round) and the medians are reported
with ratios (peer time / corr2d time: above 1, corr2d is faster), both
allocating their output and writing into a reused ``output=`` array: a
fresh 64 MiB output costs about as much in page faults as a 3x3 pass over
it.

    python benchmarks/bench_ndimage.py [--quick] [--threads N]
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import scipy.ndimage

import corr2d
from corr2d import ndimage as cn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_correlate2d import interleaved_medians  # noqa: E402


def report(label, tools, pairs=(("ndimage", "corr2d"),)):
    """Time `tools` interleaved; print each tool's median and, for each
    (peer, ours) pair, the ratio peer / ours (above 1: corr2d is faster)."""
    times, rounds = interleaved_medians(tools)
    medians = "  ".join(f"{name} {t:7.1f}" for name, t in times.items())
    ratios = "  ".join(f"{peer}/{ours} {times[peer] / times[ours]:5.1f}x" for peer, ours in pairs)
    print(f"{label:<28} {medians} ms  |  {ratios}  [{rounds} rounds]", flush=True)


ALLOCATING_AND_OUT = (("ndimage", "corr2d"), ("ndimage(out)", "corr2d(out)"))


def check(a, b, what, scale):
    err = np.nanmax(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)))
    if not err <= scale:
        raise SystemExit(f"{what}: results differ by {err:g} (allowed {scale:g})")


def image_cases(kernels, threads):
    rng = np.random.default_rng(0)
    x = rng.random((2048, 2048), dtype=np.float32)
    for k in kernels:
        w = rng.random((k, k)).astype(np.float32)
        check(cn.correlate(x, w, threads=threads), scipy.ndimage.correlate(x, w),
              f"{k}x{k}", 1e-5 * w.sum())
        out = np.empty_like(x)
        report(f"2048^2 f32 {k}x{k}", {
            "corr2d": lambda: cn.correlate(x, w, threads=threads),
            "ndimage": lambda: scipy.ndimage.correlate(x, w),
            "corr2d(out)": lambda: cn.correlate(x, w, output=out, threads=threads),
            "ndimage(out)": lambda: scipy.ndimage.correlate(x, w, output=out),
        }, ALLOCATING_AND_OUT)


def stack_cases(kernels, threads, planes):
    rng = np.random.default_rng(1)
    x = rng.random((planes, 512, 512), dtype=np.float32)
    for k in kernels:
        w = rng.random((k, k)).astype(np.float32)
        check(cn.correlate(x, w, axes=(1, 2), threads=threads),
              scipy.ndimage.correlate(x, w, axes=(1, 2)), f"stack {k}x{k}", 1e-5 * w.sum())
        out = np.empty_like(x)
        report(f"({planes},512,512) f32 {k}x{k}", {
            "corr2d": lambda: cn.correlate(x, w, axes=(1, 2), threads=threads),
            "ndimage": lambda: scipy.ndimage.correlate(x, w, axes=(1, 2)),
            "corr2d(out)": lambda: cn.correlate(x, w, axes=(1, 2), output=out, threads=threads),
            "ndimage(out)": lambda: scipy.ndimage.correlate(x, w, axes=(1, 2), output=out),
        }, ALLOCATING_AND_OUT)


def interpolate_case(threads, side):
    try:
        from astropy.convolution import convolve
    except ImportError:
        print("NaN interpolation: astropy is not installed, skipped")
        return
    rng = np.random.default_rng(2)
    x = rng.random((side, side))
    x[rng.random(x.shape) < 0.01] = np.nan
    g = np.exp(-0.5 * (np.arange(-7, 8) / 3.0) ** 2)
    w = np.outer(g, g) / np.outer(g, g).sum()

    def ours():
        return cn.convolve(x, w, mode="constant", nan_policy="interpolate", threads=threads)

    def astropy():
        return convolve(x, w, boundary="fill", fill_value=0.0, nan_treatment="interpolate",
                        normalize_kernel=False)

    inner = (slice(7, -7), slice(7, -7))  # the edges differ (see docs/nan-policy.rst)
    check(ours()[inner], astropy()[inner], "interpolate", 1e-12)
    report(f"{side}^2 f64 15x15 interpolate", {"corr2d": ours, "astropy": astropy},
           (("astropy", "corr2d"),))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, smaller cases")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    corr2d.show_config()
    if args.quick:
        image_cases([3, 15], args.threads)
        stack_cases([3], args.threads, 8)
        interpolate_case(args.threads, 512)
    else:
        image_cases([3, 5, 7, 9, 11, 15], args.threads)
        stack_cases([3, 7], args.threads, 64)
        interpolate_case(args.threads, 2048)


if __name__ == "__main__":
    main()
